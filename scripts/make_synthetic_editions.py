"""Generate SYNTHETIC example deliveries of Ibbenbüren for the editions 2023 and 2024.

There is no real second or third delivery, so this script derives seeded, reproducible stand-ins
from the real 2022 delivery (data/raw/ibbenbueren/lieferung_2022.csv): every Stichtag moves one
year per edition, counts change by a drawn yearly rate (the foreign population faster than the
total; parts follow their total so they never exceed it), percentages by a drawn number of
percentage points. Every row says "SYNTHETISCH" in its source and note, the file header says so,
and the files live outside data/raw/ (data/synthetic/ibbenbueren/), so the store and the default
example report never load them; only `ibis report --edition` uses them, and says so.

Run:  python scripts/make_synthetic_editions.py [OUT_DIR]
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "raw" / "ibbenbueren" / "lieferung_2022.csv"
OUT = ROOT / "data" / "synthetic" / "ibbenbueren"
SEED = 2022
YEARS = (2023, 2024)
LABEL = "SYNTHETISCH (ibis-Beispiel, abgeleitet aus der Lieferung 2022)"

#: Mean and spread of the yearly rate of change of counts, by kind of row.
RATES = {"foreign": (0.045, 0.02), "other": (0.005, 0.01)}


def _num(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _fmt_count(x: float) -> str:
    return f"{round(x):,}".replace(",", ".")


def _fmt_pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _shift(stichtag: str, years: int) -> str:
    if m := re.fullmatch(r"(\d{2}\.\d{2}\.)(\d{4})", stichtag):
        return f"{m[1]}{int(m[2]) + years}"
    if m := re.fullmatch(r"(\d{4})/(\d{2})", stichtag):
        start = int(m[1]) + years
        return f"{start}/{(start + 1) % 100:02d}"
    if re.fullmatch(r"\d{4}", stichtag):
        return str(int(stichtag) + years)
    raise ValueError(f"unbekannter Stichtag {stichtag!r}")


def make(year: int, rng: np.random.Generator) -> str:
    text = SOURCE.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    header_idx = next(i for i, ln in enumerate(lines) if ln.startswith("ags;"))
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(ln for ln in lines[header_idx:] if not ln.startswith("#"))),
            delimiter=";",
        )
    )
    k = year - 2022
    # one drawn rate per kind and year, compounded over the editions
    factor = {
        kind: float(np.prod(1 + rng.normal(mu, sd, size=k))) for kind, (mu, sd) in RATES.items()
    }
    out_rows = []
    for r in rows:
        r = dict(r)
        r["stichtag"] = _shift(r["stichtag"], k)
        value = _num(r["wert"])
        if r["einheit"] == "Prozent":
            value = min(100.0, max(0.0, value + float(rng.normal(0.4 * k, 0.8))))
            r["wert"] = _fmt_pct(value)
        else:
            kind = "foreign" if r["nationalitaet"] == "ausländisch" else "other"
            # parts (age groups, districts, categories) follow their total with a little noise
            part = any(r[c] for c in ("stadtteil", "altersgruppe", "kategorie"))
            noise = float(rng.normal(0, 0.01)) if part else 0.0
            r["wert"] = _fmt_count(value * factor[kind] * (1 + min(noise, 0.0)))
        r["quelle"] = LABEL
        r["anmerkung"] = "synthetischer Beispielwert" + (
            f"; Vorlage: {r['anmerkung']}" if r["anmerkung"] else ""
        )
        out_rows.append(r)
    buf = io.StringIO()
    buf.write(
        f"# SYNTHETISCHE Beispiel-Lieferung der Stadt Ibbenbüren für die Ausgabe {year} – KEINE ECHTEN ZAHLEN.\n"
        "# Erzeugt von scripts/make_synthetic_editions.py (Seed "
        f"{SEED}) aus data/raw/ibbenbueren/lieferung_2022.csv:\n"
        "# Stichtage je Ausgabe ein Jahr später, Anzahlen mit gezogener Jahresrate, Anteile mit\n"
        "# gezogenen Prozentpunkten verändert. Nur für Beispiele der Ausgabenvergleiche; nicht von Hand ändern.\n"
    )
    w = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), delimiter=";", lineterminator="\n")
    w.writeheader()
    w.writerows(out_rows)
    return buf.getvalue()


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for year in YEARS:
        target = out / f"lieferung_{year}.csv"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(make(year, rng), encoding="utf-8")
        tmp.replace(target)
        print(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
