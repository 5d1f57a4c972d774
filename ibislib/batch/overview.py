"""The overview page of a batch: ``<out>/index.html`` plus ``uebersicht.csv`` / ``.xlsx``.

One row per municipality with key indicators (German number formats), a link to its report,
and — for failed ones — the error. Columns sort on a click on the header (a few lines of
plain JavaScript, no internet needed). The page is rewritten only when its content changed.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import fmt
from ..atomic import atomic_path, write_text

if TYPE_CHECKING:
    from .runner import BatchResult

#: Indicator ids shown when the catalogue has them (first that exist, in this order).
KEY_INDICATORS = [
    "bev_insgesamt",
    "ausl_anteil",
    "einwanderungsgeschichte_anteil",
    "bev_entwicklung",
    "svb_ausl_anteil",
    "arbeitslose_ausl_anteil",
]

STATUS_LABEL = {"done": "fertig", "skipped": "fertig", "failed": "fehlgeschlagen"}

_SCRIPT = """
document.querySelectorAll('th[data-col]').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], col = +th.dataset.col;
    var asc = th.dataset.dir !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = asc ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
      var nx = parseFloat(x), ny = parseFloat(y), r;
      if (x === '' && y !== '') return 1;
      if (y === '' && x !== '') return -1;
      r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'de');
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; }
th { cursor: pointer; background: #f3f3f3; text-align: left; user-select: none; }
th[data-dir="asc"]::after { content: " ▲"; } th[data-dir="desc"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; }
.error { color: #a00; font-size: 0.85em; }
.source { color: #555; font-size: 0.85em; margin-top: 1em; }
"""


def indicator_frame(ags: list[str]) -> tuple[pd.DataFrame, dict[str, dict], list[str]]:
    """Latest value of each key indicator per municipality: (values, meta by column, sources)."""
    try:
        from ..indicators import catalog, compute
    except ImportError:
        return pd.DataFrame(index=ags), {}, []
    cat = catalog()
    ids = [i for i in KEY_INDICATORS if i in cat]
    if not ids or not ags:
        return pd.DataFrame(index=ags), {}, []
    from ..tidy import DIMENSIONS, TOTAL

    res = compute(ids=ids, regions=ags)
    keep = res["region"].isin(ags) & res["value"].notna()
    for dim in DIMENSIONS:  # only the headline value, not its breakdowns
        if dim in res:
            keep &= res[dim] == TOTAL
    res = res[keep]
    values = pd.DataFrame(index=ags)
    meta: dict[str, dict] = {}
    sources: list[str] = []
    for iid in ids:
        sub = res[res["indicator_id"] == iid]
        if sub.empty:
            continue
        latest = sub.sort_values("period").groupby("region").tail(1).set_index("region")
        ind = cat[iid]
        label = getattr(ind, "title", iid)
        values[label] = latest["value"].reindex(ags)
        periods = sorted(latest["period"].astype(str).unique())
        meta[label] = {
            "decimals": getattr(ind, "decimals", 1),
            "unit": getattr(ind, "unit", ""),
            "period": fmt.period(periods[-1])
            if len(periods) == 1
            else f"{fmt.period(periods[0])}–{fmt.period(periods[-1])}",
        }
        for part in str(getattr(ind, "source", "") or "").split(";"):
            if part.strip() and part.strip() not in sources:
                sources.append(part.strip())
    return values, meta, sources


def _fmt_value(value: float, decimals: int, unit: str) -> str:
    if pd.isna(value):
        return "–"
    if unit in ("%", "Prozent"):
        return fmt.percent(value, decimals)
    return fmt.number(value, decimals)


def write_overview(out: Path, result: BatchResult) -> Path:
    """Write index.html, uebersicht.csv and uebersicht.xlsx into `out`; return the page."""
    from ..regions import registry
    from .worker import read_stamp

    ags = list(result.outcomes)
    stamps = {a: read_stamp(out / a) or {} for a in ags}
    # The page depends only on these; if they are as last time, nothing is recomputed.
    state = json.dumps(
        [
            [
                a,
                STATUS_LABEL[result.outcomes[a].status],
                stamps[a].get("key", ""),
                result.outcomes[a].error or "",
            ]
            for a in ags
        ],
        ensure_ascii=False,
    )
    page = out / "index.html"
    state_file = out / ".batch" / "overview.json"
    if page.exists() and state_file.exists() and state_file.read_text(encoding="utf-8") == state:
        return page
    reg = registry()
    names = {a: reg.name_of(a, default="") for a in ags}
    known = [a for a in ags if names[a]]
    values, meta, sources = indicator_frame(known)
    table = pd.DataFrame(
        {
            "AGS": ags,
            "Gemeinde": [names[a] or "(unbekannt)" for a in ags],
            "Status": [STATUS_LABEL[result.outcomes[a].status] for a in ags],
            "Stand": [
                fmt.date(stamps[a]["finished"][:10]) if stamps[a].get("finished") else ""
                for a in ags
            ],
        }
    )
    for col in values.columns:
        table[col] = [values[col].get(a) if a in values.index else float("nan") for a in ags]
    table["Fehler"] = [result.outcomes[a].error or "" for a in ags]
    # downloads: numbers rounded as shown, unit and period in the column name
    export = table.copy()
    for col in values.columns:
        m = meta[col]
        unit = "%" if m["unit"] in ("%", "Prozent") else m["unit"]
        export[col] = export[col].round(m["decimals"])
        export = export.rename(columns={col: f"{col} ({unit}, {m['period']})"})
    with atomic_path(out / "uebersicht.csv") as tmp:
        export.to_csv(tmp, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    with atomic_path(out / "uebersicht.xlsx", suffix=".xlsx") as tmp:
        export.to_excel(tmp, index=False, sheet_name="Übersicht")
    write_text(page, _html(table, list(values.columns), meta, sources, result))
    write_text(state_file, state)
    return page


def _html(table, cols, meta, sources, result) -> str:
    heads = ["AGS", "Gemeinde", "Status", "Stand"] + [
        f"{c} ({meta[c]['period']})" if meta[c].get("period") else c for c in cols
    ]
    th = "".join(f'<th data-col="{i}">{html.escape(h)}</th>' for i, h in enumerate(heads))
    rows = []
    for _, r in table.iterrows():
        ags = r["AGS"]
        status = result.outcomes[ags].status
        has_report = (result.out / ags / "index.html").is_file()
        name = html.escape(r["Gemeinde"])
        link = f'<a href="{ags}/index.html">{name}</a>' if has_report else name
        cells = [
            f'<td data-sort="{ags}">{ags}</td>',
            f'<td data-sort="{name}">{link}</td>',
            f'<td data-sort="{html.escape(r["Status"])}">{html.escape(r["Status"])}'
            + (f'<div class="error">{html.escape(r["Fehler"])}</div>' if r["Fehler"] else "")
            + "</td>",
            f'<td data-sort="{html.escape(r["Stand"][6:] + r["Stand"][3:5] + r["Stand"][:2])}">'
            f"{html.escape(r['Stand'])}</td>",
        ]
        for c in cols:
            v = r[c]
            sort = "" if pd.isna(v) else repr(float(v))
            shown = _fmt_value(v, meta[c]["decimals"], meta[c]["unit"])
            cells.append(f'<td class="num" data-sort="{sort}">{shown}</td>')
        cls = ' class="failed"' if status == "failed" else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    n = len(table)
    ok = sum(1 for o in result.outcomes.values() if o.status != "failed")
    src = "; ".join(sources) or "Statistische Ämter des Bundes und der Länder"
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<title>Integrationsmonitoring – Übersicht ({fmt.number(n)} Gemeinden)</title>
<style>{_CSS}</style></head><body>
<h1>Integrationsmonitoring – Übersicht</h1>
<p>{fmt.number(n)} Gemeinden: {fmt.number(ok)} Berichte fertig,
{fmt.number(n - ok)} fehlgeschlagen.
Spaltenköpfe anklicken zum Sortieren. Download:
<a href="uebersicht.csv">CSV</a> · <a href="uebersicht.xlsx">XLSX</a></p>
<table><thead><tr>{th}</tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table>
<p class="source">Quelle: {html.escape(src)}, eigene Berechnungen (jeweils letzter verfügbarer
Stand). Datenlizenz Deutschland – Namensnennung – Version 2.0.</p>
<script>{_SCRIPT}</script>
</body></html>
"""
