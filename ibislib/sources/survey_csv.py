"""Survey data as plain CSV plus a codebook YAML, and SoSci Survey CSV exports.

Plain CSV: one row per respondent, a header row of item codes (or question texts the
codebook knows), answers as codes; the codebook (``<stem>.yml``, ``<stem>.codebook.yml`` or a
YAML in the same folder whose ``files`` names this file) gives scales, value labels, missing
codes and the questionnaire language of the file.

SoSci Survey ("Daten herunterladen → CSV"): header of variable codes ``CASE, SERIAL, REF,
QUESTNNR, MODE, STARTED, A101_01, …``, values as codes, missing codes -1 ("keine Angabe")
and -9 ("nicht beantwortet"); an optional second header row of variable labels is kept as
question texts. Separator ',' ';' or tab; UTF-8 (with or without BOM), UTF-16 or latin-1.

Returns a respondent-level frame (KIND = "survey"); the tidy store skips it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import FormatError
from ..ingest.normalise import decode
from ..survey import codebook as cb
from ..survey.columns import finish

FORMAT = "survey_csv"
KIND = "survey"

SOSCI_FIXED = ("CASE", "SERIAL", "REF", "QUESTNNR", "MODE")
SOSCI_MISSING = {"-1", "-9"}


def _text(path: Path) -> str:
    data = Path(path).read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # SoSci's "Unicode" export
        return data.decode("utf-16")
    text, _ = decode(data, path)
    return text.lstrip("\ufeff")


def _dialect(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=counts.get)


def _is_sosci(headers: list[str]) -> bool:
    hs = [h.strip().strip('"').upper() for h in headers[:6]]
    return hs[:1] == ["CASE"] and "QUESTNNR" in hs


def sniff(path: Path, head: str) -> bool:
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".tsv", ".txt"}:
        return False
    head = head.lstrip("\ufeff")
    first = head.split("\n", 1)[0]
    fields = [f.strip().strip('"') for f in first.replace("\t", ",").replace(";", ",").split(",")]
    if _is_sosci(fields):
        return True
    return cb.find(path) is not None


def read(path: Path) -> pd.DataFrame:
    path = Path(path)
    text = _text(path)
    sep = _dialect(text)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if any(x.strip() for x in r)]
    if not rows:
        raise FormatError("Die Datei ist leer", path=path)
    headers = [h.strip() for h in rows[0]]
    book_path = cb.find(path)
    book = cb.load(book_path) if book_path else None
    sosci = _is_sosci(headers)
    body = rows[1:]
    labels: list[str] | None = None
    if sosci and body and not body[0][0].strip().lstrip("-").isdigit():
        labels, body = body[0], body[1:]  # second header row: variable labels
    if book is None and not sosci:
        raise FormatError(
            "Zu dieser Umfrage-CSV gibt es kein Codebuch",
            path=path,
            hint=f"Bitte '{path.stem}.yml' (Codebuch) neben die Datei legen.",
        )
    for lineno, r in enumerate(body, start=2 if labels is None else 3):
        if len(r) != len(headers):
            raise FormatError(
                f"Zeile hat {len(r)} Felder, die Kopfzeile aber {len(headers)}",
                path=path,
                line=lineno,
                hint="Trennzeichen und Anführungszeichen prüfen; ist die Datei abgeschnitten?",
            )
    if not body:
        raise FormatError("Die Datei enthält nur die Kopfzeile, keine Antworten", path=path, line=1)
    df = pd.DataFrame(body, dtype=object)
    if sosci:
        df = df.apply(lambda s: s.where(~s.str.strip().isin(SOSCI_MISSING)))
    questions = (
        headers
        if labels is None
        else [f"{h}: {lab}" for h, lab in zip(headers, labels, strict=False)]
    )
    df = finish(df, headers, path, book, FORMAT)
    if labels is not None:
        df.attrs["questions"] = dict(zip(df.columns, questions, strict=False))
    df.attrs["sosci"] = sosci
    return df
