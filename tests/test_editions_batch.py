"""`ibis batch --edition` and `ibis report --edition`: editions kept apart on disk, the edition
chapters run with the `edition` parameter (real build_report and kernels, tiny notebooks)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from ibislib.batch import fingerprint as fp
from ibislib.batch import run_batch
from ibislib.report.build import build_report

CHAPTER = """\
from ibislib import publish
publish.configure(out_dir=out_dir, chapter="01", municipality=municipality)
publish.text(f"Kapitel für {municipality}")
"""
EDITION = """\
from ibislib import publish
publish.configure(out_dir=out_dir, chapter="10", municipality=municipality)
publish.text(f"Ausgabe {edition} für {municipality}")
"""


def _nb(path: Path, title: str, params: str, code: str) -> None:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(title), p, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def nbdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(fp, "library_hash", lambda: "fixed")
    base = 'municipality = "05566028"\nperiod = None\nout_dir = None\ninteractive = True'
    d = tmp_path / "nb"
    _nb(d / "01_test.ipynb", "# Testkapitel", base, CHAPTER)
    _nb(d / "ausgabe" / "10_test.ipynb", "# Ausgabe", base + "\nedition = 2024", EDITION)
    return d


def test_batch_keeps_editions_apart(nbdir, tmp_path):
    out = tmp_path / "reports"
    kw = dict(notebooks_dir=nbdir, build_store=False, progress=False, overview=False, jobs=1)
    r24 = run_batch(["05566028"], out=out, edition=2024, **kw)
    r23 = run_batch(["05566028", "05566004"], out=out, edition=2023, **kw)
    assert r24.ok and r23.ok
    for year, ags in ((2024, "05566028"), (2023, "05566028"), (2023, "05566004")):
        html = (out / str(year) / ags / "index.html").read_text(encoding="utf-8")
        assert f"Ausgabe {year} für {ags}" in html
        manifest = json.loads((out / str(year) / ags / "manifest.json").read_text())
        assert manifest["parameters"]["edition"] == year
    assert "Ibbenbüren 2024" in (out / "2024/05566028/index.html").read_text(encoding="utf-8")
    assert not (out / "05566028").exists()  # nothing outside the edition folders
    # an unchanged re-run of the same edition is skipped; another edition is not affected
    again = run_batch(["05566028"], out=out, edition=2024, **kw)
    assert again.skipped == ["05566028"]


def test_report_without_edition_has_no_edition_chapter(nbdir, tmp_path):
    res = build_report(
        "05566028", formats=("html",), out=tmp_path / "r", notebooks_dir=nbdir, progress=False
    )
    html = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert res.ok and "Kapitel für 05566028" in html and "Ausgabe 2024" not in html
