"""Format detection and the single entry point :func:`read`.

The formats are registered in :mod:`ibislib.sources.registry` (one line per loader); each
loader parses only its layout and hands every label to :mod:`ibislib.ingest.normalise`.
Observation loaders return a table built with :func:`ibislib.tidy.finish`; :func:`read`
validates it before handing it on.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError, IbisError
from ..ingest.files import (
    MAX_COLUMNS,
    MAX_INPUT_MB,
    PARSER_FAILURES,
    check_columns,
    check_file,
    max_input_bytes,
    read_bytes,
    read_text,
)
from ..ingest.normalise import decode
from ..tidy import validate
from . import numbers
from .registry import loaders as registry

__all__ = [
    "MAX_COLUMNS",
    "MAX_INPUT_MB",
    "PARSER_FAILURES",
    "check_columns",
    "check_file",
    "decode",
    "kind_of",
    "loaders",
    "max_input_bytes",
    "read",
    "read_bytes",
    "read_text",
    "registry",
    "sniff_format",
]

_BINARY_MAGIC = {
    b"PK\x03\x04": "eine Excel-/ZIP-Datei (XLSX?)",
    b"\xd0\xcf\x11\xe0": "eine alte Excel-Datei (XLS)",
    b"%PDF": "eine PDF-Datei",
    b"$FL2": "eine SPSS-Datei",
    b"\x89PNG": "ein Bild (PNG)",
}


def loaders() -> dict[str, ModuleType]:
    """All registered loader modules by format name, in sniffing order."""
    return {name: loader.module for name, loader in registry.items()}


#: Longest problem text shown; data quoted in it is cut by the loaders, this is the backstop.
MAX_PROBLEM = 400


def _sanitised(exc: IbisError) -> IbisError:
    """The same error with control characters removed and the problem text kept short."""
    exc.problem = numbers.excerpt(exc.problem, MAX_PROBLEM)
    if exc.hint:
        exc.hint = numbers.excerpt(exc.hint, MAX_PROBLEM)
    exc.args = (exc.message,)
    return exc


def _boundary(exc: BaseException, path: Path, fmt: str) -> FormatError:
    """Our own error for a parser failure inside a loader (no traceback, no data quoted)."""
    what = {
        RecursionError: "zu tief verschachtelt",
        MemoryError: "zu groß für den Arbeitsspeicher",
    }.get(type(exc), f"unerwarteter Aufbau ({type(exc).__name__})")
    return FormatError(
        f"Die Datei passt nicht zum Format '{fmt}': {what}",
        path=path,
        hint="Die Datei ist beschädigt oder verändert; bitte den Originalexport verwenden.",
    )


def sniff_format(path: str | Path) -> str:
    """Name of the format of `path`, or a :class:`FormatError` saying why none fits."""
    path = Path(path)
    check_file(path)
    with path.open("rb") as fh:
        raw = fh.read(8192)
    if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FormatError("Die Datei ist leer", path=path, hint="Bitte den Export wiederholen.")
    found = registry
    if raw.startswith((b"$FL2", b"$FL3")) and "spss" in found:
        return "spss"
    if "genesis_zip" in found and found.get("genesis_zip").module.is_zip(raw):
        return "genesis_zip"  # the zip loader says what is inside (or why it is refused)
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise FormatError(
                f"Die Datei ist {what}, kein unterstütztes Textformat",
                path=path,
                hint="Bitte die Tabelle als CSV (Semikolon-getrennt) exportieren.",
            )
    head, _ = decode(raw[: len(raw) - 4] if len(raw) == 8192 else raw, path, complete=False)
    for name, loader in found.items():
        try:
            hit = loader.sniff(path, head)
        except PARSER_FAILURES:
            hit = False
        if hit:
            return name
    # show where the file really starts (exports with leading blank lines, foreign layouts)
    lines = head.lstrip("\ufeff").split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    shown = numbers.excerpt(lines[first], 60)
    raise FormatError(
        f"Unbekanntes Dateiformat (Zeile beginnt mit: {shown!r})",
        path=path,
        line=first + 1,
        hint="Unterstützt werden: " + ", ".join(found) + " (siehe README, Abschnitt Datenformate).",
    )


def read(path: str | Path, format: str | None = None) -> pd.DataFrame:
    """Load any supported file. Observation formats come back as a validated tidy table."""
    path = Path(path)
    fmt = format or sniff_format(path)
    loader = registry.get(fmt, path)
    check_file(path)
    try:
        df = loader.read(path)
    except IbisError as exc:
        raise _sanitised(exc) from None
    except PARSER_FAILURES as exc:
        raise _boundary(exc, path, fmt) from None
    if loader.kind == "observations":
        validate(df, str(path))
    return df


def kind_of(format: str) -> str:
    """'observations', 'survey' or 'regions'."""
    return registry.get(format).kind
