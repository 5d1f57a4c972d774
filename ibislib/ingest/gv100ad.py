"""Destatis Gemeindeverzeichnis GV100AD (fixed-width text, one record per line).

Layout (Destatis "Datensatzbeschreibung GV100AD", 1-based character positions; every record
is 220 characters long):

=========  ======================================================================
 1–2       Satzart: 10 Land, 20 Regierungsbezirk, 30 Region (BW), 40 Kreis,
           50 Gemeindeverband, 60 Gemeinde
 3–10      Gebietsstand (JJJJMMTT)
11–12      Land
13         Regierungsbezirk
14–15      Kreis
16–18      Gemeinde (Satzart 60 only)
19–22      Gemeindeverband (Satzarten 50 and 60)
23–72      Name
73–122     Sitz der Verwaltung (Satzarten 10–50)
123–124    Textkennzeichen (Satzarten 40–60)
129–139    Fläche in ha (Satzart 60)
140–150    Bevölkerung insgesamt (Satzart 60, Stand 31.12. des Vorjahres)
151–161    Bevölkerung männlich (Satzart 60)
166–170    Postleitzahl des Verwaltungssitzes (Satzart 60)
=========  ======================================================================

The file is decoded first (Destatis ships it as ISO-8859-1 or UTF-8 depending on the release)
and then sliced by characters, so umlauts never shift the columns.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import FormatError
from .files import read_text

FORMAT = "gv100ad"
KIND = "regions"

LEVELS = {
    "10": "land",
    "20": "rb",
    "30": "region",
    "40": "kreis",
    "50": "gemeindeverband",
    "60": "gemeinde",
}

#: Textkennzeichen (designation) per Destatis.
TEXTKENNZEICHEN = {
    "41": "Kreisfreie Stadt",
    "42": "Stadtkreis",
    "43": "Kreis",
    "44": "Landkreis",
    "45": "Regionalverband",
    "50": "Verbandsfreie Gemeinde",
    "51": "Amt",
    "52": "Samtgemeinde",
    "53": "Verbandsgemeinde",
    "54": "Verwaltungsgemeinschaft",
    "55": "Kirchspielslandgemeinde",
    "56": "Verwaltungsverband",
    "57": "Verbandsgemeinde (Trägermodell)",
    "58": "Erfüllende Gemeinde",
    "60": "Markt",
    "61": "Kreisfreie Stadt",
    "62": "Stadtkreis",
    "63": "Stadt",
    "64": "Kreisangehörige Gemeinde",
    "65": "Gemeindefreies Gebiet, bewohnt",
    "66": "Gemeindefreies Gebiet, unbewohnt",
    "67": "Große Kreisstadt",
}

COLUMNS = [
    "ags",
    "name",
    "full_name",
    "level",
    "land",
    "kreis",
    "textkennzeichen",
    "art",
    "sitz",
    "flaeche_km2",
    "bevoelkerung",
    "bevoelkerung_maennlich",
    "plz",
    "stand",
]

_HEAD_RE = re.compile(r"^(10|20|30|40|50|60)(19|20)\d{6}\d{2}")


def sniff(path: Path, head: str) -> bool:
    """The first records start with a Satzart and an 8-digit Gebietsstand and are ≥ 122 wide."""
    lines = [ln for ln in head.splitlines()[:5] if ln.strip()]
    if not lines:
        return False
    return all(_HEAD_RE.match(ln) and len(ln) >= 72 for ln in lines[:-1] or lines)


def short_name(full: str) -> str:
    """'Ibbenbüren, Stadt' -> 'Ibbenbüren'; 'Horstmar, Stadt der Burgmannshöfe' -> 'Horstmar'."""
    return full.split(", ", 1)[0].strip()


def _int(field: str, what: str, path: Path, lineno: int) -> int | None:
    s = field.strip()
    if not s:
        return None
    if not s.isdigit():
        raise FormatError(
            f"Feld '{what}' ist keine Zahl: {s!r}",
            path=path,
            line=lineno,
            hint="Die Datei ist kein unveränderter GV100AD-Export (Spalten verschoben?).",
        )
    return int(s)


def _key(level: str, line: str) -> str:
    if level == "land":
        return line[10:12]
    if level == "rb":
        return line[10:13]
    if level == "region":
        return line[10:14]
    if level == "kreis":
        return line[10:15]
    if level == "gemeindeverband":
        return line[10:15] + line[18:22]
    return line[10:15] + line[15:18]


def _parse_line(line: str, path: Path, lineno: int) -> dict:
    satzart = line[:2]
    if satzart not in LEVELS:
        raise FormatError(
            f"Unbekannte Satzart {satzart!r}",
            path=path,
            line=lineno,
            hint="Erlaubt sind 10, 20, 30, 40, 50, 60 (Datensatzbeschreibung GV100AD).",
        )
    if len(line) < 72:
        raise FormatError(
            f"Satz ist nur {len(line)} Zeichen lang (erwartet 220)",
            path=path,
            line=lineno,
            hint="Die Datei wurde abgeschnitten oder umbrochen.",
        )
    level = LEVELS[satzart]
    try:
        stand = date(int(line[2:6]), int(line[6:8]), int(line[8:10])).isoformat()
    except ValueError:
        raise FormatError(
            f"Ungültiger Gebietsstand {line[2:10]!r}",
            path=path,
            line=lineno,
            hint="Stellen 3–10 müssen ein Datum JJJJMMTT sein.",
        ) from None
    key = _key(level, line)
    if not key.isdigit():
        raise FormatError(
            f"Ungültiger Regionalschlüssel {key!r} für Satzart {satzart}",
            path=path,
            line=lineno,
            hint="Stellen 11–22 müssen Ziffern enthalten.",
        )
    full = line[22:72].strip()
    if not full:
        raise FormatError("Satz ohne Namen", path=path, line=lineno)
    tk = line[122:124].strip()
    if tk and tk not in TEXTKENNZEICHEN:
        raise FormatError(f"Unbekanntes Textkennzeichen {tk!r}", path=path, line=lineno)
    rec = {
        "ags": key,
        "name": short_name(full),
        "full_name": full,
        "level": level,
        "land": key[:2],
        "kreis": key[:5] if level in ("gemeindeverband", "gemeinde") else "",
        "textkennzeichen": tk,
        "art": TEXTKENNZEICHEN.get(tk, ""),
        "sitz": line[72:122].strip() if level != "gemeinde" else "",
        "flaeche_km2": float("nan"),
        "bevoelkerung": float("nan"),
        "bevoelkerung_maennlich": float("nan"),
        "plz": "",
        "stand": stand,
    }
    if level == "gemeinde":
        ha = _int(line[128:139], "Fläche", path, lineno)
        pop = _int(line[139:150], "Bevölkerung", path, lineno)
        male = _int(line[150:161], "Bevölkerung männlich", path, lineno)
        rec["flaeche_km2"] = ha / 100 if ha is not None else float("nan")
        rec["bevoelkerung"] = float(pop) if pop is not None else float("nan")
        rec["bevoelkerung_maennlich"] = float(male) if male is not None else float("nan")
        rec["plz"] = line[165:170].strip()
    return rec


def read(path: Path) -> pd.DataFrame:
    """All records of a GV100AD file as a regions table (one row per unit, file order)."""
    path = Path(path)
    text, _ = read_text(path)
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        rows.append(_parse_line(line, path, lineno))
    if not rows:
        raise FormatError("Die Datei enthält keine Sätze", path=path)
    df = pd.DataFrame(rows, columns=COLUMNS)
    dup = df["ags"].duplicated(keep=False)
    if dup.any():
        first = df.loc[dup, "ags"].iloc[0]
        raise FormatError(f"Regionalschlüssel {first} kommt mehrfach vor", path=path)
    return df
