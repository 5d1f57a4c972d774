"""Column codes for survey exports whose header holds question texts (or codes).

Shared by the LimeSurvey, SoSci Survey / plain CSV and SPSS loaders: every respondent-level
frame comes back with unique item codes as column names, the original header texts in
``df.attrs["questions"]`` and, when a codebook was found, coded answers as categoricals.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from . import codebook as cb

#: LimeSurvey's fixed response columns (English export headers) and their codes.
LIMESURVEY_FIXED = {
    "response id": "id",
    "date submitted": "submitdate",
    "last page": "lastpage",
    "start language": "startlanguage",
    "seed": "seed",
    "date started": "startdate",
    "date last action": "datestamp",
    "ip address": "ipaddr",
    "referrer url": "refurl",
    "token": "token",
    "total time": "interviewtime",
}

#: "Q1[SQ001]", "Q1[SQ001][1]", "A101_01", "CASE": headers that already are codes.
CODE_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9_#.]{0,39}(\[[A-Za-z0-9_#]{1,20}\]){0,2}$")


def slug(text: str, maxlen: int = 24) -> str:
    """ASCII identifier from a question text: 'How old are you?' -> 'how_old_are_you'."""
    t = text.replace("ß", "ss")
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "ae"), ("Ö", "oe"), ("Ü", "ue")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii").lower()
    t = re.sub(r"[^a-z0-9]+", "_", t).strip("_")
    return t[:maxlen].strip("_")


def is_code_header(headers: list[str]) -> bool:
    """True when (nearly) every header is already an item code, not a question text."""
    hs = [h.strip() for h in headers if h.strip()]
    return bool(hs) and sum(bool(CODE_HEADER.match(h)) for h in hs) >= 0.9 * len(hs)


def code_from_header(h: str) -> str:
    """'Q1[SQ001]' -> 'Q1_SQ001'; 'Q1[SQ001][1]' -> 'Q1_SQ001_1'."""
    return re.sub(r"\[([^\]]*)\]", r"_\1", h.strip())


def derive_codes(headers: list[str]) -> list[str]:
    """Unique codes for question-text headers: fixed LimeSurvey columns by name, timing
    columns by their question code, otherwise a slug of the text plus the column number."""
    out: list[str] = []
    code_like = is_code_header(headers)
    for i, h in enumerate(headers):
        text = re.sub(r"\s+", " ", h).strip()
        low = text.lower()
        if low in LIMESURVEY_FIXED:
            code = LIMESURVEY_FIXED[low]
        elif code_like and CODE_HEADER.match(text):
            code = code_from_header(text)
        elif low.startswith("question time:"):
            code = "qtime_" + slug(text.split(":", 1)[1], 30)
        elif low.startswith("group time:"):
            code = "gtime_" + slug(text.split(":", 1)[1], 20) + f"_{i + 1}"
        else:
            s = slug(text)
            code = f"{s}_{i + 1}" if s else f"spalte_{i + 1}"
        out.append(code)
    return unique(out)


def unique(codes: list[str]) -> list[str]:
    """Make codes unique by appending _2, _3 … to repeats (order kept)."""
    seen: dict[str, int] = {}
    out = []
    taken = set(codes)
    for c in codes:
        if c not in seen:
            seen[c] = 1
            out.append(c)
            continue
        n = seen[c] + 1
        while f"{c}_{n}" in taken:
            n += 1
        seen[c] = n
        taken.add(f"{c}_{n}")
        out.append(f"{c}_{n}")
    return out


def assign_codes(headers: list[str], book: cb.Codebook | None) -> list[str]:
    """Item code per column: codebook position list, then codebook question texts, then
    derived codes. Always unique."""
    derived = derive_codes(headers)
    if book is None:
        return derived
    codes = list(derived)
    by_pos = {it.position: c for c, it in book.items.items() if it.position is not None}
    for i, _h in enumerate(headers):
        if i < len(book.columns) and book.columns[i]:
            codes[i] = str(book.columns[i])
        elif i in by_pos:
            codes[i] = by_pos[i]
        else:
            hit = book.code_for_text(headers[i])
            if hit is not None:
                codes[i] = hit
            elif headers[i].strip() in book.items:
                codes[i] = headers[i].strip()
    return unique(codes)


def to_numeric_where_possible(df: pd.DataFrame, skip: set[str]) -> pd.DataFrame:
    """Columns whose every non-empty value is a number become numeric (others stay text)."""
    for c in df.columns:
        if c in skip or df[c].dtype != object and not pd.api.types.is_string_dtype(df[c]):
            continue
        conv = pd.to_numeric(df[c], errors="coerce")
        if conv.notna().sum() == df[c].notna().sum():
            df[c] = conv
    return df


def finish(
    df: pd.DataFrame,
    headers: list[str],
    path: Path,
    book: cb.Codebook | None,
    fmt: str,
) -> pd.DataFrame:
    """Rename to codes, add ``language`` when the codebook knows it, apply the codebook."""
    codes = assign_codes(headers, book)
    df = df.copy()
    df.columns = codes
    df = df.replace({"": pd.NA})
    text_items = set(book.text_items()) if book else set()
    scaled = {c for c, it in book.items.items() if it.scale is not None} if book else set()
    df = to_numeric_where_possible(df, skip=text_items | scaled)
    lang = cb.language_of(book, path) if book else None
    if lang and "language" not in df.columns:
        df.insert(1 if len(df.columns) else 0, "language", lang)
    if book is not None:
        df = book.apply(df, source=path)
    df.attrs["questions"] = dict(
        zip(codes, [re.sub(r"\s+", " ", h).strip() for h in headers], strict=True)
    )
    df.attrs["format"] = fmt
    df.attrs["path"] = str(path)
    df.attrs["codebook"] = str(book.path) if book else ""
    df.attrs["synthetic"] = bool(book.synthetic) if book else False
    return df
