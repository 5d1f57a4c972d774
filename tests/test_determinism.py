"""A report is deterministic (issue 17): the same inputs give the same figure files, the same
numbers in the text and the same number of PDF pages — also when the second build runs in the
warm kernel the first one used (caches, imported modules)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from ibislib.report.build import build_report

#: German numbers as the report prints them (53.363; 9,9 %; 30.09.2022).
NUMBER = re.compile(r"\d[\d.]*(?:,\d+)?")


def _text(html: str) -> str:
    html = re.sub(r'src="data:[^"]+"', "", html)  # embedded PNGs are compared as files
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture(scope="module")
def twice(tmp_path_factory) -> list[Path]:
    from ibislib.batch.kernel import WarmKernel

    outs = []
    with WarmKernel() as kernel:
        for i in (1, 2):
            out = tmp_path_factory.mktemp(f"det{i}") / "05566028"
            res = build_report(
                "05566028",
                formats=("html", "pdf"),
                out=out,
                chapters=["01", "04"],  # 04: the school-type bar order
                progress=False,
                executor=kernel.execute,
            )
            assert res.ok, res.failed
            outs.append(out)
    return outs


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.suffix in (".svg", ".png", ".pdf")
    }


def test_same_figure_files(twice):
    a, b = (_digests(o / "figures") for o in twice)
    assert a and any(n.endswith(".svg") for n in a)
    assert a == b


def test_same_numbers_in_the_text(twice):
    a, b = ((o / "index.html").read_text(encoding="utf-8") for o in twice)
    assert NUMBER.findall(_text(a)) == NUMBER.findall(_text(b))
    assert _text(a) == _text(b)


def test_same_page_count(twice):
    from pypdf import PdfReader

    a, b = (len(PdfReader(str(next(o.glob("*.pdf")))).pages) for o in twice)
    assert a == b and a > 1
