"""Run the hostile-input campaign (tests/hostile/campaign.py) and print one line per case.

    .venv/bin/python scripts/hostile_campaign.py          # all cases, incl. the large ones
    .venv/bin/python scripts/hostile_campaign.py --fast   # what make test runs

Exit code 0 when every case ends in a clear error, a correct reading or a recorded warning.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
sys.path.insert(0, str(ROOT))

import campaign  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="ohne die großen Fälle (10^6 Spalten)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibis-hostile-") as tmp:
        totals = campaign.run_all(Path(tmp), fast=args.fast)
    return 0 if all(totals[k] == 0 for k in campaign.BAD) else 1


if __name__ == "__main__":
    raise SystemExit(main())
