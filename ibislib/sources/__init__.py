"""Format detection and the single entry point :func:`read`.

Each loader module in this package exposes::

    FORMAT: str                       # name used with --format / read(format=...)
    KIND: str                         # "observations" (tidy, goes to the store), "survey", "regions"
    def sniff(path: Path, head: str) -> bool   # head: first 8 KiB decoded as text
    def read(path: Path) -> pandas.DataFrame

Observation loaders return a table built with :func:`ibislib.tidy.finish`; :func:`read`
validates it before handing it on.
"""

from __future__ import annotations

import csv
import importlib
import os
import stat
from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError, IbisError
from ..tidy import validate
from . import numbers

#: Loader modules in the order they are tried when sniffing.
LOADER_MODULES = [
    "genesis_json",
    "genesis_flat",
    "ba_csv",
    "delivery",
    "gv100ad",
    "limesurvey",
    "spss",
    "survey_csv",
    "genesis_table",
    "zipped",
]

_BINARY_MAGIC = {
    b"PK\x03\x04": "eine Excel-/ZIP-Datei (XLSX?)",
    b"\xd0\xcf\x11\xe0": "eine alte Excel-Datei (XLS)",
    b"%PDF": "eine PDF-Datei",
    b"$FL2": "eine SPSS-Datei",
    b"\x89PNG": "ein Bild (PNG)",
}


def loaders() -> dict[str, ModuleType]:
    """All available loader modules by format name (modules not yet written are skipped)."""
    out: dict[str, ModuleType] = {}
    for name in LOADER_MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        out[mod.FORMAT] = mod
    return out


#: Inputs larger than this are refused before they are read (env IBIS_MAX_INPUT_MB overrides).
MAX_INPUT_MB = 512

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


def decode(data: bytes, path: Path | str | None = None, complete: bool = True) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), falling back to ISO-8859-1/cp1252.

    A UTF-8 BOM in front of ISO-8859-1 text (written by some export tools) is dropped and the
    rest decoded on its own. Returns (text, encoding). Text with NUL bytes is rejected, and so
    is a `complete` file that is valid UTF-8 up to a character cut in half at its end.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FormatError(
            "Die Datei ist UTF-16-kodiert",
            path=path,
            line=1,
            hint="Bitte als UTF-8 oder ISO-8859-1 (Windows-1252) speichern und erneut einlesen.",
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = exc.reason == "unexpected end of data" and exc.start >= len(body) - 3
        if complete and cut:
            # valid UTF-8 up to a character cut in half: the file was cut off, not ISO-8859-1
            raise FormatError(
                "Die Datei endet mitten in einem Zeichen – sie ist abgeschnitten",
                path=path,
                line=body.count(b"\n") + 1,
                hint="Bitte den Export bzw. Download wiederholen.",
            ) from None
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            text = body.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    enc = "utf-8-sig" if enc == "utf-8" else enc  # the name callers compare with
    if "\x00" in text:
        raise FormatError(
            "Die Datei enthält Binärdaten (NUL-Bytes) und ist keine Textdatei",
            path=path,
            hint="Bitte die Originaldatei als CSV exportieren.",
        )
    return text, enc


def read_text(path: Path) -> tuple[str, str]:
    """Read a whole text file; see :func:`check_file` and :func:`decode`."""
    return decode(read_bytes(path), path)


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
    found = loaders()
    if raw.startswith((b"$FL2", b"$FL3")) and "spss" in found:
        return "spss"
    if "genesis_zip" in found and found["genesis_zip"].is_zip(raw):
        return "genesis_zip"  # the zip loader says what is inside (or why it is refused)
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise FormatError(
                f"Die Datei ist {what}, kein unterstütztes Textformat",
                path=path,
                hint="Bitte die Tabelle als CSV (Semikolon-getrennt) exportieren.",
            )
    head, _ = decode(raw[: len(raw) - 4] if len(raw) == 8192 else raw, path, complete=False)
    for name, mod in found.items():
        try:
            hit = mod.sniff(path, head)
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
    found = loaders()
    fmt = format or sniff_format(path)
    if fmt not in found:
        raise FormatError(
            f"Unbekanntes Format '{fmt}'", path=path, hint="Möglich sind: " + ", ".join(found)
        )
    mod = found[fmt]
    check_file(path)
    try:
        df = mod.read(path)
    except IbisError as exc:
        raise _sanitised(exc) from None
    except PARSER_FAILURES as exc:
        raise _boundary(exc, path, fmt) from None
    if getattr(mod, "KIND", "observations") == "observations":
        validate(df, str(path))
    return df


def kind_of(format: str) -> str:
    return getattr(loaders()[format], "KIND", "observations")
