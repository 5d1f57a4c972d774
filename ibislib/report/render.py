"""Print and editor formats from the assembled HTML: PDF via WeasyPrint, DOCX via pandoc."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..atomic import atomic_path
from .hyphenation import use_german_patterns

#: Tagged PDF for accessible publication (BITV 2.0 / EU Web Accessibility Directive).
PDF_VARIANT = "pdf/ua-1"


def warm_up() -> None:
    """Pay WeasyPrint's first-use costs (import 0,3 CPU-s; font configuration, user-agent
    style sheet, Pango and the hyphenation patterns on a first page 0,8 CPU-s) ahead, while
    the chapters still run: they are then off the report's critical path. Never raises."""
    try:
        import weasyprint

        from .assemble import css

        _quiet()
        use_german_patterns()
        weasyprint.HTML(
            string=f'<html lang="de"><head><style>{css()}</style></head><body><h1>Bericht</h1>'
            '<p>Integrationsmonitoring und Einbürgerungsquote</p><table class="ibis-data">'
            '<tr><th>Kennzahl</th><th class="num">Wert</th></tr><tr><td class="txt">'
            'Ausländeranteil</td><td class="num">9,9</td></tr></table></body></html>'
        ).render()
    except Exception:  # noqa: BLE001 - only a head start; to_pdf reports real errors
        pass


def _quiet() -> None:
    # WeasyPrint logs every unsupported CSS property; those are screen-only rules, not errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)


def to_pdf(html_text: str, base_dir: Path, target: Path) -> Path:
    """A4 PDF/UA-1: tagged (structure and reading order from the HTML), language and title from
    the HTML (<html lang="de">, <title>), bookmarks from the headings, page numbers and a
    contents list with page numbers (target-counter).

    The figures' image streams are made in a second thread while WeasyPrint lays out the pages
    (:func:`prepared_images`): the same bytes, off the critical path."""
    import weasyprint

    _quiet()
    use_german_patterns()
    with atomic_path(target, suffix=".pdf") as tmp, prepared_images(html_text, base_dir):
        weasyprint.HTML(string=html_text, base_url=str(base_dir)).write_pdf(
            str(tmp), pdf_variant=PDF_VARIANT
        )
        header_scopes(tmp)
    return target


_PNG_SRC = re.compile(r'<img\b[^>]*\bsrc="([^"]+\.png)"')
#: Image streams made ahead, by the PNG's absolute path (see :func:`prepared_images`).
_PREPARED: dict[str, Future] = {}
#: WeasyPrint versions whose RGBA image stream :func:`_rgba_x_object` rebuilds as they do
#: (tests/test_print_layout.py compares the streams with WeasyPrint's own).
_SAME_IMAGE_STREAMS = ("70.",)
_ORIGINAL_X_OBJECT = None  # WeasyPrint's RasterImage.get_x_object while patched


def _png_streams(path: Path) -> tuple[bytes, bytes] | None:
    """The colour and alpha streams of an RGBA PNG, made exactly as WeasyPrint makes them
    (``RasterImage.get_x_object``: drop the alpha channel, encode each as PNG data)."""
    from PIL import Image
    from weasyprint.images import RasterImage

    with Image.open(io.BytesIO(path.read_bytes())) as image:
        if image.mode != "RGBA":
            return None
        alpha = image.getchannel("A")
        colour = image.convert("RGB")
    return RasterImage._get_png_data(colour), RasterImage._get_png_data(alpha)


@contextlib.contextmanager
def prepared_images(html_text: str, base_dir: Path) -> Iterator[None]:
    """Decode and re-encode the report's figure PNGs (1,4 of WeasyPrint's 7,6 CPU-s) in a
    thread while WeasyPrint lays out the pages; its ``get_x_object`` then takes the prepared
    streams. Pillow's codecs release the GIL, so that thread runs on the second core. Only for
    WeasyPrint versions known to build the stream this way; otherwise WeasyPrint's own code."""
    import weasyprint
    from weasyprint.images import RasterImage

    if not weasyprint.__version__.startswith(_SAME_IMAGE_STREAMS):
        yield
        return
    paths = {str((base_dir / src).resolve()) for src in _PNG_SRC.findall(html_text)}
    pool = ThreadPoolExecutor(1, thread_name_prefix="ibis-pdf-images")
    own = {p: pool.submit(_png_streams, Path(p)) for p in sorted(paths) if p not in _PREPARED}
    _PREPARED.update(own)
    global _ORIGINAL_X_OBJECT
    original = _ORIGINAL_X_OBJECT = RasterImage.get_x_object
    RasterImage.get_x_object = _rgba_x_object
    try:
        yield
    finally:
        RasterImage.get_x_object = original
        for p, fut in own.items():
            fut.cancel()
            _PREPARED.pop(p, None)
        pool.shutdown(wait=False, cancel_futures=True)


def _rgba_x_object(self, interpolate, dpi_ratio):
    """``RasterImage.get_x_object`` with the streams of :func:`prepared_images` (a PNG in RGBA
    at full resolution, as every figure is); anything else goes to WeasyPrint's own code."""
    import pydyf

    fut = _PREPARED.get(str(getattr(self.image_data, "_filename", "")))
    streams = fut.result() if fut is not None and dpi_ratio == 1 else None
    if streams is None or self.mode != "RGBA" or self.format != "PNG":
        return _ORIGINAL_X_OBJECT(self, interpolate, dpi_ratio)
    colour, alpha = streams
    width, height = self.width, self.height
    interpolate = "true" if interpolate else "false"
    extra = pydyf.Dictionary(
        {
            "Type": "/XObject",
            "Subtype": "/Image",
            "Width": width,
            "Height": height,
            "ColorSpace": "/DeviceRGB",
            "BitsPerComponent": 8,
            "Interpolate": interpolate,
        }
    )
    extra["Filter"] = "/FlateDecode"
    extra["DecodeParms"] = pydyf.Dictionary({"Predictor": 15, "Columns": width})
    extra["DecodeParms"]["Colors"] = 3
    mask = self.cache_image_data(alpha, slot="streamalpha")
    extra["SMask"] = pydyf.Stream(
        [mask],
        extra={
            "Filter": "/FlateDecode",
            "Type": "/XObject",
            "Subtype": "/Image",
            "DecodeParms": pydyf.Dictionary({"Predictor": 15, "Columns": width}),
            "Width": width,
            "Height": height,
            "ColorSpace": "/DeviceGray",
            "BitsPerComponent": 8,
            "Interpolate": interpolate,
        },
    )
    return pydyf.Stream([self.cache_image_data(colour, slot="stream")], extra)


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
