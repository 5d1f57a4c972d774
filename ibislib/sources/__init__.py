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

import importlib
from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError
from ..tidy import validate

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


def decode(data: bytes, path: Path | str | None = None) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), falling back to ISO-8859-1/cp1252.

    Returns (text, encoding). Text with NUL bytes or many control characters is rejected.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FormatError(
            "Die Datei ist UTF-16-kodiert",
            path=path,
            line=1,
            hint="Bitte als UTF-8 oder ISO-8859-1 (Windows-1252) speichern und erneut einlesen.",
        )
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise FormatError(
            "Die Datei enthält Binärdaten (NUL-Bytes) und ist keine Textdatei",
            path=path,
            hint="Bitte die Originaldatei als CSV exportieren.",
        )
    return text, enc


def read_text(path: Path) -> tuple[str, str]:
    """Read a whole text file; see :func:`decode`."""
    return decode(Path(path).read_bytes(), path)


def sniff_format(path: str | Path) -> str:
    """Name of the format of `path`, or a :class:`FormatError` saying why none fits."""
    path = Path(path)
    if not path.exists():
        raise FormatError("Datei nicht gefunden", path=path, hint="Bitte den Pfad prüfen.")
    if path.is_dir():
        raise FormatError("Das ist ein Ordner, keine Datei", path=path)
    raw = path.open("rb").read(8192)
    if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FormatError("Die Datei ist leer", path=path, hint="Bitte den Export wiederholen.")
    found = loaders()
    if raw.startswith(b"$FL2") and "spss" in found:
        return "spss"
    for magic, what in _BINARY_MAGIC.items():
        if raw.startswith(magic):
            raise FormatError(
                f"Die Datei ist {what}, kein unterstütztes Textformat",
                path=path,
                hint="Bitte die Tabelle als CSV (Semikolon-getrennt) exportieren.",
            )
    head, _ = decode(raw[: len(raw) - 4] if len(raw) == 8192 else raw, path)
    for name, mod in found.items():
        if mod.sniff(path, head):
            return name
    # show where the file really starts (exports with leading blank lines, foreign layouts)
    lines = head.lstrip("\ufeff").split("\n")
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    shown = " ".join(lines[first].split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
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
    df = mod.read(path)
    if getattr(mod, "KIND", "observations") == "observations":
        validate(df, str(path))
    return df


def kind_of(format: str) -> str:
    return getattr(loaders()[format], "KIND", "observations")
