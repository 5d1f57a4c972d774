"""One documented number rule per input format – a cell is read by its format's rule or refused.

Nothing here guesses: ``158.789`` is 158789 in a German table (thousands point), but in a GENESIS
flat file (which never writes thousands separators) it is ambiguous and refused. The rules:

=================  ==========================================================================
rule               accepted (and nothing else)
=================  ==========================================================================
``german``         decimal comma; '.' only as thousands separator in groups of three:
                   ``53363``, ``53.363``, ``34,4``, ``1.139,5``, ``-12``
                   (GENESIS classic tables, BA exports, the municipal delivery format)
``ffcsv``          decimal comma, no thousands separator: ``53363``, ``34,4``, ``-12``
                   (GENESIS flat CSV)
``json``           a JSON number that is finite – not a string, not ``true``/``false``, not
                   ``NaN``/``Infinity`` (GENESIS JSON); ``null`` only with a status symbol
=================  ==========================================================================
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

GERMAN_RE = re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
FFCSV_RE = re.compile(r"^-?\d+(?:,\d+)?$")

RULES: dict[str, str] = {
    "german": "Dezimalkomma, Punkt nur als Tausendertrenner in Dreiergruppen (53.363; 34,4; 1.139,5)",
    "ffcsv": "Dezimalkomma, keine Tausendertrenner (53363; 34,4)",
    "json": "JSON-Zahl, endlich (kein Text, kein true/false, kein NaN/Infinity)",
}

_PATTERNS = {"german": GERMAN_RE, "ffcsv": FFCSV_RE}


def parse(text: str, rule: str) -> float | None:
    """The number in `text` under `rule`, or None when the rule does not accept it."""
    s = str(text).strip()
    if not _PATTERNS[rule].match(s):
        return None
    return float(s.replace(".", "").replace(",", "."))


def parse_series(s: pd.Series, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`parse`: (values with NaN where refused, mask of accepted cells)."""
    s = s.astype(str).str.strip()
    ok = s.str.match(_PATTERNS[rule].pattern).fillna(False).to_numpy(dtype=bool)
    values = np.full(len(s), np.nan)
    if ok.any():
        txt = s[ok].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        values[ok] = pd.to_numeric(txt).to_numpy(float)
    return values, ok


def why_not(text: str, rule: str) -> tuple[str, str]:
    """(problem, hint) for a cell that `rule` refuses – says what the cell looks like."""
    s = str(text).strip()
    shown = excerpt(s)
    hint = f"Zahlenregel dieses Formats: {RULES[rule]}."
    low = s.lower()
    if low.lstrip("+-") in {"inf", "infinity", "nan", "unendlich"}:
        return f"'{shown}' ist keine endliche Zahl", hint
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s):
        return (
            f"Zahl '{shown}' im englischen Format (Komma als Tausendertrenner, Punkt als Dezimalzeichen)",
            hint + " Bitte den Originalexport verwenden.",
        )
    if re.fullmatch(r"-?[\d.]*\d,\d+\.\d+", s) or re.fullmatch(r"-?\d+,\d+,[\d,]+", s):
        return f"Zahl '{shown}' mit Komma und Punkt in unmöglicher Reihenfolge", hint
    if rule == "ffcsv" and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", s):
        return (
            f"Zahl '{shown}' mit Punkt ist mehrdeutig (Tausenderpunkt oder Dezimalpunkt?); "
            "flache GENESIS-Dateien schreiben keine Tausenderpunkte",
            hint + " Bitte den Originalexport verwenden, nicht eine in Excel gespeicherte Fassung.",
        )
    if re.fullmatch(r"-?\d+\.\d+", s):
        return f"Zahl '{shown}' mit Dezimalpunkt", hint + " Das Dezimalzeichen ist das Komma."
    if re.fullmatch(r"-?\d+(\.\d+)+(,\d+)?", s):
        return f"Zahl '{shown}' mit falsch gesetzten Tausenderpunkten", hint
    return f"Zahl nicht lesbar: '{shown}'", hint


def json_number(v: object) -> float | None:
    """A JSON cell as float: numbers only (bool is refused, so is a non-finite value)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def excerpt(text: object, n: int = 40) -> str:
    """A short, printable excerpt of data for an error message (control characters removed)."""
    s = "".join(ch if ch.isprintable() else " " for ch in str(text))
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
