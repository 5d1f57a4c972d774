"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ibb(tmp_path_factory):
    """The full example report for Ibbenbüren (HTML, PDF, DOCX; every chapter), built once per
    session and read by test_report.py and by the privacy scan in test_privacy.py."""
    from ibislib.report.build import build_report

    out = tmp_path_factory.mktemp("report") / "05566028"
    return build_report("05566028", formats=("html", "pdf", "docx"), out=out, progress=False)
