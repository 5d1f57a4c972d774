"""The explorer without a browser: what one screen computes (defaults, historic territories,
German table), the export into figures/, the widgets' reaction to a typo, charts independent
of the matplotlib backend, and `ibis explore` starting Voilà and stopping on Ctrl+C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ibislib.report import explore as x

ROOT = Path(__file__).resolve().parents[1]


def test_territory_label_from_the_table_note():
    note = "Bis 1989: Früheres Bundesgebiet; Ab 2011: Ergebnisse auf Grundlage des Zensus 2011."
    assert x.territory_label("Deutschland", "1989-12-31", note) == "Früheres Bundesgebiet"
    assert x.territory_label("Deutschland", "1990-12-31", note) == "Deutschland"
    assert x.territory_label("Deutschland", "1975", None) == "Deutschland"


def test_long_series_labels_old_years_as_frueheres_bundesgebiet():
    v = x.view("ausl_anteil", "05566028", since=1970)
    dg = v.series[v.series["region"] == "DG"]
    old = dg[dg["period"].str[:4].astype(int) <= 1989]
    new = dg[dg["period"].str[:4].astype(int) >= 1990]
    assert len(old) and set(old["label"]) == {"Früheres Bundesgebiet"}
    assert len(new) and set(new["label"]) == {"Deutschland"}
    assert {"Früheres Bundesgebiet", "Deutschland"} <= set(v.table.columns)


def test_defaults_show_a_recent_series_with_german_dates():
    from ibislib.indicators import catalog

    iid = x.default_indicator(list(catalog()), "05566028")
    v = x.view(iid, "05566028")
    own = v.series[v.series["region"] == "05566028"]
    assert own["period"].nunique() >= 3  # a development, not a single number
    assert v.since >= v.years[-1] - x.DEFAULT_SPAN_YEARS
    assert v.series["period"].str[:4].astype(int).min() >= v.since  # not from 1970 on
    table = x.shown_table(v)
    assert table["Stichtag"].str.fullmatch(r"\d{2}\.\d{2}\.\d{4}|\d{4}").all()  # 31.12.2015
    assert any("." in s for s in table["Ibbenbüren"] if s != "–")  # 53.363
    assert "zeitreihe" in x.figures_of(v)
    keys = x.key_figures("05566028")
    assert "Ausländeranteil" in set(keys["Kennzahl"])
    assert "9,9\u202f%" in set(keys["Wert"]) and "30.09.2022" in set(keys["Stand"])


def test_counts_are_compared_as_index_shares_side_by_side():
    counts = x.view("bev_insgesamt", "05566028")
    assert counts.index_base and "Index" in counts.caption_series
    shares = x.view("ausl_anteil", "05566028")
    assert shares.index_base is None and len(shares.comparison) >= 2


def test_export_writes_house_style_files(tmp_path):
    import openpyxl

    v = x.view("bev_insgesamt", "05566028", others="Emsdetten")
    files = x.export(v, tmp_path)
    suffixes = sorted(p.suffix for p in files)
    assert suffixes.count(".png") == suffixes.count(".svg") == suffixes.count(".pdf") >= 1
    assert all(p.parent == tmp_path and p.stat().st_size > 0 for p in files)
    xlsx = next(p for p in files if p.suffix == ".xlsx")
    ws = openpyxl.load_workbook(xlsx).active
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert texts[0].startswith("Bevölkerung insgesamt") and any(
        t.startswith("Quelle:") for t in texts
    )
    from PIL import Image

    png = next(p for p in files if p.suffix == ".png")
    assert Image.open(png).info["dpi"][0] == pytest.approx(300, abs=1)


def test_widgets_offer_close_matches_and_redraw(monkeypatch):
    pytest.importorskip("ipywidgets")
    from IPython.display import display  # noqa: F401 - the explorer displays via IPython

    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    from ibislib.indicators import catalog

    app = x.Explorer(list(catalog()), "05566028")
    assert app.chart_ser.value[:4] == b"\x89PNG"  # drawn at once, as PNG bytes
    first = app.chart_ser.value
    app.unit_w.value = "Ibenbüren"  # typo: no redraw, close matches instead
    assert "Unbekannte Gebietseinheit" in app.status.value
    labels = [b.description for b in app.suggest.children[1:]]
    assert any(lab.startswith("Ibbenbüren") for lab in labels)
    app.suggest.children[1 + next(i for i, lab in enumerate(labels) if "Ibbenbüren" in lab)].click()
    assert app.unit_w.value == "05566028" and app.suggest.children == ()
    app.ind_w.value = "bev_entwicklung"
    assert app.chart_ser.value != first
    app.cmp_w.value = "Emsdetten"
    assert "Emsdetten" in set(app.view.comparison["label"])


def test_export_button_writes_into_figures(monkeypatch, tmp_path):
    pytest.importorskip("ipywidgets")
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    monkeypatch.setattr("ibislib.paths.figures_dir", lambda: tmp_path / "figures")
    from ibislib.indicators import catalog

    app = x.Explorer(list(catalog()), "05566028")
    app.export_b.click()
    written = sorted(p.name for p in (tmp_path / "figures" / "05566028").iterdir())
    assert any(n.endswith("_zeitreihe.pdf") for n in written)
    assert any(n.endswith("_tabelle.xlsx") for n in written)
    assert "Gespeichert in" in app.status.value and "Quelle:" in app.status.value


def test_figures_import_keeps_the_inline_backend():
    """Importing ibislib must not force Agg: in a kernel, figures would show as text only."""
    code = (
        "import matplotlib; matplotlib.use('module://matplotlib_inline.backend_inline');"
        "import ibislib.figures, ibislib.charts, ibislib.report.explore;"
        "print(matplotlib.get_backend())"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "inline" in out.stdout


@pytest.mark.slow
def test_ibis_explore_prints_url_and_stops_on_ctrl_c(tmp_path):
    ibis = Path(sys.executable).with_name("ibis")
    # stderr into a file, not an unread pipe (a full pipe would block ibis while stopping)
    err = (tmp_path / "stderr.txt").open("w+")
    proc = subprocess.Popen(
        [str(ibis), "explore"],
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
        cwd=str(tmp_path),
    )
    try:
        line = proc.stdout.readline()
        assert "Explorer läuft: http://127.0.0.1:" in line, line
        url = line.split()[2]
        try:  # the server answers (any HTTP status; GET / would run the notebook)
            urllib.request.urlopen(url + "favicon.ico", timeout=10).close()
        except urllib.error.HTTPError as exc:
            assert exc.code < 500
        children = subprocess.run(
            ["pgrep", "-f", "-P", str(proc.pid), "voila"], capture_output=True, text=True
        ).stdout.split()
        assert children, "Voilà runs as a child of ibis explore"
        proc.send_signal(signal.SIGINT)
        try:  # stop() escalates SIGINT -> SIGTERM -> SIGKILL within 20 s; room for a slow machine
            code = proc.wait(60)
        except subprocess.TimeoutExpired:
            err.seek(0)
            pytest.fail("ibis explore did not stop on SIGINT; stderr: " + err.read()[-2000:])
        err.seek(0)
        assert code == 0
        assert "Explorer beendet" in err.read()
        time.sleep(0.5)
        for pid in children:
            assert (
                not Path(f"/proc/{pid}").exists()
                or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
            ), f"Voilà {pid} still running"
    finally:
        if proc.poll() is None:
            proc.kill()
