"""Print and editor formats from the assembled HTML: PDF via WeasyPrint, DOCX via pandoc."""

from __future__ import annotations

import logging
from pathlib import Path

from ..atomic import atomic_path
from .hyphenation import use_german_patterns

#: Tagged PDF for accessible publication (BITV 2.0 / EU Web Accessibility Directive).
PDF_VARIANT = "pdf/ua-1"


def to_pdf(html_text: str, base_dir: Path, target: Path) -> Path:
    """A4 PDF/UA-1: tagged (structure and reading order from the HTML), language and title from
    the HTML (<html lang="de">, <title>), bookmarks from the headings, page numbers and a
    contents list with page numbers (target-counter)."""
    import weasyprint

    # WeasyPrint logs every unsupported CSS property; those are screen-only rules, not errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    use_german_patterns()
    with atomic_path(target, suffix=".pdf") as tmp:
        weasyprint.HTML(string=html_text, base_url=str(base_dir)).write_pdf(
            str(tmp), pdf_variant=PDF_VARIANT
        )
        header_scopes(tmp)
    return target


def header_scopes(path: Path) -> int:
    """Give every table header cell (/TH) its /Scope (Column, or Row for <th scope="row">).

    WeasyPrint links data cells to their headers with /Headers and /ID; assistive technology
    and checkers also look for /Scope on the header cells themselves (PDF/UA-1 7.5), which
    WeasyPrint does not write. The row/column comes from the ID WeasyPrint gives each header
    ('<table>-<row>-<column>'): headers in the first row are column headers. Returns the
    number of cells marked.
    """
    import pikepdf

    marked = 0
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        stack = [root] if root is not None else []
        while stack:
            node = stack.pop()
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if node.get("/S") == pikepdf.Name("/TH"):
                attrs = node.get("/A")
                if not isinstance(attrs, pikepdf.Dictionary):
                    attrs = pikepdf.Dictionary(O=pikepdf.Name("/Table"))
                    node.A = attrs
                ident = str(node.get("/ID", ""))
                row = ident.split("-")[1] if ident.count("-") == 2 else "0"
                attrs.Scope = pikepdf.Name("/Column" if row == "0" else "/Row")
                marked += 1
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
        pdf.save(path)
    return marked


def to_docx(
    html_text: str,
    base_dir: Path,
    target: Path,
    title: str,
    alt_texts: list[str] | None = None,
    captions: list[str] | None = None,
) -> Path:
    """DOCX in the house style (templates/reference.docx) with embedded PNG figures, Word
    captions, contents and lists as fields (pandoc from pypandoc-binary, then docx_style).

    pandoc runs as a plain subprocess in `base_dir` (what ``pypandoc.convert_text`` runs, but
    without its process-wide ``os.chdir`` around the start, which is not safe while the PDF is
    rendered in another thread, and without its two format-list probes of pandoc)."""
    import subprocess

    import pypandoc

    from .docx_style import finish, reference_docx

    with atomic_path(target, suffix=".docx") as tmp:
        proc = subprocess.run(
            [
                pypandoc.get_pandoc_path(),
                "--from=html",
                "--to=docx",
                f"--output={tmp}",
                f"--resource-path={base_dir}",
                f"--reference-doc={reference_docx()}",
                f"--metadata=title:{title}",
                "--metadata=lang:de-DE",
            ],
            input=html_text.encode("utf-8"),
            cwd=str(base_dir),
            capture_output=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"pandoc (HTML → DOCX) endete mit Code {proc.returncode}: "
                + proc.stderr.decode("utf-8", errors="replace").strip()
            )
        finish(tmp, alt_texts=alt_texts or [], titles=captions or [])
    return target
