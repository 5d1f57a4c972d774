"""House style and chart functions: German number formats, sizes for A4, 300-dpi PNG, editable
SVG text, TrueType fonts embedded in PDF, NaN never drawn as 0; publish API formats and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibislib import charts, figures, publish


def _ticklabels(fig, axis="y") -> list[str]:
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


def _bar_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts] + [
        t.get_text() for c in fig.axes[0].containers for t in getattr(c, "datavalues", [])
    ]


def test_bar_has_german_value_labels_and_ticks():
    df = pd.DataFrame({"Gemeinde": ["Ibbenbüren", "Kreis"], "n": [53363.0, 443374.0]})
    fig = charts.bar(df, "Gemeinde", "n")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "53.363" in texts and "443.374" in texts
    assert any("." in t for t in _ticklabels(fig)), "thousands separator on the axis"
    assert fig.get_figwidth() == pytest.approx(16 / 2.54)


def test_comparison_percent_labels_and_highlight():
    df = pd.DataFrame(
        {
            "region_name": ["Ibbenbüren", "Steinfurt", "Deutschland"],
            "value": [9.8626, 7.8056, 13.83],
        }
    )
    fig = charts.comparison(df, unit_name="Ibbenbüren")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "9,9 %" in texts and "13,8 %" in texts
    colours = {p.get_facecolor()[:3] for p in fig.axes[0].patches}
    assert len(colours) == 2  # unit in the accent colour, the others grey


def test_grouped_bar_keeps_missing_values_missing():
    df = pd.DataFrame(
        {
            "Schulform": ["Hauptschule", "Hauptschule", "Gymnasium", "Gymnasium"],
            "Gruppe": [
                "ausländisch",
                "Zuwanderungsgeschichte",
                "ausländisch",
                "Zuwanderungsgeschichte",
            ],
            "Anteil": [34.4, np.nan, 2.4, 26.6],
        }
    )
    fig = charts.grouped_bar(df, "Schulform", "Gruppe", "Anteil", decimals=1, suffix=" %")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "34,4 %" in texts and "26,6 %" in texts
    assert not any(t.startswith("0") for t in texts), texts  # NaN is not a zero bar
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["ausländisch", "Zuwanderungsgeschichte"]


def test_lines_as_index_and_year_labels():
    df = pd.DataFrame(
        {
            "period": ["2008-12-31", "2015-12-31"] * 2,
            "region_name": ["Ibbenbüren"] * 2 + ["Steinfurt"] * 2,
            "value": [51581.0, 50935.0, 444399.0, 443374.0],
        }
    )
    fig = charts.lines(
        df, "period", "value", "region_name", index_base="2008-12-31", highlight="Ibbenbüren"
    )
    assert _ticklabels(fig, "x") == ["2008", "2015"]
    last = [t.get_text() for t in fig.axes[0].texts]
    assert "98,7" in last  # 50935 / 51581 * 100, German decimal comma


def test_age_labels():
    assert charts.age_label("0-12") == "unter 12"
    assert charts.age_label("18-27") == "18 bis unter 27"
    assert charts.age_label("80+") == "80 und älter"


def test_saved_files_png_300dpi_svg_text_pdf_truetype(tmp_path):
    from PIL import Image

    fig = charts.bar(pd.DataFrame({"x": ["Schüler*innen"], "y": [1670.0]}), "x", "y")
    files = figures.save(fig, tmp_path / "abb")
    with Image.open(files["png"]) as im:
        assert tuple(round(v) for v in im.info["dpi"]) == (300, 300)
        assert im.width == pytest.approx(16 / 2.54 * 300, rel=0.08)
    svg = files["svg"].read_text(encoding="utf-8")
    assert "<text" in svg and "1.670" in svg  # text stays text (editable)
    pdf = files["pdf"].read_bytes()
    assert b"/FontFile2" in pdf  # TrueType embedded


def test_publish_table_formats_german_and_writes_xlsx(tmp_path):
    publish.configure(out_dir=tmp_path, chapter="04")
    df = pd.DataFrame(
        {
            "Schulform": ["Hauptschule", "Gymnasium"],
            "Schüler*innen": [290.0, 1670.0],
            "Anteil (%)": [34.4, 2.4],
        }
    )
    html = publish.table_html(df, {"Anteil (%)": 1})
    assert '<td class="num">1.670</td>' in html and '<td class="num">34,4</td>' in html
    publish.table(df, name="Schüler nach Schulform", caption="Schüler*innen", source="IT.NRW")
    xlsx = tmp_path / "04_schueler_nach_schulform.xlsx"
    back = pd.read_excel(xlsx, skiprows=2).dropna(how="all")
    assert back["Schüler*innen"].iloc[1] == 1670
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_publish_figure_files_and_source_line(tmp_path):
    import matplotlib.pyplot as plt

    publish.configure(out_dir=tmp_path, chapter="01")
    fig, ax = plt.subplots()
    publish.figure(fig, name="Bevölkerung", caption="Bevölkerung", source="IT.NRW")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "01_bevoelkerung.pdf",
        "01_bevoelkerung.png",
        "01_bevoelkerung.svg",
    ]
    assert publish.source_line("IT.NRW") == "Quelle: IT.NRW"
    assert publish.join_sources(["A; eigene Berechnungen", "B; A"]) == "A; B; eigene Berechnungen"


def test_publish_figure_only_the_formats_asked(tmp_path, monkeypatch):
    """An HTML-only report needs only the SVG (the notebook then shows it instead of a PNG);
    with neither PNG nor SVG asked the PNG is added for the notebook."""
    import matplotlib.pyplot as plt

    publish.configure(out_dir=tmp_path / "a", chapter="01", formats=["svg"])
    fig, ax = plt.subplots(constrained_layout=True)
    ax.bar(["a", "b"], [1, 2])
    shown = []
    monkeypatch.setattr(publish, "_display", lambda bundle, meta: shown.append((bundle, meta)))
    publish.figure(fig, name="nur_html", caption="Balken", source="IT.NRW")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["01_nur_html.svg"]
    assert 'src="data:image/svg+xml;base64,' in shown[0][0]["text/html"]
    publish.configure(out_dir=tmp_path / "b", chapter="01", formats=["pdf"])
    fig, ax = plt.subplots()
    publish.figure(fig, name="druck", caption="Leer", source="IT.NRW")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["01_druck.pdf", "01_druck.png"]
    with pytest.raises(ValueError, match="Abbildungsformat"):
        publish.configure(out_dir=tmp_path, formats=["gif"])


def test_save_lays_out_once_and_matches_a_tight_savefig(tmp_path):
    """One layout pass for all formats gives the same image size as savefig(bbox='tight')."""
    import matplotlib.pyplot as plt

    from ibislib.figures import new_figure, save

    def fig():
        f, ax = new_figure()
        ax.bar(["Gymnasium", "Hauptschule"], [1670, 290])
        ax.set_title("Schüler*innen nach Schulform")
        return f

    a = fig()
    a.savefig(tmp_path / "ref.png", dpi=300, bbox_inches="tight")
    b = fig()
    save(b, tmp_path / "neu")
    assert b.get_layout_engine().__class__ is a.get_layout_engine().__class__  # restored
    plt.close("all")
    ref = plt.imread(tmp_path / "ref.png").shape
    new = plt.imread(tmp_path / "neu.png").shape
    assert abs(ref[0] - new[0]) <= 3 and abs(ref[1] - new[1]) <= 3, (ref, new)
    assert (tmp_path / "neu.svg").exists() and (tmp_path / "neu.pdf").exists()


def test_save_draws_once_per_format_and_matches_draw_without_rendering(tmp_path, monkeypatch):
    """The layout engine runs once and the tight box comes from it: one Figure.draw per file,
    none for the layout, and the same SVG as the former draw_without_rendering layout pass."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from ibislib.figures import SAVE_RC, _metadata, new_figure, save

    def fig():
        f, ax = new_figure()
        ax.bar(["Gymnasium", "Hauptschule"], [1670, 290])
        ax.set_title("Schüler*innen nach Schulform")
        ax.legend(["Anzahl"], loc="upper right")
        return f

    ref = fig()
    ref.draw_without_rendering()
    box = ref.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
    ref.set_layout_engine(None)
    with matplotlib.rc_context(SAVE_RC):
        ref.savefig(tmp_path / "ref.svg", bbox_inches=box, metadata=_metadata("svg"))
    calls = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: calls.append(1) or draw(self, r))
    save(fig(), tmp_path / "neu", ("png", "svg", "pdf"))
    plt.close("all")
    assert len(calls) == 3
    assert (tmp_path / "neu.svg").read_bytes() == (tmp_path / "ref.svg").read_bytes()
