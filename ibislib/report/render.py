"""Print and editor formats from the assembled HTML: PDF via WeasyPrint, DOCX via pandoc."""

from __future__ import annotations

import logging
from pathlib import Path

from ..atomic import atomic_path


def to_pdf(html_text: str, base_dir: Path, target: Path) -> Path:
    """A4 PDF with page numbers and a contents list with page numbers (target-counter)."""
    import weasyprint

    # WeasyPrint logs every unsupported CSS property; those are screen-only rules, not errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with atomic_path(target, suffix=".pdf") as tmp:
        weasyprint.HTML(string=html_text, base_url=str(base_dir)).write_pdf(str(tmp))
    return target


def to_docx(html_text: str, base_dir: Path, target: Path, title: str) -> Path:
    """DOCX with embedded PNG figures and a Word table of contents (pandoc from pypandoc-binary)."""
    import pypandoc

    with atomic_path(target, suffix=".docx") as tmp:
        pypandoc.convert_text(
            html_text,
            "docx",
            format="html",
            outputfile=str(tmp),
            extra_args=[
                f"--resource-path={base_dir}",
                "--toc",
                "--toc-depth=2",
                f"--metadata=title:{title}",
                "--metadata=lang:de-DE",
            ],
            cworkdir=str(base_dir),
        )
    return target
