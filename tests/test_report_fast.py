"""`ibis report` runs the chapters in warm kernels (issue 17): one kernel serves many chapters,
two run side by side where two cores are free, no variables leak from one chapter into the
next, the chapters stay in report order, and a kernel dies with the report process."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat as nbf
import pytest

from ibislib.report import build
from ibislib.report.build import build_report, figure_formats

FIRST = """\
import ctypes, os
import matplotlib.pyplot as plt
from ibislib import publish
publish.configure(out_dir=out_dir, chapter="01", municipality=municipality, formats=figure_formats)
fig, ax = plt.subplots()
ax.bar(["a", "b"], [1, 2])
publish.figure(fig, name="balken", caption="Balken", source="IT.NRW")
sig = ctypes.c_int(-1)
if os.name == "posix":
    ctypes.CDLL(None).prctl(2, ctypes.byref(sig))  # PR_GET_PDEATHSIG
leak = "aus Kapitel 1"
publish.text(f"# Eins\\n\\nKernel {os.getpid()} Todessignal {sig.value}")
"""

SECOND = """\
import os
from ibislib import publish
publish.configure(out_dir=out_dir, chapter="02", municipality=municipality)
publish.text(f"# Zwei\\n\\nKernel {os.getpid()} Rest {'leak' in globals()}")
"""


def _nb(path: Path, code: str) -> None:
    nb = nbf.v4.new_notebook()
    params = nbf.v4.new_code_cell(
        'municipality = "05566028"\nout_dir = None\nfigure_formats = None'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbf.v4.new_code_cell(code)]
    nbf.write(nb, str(path))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Two chapters in ONE kernel (LANES = 1, as on a one-core machine)."""
    nb_dir = tmp_path_factory.mktemp("nbs")
    _nb(nb_dir / "01_eins.ipynb", FIRST)
    _nb(nb_dir / "02_zwei.ipynb", SECOND)
    out = tmp_path_factory.mktemp("r") / "05566028"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "LANES", 1)
        res = build_report(
            "05566028", formats=("html",), out=out, progress=False, notebooks_dir=nb_dir
        )
    assert res.ok, res.failed
    return out


def test_chapters_side_by_side_in_report_order(tmp_path, monkeypatch):
    """Three chapters, two kernels (where two cores are free): at most two kernel processes,
    one of them warm for a second chapter, nothing leaking, the chapters in report order."""
    monkeypatch.setattr(build, "lanes_for", lambda chapters: min(2, chapters))
    nb_dir = tmp_path / "nbs"
    nb_dir.mkdir()
    _nb(nb_dir / "01_eins.ipynb", FIRST)
    _nb(nb_dir / "02_zwei.ipynb", SECOND)
    _nb(nb_dir / "03_drei.ipynb", SECOND.replace('"02"', '"03"').replace("# Zwei", "# Drei"))
    out = tmp_path / "r"
    res = build_report("05566028", formats=("html",), out=out, progress=False, notebooks_dir=nb_dir)
    assert res.ok, res.failed
    page = (out / "index.html").read_text(encoding="utf-8")
    pids = re.findall(r"Kernel (\d+)", page)
    assert len(pids) == 3 and len(set(pids)) == 2
    assert page.count("Rest False") == 2
    body = [page.find(f'id="kap-{stem}"') for stem in ("01_eins", "02_zwei", "03_drei")]
    assert -1 < body[0] < body[1] < body[2], body  # report order, however they finished


@pytest.fixture(scope="module")
def page(built) -> str:
    return (built / "index.html").read_text(encoding="utf-8")


def test_one_kernel_for_all_chapters(page):
    pids = re.findall(r"Kernel (\d+)", page)
    assert len(pids) == 2 and pids[0] == pids[1]


def test_no_state_leaks_between_chapters(page):
    assert "Rest False" in page


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_kernel_dies_with_the_report_process(page):
    assert "Todessignal 9" in page  # SIGKILL when `ibis report` ends, however it ends


def test_html_only_report_writes_no_figure_pdf_and_no_png(built):
    """The HTML page shows the SVG; PNG (PDF, DOCX) and figure PDF only for print."""
    assert sorted(p.name for p in (built / "figures").iterdir()) == ["01_balken.svg"]


def test_full_report_keeps_all_figure_formats():
    assert figure_formats(("html",)) == ["svg"]
    assert figure_formats(("html", "pdf")) == figure_formats(("html", "docx"))
    assert figure_formats(("html", "pdf", "docx")) == ["png", "svg", "pdf"]
