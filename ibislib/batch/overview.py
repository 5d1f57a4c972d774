"""The overview page of a batch: ``<out>/index.html`` plus ``uebersicht.csv`` / ``.xlsx``.

One row per municipality with key indicators (German number formats), a link to its report,
and — for failed ones — the error; one total row per Kreis (the Kreis's own values). Columns
sort on a click on the header (numbers as numbers, names by German collation), a filter box
narrows the rows (a few lines of plain JavaScript, no internet needed). Every text from data
is escaped (HTML) or kept from becoming a formula (CSV/XLSX), see :mod:`ibislib.escape`.
The page is rewritten only when its content changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd

from .. import fmt
from ..atomic import atomic_path, write_text
from ..escape import html_text, spreadsheet_frame
from ..indicators import catalog, compute
from ..indicators.query import period_key
from ..report.outline import outline
from ..tidy import DIMENSIONS, TOTAL

if TYPE_CHECKING:
    from .runner import BatchResult

STATUS_LABEL = {"done": "fertig", "skipped": "fertig", "failed": "fehlgeschlagen"}

_SCRIPT = """
(function () {
  var table = document.getElementById('uebersicht'), body = table.tBodies[0];
  var collator = new Intl.Collator('de', {numeric: true, sensitivity: 'base'});
  table.querySelectorAll('th[data-col]').forEach(function (th) {
    th.addEventListener('click', function () {
      var col = +th.dataset.col, type = th.dataset.type, asc = th.dataset.dir !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { delete h.dataset.dir; });
      th.dataset.dir = asc ? 'asc' : 'desc';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort, r;
        if (x === '' && y !== '') return 1;  // empty cells last, in both directions
        if (y === '' && x !== '') return -1;
        r = type === 'num' ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var box = document.getElementById('filter'), count = document.getElementById('count');
  function norm(s) { return s.toLocaleLowerCase('de').normalize('NFD').replace(/[\\u0300-\\u036f]/g, ''); }
  box.addEventListener('input', function () {
    var q = norm(box.value.trim()), shown = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var hit = !q || norm(r.textContent).indexOf(q) !== -1;
      r.hidden = !hit;
      if (hit) shown++;
    });
    count.textContent = shown + ' von ' + body.rows.length + ' angezeigt';
  });
})();
"""

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1.5em; color: #222;
       max-width: 100%; box-sizing: border-box; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.5em; vertical-align: top; }
th { cursor: pointer; background: #f3f3f3; text-align: left; user-select: none;
     min-width: 4.5em; max-width: 11em; font-weight: 600; hyphens: auto; overflow-wrap: anywhere; }
th[data-dir="asc"]::after { content: " ▲"; } th[data-dir="desc"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { min-width: 9em; }
tr.failed td { background: #fde8e8; }
tfoot td { border-top: 2px solid #888; font-weight: 600; background: #fafafa; }
.error { color: #a00; font-size: 0.85em; max-width: 24em; overflow-wrap: anywhere; }
.tools { margin: 0.8em 0; }
#filter { font-size: 1em; padding: 0.2em 0.4em; width: 20em; max-width: 100%; }
#count { color: #555; margin-left: 0.6em; }
.source { color: #555; font-size: 0.85em; margin-top: 1em; }
"""


def key_indicators(notebooks_dir: Path | None = None) -> list[str]:
    """The overview's indicator ids: ``key_indicators`` of the report outline
    (notebooks/report.yml), each checked against the catalogue."""
    return outline(notebooks_dir).indicators("key_indicators")


def indicator_frame(
    ags: list[str], ids: list[str] | None = None
) -> tuple[pd.DataFrame, dict[str, dict], list[str]]:
    """Latest value of each key indicator per municipality: (values, meta by column, sources)."""
    cat = catalog()
    ids = key_indicators() if ids is None else ids
    if not ids or not ags:
        return pd.DataFrame(index=ags), {}, []
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
        # newest per region in the one period order (a Stichtag, a year, a school year)
        sub = sub.assign(_o=sub["period"].astype(str).map(period_key))
        latest = sub.sort_values("_o").groupby("region").tail(1).set_index("region")
        ind = cat[iid]
        label = getattr(ind, "title", iid)
        values[label] = latest["value"].reindex(ags)
        periods = sorted(latest["period"].astype(str).unique(), key=period_key)
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
    kreise = list(dict.fromkeys(k for a in known if (k := _kreis_of(reg, a))))
    values, meta, sources = indicator_frame(known + [k for k in kreise if k not in known])
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
    totals = pd.DataFrame(
        {
            "AGS": kreise,
            "Gemeinde": [_kreis_name(reg, k) for k in kreise],
            "Status": "Kreis insgesamt",
            "Stand": "",
        }
    )
    for col in values.columns:
        totals[col] = [values[col].get(k) if k in values.index else float("nan") for k in kreise]
    totals["Fehler"] = ""
    # downloads: numbers rounded as shown, unit and period in the column name, the Kreis rows
    # last; text from data (names, list entries) never becomes a formula
    export = pd.concat([table, totals], ignore_index=True)
    for col in values.columns:
        m = meta[col]
        unit = "%" if m["unit"] in ("%", "Prozent") else m["unit"]
        export[col] = export[col].round(m["decimals"])
        export = export.rename(columns={col: f"{col} ({unit}, {m['period']})"})
    export = spreadsheet_frame(export)
    with atomic_path(out / "uebersicht.csv") as tmp:
        export.to_csv(tmp, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    with atomic_path(out / "uebersicht.xlsx", suffix=".xlsx") as tmp:
        export.to_excel(tmp, index=False, sheet_name="Übersicht")
    write_text(page, _html(table, totals, list(values.columns), meta, sources, result))
    write_text(state_file, state)
    return page


def _kreis_of(reg, ags: str) -> str:
    try:
        return reg.resolve(ags).kreis or ""
    except Exception:  # unknown unit: no Kreis row for it
        return ""


def _kreis_name(reg, kreis: str) -> str:
    try:
        r = reg.resolve(kreis)
        return r.full_name or r.name
    except Exception:
        return kreis


def _row(r: pd.Series, cols, meta, *, link: bool, cls: str = "") -> str:
    ags, name = html_text(r["AGS"]), html_text(r["Gemeinde"])
    shown_name = (
        f'<a href="{html_text(quote(str(r["AGS"])))}/index.html">{name}</a>' if link else name
    )
    stand = str(r["Stand"])
    cells = [
        f'<td data-sort="{ags}">{ags}</td>',
        f'<td class="name" data-sort="{name}">{shown_name}</td>',
        f'<td data-sort="{html_text(r["Status"])}">{html_text(r["Status"])}'
        + (f'<div class="error">{html_text(r["Fehler"])}</div>' if r["Fehler"] else "")
        + "</td>",
        f'<td data-sort="{html_text(stand[6:] + stand[3:5] + stand[:2])}">{html_text(stand)}</td>',
    ]
    for c in cols:
        v = r[c]
        sort = "" if pd.isna(v) else repr(float(v))
        shown = _fmt_value(v, meta[c]["decimals"], meta[c]["unit"])
        cells.append(f'<td class="num" data-sort="{sort}">{shown}</td>')
    return f"<tr{cls}>{''.join(cells)}</tr>"


def _html(table, totals, cols, meta, sources, result) -> str:
    heads = [("AGS", "text"), ("Gemeinde", "text"), ("Status", "text"), ("Stand", "text")] + [
        (f"{c} ({meta[c]['period']})" if meta[c].get("period") else c, "num") for c in cols
    ]
    th = "".join(
        f'<th data-col="{i}" data-type="{t}">{html_text(h)}</th>' for i, (h, t) in enumerate(heads)
    )
    rows = []
    for _, r in table.iterrows():
        status = result.outcomes[r["AGS"]].status
        has_report = (result.out / str(r["AGS"]) / "index.html").is_file()
        cls = ' class="failed"' if status == "failed" else ""
        rows.append(_row(r, cols, meta, link=has_report, cls=cls))
    foot = [_row(r, cols, meta, link=False) for _, r in totals.iterrows()]
    n = len(table)
    ok = sum(1 for o in result.outcomes.values() if o.status != "failed")
    src = "; ".join(sources) or "Statistische Ämter des Bundes und der Länder"
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Integrationsmonitoring – Übersicht ({fmt.number(n)} Gemeinden)</title>
<style>{_CSS}</style></head><body>
<h1>Integrationsmonitoring – Übersicht</h1>
<p>{fmt.number(n)} Gemeinden: {fmt.number(ok)} Berichte fertig,
{fmt.number(n - ok)} fehlgeschlagen.
Spaltenköpfe anklicken zum Sortieren. Download:
<a href="uebersicht.csv">CSV</a> · <a href="uebersicht.xlsx">XLSX</a></p>
<p class="tools"><label for="filter">Filter:</label>
<input type="search" id="filter" placeholder="Name, AGS oder Status" autocomplete="off">
<span id="count">{fmt.number(n)} von {fmt.number(n)} angezeigt</span></p>
<div class="scroll"><table id="uebersicht"><thead><tr>{th}</tr></thead><tbody>
{chr(10).join(rows)}
</tbody><tfoot>
{chr(10).join(foot)}
</tfoot></table></div>
<p class="source">Quelle: {html_text(src)}, eigene Berechnungen (jeweils letzter verfügbarer
Stand; Kreiszeilen: Werte des Kreises insgesamt, nicht nur der gezeigten Gemeinden).
Datenlizenz Deutschland – Namensnennung – Version 2.0.</p>
<script>{_SCRIPT}</script>
</body></html>
"""
