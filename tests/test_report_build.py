"""The report build without kernels: a fake executor writes 'executed' notebooks that use the
publish API, so assembly, numbering, error boxes, exit codes and the output folder are tested fast."""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from pathlib import Path

import nbformat as nbf
import pytest

from ibislib.errors import IbisError
from ibislib.report import build
from ibislib.report.build import build_report, chapter_notebooks


def _chapter(path: Path, title: str) -> None:
    nb = nbf.v4.new_notebook()
    params = nbf.v4.new_code_cell('municipality = "05566028"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbf.v4.new_markdown_cell(f"# {title}\n\nEinleitung."), params]
    nbf.write(nb, str(path))


@pytest.fixture()
def nb_dir(tmp_path) -> Path:
    d = tmp_path / "notebooks"
    d.mkdir()
    _chapter(d / "00_explorer.ipynb", "Explorer")
    _chapter(d / "01_demografie.ipynb", "Demografische Daten")
    _chapter(d / "02_kaputt.ipynb", "Kaputt")
    _chapter(d / "03_arbeit.ipynb", "Arbeit")
    return d


def fake_executor(input_nb: Path, output_nb: Path, parameters: dict, cwd: Path) -> None:
    """Run the publish API in-process and store its outputs like an executed notebook."""
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    from ibislib import publish

    assert isinstance(parameters["municipality"], str) and parameters["municipality"] == "05566028"
    assert parameters["interactive"] is False
    if "kaputt" in input_nb.name:
        raise KeyError("bev_insgesamt")
    outputs = []
    shell = InteractiveShell.instance()
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: outputs.append(
        nbf.v4.new_output("display_data", data=data, metadata=metadata or {})
    )
    here = os.getcwd()
    os.chdir(cwd)  # like the kernel, which runs in the notebooks folder
    publish.configure(
        out_dir=parameters["out_dir"], chapter=input_nb.stem[:2], municipality="05566028"
    )
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    publish.figure(
        fig,
        name="balken",
        caption=f"Balken {input_nb.stem}",
        source="IT.NRW",
        data=pd.DataFrame({"Gruppe": ["a", "b"], "Anzahl": [1, 2]}),
    )
    publish.table(
        pd.DataFrame({"Jahr": ["2021"], "Anzahl": [53363]}),
        name="t",
        caption="Tabelle",
        source="Destatis",
    )
    publish.text("Zum 30.09.2022 lebten dort 53.363 Ausländer*innen.")
    publish.note("Für Ibbenbüren liegen keine Daten zu Integrationskursen vor.")
    nb = nbf.read(str(input_nb), as_version=4)
    cell = nbf.v4.new_code_cell("publish.figure(...)")
    cell.outputs = outputs
    nb.cells.append(cell)
    nbf.write(nb, str(output_nb))
    os.chdir(here)
    shell.display_pub.publish = original  # other tests print through IPython's display


def test_chapters_exclude_explorer_and_filter(nb_dir):
    assert [p.stem for p in chapter_notebooks(nb_dir)] == [
        "01_demografie",
        "02_kaputt",
        "03_arbeit",
    ]
    assert [p.stem for p in chapter_notebooks(nb_dir, ["01", "03"])] == [
        "01_demografie",
        "03_arbeit",
    ]
    with pytest.raises(IbisError, match="Kapitel 07"):
        chapter_notebooks(nb_dir, ["07"])


def test_failing_chapter_is_named_and_others_are_built(nb_dir, tmp_path):
    out = tmp_path / "bericht"
    res = build_report(
        "05566028",
        formats=("html",),
        out=out,
        executor=fake_executor,
        progress=False,
        notebooks_dir=nb_dir,
    )
    assert not res.ok
    assert list(res.failed) == ["02_kaputt"] and "KeyError" in res.failed["02_kaputt"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="ibis-error"' in page and "02_kaputt" in page and "bev_insgesamt" in page
    # figures and tables numbered across chapters; lists and sources assembled
    assert "Abbildung 1:</span> Balken 01_demografie" in page
    assert "Abbildung 2:</span> Balken 03_arbeit" in page
    assert "Tabelle 2:</span> Tabelle" in page
    assert "Abbildungsverzeichnis" in page and "Quellenverzeichnis" in page
    assert "<li>Destatis</li>" in page and "<li>IT.NRW</li>" in page
    assert "53.363 Ausländer*innen" in page
    assert '<td class="num">53.363</td>' in page
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == [
        "01_balken.png",
        "03_balken.png",
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["failed"] == res.failed and manifest["chapters"]["01_demografie"]["ok"]
    # no temp folders left beside the report
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_run_cli_exit_code(nb_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(build, "kernel_executor", lambda *lanes: nullcontext(fake_executor))
    monkeypatch.setattr(build.paths, "notebooks_dir", lambda: nb_dir)
    code = build.run_cli("Ibbenbüren", None, "html", tmp_path / "r", "01,03")
    assert code == 0
    assert "index.html" in capsys.readouterr().err
    code = build.run_cli("05566028", None, "html", tmp_path / "r", None)
    assert code == 1
    assert "FEHLER in 02_kaputt" in capsys.readouterr().err


def test_unknown_format_and_unit_give_german_errors(nb_dir, tmp_path):
    with pytest.raises(IbisError, match="Berichtsformat"):
        build_report("05566028", formats=("odt",), out=tmp_path / "x", notebooks_dir=nb_dir)
    with pytest.raises(IbisError):
        build_report("Nirgendwohausen an der Ibis", out=tmp_path / "x", notebooks_dir=nb_dir)


def test_relative_out_dir_is_resolved(nb_dir, tmp_path, monkeypatch):
    """`make report` passes reports/05566028 relative to the project; notebooks run elsewhere."""
    monkeypatch.chdir(tmp_path)
    res = build_report(
        "05566028",
        formats=("html",),
        out=Path("reports/x"),
        executor=fake_executor,
        progress=False,
        notebooks_dir=nb_dir,
        chapters=["01"],
    )
    assert res.out_dir.is_absolute()
    assert (tmp_path / "reports" / "x" / "figures" / "01_balken.png").exists()
    assert len(res.figures) == 1


def test_data_tables_flag_and_accessible_formats(nb_dir, tmp_path, monkeypatch):
    """`ibis report --ohne-datentabellen` leaves out the figures' data tables; with them the HTML
    has a <details> table per figure, the PDF an appendix; alt texts reach PDF and DOCX."""
    from typer.testing import CliRunner

    from ibislib.cli import app

    monkeypatch.setattr(build, "kernel_executor", lambda *lanes: nullcontext(fake_executor))
    monkeypatch.setattr(build.paths, "notebooks_dir", lambda: nb_dir)
    args = ["report", "-m", "05566028", "--chapters", "01,03", "--formats", "html,pdf,docx"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "mit")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "mit" / "index.html").read_text(encoding="utf-8")
    assert html.count('<details class="ibis-data-table">') == 2
    assert 'alt="Balken 01_demografie. Anzahl: 2 Werte von 1 (a) bis 2 (b)."' in html
    pdf = next((tmp_path / "mit").glob("*.pdf"))
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Datentabellen zu den Abbildungen" in text
    import docx

    d = docx.Document(str(next((tmp_path / "mit").glob("*.docx"))))
    descr = [
        el.get("descr")
        for el in d.element.body.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
        )
    ]
    assert descr == [
        "Balken 01_demografie. Anzahl: 2 Werte von 1 (a) bis 2 (b).",
        "Balken 03_arbeit. Anzahl: 2 Werte von 1 (a) bis 2 (b).",
    ]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "ohne"), "--ohne-datentabellen"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "ohne" / "index.html").read_text(encoding="utf-8")
    assert "<details" not in html
    pdf = next((tmp_path / "ohne").glob("*.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Datentabellen zu den Abbildungen" not in text
