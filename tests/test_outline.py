"""The report outline (notebooks/report.yml, ibislib/report/outline.py): the one list of the
report's chapters. A chapter added to it is checked by the notebook tests and built by the
builder (each can fail for it); a chapter notebook the outline does not name, an entry without
its notebook and a broken outline are German errors naming the file, the line and the problem."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat as nbf
import pytest

from ibislib import publish
from ibislib.batch import overview
from ibislib.errors import FormatError, IbisError
from ibislib.indicators import catalog
from ibislib.report import explore
from ibislib.report.build import build_report, chapter_notebooks
from ibislib.report.outline import chapter_number, outline

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"

NEW_ENTRY = "  - notebook: 07_neu.ipynb\n    title: Neues Kapitel\n"


def test_shipped_outline_names_every_notebook_in_order():
    o = outline(NB)
    assert o.source == NB / "report.yml"
    found = sorted(p.name for p in NB.glob("[0-9][0-9]_*.ipynb") if p != o.explorer)
    assert [e.path.name for e in o.chapters] == found
    numbers = [e.number for e in (*o.chapters, *o.edition_chapters)]
    assert numbers == sorted(set(numbers))
    assert {e.path.name for e in o.edition_chapters} == {
        p.name for p in (NB / "ausgabe").glob("*.ipynb")
    }
    assert [p.stem for p in chapter_notebooks()] == [e.key for e in o.chapters]
    # the batch overview shows the outline's key indicators, all known to the catalogue
    assert overview.key_indicators() == list(o.key_indicators)
    assert o.key_indicators and set(o.key_indicators) <= set(catalog())
    assert explore.key_indicators() == o.indicators("explorer_indicators") != []


def _new_chapter(path: Path, *, with_output: bool = False) -> None:
    """A chapter notebook as the notebook tests want it (optionally with a stored output)."""
    nb = nbf.v4.new_notebook()
    params = nbf.v4.new_code_cell(
        'municipality = "05566028"\nperiod = None\nout_dir = None\ninteractive = True\n'
        "figure_formats = None\nchapter_number = None"
    )
    params.metadata["tags"] = ["parameters"]
    code = nbf.v4.new_code_cell(
        "from ibislib import publish\n\npublish.configure(out_dir=out_dir, chapter=chapter_number)\n"
        'publish.text("Neu.")'
    )
    if with_output:
        code.outputs = [nbf.v4.new_output("stream", text="übrig geblieben")]
        code.execution_count = 1
    nb.cells = [nbf.v4.new_markdown_cell("# Neues Kapitel"), params, code]
    nbf.write(nb, str(path))


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the shipped notebooks with a seventh chapter in the folder and the outline."""
    d = tmp_path / "projekt" / "notebooks"
    shutil.copytree(NB, d)
    _new_chapter(d / "07_neu.ipynb")
    text = (d / "report.yml").read_text(encoding="utf-8")
    head, tail = text.split("\nedition_chapters:", 1)
    (d / "report.yml").write_text(
        head.rstrip("\n") + "\n" + NEW_ENTRY + "\nedition_chapters:" + tail
    )
    return d


def _notebook_tests(project_root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, IBIS_ROOT=str(project_root))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v",
         str(ROOT / "tests" / "test_notebooks.py"), "-k", "not explorer_draws"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_new_chapter_is_checked_by_the_notebook_tests(project):
    ok = _notebook_tests(project.parent)
    assert ok.returncode == 0, ok.stdout[-2000:]
    assert "test_stored_without_outputs[07_neu] PASSED" in ok.stdout
    assert "test_parameters_cell[07_neu] PASSED" in ok.stdout
    _new_chapter(project / "07_neu.ipynb", with_output=True)  # now it breaks a rule
    bad = _notebook_tests(project.parent)
    assert bad.returncode == 1
    assert "test_stored_without_outputs[07_neu] FAILED" in bad.stdout
    assert "test_stored_without_outputs[01_demografie] PASSED" in bad.stdout


def test_new_chapter_is_built_with_its_number_and_can_fail(project, tmp_path):
    seen: dict[str, dict] = {}

    def executor(nb: Path, target: Path, params: dict, cwd: Path) -> None:
        seen[nb.stem] = params
        if nb.stem == "07_neu" and fail:
            raise RuntimeError("Kapitel 7 kaputt")
        shutil.copy(nb, target)

    fail = False
    res = build_report(
        "05566028", formats=("html",), out=tmp_path / "r", executor=executor,
        progress=False, notebooks_dir=project,
    )  # fmt: skip
    assert res.ok, res.failed
    assert res.chapters == [e.key for e in outline(project).chapters]
    assert res.chapters[-1] == "07_neu" and seen["07_neu"]["chapter_number"] == "07"
    assert seen["03_beschaeftigung"]["chapter_number"] == "03"  # the number comes from the outline
    assert "Neues Kapitel" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    fail = True
    res = build_report(
        "05566028", formats=("html",), out=tmp_path / "r2", executor=executor,
        progress=False, notebooks_dir=project,
    )  # fmt: skip
    assert res.failed == {"07_neu": "RuntimeError: Kapitel 7 kaputt"}
    # the failed chapter keeps the outline's title in the report
    page = (tmp_path / "r2" / "index.html").read_text(encoding="utf-8")
    assert "Neues Kapitel" in page and "Kapitel 7 kaputt" in page


