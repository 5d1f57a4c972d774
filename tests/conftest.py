"""Reports shared by the report tests (test_report, test_docx, test_pdfua, test_privacy): each
is built once per session (papermill, fresh kernels), only when a test asks for it."""

from __future__ import annotations

import pytest

from ibislib.report.build import ReportResult, build_report


@pytest.fixture(scope="session")
def ibb(tmp_path_factory) -> ReportResult:
    """The full example report for Ibbenbüren (HTML, PDF, DOCX; every chapter); also read by
    the privacy scan in test_privacy.py."""
    out = tmp_path_factory.mktemp("report") / "05566028"
    return build_report("05566028", formats=("html", "pdf", "docx"), out=out, progress=False)


@pytest.fixture(scope="session")
def minden(tmp_path_factory) -> ReportResult:
    """Minden (official data only), through the executor seam with the batch runner's warm
    kernel: one kernel for all chapters, as `ibis batch` uses it."""
    from ibislib.batch.kernel import WarmKernel

    out = tmp_path_factory.mktemp("report") / "minden"
    with WarmKernel() as kernel:
        return build_report(
            "Minden",
            formats=("html", "pdf", "docx"),
            out=out,
            progress=False,
            executor=kernel.execute,
        )
