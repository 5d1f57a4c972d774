"""Benchmark: reading the Schutzsuchende zip as delivered against its unpacked member.

Each measurement runs in a fresh process (peak RSS is per process):

1. baseline: the member (33,5 MB ffcsv, 116.738 lines) unpacked beforehand and read with
   ``ibislib.read`` as a plain flat CSV;
2. the zip as the GENESIS API delivered it, read with ``ibislib.read`` (member streamed to a
   temporary file, read by the same loader, sums over flat classifications added);
3. the store: ``store.build`` of data/raw into a fresh folder and ``store.load`` plus the
   engine's ``prepare`` in a new process (what every batch process pays).

Prints wall-clock seconds, peak RSS and the ratio zip / unpacked.

Usage: ``python benchmarks/zipped.py [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ZIP = ROOT / "data/raw/genesis_flat/12531-0043__schutzsuchende_kreise_2024-12-31_ffcsv.zip"

_READ = """
import json, resource, sys, time
from ibislib.sources import read
t = time.perf_counter()
df = read(sys.argv[1])
print(json.dumps({"s": time.perf_counter() - t, "rows": len(df),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_STORE = """
import json, resource, sys, time
from pathlib import Path
from ibislib import store
out = Path(sys.argv[1])
if sys.argv[2] == "build":
    t = time.perf_counter()
    r = store.build(raw=Path("data/raw"), processed=out, force=True)
    store.load(processed=out)  # writes the consolidated file, as the first report does
    res = {"s": time.perf_counter() - t, "rows": sum(e["rows"] for e in store.read_manifest(out)["files"].values())}
else:
    from ibislib.indicators import engine
    t = time.perf_counter()
    df = store.load(processed=out)
    engine.prepare(df)
    res = {"s": time.perf_counter() - t, "rows": len(df)}
res["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(res))
"""


def run(code: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best(code: str, args: list[str], repeat: int) -> dict:
    runs = [run(code, *args) for _ in range(repeat)]
    return min(runs, key=lambda r: r["s"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(ZIP) as zf:
            (name,) = zf.namelist()
            member = Path(tmp) / name
            member.write_bytes(zf.read(name))
        base = best(_READ, [str(member)], a.repeat)
        zipped = best(_READ, [str(ZIP)], a.repeat)
        print(f"unpacked member : {base['s']:6.2f} s  {base['rss']:6.0f} MB  {base['rows']} rows")
        print(
            f"zip as delivered: {zipped['s']:6.2f} s  {zipped['rss']:6.0f} MB  {zipped['rows']} rows"
        )
        print(
            f"ratio zip/unpacked: time {zipped['s'] / base['s']:.2f}, "
            f"peak RSS {zipped['rss'] / base['rss']:.2f}"
        )
        store_dir = str(Path(tmp) / "processed")
        build = run(_STORE, store_dir, "build")
        load = best(_STORE, [store_dir, "load"], a.repeat)
        print(
            f"store build+consolidate: {build['s']:6.2f} s  {build['rss']:6.0f} MB  {build['rows']} rows"
        )
        print(
            f"store load+prepare     : {load['s']:6.2f} s  {load['rss']:6.0f} MB  {load['rows']} rows"
        )


if __name__ == "__main__":
    main()
