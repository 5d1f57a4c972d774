"""The chapter notebooks as stored: no outputs, a papermill `parameters` cell whose AGS is a
string, thin code cells without typed-in numbers, interactive controls only behind `interactive`."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import nbformat
import pytest

from ibislib import paths
from ibislib.report.outline import outline

NB_DIR = paths.notebooks_dir()  # IBIS_ROOT elsewhere: that project's notebooks (test_outline.py)
#: The chapters as the report outline (notebooks/report.yml) names them: a chapter added there
#: is checked here too (tests/test_outline.py proves it).
OUTLINE = outline(NB_DIR)
CHAPTERS = [e.path for e in OUTLINE.chapters]
EDITION_CHAPTERS = [e.path for e in OUTLINE.edition_chapters]
NOTEBOOKS = [OUTLINE.explorer, *CHAPTERS, *EDITION_CHAPTERS]


def _nb(path: Path):
    return nbformat.read(str(path), as_version=4)


def _ids(paths) -> list[str]:
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs(path):
    for cell in _nb(path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_parameters_cell(path):
    cells = [c for c in _nb(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    values = {}
    for node in ast.parse(cells[0].source).body:
        values[node.targets[0].id] = ast.literal_eval(node.value)
    expected = {"municipality": "05566028", "period": None, "out_dir": None, "interactive": True}
    if path != OUTLINE.explorer:
        # chapters: `ibis report` passes only the formats it needs, and the chapter number
        # from the outline (never typed into the notebook)
        expected |= {"figure_formats": None, "chapter_number": None}
    entry = OUTLINE.entry(path)
    if entry is not None and entry.edition:  # edition chapters run for one edition
        expected["edition"] = 2024
    elif "\nedition =" in "\n" + cells[0].source:  # e.g. the appendix: optional edition
        expected["edition"] = None
    assert values == expected


@pytest.mark.parametrize("path", CHAPTERS + EDITION_CHAPTERS, ids=_ids(CHAPTERS + EDITION_CHAPTERS))
def test_chapter_number_and_title_come_from_the_outline(path):
    """configure() gets the outline's number (no "01" typed in); the heading is its title."""
    nb = _nb(path)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "chapter=chapter_number" in code and 'chapter="' not in code
    # nothing after the parameters cell rebinds the name (05/06 import a module `chapter`)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            bound = [a.asname or a.name for a in getattr(node, "names", []) if hasattr(a, "name")]
            bound += [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            assert "chapter_number" not in bound, f"{path.name} rebinds chapter_number"
    assert nb.cells[0].source.splitlines()[0] == f"# {OUTLINE.entry(path).title}"


@pytest.mark.parametrize("path", CHAPTERS, ids=_ids(CHAPTERS))
def test_thin_cells_no_typed_numbers_widgets_only_interactive(path):
    nb = _nb(path)
    name = path.stem
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        tokens = tokenize.generate_tokens(io.StringIO(cell.source).readline)
        numbers = [t.string for t in tokens if t.type == tokenize.NUMBER]
        assert numbers == [], f"number typed into {name}: {numbers}"
        assert len(cell.source.splitlines()) <= 16, "notebook cells stay thin"
        if "explore(" in cell.source:
            assert "if interactive:" in cell.source
    assert any("publish.configure(" in c.source for c in nb.cells if c.cell_type == "code")


def test_explorer_draws_for_municipality_kreis_and_unknown_names():
    """What the ipywidgets controls compute on every change: no exception for a municipality, a
    Kreis, extra comparison units and a typo (the typo is reported, the rest is drawn).
    (Was a check of the old `_draw`; the explorer now computes a `view`, tests/test_explorer.py.)"""
    from ibislib.report.explore import figures_of, shown_table, view

    v = view("ausl_anteil", "05566028", None, "Minden, Nirgendwohausen an der Ibis")
    table = shown_table(v)
    assert "Ibbenbüren" in table.columns and "9,9" in set(table["Ibbenbüren"])  # German decimals
    assert any("Nirgendwohausen" in m for m in v.messages)
    assert len(v.messages) == 1  # Minden resolves (it has no value at this Stichtag)
    assert len(v.comparison) >= 2 and "vergleich" in figures_of(v)
    v = view("svb_ausl_anteil", "16070", None, "")
    assert "Ilm-Kreis" in shown_table(v).columns
