"""`ibis report` runs all chapters in one warm kernel (issue 17): one kernel process, no
variables leaking from one chapter into the next, and the kernel dies with the report process."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat as nbf
import pytest

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
    nb_dir = tmp_path_factory.mktemp("nbs")
    _nb(nb_dir / "01_eins.ipynb", FIRST)
    _nb(nb_dir / "02_zwei.ipynb", SECOND)
    out = tmp_path_factory.mktemp("r") / "05566028"
    res = build_report("05566028", formats=("html",), out=out, progress=False, notebooks_dir=nb_dir)
    assert res.ok, res.failed
    return out


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
