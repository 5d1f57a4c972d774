"""The hostile-input campaign (tests/hostile/campaign.py) in make test: every fast case must end
in a clear error, a correct reading or a recorded warning – never a traceback, a hang, a wrong
or unchecked number, a leak or a refused valid file. The large cases (10^6 columns) run in
``scripts/hostile_campaign.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

import campaign  # noqa: E402

CASES = campaign.cases()
FAST = [c for c in CASES if not c.large]


def test_campaign_is_large_and_covers_every_format() -> None:
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    prefixes = {c.name.split("_")[0] for c in CASES}
    assert {"table", "flat", "json", "ba", "delivery", "spss", "store", "survey"} <= prefixes
    expected = {c.expect for c in CASES}
    assert expected == {"error", "accept", "warn"}


def test_generator_is_seeded() -> None:
    a = [(c.name, c.what) for c in campaign.cases()]
    b = [(c.name, c.what) for c in campaign.cases()]
    assert a == b


@pytest.mark.parametrize("case", FAST, ids=[c.name for c in FAST])
def test_hostile_case(case: campaign.Case, tmp_path: Path) -> None:
    outcome, detail = campaign.run_case(case, tmp_path / case.name)
    want = {"error": "clear error", "accept": "accepted-correct", "warn": "warning"}[case.expect]
    assert outcome == want, f"{case.name} ({case.what}): {outcome} – {detail}"


def test_cli_read_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    import os
    import subprocess

    fifo = tmp_path / "daten.csv"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "ibislib.cli", "read", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("Fehler:") and "Pipe" in proc.stderr