def test_notebook_missing_from_the_outline_is_an_error(project):
    (project / "report.yml").write_text(
        (project / "report.yml").read_text(encoding="utf-8").replace(NEW_ENTRY, ""),
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as exc:
        outline(project)
    msg = exc.value.message
    assert "07_neu.ipynb' steht nicht in der Gliederung" in msg
    assert str(project / "report.yml") in msg and "chapters" in msg
    with pytest.raises(IbisError, match="steht nicht in der Gliederung"):  # before any work
        build_report("05566028", formats=("html",), out=project.parent / "r", notebooks_dir=project)


def test_outline_entry_without_its_notebook_is_an_error(project):
    (project / "07_neu.ipynb").unlink()
    with pytest.raises(FormatError, match=r"Kapitel 07_neu steht in der Gliederung, aber .*fehlt"):
        outline(project)
    (project / "ausgabe" / "11_massnahmen.ipynb").unlink()
    _new_chapter(project / "07_neu.ipynb")
    with pytest.raises(FormatError, match="11_massnahmen"):
        outline(project)


@pytest.mark.parametrize(
    "change, expected",
    [
        (("title: Neues Kapitel", "titel: Neues Kapitel"), r"Zeile \d+: 'chapters', Eintrag 7: unbekannter Schlüssel 'titel'"),
        (("07_neu.ipynb", "7_neu.ipynb"), r"'notebook' muss ein Dateiname wie"),
        (("    title: Neues Kapitel\n", ""), r"Eintrag 7 \(07_neu.ipynb\): 'title' fehlt"),
        (("key_indicators:", "kennzahlen:"), r"Unbekannter Schlüssel 'kennzahlen'"),
        (("title: Neues Kapitel\n", "title: Neues Kapitel\n    survey: ja\n"), r"Eintrag 7 \(07_neu.ipynb\): 'survey' ist true oder false"),
        (("  - notebook: 07_neu.ipynb", "  - notebook: 07_neu.ipynb\n  notebook: x"), r"kein gültiges YAML"),
        (("chapters:\n  - notebook: 01_demografie.ipynb", "chapters:\n  - notebook: 08_demografie.ipynb"), r"Kapitel 02 steht nach Kapitel 08"),
    ],
)  # fmt: skip
def test_broken_outline_gives_a_german_error_with_file_and_line(project, change, expected):
    path = project / "report.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    with pytest.raises(FormatError, match=expected) as exc:
        outline(project)
    assert exc.value.path == str(path)


@pytest.mark.parametrize("key", ["key_indicators", "explorer_indicators"])
def test_unknown_indicator_is_an_error(project, key):
    path = project / "report.yml"
    text = path.read_text(encoding="utf-8").replace(f"{key}:\n", f"{key}:\n  - gibt_es_nicht\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=f"'{key}': den Indikator 'gibt_es_nicht' gibt es im"):
        outline(project).indicators(key)
    if key == "key_indicators":  # the batch overview asks for them so
        with pytest.raises(FormatError, match="gibt_es_nicht"):
            overview.key_indicators(project)


def test_folder_without_outline_takes_its_notebooks_in_name_order(tmp_path):
    for name in ("02_b.ipynb", "00_explorer.ipynb", "01_a.ipynb"):
        _new_chapter(tmp_path / name)
    o = outline(tmp_path)
    assert o.source is None and [e.key for e in o.chapters] == ["01_a", "02_b"]
    with pytest.raises(FormatError, match="Kapitel 07 gibt es nicht"):
        o.select(["07"])


def test_interactive_run_takes_the_number_from_the_notebook_name(monkeypatch, tmp_path):
    """JupyterLab tells the kernel which notebook it runs: its files get the chapter number."""
    monkeypatch.delenv("IBIS_CHAPTER", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(NB / "03_beschaeftigung.ipynb"))
    assert chapter_number() == "03"
    publish.configure(out_dir=tmp_path)
    assert publish._STATE.chapter == "03"
    monkeypatch.setenv("JPY_SESSION_NAME", str(NB / "00_explorer.ipynb"))
    publish.configure(out_dir=tmp_path)
    assert publish._STATE.chapter == "00"
