"""The report build without kernels: a fake executor writes 'executed' notebooks that use the
publish API, so assembly, numbering, error boxes, exit codes and the output folder are tested fast."""

from __future__ import annotations

import json
import os
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
    publish.figure(fig, name="balken", caption=f"Balken {input_nb.stem}", source="IT.NRW")
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
    monkeypatch.setattr(build, "papermill_executor", fake_executor)
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
