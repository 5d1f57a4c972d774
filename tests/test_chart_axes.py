"""Charts (issue 10, items 2 and 5): time axes proportional to time, census breaks marked from
the data's notes, one colour per region role in every chart, deterministic SVG."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from ibislib import charts, figures

UNIT, KREIS, LAND = "05566028", "05566", "05"


def _series(periods, regions, note=None) -> pd.DataFrame:
    rows = []
    for ags, name in regions:
        for i, p in enumerate(periods):
            rows.append(
                {"period": p, "region": ags, "region_name": name, "value": 10.0 + i + len(ags)}
            )
    df = pd.DataFrame(rows)
    if note is not None:
        df["note"] = note
    return df


def _data_lines(ax):
    """The plotted series (markers), not reference lines."""
    return [ln for ln in ax.get_lines() if ln.get_marker() == "o"]


def test_time_axis_is_proportional_to_time():
    periods = ["2013-12-31", "2014-12-31", "2015-12-31", "2022-12-31", "2023-12-31"]
    fig = charts.lines(_series(periods, [(UNIT, "Ibbenbüren")]), "period", "value", "region_name")
    (line,) = _data_lines(fig.axes[0])
    x = np.asarray(line.get_xdata(), dtype=float)
    steps = np.diff(x)
    assert steps[2] / steps[0] == pytest.approx(7.0, rel=0.01)  # 2015 -> 2022: seven years
    assert steps[0] == pytest.approx(steps[1], rel=0.01) == pytest.approx(steps[3], rel=0.01)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["2013", "2014", "2015", "2022", "2023"]
    plt.close(fig)


def test_stichtage_of_one_year_keep_their_distance():
    # 30.06. and 31.12. are half a year apart, a school year sits at its autumn Stichtag
    assert charts.period_position("2015-12-31") - charts.period_position(
        "2015-06-30"
    ) == pytest.approx(0.5, abs=0.01)
    assert charts.period_position("2021") == pytest.approx(
        charts.period_position("2021-12-31"), abs=0.01
    )
    assert 2021 < charts.period_position("2021/22") < 2022


def test_census_break_marked_and_line_interrupted():
    periods = [f"{y}-12-31" for y in range(2018, 2025)]
    note = "Ab 2011: Ergebnisse auf Grundlage des Zensus 2011.; Ab 2022: Ergebnisse auf Grundlage des Zensus 2022"
    df = _series(periods, [(UNIT, "Ibbenbüren"), (LAND, "Nordrhein-Westfalen")], note)
    fig = charts.lines(df, "period", "value", "region_name", highlight="Ibbenbüren")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("Zensus")] == ["Zensus 2022"]
    census = charts.period_position("2022-05-15")
    marks = [
        ln for ln in ax.get_lines() if ln.get_linestyle() == "--" and len(set(ln.get_xdata())) == 1
    ]
    assert [float(ln.get_xdata()[0]) for ln in marks] == [pytest.approx(census)]
    # each region: two pieces, one ending before the census day, one starting after it
    pieces = _data_lines(ax)
    assert len(pieces) == 4
    for ln in pieces:
        x = np.asarray(ln.get_xdata(), dtype=float)
        assert (x < census).all() or (x > census).all()
    # one legend entry per region, not per piece
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Ibbenbüren",
        "Nordrhein-Westfalen",
    ]
    plt.close(fig)


def test_no_break_without_a_note_or_outside_the_series():
    periods = [f"{y}-12-31" for y in range(2018, 2025)]
    fig = charts.lines(_series(periods, [(UNIT, "Ibbenbüren")]), "period", "value", "region_name")
    assert len(_data_lines(fig.axes[0])) == 1 and not fig.axes[0].texts[1:]
    plt.close(fig)
    older = _series(["2012-12-31", "2015-12-31"], [(UNIT, "Ibbenbüren")], "Zensus 2022")
    assert charts.series_breaks(older) == []  # the series does not reach 2022
    both = _series(["2010-12-31", "2023-12-31"], [(UNIT, "x")], "Zensus 2011; Zensus 2022")
    assert [b.label for b in charts.series_breaks(both)] == ["Zensus 2011", "Zensus 2022"]


def _bar_colors(fig) -> dict[str, str]:
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    return {lab: to_hex(p.get_facecolor()) for lab, p in zip(labels, ax.patches, strict=True)}


def test_one_colour_per_region_role_across_charts():
    regions = [
        (UNIT, "Ibbenbüren"),
        (KREIS, "Kreis Steinfurt"),
        (LAND, "Nordrhein-Westfalen"),
        ("DG", "Deutschland"),
    ]
    cmp = pd.DataFrame(
        {
            "region": [a for a, _ in regions],
            "label": [n for _, n in regions],
            "value": [9.9, 7.1, 11.5, 11.2],
        }
    )
    bars = _bar_colors(charts.comparison(cmp, "label", "value", unit_name="Ibbenbüren"))
    # the line chart lists the regions in another order: colours follow the role, not the order
    series = _series(["2014-12-31", "2015-12-31"], regions[::-1])
    fig = charts.lines(series, "period", "value", "region_name", highlight="Ibbenbüren")
    lines = {ln.get_label(): to_hex(ln.get_color()) for ln in _data_lines(fig.axes[0])}
    assert bars == lines
    assert bars["Ibbenbüren"] == to_hex(figures.ROLE_COLORS["einheit"])
    assert bars["Kreis Steinfurt"] == to_hex(figures.ROLE_COLORS["kreis"])
    assert bars["Nordrhein-Westfalen"] == to_hex(figures.ROLE_COLORS["land"])
    assert bars["Deutschland"] == to_hex(figures.ROLE_COLORS["bund"])
    assert len(set(bars.values())) == 4
    plt.close("all")


def test_region_roles_from_the_ags():
    role = figures.region_role
    assert role("05515000", "05515000") == "einheit"
    assert role("055", "05515000") == "regierungsbezirk"
    assert role("05", "05515000") == "land" and role("DG", "05515000") == "bund"
    assert role("05566", "05566028") == "kreis"
    assert role("05711000", "05515000") == "vergleich"  # Bielefeld beside Münster
    assert role("16071", "16070") == "vergleich"  # another Kreis beside the Ilm-Kreis
    assert role("16070") == "kreis"  # context charts: the unit's parents only
    colors = figures.role_colors(["einheit", "vergleich", "vergleich"])
    assert len(set(colors)) == 3  # two comparable cities stay apart


def test_time_chart_svg_is_deterministic(tmp_path):
    periods = [f"{y}-12-31" for y in range(2019, 2025)]
    df = _series(periods, [(UNIT, "Ibbenbüren"), (KREIS, "Steinfurt")], "Zensus 2022")
    out = []
    for i in range(2):
        fig = charts.lines(df, "period", "value", "region_name", highlight="Ibbenbüren")
        out.append(figures.save(fig, tmp_path / f"a{i}", ("svg",))["svg"].read_bytes())
        plt.close(fig)
    assert out[0] == out[1]
