"""Interactive controls for JupyterLab (ipywidgets): pick unit, indicator, period and comparison
regions; the figures are redrawn. Used only when a notebook runs with ``interactive=True``;
reports pass ``interactive=False`` and the assembler ignores widget outputs anyway.
"""

from __future__ import annotations

import pandas as pd

from .. import charts, fmt
from . import blocks


def _draw(
    ids_titles: dict[str, str], iid: str, municipality: str, period: str | None, others: str
) -> None:
    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from .. import text
    from ..escape import html_text, markdown_html

    def prose(md: str) -> HTML:  # names and districts from data: raw HTML shown, never run
        return HTML(markdown_html(md))

    unit = blocks.unit_of(municipality)
    e = blocks.entry(iid)
    regions = blocks.comparison_regions(unit)
    for extra in [o.strip() for o in others.split(",") if o.strip()]:
        try:
            regions.append(blocks.unit_of(extra).ags)
        except Exception as exc:  # unknown name: say so, draw the rest
            display(HTML(f"<p><em>{html_text(exc)}</em></p>"))
    own = blocks.values(iid, unit.ags)
    if own.empty:
        display(prose(text.no_data(e.topic or e.title, unit.name)))
        return
    period = period if period in set(own["period"]) else blocks.latest_period(own)
    sentence = text.lesehilfe(iid, unit.ags, period)
    if sentence:
        display(prose(sentence))
    df = blocks.values(iid, list(dict.fromkeys(regions)), period)
    if len(df) > 1:
        order = {a: i for i, a in enumerate(regions)}
        df = df.assign(_o=df["region"].map(order)).sort_values("_o")
        fig = charts.comparison(
            df,
            unit_name=unit.name,
            **blocks.number_style(e),
            title=f"{e.title}, {fmt.period(period)}",
        )
        display(fig)
        plt.close(fig)
    ser = blocks.values(iid, list(dict.fromkeys(regions)))
    if ser[ser["region"] == unit.ags]["period"].nunique() > 1:
        fig = charts.lines(
            ser,
            "period",
            "value",
            "region_name",
            **blocks.number_style(e),
            highlight=unit.name,
            title=e.title,
        )
        display(fig)
        plt.close(fig)
    show = ser.pivot_table(index="period", columns="region_name", values="value", aggfunc="first")
    display(show.map(lambda v: fmt.number(v, e.decimals) if pd.notna(v) else "–"))


def explore(ids: list[str], municipality: str, period: str | None = None) -> None:
    """Show controls (Gemeinde/Kreis, Kennzahl, Zeitraum, Vergleich) and redraw on change."""
    import ipywidgets as w
    from IPython.display import display

    titles = {i: blocks.entry(i).title for i in ids}
    unit_w = w.Text(value=str(municipality), description="Einheit", placeholder="Name oder AGS")
    ind_w = w.Dropdown(
        options=[(t, i) for i, t in titles.items()], value=ids[0], description="Kennzahl"
    )
    per_w = w.Dropdown(options=[("neuester", None)], value=None, description="Zeitraum")
    cmp_w = w.Text(
        value="", description="Vergleich", placeholder="weitere Gemeinden, Komma-getrennt"
    )
    out = w.Output()

    def periods() -> None:
        try:
            df = blocks.values(ind_w.value, blocks.unit_of(unit_w.value).ags)
            opts = sorted(df["period"].unique(), key=blocks._period_key)
        except Exception:
            opts = []
        per_w.options = [("neuester", None)] + [(fmt.period(p), p) for p in opts]
        if period in opts:
            per_w.value = period

    def redraw(*_args) -> None:
        out.clear_output(wait=True)
        with out:
            try:
                _draw(titles, ind_w.value, unit_w.value, per_w.value, cmp_w.value)
            except Exception as exc:  # a typo in a name must not kill the controls
                print(f"Fehler: {getattr(exc, 'message', exc)}")

    def on_unit_or_indicator(*_args) -> None:
        periods()
        redraw()

    unit_w.observe(on_unit_or_indicator, names="value")
    ind_w.observe(on_unit_or_indicator, names="value")
    per_w.observe(redraw, names="value")
    cmp_w.observe(redraw, names="value")
    periods()
    display(w.VBox([w.HBox([unit_w, ind_w]), w.HBox([per_w, cmp_w]), out]))
    redraw()
