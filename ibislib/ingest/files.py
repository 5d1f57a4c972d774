"""Reading input files safely: only regular files of sensible size, decoded by one rule.

Used by every loader (:mod:`ibislib.sources`) and by the region registry.
"""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

from ..errors import FormatError
from .normalise import check_encoding, decode

#: Inputs larger than this are refused before they are read (env IBIS_MAX_INPUT_MB overrides).
#: Parser failures that mean "this file is not what its format promises": they become our own
#: FormatError at the format boundary, never a traceback (see :func:`read`).
PARSER_FAILURES = (
    RecursionError,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    ValueError,
    OverflowError,
    ZeroDivisionError,
    csv.Error,
    UnicodeError,
    MemoryError,
)


MAX_INPUT_MB = 512

#: More fields per line than this are refused before a table is built (memory: a 10^6-column
#: table would take gigabytes). Real exports have at most a few thousand.
MAX_COLUMNS = 20_000


def check_columns(lines: list[str], path: Path | str, sep: str = ";") -> None:
    """Refuse a text table with absurdly many fields in a line, naming the line."""
    for i, line in enumerate(lines, start=1):
        if line.count(sep) >= MAX_COLUMNS:
            raise FormatError(
                f"Zeile hat mehr als {MAX_COLUMNS:,} Felder; so breite Tabellen werden nicht "
                "eingelesen".replace(",", "."),
                path=path,
                line=i,
                hint="Bitte die Tabelle in kleineren Teilen oder mit Regionen in den Zeilen exportieren.",
            )


def max_input_bytes() -> int:
    try:
        mb = float(os.environ.get("IBIS_MAX_INPUT_MB", MAX_INPUT_MB))
    except ValueError:
        mb = MAX_INPUT_MB
    return int(mb * 2**20)


def check_file(path: Path | str) -> os.stat_result:
    """Refuse at once what is not a regular, readable file of sensible size.

    FIFOs, devices and sockets would block or never end; they are refused by ``stat``
    without being opened.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FormatError(
            "Datei nicht gefunden", path=path, hint="Bitte den Pfad prüfen."
        ) from None
    except OSError as exc:
        raise FormatError(
            f"Datei lässt sich nicht öffnen ({exc.strerror or type(exc).__name__})", path=path
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise FormatError("Das ist ein Ordner, keine Datei", path=path)
    if not stat.S_ISREG(st.st_mode):
        what = (
            "eine benannte Pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "ein Socket"
            if stat.S_ISSOCK(st.st_mode)
            else "ein Gerät"
        )
        raise FormatError(
            f"Das ist {what}, keine gewöhnliche Datei; sie wird nicht gelesen",
            path=path,
            hint="Bitte den Export als normale Datei ablegen.",
        )
    limit = max_input_bytes()
    if st.st_size > limit:
        raise FormatError(
            f"Die Datei ist {st.st_size / 2**20:,.0f} MB groß; mehr als {limit / 2**20:,.0f} MB "
            "werden nicht eingelesen".replace(",", "."),
            path=path,
            hint="Bitte die Tabelle in kleineren Teilen exportieren (oder IBIS_MAX_INPUT_MB setzen).",
        )
    return st


def read_bytes(path: Path | str) -> bytes:
    """The bytes of a checked regular file (see :func:`check_file`)."""
    check_file(path)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(
            f"Datei lässt sich nicht lesen ({exc.strerror or type(exc).__name__})", path=path
        ) from None


def read_text(path: Path | str) -> tuple[str, str]:
    """Read a whole text file: checked (:func:`check_file`), decoded by the one rule and refused
    when ISO-8859-1 and UTF-8 are mixed in it (:mod:`ibislib.ingest.normalise`)."""
    text, encoding = decode(read_bytes(path), path)
    check_encoding(text, encoding, path)
    return text, encoding
