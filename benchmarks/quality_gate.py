"""Benchmark-style run of the report-quality gate over the fixed sample (issue 10, item 7).

Builds the units of ``ibislib/report/quality_sample.yml`` (HTML and PDF, with the batch runner:
warm kernels, ``--jobs`` workers, incremental) into ``reports/qualitaetspruefung/`` and inspects
each report with :mod:`ibislib.report.quality`. It prints the German table per unit, the number
of findings per kind, the build seconds per report and, as the ratio measured in the same run,
the time the inspection takes against the time the builds took.

    .venv/bin/python benchmarks/quality_gate.py                  # the whole sample (≥ 30)
    .venv/bin/python benchmarks/quality_gate.py --limit 10       # a stratified part
    .venv/bin/python benchmarks/quality_gate.py --markdown gate.md --json gate.json

Exit code 1 when the gate has findings (as ``ibis check --sample``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ibislib import paths  # noqa: E402
from ibislib.report import quality  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N units")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--ohne-pdf", action="store_true", help="HTML only")
    ap.add_argument("--markdown", type=Path, default=None, help="write the table as Markdown")
    ap.add_argument("--json", type=Path, default=None, help="write all findings as JSON")
    args = ap.parse_args()

    units, _ = quality.load_sample()
    units = units[: args.limit] if args.limit else units
    out = args.out or paths.reports_dir() / "qualitaetspruefung"
    formats = ("html",) if args.ohne_pdf else ("html", "pdf")
    started = time.perf_counter()
    result = quality.run_sample(units, out, formats=formats, jobs=args.jobs)
    wall = time.perf_counter() - started

    # the inspection alone, again, to set it against the builds (the baseline of this run)
    t0 = time.perf_counter()
    for u in units:
        if (out / u.ags).exists():
            quality.check_report(out / u.ags, u.name, pdf="pdf" in formats)
    inspect = time.perf_counter() - t0
    build_s = []
    for u in units:
        m = out / u.ags / "manifest.json"
        if m.exists():
            build_s.append(json.loads(m.read_text(encoding="utf-8")).get("seconds", 0.0))

    print(quality.table(result.rows))
    print("\nBefunde nach Art:")
    counts = Counter(f.kind for f in result.findings)
    units_with = {k: len({f.unit for f in result.findings if f.kind == k}) for k in counts}
    for kind, label in quality.KINDS.items():
        print(f"  {label:<48} {counts[kind]:>5}  in {units_with.get(kind, 0):>2} Einheiten")
    total_build = sum(build_s)
    print(
        f"\n{len(units)} Einheiten, Lauf {wall:.0f} s (Bau und Prüfung, {args.jobs} Worker); "
        f"Bau je Bericht im Mittel {total_build / max(len(build_s), 1):.1f} s "
        f"(Summe {total_build:.0f} s); Prüfung aller Berichte {inspect:.1f} s = "
        f"{inspect / max(total_build, 1e-9):.3f} × der Bauzeit."
    )
    if args.markdown:
        args.markdown.write_text(quality.markdown_table(result.rows) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {"ags": a, "name": n, "exit": c, "findings": [f.to_dict() for f in fs]}
                    for a, n, c, fs in result.rows
                ],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
