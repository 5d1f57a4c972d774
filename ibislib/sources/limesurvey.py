"""LimeSurvey response exports as CSV ("R (data file)" or "CSV" export).

Format: UTF-8 (often with BOM), ',' separators, every field quoted; one row per response.
The header holds either full question texts ("Response ID","Date submitted",…, texts may
repeat, be empty, or contain tabs and line breaks) or question codes ("id","submitdate",
"Q1[SQ001]"…, "Headings: question code"). Columns are renamed to unique item codes: from a
codebook YAML next to the file (see :mod:`ibislib.survey.codebook`) when present, otherwise
derived from the texts. The original texts stay in ``df.attrs["questions"]``.

Returns a respondent-level frame (KIND = "survey"); the tidy store skips it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import FormatError
from ..ingest.files import read_text
from ..survey import codebook as cb
from ..survey.columns import finish

FORMAT = "limesurvey"
KIND = "survey"

_TEXT_MARKERS = ("response id", "date submitted", "last page", "start language")
_CODE_MARKERS = ("id", "submitdate", "lastpage", "startlanguage")


def _first_record(head: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(head.lstrip("\ufeff"))))
    except (StopIteration, csv.Error):
        return []


def sniff(path: Path, head: str) -> bool:
    first = [h.strip().lower() for h in _first_record(head)[:4]]
    return len(first) >= 3 and (
        tuple(first[:3]) == _TEXT_MARKERS[:3] or tuple(first[:3]) == _CODE_MARKERS[:3]
    )


def read(path: Path) -> pd.DataFrame:
    path = Path(path)
    text, _ = read_text(path)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if r]  # LimeSurvey ends with an empty line
    if not rows:
        raise FormatError("Die Datei ist leer", path=path)
    headers = rows[0]
    for lineno, r in enumerate(rows[1:], start=2):
        if len(r) != len(headers):
            raise FormatError(
                f"Zeile hat {len(r)} Felder, die Kopfzeile aber {len(headers)}",
                path=path,
                line=lineno,
                hint="Die Datei ist vermutlich abgeschnitten; bitte den Export wiederholen.",
            )
    if len(rows) == 1:
        raise FormatError("Die Datei enthält nur die Kopfzeile, keine Antworten", path=path, line=1)
    df = pd.DataFrame(rows[1:], dtype=object)
    book_path = cb.find(path)
    book = cb.load(book_path) if book_path else None
    if book is not None and book.columns and len(book.columns) > len(headers):
        raise FormatError(
            f"Das Codebuch nennt {len(book.columns)} Spalten, die Datei hat {len(headers)}",
            path=book_path,
            hint="Passt das Codebuch zu diesem Export?",
        )
    df = finish(df, headers, path, book, FORMAT)
    return df
