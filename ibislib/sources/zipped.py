"""GENESIS / regionalstatistik.de downloads as delivered: a zip holding ffcsv or CSV tables.

The GENESIS REST API (``data/tablefile``, ``data/resultfile`` with ``format=ffcsv``) answers
with a zip of one (sometimes several) flat CSV members, e.g. ``12531-0043_175879554_flat.csv``.
Each member is streamed to a private temporary file and read by the loader its text belongs
to (normally :mod:`genesis_flat`); several members become one table. Refused, always naming
the archive and the member: an Excel workbook (XLSX is a zip too), members that are not CSV
tables, encrypted or broken archives, archives that would unpack to more than the input
limit (zip bombs: the declared sizes are not trusted, the stream is cut off at the limit), and
members that give different numbers for the same key.

Written with the standard library's :mod:`zipfile`: it streams a member and checks its CRC;
no extra dependency is needed for this.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import FormatError, IbisError, ValidationError
from ..fmt import number
from ..tidy import KEY

if TYPE_CHECKING:
    from .registry import LoaderRegistry
from ..ingest.files import PARSER_FAILURES, max_input_bytes
from ..ingest.normalise import decode

FORMAT = "genesis_zip"
KIND = "observations"

#: The loaders a member may belong to. The registry hands itself over when it registers this
#: module: zipped cannot import the registry that imports it.
LOADERS: LoaderRegistry | None = None

#: Deflate cannot compress better than ~1:1032; real ffcsv exports reach ~1:20. Members
#: claiming more are refused before anything is unpacked.
MAX_RATIO = 200
#: A GENESIS download holds one table, rarely a few; more members are not a download.
MAX_MEMBERS = 50
_CHUNK = 1 << 20

#: Office formats are zips too; the most specific member first.
_OFFICE = {
    "xl/workbook.xml": "eine Excel-Arbeitsmappe (XLSX)",
    "word/document.xml": "ein Word-Dokument (DOCX)",
    "mimetype": "eine OpenDocument-Datei (ODS/ODT)",
    "[Content_Types].xml": "eine Office-Datei (XLSX, DOCX oder PPTX)",
}


def sniff(path: Path, head: str) -> bool:
    """Zips are recognised by their magic bytes in :func:`ibislib.sources.sniff_format`."""
    return False


def is_zip(raw: bytes) -> bool:
    """Local file header or the end record of an empty archive."""
    return raw.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def member_name(path: Path | str, member: str) -> str:
    """How errors name a member: 'data/raw/x.zip › 12531-0043_flat.csv'."""
    return f"{path} › {member}"


def _members(zf: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    names = {i.filename for i in infos}
    office = next((what for name, what in _OFFICE.items() if name in names), None)
    if office:
        raise FormatError(
            f"Die Datei ist {office}, kein ZIP-Download einer Statistik-Datenbank",
            path=path,
            hint="Bitte die Tabelle als CSV (Semikolon-getrennt) oder 'CSV (flat)' exportieren.",
        )
    if not infos:
        raise FormatError(
            "Das ZIP-Archiv ist leer", path=path, hint="Bitte den Download wiederholen."
        )
    if len(infos) > MAX_MEMBERS:
        raise FormatError(
            f"Das ZIP-Archiv enthält {len(infos)} Dateien; ein Statistik-Download enthält "
            f"höchstens {MAX_MEMBERS}",
            path=path,
            hint="Bitte die Tabellen einzeln einlesen.",
        )
    limit = max_input_bytes()
    total = 0
    for info in infos:
        name = PurePosixPath(info.filename)
        where = member_name(path, info.filename)
        if info.flag_bits & 0x1:
            raise FormatError(
                "Die Datei im ZIP-Archiv ist verschlüsselt",
                path=where,
                hint="Bitte den unverschlüsselten Download verwenden.",
            )
        if name.suffix.lower() != ".csv" or ".." in name.parts or name.is_absolute():
            raise FormatError(
                "Unerwartete Datei im ZIP-Archiv (erwartet werden nur CSV-Tabellen, "
                "z. B. '12531-0043_…_flat.csv')",
                path=where,
                hint="Bitte den Originaldownload der Statistik-Datenbank verwenden oder die "
                "CSV-Dateien entpacken und einzeln einlesen.",
            )
        total += info.file_size
        if total > limit or info.file_size > MAX_RATIO * max(info.compress_size, 1) + _CHUNK:
            raise FormatError(
                f"Die Datei im ZIP-Archiv würde entpackt {number(info.file_size / 2**20)} MB "
                f"groß (gepackt {number(info.compress_size / 2**20, 1)} MB); sie wird nicht "
                "entpackt",
                path=where,
                hint="Bitte die Tabelle in kleineren Teilen abrufen (oder IBIS_MAX_INPUT_MB "
                "setzen); ein so stark gepacktes Archiv ist kein normaler Statistik-Download.",
            )
    return infos


def _unpack(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, path: Path) -> None:
    """Stream one member to `target`, cut off at the input limit (declared sizes may lie)."""
    where = member_name(path, info.filename)
    limit = min(max_input_bytes(), MAX_RATIO * max(info.compress_size, 1) + _CHUNK)
    written = 0
    try:
        with zf.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise FormatError(
                        "Die Datei im ZIP-Archiv ist größer, als das Archiv angibt; sie wird "
                        "nicht weiter entpackt",
                        path=where,
                        hint="Das Archiv ist beschädigt oder manipuliert; bitte den Download "
                        "wiederholen.",
                    )
                dst.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise FormatError(
            f"Die Datei im ZIP-Archiv ist beschädigt ({_why(exc)})",
            path=where,
            hint="Bitte den Download wiederholen.",
        ) from None
    except NotImplementedError:
        raise FormatError(
            f"Die Datei im ZIP-Archiv ist mit einem nicht unterstützten Verfahren gepackt "
            f"(Methode {info.compress_type})",
            path=where,
            hint="Bitte den Originaldownload (Deflate) verwenden oder die Datei entpacken.",
        ) from None


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "Prüfsumme falsch"
    if isinstance(exc, EOFError) or "end of" in text.lower():
        return "Archiv endet zu früh"
    return "Daten nicht entpackbar"


def _read_member(tmp: Path, where: str) -> pd.DataFrame:
    """The tidy table of an unpacked member, by the loader its text belongs to."""
    with tmp.open("rb") as fh:
        raw = fh.read(8192)
    if not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        raise FormatError("Die Datei im ZIP-Archiv ist leer", path=where)
    head, _ = decode(raw[: len(raw) - 4] if len(raw) == 8192 else raw, where, complete=False)
    assert LOADERS is not None, "ibislib.sources.registry registers zipped"
    for name, mod in LOADERS.items():
        if name == FORMAT or mod.kind != "observations":
            continue
        try:
            hit = mod.sniff(tmp, head)
        except PARSER_FAILURES:
            hit = False
        if hit:
            break
    else:
        raise FormatError(
            "Die Datei im ZIP-Archiv ist keine bekannte Statistiktabelle",
            path=where,
            hint="Erwartet wird eine GENESIS-Tabelle ('CSV (flat)'/ffcsv oder CSV).",
        )
    try:
        return mod.read(tmp)
    except IbisError as exc:
        exc.path = where  # the member, not our temporary copy
        exc.problem = exc.problem.replace(str(tmp), where)
        exc.args = (exc.message,)
        raise
    except PARSER_FAILURES as exc:
        raise FormatError(
            f"Die Datei im ZIP-Archiv passt nicht zum Format '{name}' "
            f"(unerwarteter Aufbau, {type(exc).__name__})",
            path=where,
            hint="Bitte den Originaldownload verwenden.",
        ) from None


def _combine(frames: list[tuple[str, pd.DataFrame]], path: Path) -> pd.DataFrame:
    """One table from several members; the same number twice is kept once, two numbers refused."""
    if len(frames) == 1:
        return frames[0][1]
    df = pd.concat([f.assign(_member=m) for m, f in frames], ignore_index=True).drop_duplicates(
        [*KEY, "value"]
    )
    dup = df.duplicated(KEY, keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        same = df[dup & (df[KEY] == first[KEY]).all(axis=1)]
        a, b = same["_member"].iloc[0], same["_member"].iloc[1]
        raise ValidationError(
            f"Die Dateien '{a}' und '{b}' im ZIP-Archiv geben für Region {first['region']}, "
            f"{first['period']}, {first['measure']} ({first['category']}) verschiedene Werte an",
            path=path,
            hint="Das Archiv mischt verschiedene Stände oder Tabellen; bitte die Dateien "
            "einzeln prüfen und getrennt einlesen.",
        )
    return df.drop(columns="_member").reset_index(drop=True)


def read(path: Path) -> pd.DataFrame:
    """Every CSV member of a GENESIS zip download as one tidy table."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FormatError(
            "Das ZIP-Archiv ist beschädigt oder unvollständig",
            path=path,
            hint="Bitte den Download wiederholen.",
        ) from None
    frames: list[tuple[str, pd.DataFrame]] = []
    with zf, tempfile.TemporaryDirectory(prefix="ibis-zip-") as tmpdir:
        for i, info in enumerate(_members(zf, path)):
            # the member's own name: loaders take the table code from it
            tmp = Path(tmpdir) / str(i) / PurePosixPath(info.filename).name
            tmp.parent.mkdir()
            _unpack(zf, info, tmp, path)
            frames.append((info.filename, _read_member(tmp, member_name(path, info.filename))))
            tmp.unlink()
    return _combine(frames, path)
