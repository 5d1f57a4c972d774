"""The explorer: pick a Gemeinde or Kreis and an indicator in JupyterLab (ipywidgets) or in the
Voilà app (``ibis explore``); the unit's key figures, a comparison with Kreis, Land and Bund, a
time series and a German-formatted table are shown and can be exported into ``figures/``.

Charts are rendered to PNG here (``ipywidgets.Image``), not left to the matplotlib backend, so
they show in JupyterLab, classic Notebook, VS Code and Voilà alike. :func:`view` computes
everything one screen shows and is what the tests check; :class:`Explorer` only wires widgets.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import charts, fmt, publish
from ..escape import html_text, spreadsheet_frame
from . import blocks
from .outline import outline


def key_indicators() -> list[str]:
    """Shown first and as key figures, in this order: ``explorer_indicators`` of the report
    outline (notebooks/report.yml)."""
    return outline().indicators("explorer_indicators")


#: Years a default time series looks back from the unit's latest period. Older comparison
#: values (the Bund has series from 1970) stay one click away in "Zeitreihe ab".
DEFAULT_SPAN_YEARS = 15

#: GENESIS table notes like "Bis 1989: Früheres Bundesgebiet" name the territory of old periods.
_TERRITORY_NOTE = re.compile(r"\bBis (\d{4}):\s*([^;.\n]+)")


# ----------------------------------------------------------------------------- data of a view


@dataclass
class View:
    """Everything one explorer screen shows, computed from the catalogue."""

    unit: object
    indicator_id: str
    title: str
    period: str | None = None  # Stichtag of the comparison chart
    since: int | None = None  # first year of the time series
    years: list[int] = field(default_factory=list)  # years with own data (choices for `since`)
    periods: list[str] = field(default_factory=list)  # own periods, oldest first
    comparison: pd.DataFrame | None = None  # label, value, period
    series: pd.DataFrame | None = None  # label, period, value
    table: pd.DataFrame | None = None  # raw numbers: Stichtag x label
    sentence: str = ""
    source: str = ""
    messages: list[str] = field(default_factory=list)
    notes: str = ""  # source footnotes for the shown years (series breaks, territories)
    decimals: int = 1
    suffix: str = ""
    index_base: str | None = None  # counts: time series as index (this period = 100)

    @property
    def caption_comparison(self) -> str:
        return f"{self.title} im Vergleich, {fmt.period(self.period)}" if self.period else ""

    @property
    def caption_series(self) -> str:
        if self.series is None or self.series.empty:
            return ""
        ps = sorted(self.series["period"].unique(), key=_period_sort)
        index = f" (Index, {fmt.period(self.index_base)} = 100)" if self.index_base else ""
        return f"{self.title}, {fmt.period(ps[0])} bis {fmt.period(ps[-1])}{index}"


def _period_sort(p: str) -> str:
    return str(p)


def _year(p: str) -> int:
    return int(str(p)[:4])


def territory_label(name: str, period: str, note: str | None) -> str:
    """'Deutschland' at 1985 with the note 'Bis 1989: Früheres Bundesgebiet' -> that territory."""
    for year, territory in _TERRITORY_NOTE.findall(str(note or "")):
        if _year(period) <= int(year):
            return territory.strip()
    return name


def _labelled(df: pd.DataFrame, unit) -> pd.DataFrame:
    labels = [
        territory_label(blocks.region_label(r, n, unit), p, note)
        for r, n, p, note in zip(
            df["region"],
            df["region_name"],
            df["period"].astype(str),
            df["note"] if "note" in df else [None] * len(df),
            strict=True,
        )
    ]
    return df.assign(label=labels)


def default_indicator(ids: list[str], municipality: str | None = None) -> str:
    """The Ausländeranteil when the unit has a time series of it, else the first key indicator
    with one (at least three periods), so that the first screen shows a development."""
    keys = [i for i in ("ausl_anteil", *key_indicators()) if i in ids]
    if municipality:
        ags = blocks.unit_of(municipality).ags
        for iid in keys:
            if blocks.values(iid, ags)["period"].nunique() >= (2 if iid == "ausl_anteil" else 3):
                return iid
    return keys[0] if keys else ids[0]


def _is_share(e) -> bool:
    return e.unit in ("%", "Prozent")


def view(
    indicator_id: str,
    municipality: str,
    period: str | None = None,
    others: str = "",
    since: int | None = None,
) -> View:
    """The comparison (unit, Kreis, Land, Bund and `others` at `period`, default the newest),
    the time series since `since` (default: the last :data:`DEFAULT_SPAN_YEARS` years of the
    unit's own data) and its table. Unknown names in `others` become messages, not errors."""
    from .. import text
    from ..indicators import compare
    from ..regions import registry

    unit = blocks.unit_of(municipality)
    e = blocks.entry(indicator_id)
    style = blocks.number_style(e)
    v = View(unit=unit, indicator_id=indicator_id, title=e.title, **style)
    # counts of units of very different size are compared as an index, not side by side
    share = _is_share(e)
    v.index_base = None
    regions = blocks.comparison_regions(unit)
    for extra in [o.strip() for o in str(others or "").split(",") if o.strip()]:
        try:
            regions.append(blocks.unit_of(extra).ags)
        except Exception as exc:  # a typo in one name must not hide the rest
            close = registry().close_matches(extra, n=3)
            hint = f" Meinten Sie: {', '.join(r.name for r in close)}?" if close else ""
            v.messages.append(f"Unbekannte Gebietseinheit '{extra}'.{hint}" if close else str(exc))
    regions = list(dict.fromkeys(regions))
    own = blocks.values(indicator_id, unit.ags)
    if own.empty:
        v.messages.append(text.no_data(e.topic or e.title, unit.name))
        return v
    v.periods = sorted(own["period"].astype(str).unique(), key=_period_sort)
    v.years = sorted({_year(p) for p in v.periods})
    v.period = period if period in v.periods else v.periods[-1]
    v.sentence = text.lesehilfe(indicator_id, unit.ags, v.period) or ""

    cmp = compare(indicator_id, unit.ags, v.period) if share else None
    cmp = blocks.totals(cmp) if cmp is not None else blocks.values(indicator_id, unit.ags, v.period)
    if len(cmp):
        cmp = cmp[cmp["value"].notna()].drop_duplicates("region")
    # Kreis, Land and Bund as `compare` picks them (within the catalogue's gap, never stale);
    # units the user added: at the Stichtag, else their newest value before it (dated label)
    chain = blocks.comparison_regions(unit)
    extra = [r for r in regions if r not in chain and r not in set(cmp.get("region", []))]
    if extra:  # other units at the same Stichtag, else their newest value before it
        more = blocks.values(indicator_id, extra)
        more = more[more["period"].astype(str) <= v.period].sort_values("period")
        cmp = pd.concat([cmp, more.groupby("region").tail(1)], ignore_index=True)
    if len(cmp) > 1:
        order = {a: i for i, a in enumerate(regions)}
        cmp = _labelled(cmp.assign(_o=cmp["region"].map(order).fillna(len(order))), unit)
        cmp = cmp.sort_values("_o", kind="stable")
        same = cmp["period"].astype(str).nunique() == 1
        cmp["label"] = [
            lab if same or str(p) == v.period else f"{lab}, {fmt.period(p)}"
            for lab, p in zip(cmp["label"], cmp["period"].astype(str), strict=True)
        ]
        v.comparison = cmp[["label", "value", "period", "region"]].reset_index(drop=True)

    v.since = since if since is not None else max(v.years[0], v.years[-1] - DEFAULT_SPAN_YEARS)
    ser = blocks.values(indicator_id, regions)
    ser = ser[ser["period"].astype(str).str[:4].astype(int) >= v.since]
    ser = _labelled(ser, unit)
    ser = ser.assign(period=ser["period"].astype(str))
    # the notes stay with the series: the chart marks the census breaks they name
    keep = ["label", "period", "value", "region"] + (["note"] if "note" in ser else [])
    v.series = ser[keep].reset_index(drop=True)
    own_periods = sorted(v.series[v.series["region"] == unit.ags]["period"])
    if not share and own_periods:
        v.index_base = own_periods[0]
    labels = list(
        dict.fromkeys(ser.sort_values("region", key=lambda s: s.map(_rank(regions)))["label"])
    )
    table = ser.pivot_table(index="period", columns="label", values="value", aggfunc="first")
    table = table.reindex(columns=labels).sort_index(ascending=False)
    table.index = [fmt.period(p) for p in table.index]
    table.index.name = "Stichtag"
    table.columns.name = None
    v.table = table
    v.source = blocks.source_of(indicator_id, ser)
    if len(ser):
        ps = sorted(ser["period"])
        v.notes = blocks.notes_in_range(ser, ps[0], ps[-1])
    return v


def _rank(regions: list[str]):
    order = {a: i for i, a in enumerate(regions)}
    return lambda ags: order.get(ags, len(order))


def figures_of(v: View) -> dict[str, object]:
    """Matplotlib figures of a view in the house style: 'vergleich' and 'zeitreihe'."""
    out = {}
    if v.comparison is not None and len(v.comparison) > 1:
        out["vergleich"] = charts.comparison(
            v.comparison,
            "label",
            "value",
            unit_name=v.unit.name,
            decimals=v.decimals,
            suffix=v.suffix,
        )
    if v.series is not None and v.series[v.series["region"] == v.unit.ags]["period"].nunique() > 1:
        out["zeitreihe"] = charts.lines(
            v.series,
            "period",
            "value",
            "label",
            decimals=v.decimals,
            suffix=v.suffix,
            highlight=v.unit.name,
            index_base=v.index_base,
        )
    return out


def shown_table(v: View) -> pd.DataFrame:
    """The table as readers see it: German numbers, '–' where a region has no value."""
    t = v.table.reset_index()
    for c in t.columns[1:]:
        t[c] = [fmt.number(x, v.decimals) if pd.notna(x) else "–" for x in t[c]]
    return t


def key_figures(municipality: str) -> pd.DataFrame:
    """Newest value of each key indicator for the unit: Kennzahl, Wert, Stand (German text)."""
    unit = blocks.unit_of(municipality)
    from ..indicators import catalog

    cat = catalog()
    rows = []
    for iid in key_indicators():
        df = blocks.values(iid, unit.ags)
        if df.empty:
            continue
        p = blocks.latest_period(df)
        val = df[df["period"].astype(str) == p]["value"].iloc[0]
        e = cat[iid]
        shown = (
            fmt.percent(val, e.decimals)
            if e.unit in ("%", "Prozent")
            else fmt.number(val, e.decimals)
        )
        rows.append({"Kennzahl": e.title, "Wert": shown, "Stand": fmt.period(p)})
    return pd.DataFrame(rows, columns=["Kennzahl", "Wert", "Stand"])


def png(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (closed afterwards): independent of the matplotlib backend."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def export(v: View, out_dir: Path | None = None) -> list[Path]:
    """Write the view's figures (PNG 300 dpi, SVG, PDF) and table (XLSX with caption and source)
    into ``figures/<AGS>/``; return the files written."""
    from .. import paths
    from ..figures import save

    out_dir = Path(out_dir) if out_dir else paths.figures_dir() / v.unit.ags
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"explorer_{publish.slugify(v.indicator_id)}"
    if v.period:
        stem += f"_{publish.slugify(v.period)}"
    written: list[Path] = []
    import matplotlib.pyplot as plt

    for name, fig in figures_of(v).items():
        files = save(fig, out_dir / f"{stem}_{name}")
        plt.close(fig)
        written += list(files.values())
    if v.table is not None and not v.table.empty:
        target = out_dir / f"{stem}_tabelle.xlsx"
        source = v.source + (f". Hinweis: {v.notes}" if v.notes else "")
        publish._write_xlsx(spreadsheet_frame(v.table), target, v.caption_series or v.title, source)
        written.append(target)
    return written


# ----------------------------------------------------------------------------- widgets


_TABLE_CSS = (
    "<style>.ibis-data td.num, .ibis-data th.num {text-align: right;"
    " font-variant-numeric: tabular-nums} .ibis-data th {text-align: left}</style>"
)


def _html_table(df: pd.DataFrame) -> str:
    """German-formatted table (numbers right-aligned in JupyterLab, Notebook and Voilà)."""
    return _TABLE_CSS + publish.table_html(df)


class Explorer:
    """The controls and the panels they redraw (see :func:`explore`)."""

    def __init__(self, ids: list[str], municipality: str, period: str | None = None) -> None:
        import ipywidgets as w

        self.ids = ids
        titles = {i: blocks.entry(i).title for i in ids}
        first = [i for i in key_indicators() if i in titles]
        order = first + [i for i in ids if i not in first]
        self.view: View | None = None
        self.unit_w = w.Text(
            value=str(municipality),
            description="Einheit",
            placeholder="Name oder AGS, Eingabe mit ⏎",
            continuous_update=False,  # resolve on Enter or when the field is left
        )
        self.ind_w = w.Dropdown(
            options=[(titles[i], i) for i in order],
            value=default_indicator(order, municipality),
            description="Kennzahl",
            layout=w.Layout(width="32em"),
        )
        # "" is "neuester" (a None value would show as no selection)
        self.per_w = w.Dropdown(options=[("neuester", "")], value="", description="Stichtag")
        self.since_w = w.Dropdown(options=[], description="Reihe ab")
        self.cmp_w = w.Text(
            value="",
            description="Vergleich",
            placeholder="weitere Einheiten, Komma-getrennt, ⏎",
            continuous_update=False,
            layout=w.Layout(width="32em"),
        )
        self.export_b = w.Button(
            description="Ansicht exportieren",
            icon="download",
            tooltip="Abbildungen (PNG, SVG, PDF) und Tabelle (XLSX) nach figures/ schreiben",
            layout=w.Layout(width="auto"),
        )
        self.suggest = w.HBox([])
        self.status = w.HTML()
        self.keys = w.HTML()
        self.heading = w.HTML()
        self.cap_cmp = w.HTML()
        self.chart_cmp = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.cap_ser = w.HTML()
        self.chart_ser = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.table = w.HTML()
        self.source = w.HTML()
        self._period = period
        self._busy = False
        self.unit_w.observe(self._on_unit, names="value")
        self.ind_w.observe(self._on_indicator, names="value")
        for widget in (self.per_w, self.since_w, self.cmp_w):
            widget.observe(self._on_change, names="value")
        self.export_b.on_click(self._on_export)
        self.box = w.VBox(
            [
                w.HBox([self.unit_w, self.ind_w]),
                self.suggest,
                w.HBox([self.per_w, self.since_w, self.cmp_w]),
                w.HBox([self.export_b]),
                self.status,
                self.keys,
                self.heading,
                self.cap_cmp,
                self.chart_cmp,
                self.cap_ser,
                self.chart_ser,
                self.table,
                self.source,
            ]
        )
        self._on_unit()

    # -- events

    def _resolve(self) -> str | None:
        """AGS of the unit field, or None after offering close matches as buttons."""
        import ipywidgets as w

        from ..regions import registry

        text = self.unit_w.value.strip()
        try:
            unit = blocks.unit_of(text)
        except Exception as exc:
            close = registry().close_matches(text, n=5) if text else []
            buttons = []
            for r in close:
                b = w.Button(description=registry().label(r), layout=w.Layout(width="auto"))
                b.on_click(lambda _b, ags=r.ags: setattr(self.unit_w, "value", ags))
                buttons.append(b)
            self.suggest.children = [w.HTML("Meinten Sie:"), *buttons] if buttons else []
            msg = getattr(exc, "problem", None) or str(exc)
            if not text:
                msg = "Bitte eine Gemeinde oder einen Kreis eingeben (Name oder AGS)."
            self.status.value = f'<p style="color:#a00">{html_text(msg.split(" Meinten")[0])}</p>'
            return None
        self.suggest.children = []
        return unit.ags

    def _on_unit(self, *_args) -> None:
        ags = self._resolve()
        if ags is None:
            return
        try:
            kf = key_figures(ags)
            unit = blocks.unit_of(ags)
            self.keys.value = (
                f"<h3>{html_text(unit.name)} ({html_text(unit.level_label)}, AGS {ags})"
                f"</h3>{_html_table(kf)}"
                if len(kf)
                else ""
            )
        except Exception as exc:  # key figures are a bonus; the chart still follows
            self.keys.value = f"<p>{html_text(exc)}</p>"
        self._on_indicator()

    def _on_indicator(self, *_args) -> None:
        self._period_choices(reset=True)
        self.redraw()

    def _on_change(self, *_args) -> None:
        if not self._busy:
            self.redraw()

    def _period_choices(self, reset: bool) -> None:
        self._busy = True
        try:
            ags = self._resolve()
            v = view(self.ind_w.value, ags) if ags else None
            periods = v.periods if v else []
            self.per_w.options = [("neuester", "")] + [(fmt.period(p), p) for p in periods[::-1]]
            self.per_w.value = self._period if self._period in periods else ""
            self._period = None  # the notebook's period applies to the first view only
            years = v.years if v else []
            self.since_w.options = [(str(y), y) for y in years]
            if years and (reset or self.since_w.value not in years):
                self.since_w.value = v.since
        finally:
            self._busy = False

    def redraw(self) -> None:
        ags = self._resolve()
        if ags is None:
            return
        try:
            v = view(
                self.ind_w.value,
                ags,
                self.per_w.value or None,
                self.cmp_w.value,
                self.since_w.value,
            )
        except Exception as exc:  # one bad value must not kill the controls
            self.status.value = (
                f'<p style="color:#a00">Fehler: {html_text(getattr(exc, "message", exc))}</p>'
            )
            return
        self.view = v
        figs = figures_of(v)
        for key, cap, img, text in (
            ("vergleich", self.cap_cmp, self.chart_cmp, v.caption_comparison),
            ("zeitreihe", self.cap_ser, self.chart_ser, v.caption_series),
        ):
            img.value = png(figs[key]) if key in figs else b""
            img.layout.display = "" if key in figs else "none"
            if img.value:  # natural size (Voilà would stretch it), never wider than the page
                img.layout.width = f"{int.from_bytes(img.value[16:20], 'big')}px"
            cap.value = f"<p><b>{html_text(text)}</b></p>" if key in figs else ""
        msgs = "".join(f"<p><em>{html_text(m)}</em></p>" for m in v.messages)
        self.status.value = msgs
        self.heading.value = f"<p>{html_text(v.sentence)}</p>" if v.sentence else ""
        self.table.value = (
            f"<p><b>Tabelle: {html_text(v.title)}</b></p>{_html_table(shown_table(v))}"
            if v.table is not None and len(v.table)
            else ""
        )
        self.source.value = (
            f'<p style="color:#555">{html_text(publish.source_line(v.source))}'
            + (f"<br>Hinweis: {html_text(v.notes)}" if v.notes else "")
            + "</p>"
            if v.source
            else ""
        )

    def _on_export(self, *_args) -> None:
        if self.view is None:
            return
        try:
            files = export(self.view)
        except Exception as exc:
            self.status.value = f'<p style="color:#a00">Export fehlgeschlagen: {html_text(exc)}</p>'
            return
        names = ", ".join(p.name for p in files)
        where = files[0].parent if files else ""
        self.status.value = (
            f"<p>Gespeichert in {html_text(where)}: {html_text(names)}<br>"
            f"{html_text(publish.source_line(self.view.source))}</p>"
        )


def explore(ids: list[str], municipality: str, period: str | None = None) -> Explorer:
    """Show the explorer's controls and panels; they redraw on Enter or a new choice."""
    from IPython.display import display

    app = Explorer(ids, municipality, period)
    display(app.box)
    return app


def indicator_table(municipality: str) -> None:
    """All indicators of a unit with their newest value, German formatted (HTML)."""
    from IPython.display import HTML, display

    from ..indicators import catalog, compute

    unit = blocks.unit_of(municipality)
    df = blocks.totals(compute(regions=[unit.ags]))
    df = df[df["value"].notna()]
    cat = catalog()
    rows = []
    for iid, sub in df.groupby("indicator_id", sort=False):
        p = blocks.latest_period(sub)
        e = cat[iid]
        val = sub[sub["period"].astype(str) == p]["value"].iloc[0]
        shown = (
            fmt.percent(val, e.decimals)
            if e.unit in ("%", "Prozent")
            else fmt.number(val, e.decimals)
        )
        rows.append({"Kennzahl": e.title, "Wert": shown, "Stand": fmt.period(p), "ID": iid})
    display(HTML(_html_table(pd.DataFrame(rows, columns=["Kennzahl", "Wert", "Stand", "ID"]))))
