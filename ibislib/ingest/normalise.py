"""The one place where German labels and codes become tidy values (see ``vocab.yml``).

Loaders in :mod:`ibislib.sources` parse their layout and hand every label to the functions here:
measure, sex, nationality, age group, school type, unit and factor, symbols, period, region key,
slug, decoding. What is *data* (which label means what) lives in ``vocab.yml``; what is a *rule*
(how a period or a region key is written) lives here, once.

Region keys (one canonical form, :func:`region_key`):

- ``DG`` for Germany (also written ``DINSG``, ``D``, ``DE``);
- the AGS as text with leading zeros: Land 2, Regierungsbezirk 3, Kreis 5, Gemeinde 8 digits;
- the 9-digit key of a Gemeindeverband (Kreis + 4-digit Verband number, ``031515401``);
- a 12-digit Amtlicher Regionalschlüssel (ARS: Kreis 5 + Verband 4 + Gemeinde 3) of a Gemeinde
  is written as its 8-digit AGS (``ars[:5] + ars[9:]``), which is what the region registry,
  the reports and the users know. Only where one file lists the same Gemeinde under two
  Gemeindeverbände, or also as verbandsfrei (it changed its Samtgemeinde or Verbandsgemeinde
  between Stichtage) does the
  12-digit ARS stay, so that the two rows remain distinct (:func:`collapse_ars`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import FormatError, yaml_error

VOCAB_PATH = Path(__file__).with_name("vocab.yml")
#: The hint every unmapped-label message gives.
VOCAB_HINT = "ibislib/ingest/vocab.yml"


@cache
def vocab() -> dict:
    """The parsed and checked vocabulary (read once per process)."""
    try:
        with VOCAB_PATH.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, VOCAB_PATH) from None
    check_vocab(data)
    return data


_SECTIONS = (
    "total_words",
    "measures",
    "sex",
    "nationality",
    "age_groups",
    "variables",
    "dimension_codes",
    "units",
    "count_units",
    "unsupported_units",
    "symbols",
    "symbols_by_format",
    "quality_marks",
    "region_variables",
    "germany_codes",
    "laender",
)


def check_vocab(data: object) -> None:
    """Refuse a vocabulary a typo has broken, naming the entry (instead of a KeyError later)."""

    def bad(problem: str) -> FormatError:
        return FormatError(
            problem,
            path=VOCAB_PATH,
            hint="Bitte den Eintrag in vocab.yml nach dem Muster der anderen prüfen.",
        )

    if not isinstance(data, dict):
        raise bad("Das Vokabular ist keine Zuordnung von Abschnitten")
    missing = [k for k in _SECTIONS if k not in data]
    if missing:
        raise bad("Abschnitt(e) fehlen: " + ", ".join(missing))
    for mid, spec in data["measures"].items():
        if not re.fullmatch(r"_?[a-z0-9_]+", str(mid)) or not isinstance(spec, dict):
            raise bad(f"Merkmal '{mid}': die id besteht aus a–z, 0–9 und '_' und hat Einträge")
        if not str(mid).startswith("_") and not spec.get("name"):
            raise bad(f"Merkmal '{mid}' hat keinen Namen ('name')")
        patterns = [
            *spec.get("labels", []),
            *spec.get("with_code_prefix", {}).values(),
            *spec.get("with_statistic", {}).values(),
        ]
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise bad(
                    f"Merkmal '{mid}': Muster '{pattern}' ist kein regulärer Ausdruck ({exc})"
                ) from None
    for label, pair in data["units"].items():
        if not (isinstance(pair, list) and len(pair) == 2 and float(pair[1]) > 0):
            raise bad(f"Einheit '{label}': erwartet [tidy-Einheit, Faktor]")
    unknown = {str(s) for fmt in data["symbols_by_format"].values() for s in fmt} - {
        str(s) for s in data["symbols"]
    }
    if unknown:
        raise bad("Zeichen ohne Eintrag unter 'symbols': " + ", ".join(sorted(unknown)))


def digest() -> str:
    """sha256 over the vocabulary and the ingest and loader code: the store's loader version."""
    root = Path(__file__).resolve().parent.parent
    files = [VOCAB_PATH, *sorted(Path(__file__).parent.glob("*.py"))]
    files += sorted((root / "sources").glob("*.py"))
    files += [root / "tidy.py", root / "plausibility.py"]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


TOTAL: str = "insgesamt"

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


# ---------------------------------------------------------------------------------------------
# text: slug, folding, categories


@lru_cache(maxsize=65536)
def slug(text: str, sep: str = "_", default: str = "unbekannt") -> str:
    """Lower-case ASCII id: 'Lebendgeborene (je 1000 Einw.)' -> 'lebendgeborene_je_1000_einw'.

    ä→ae, ö→oe, ü→ue, ß→ss, other accents dropped ('é' → 'e'), anything else → `sep`.
    """
    s = str(text).strip().translate(_UMLAUTS)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub(sep, s.lower()).strip(sep) or default


def fold(label: object) -> str:
    """Lower case, spaces collapsed: the form labels are looked up in."""
    return " ".join(str(label).split()).lower()


def _table(section: dict[str, str]) -> dict[str, str]:
    """A lookup table keyed on the folded label and on its ASCII form ('männer', 'maenner')."""
    out: dict[str, str] = {}
    for k, v in section.items():
        out[fold(k)] = v
        out.setdefault(slug(k, sep="-"), v)
    return out


def _lookup(table: dict[str, str], label: object) -> str | None:
    f = fold(label)
    return table.get(f) or table.get(slug(f, sep="-"))


@cache
def _total_words() -> frozenset[str]:
    return frozenset(fold(w) for w in vocab()["total_words"])


def is_total(label: object) -> bool:
    """'Insgesamt', 'zusammen', '' …: the label means "not broken down"."""
    f = fold(label)
    return f == "" or f in _total_words() or slug(f, sep="-") in _total_words()


def category_key(label: str) -> str:
    """Category key from a variable name: 'Familienstand (amtlich)' -> 'familienstand',
    'Klassenstufe / Jahrgangsstufe' -> 'klassenstufe', 'Herkunfts-/Zielländer' ->
    'herkunfts_ziellaender' (a '/' after a hyphen joins two words: it does not end the key)."""
    head = re.split(r"[(,:]|(?<!-)/", str(label))[0]
    return slug(head, default="merkmal")


def category_value(label: object) -> str:
    """A label made safe for the ``key=value|key=value`` category syntax."""
    s = str(label).replace(">=", "≥").replace("<=", "≤")
    return " ".join(s.replace("|", "/").replace("=", ":").split())


def category(pairs: dict[str, str]) -> str:
    """{'klassenstufe': '7. Klassenstufe'} -> 'klassenstufe=7. Klassenstufe' (sorted by key)."""
    items = sorted((k, v) for k, v in pairs.items() if v != TOTAL)
    return "|".join(f"{k}={v}" for k, v in items) or TOTAL


# ---------------------------------------------------------------------------------------------
# measures


@dataclass(frozen=True)
class _MeasureRule:
    id: str | None  # None: a rate/share word – never a count measure
    codes: frozenset[str]
    labels: tuple[re.Pattern[str], ...]
    with_prefix: tuple[tuple[str, re.Pattern[str]], ...]
    with_statistic: tuple[tuple[str, re.Pattern[str]], ...]


@cache
def _measure_rules() -> tuple[_MeasureRule, ...]:
    rules = []
    for mid, spec in vocab()["measures"].items():
        rules.append(
            _MeasureRule(
                id=None if mid.startswith("_") else mid,
                codes=frozenset(c.upper() for c in spec.get("codes", [])),
                labels=tuple(re.compile(p) for p in spec.get("labels", [])),
                with_prefix=tuple(
                    (k.upper(), re.compile(p)) for k, p in spec.get("with_code_prefix", {}).items()
                ),
                with_statistic=tuple(
                    (str(k).upper(), re.compile(p))
                    for k, p in spec.get("with_statistic", {}).items()
                ),
            )
        )
    return tuple(rules)


@cache
def measure_names() -> dict[str, str]:
    """Measure id -> German name, for every measure the catalogue can use."""
    return {k: v["name"] for k, v in vocab()["measures"].items() if not k.startswith("_")}


def _strip_unit(label: str) -> str:
    m = re.match(r"^(.*\S)\s*\(([^()]+)\)$", label)
    if m and (unit(m[2]) or is_unsupported_unit(m[2])):
        return m[1]
    return label


def statistic_of(table: object) -> str:
    """The statistic a GENESIS table belongs to: '21111-02-06-4' -> '21111', '2000S-2003' ->
    '2000S', '12411' -> '12411'; '' for anything else (a delivery, a BA export)."""
    m = re.match(r"^\s*(\d{4}[0-9A-Z])(?:-|\s*$)", str(table or ""))
    return m[1] if m else ""


@lru_cache(maxsize=4096)
def measure(code: str = "", label: str = "", statistic: str = "") -> str | None:
    """Tidy measure id for a content code and label, or None when the vocabulary has none.

    ``statistic`` is the GENESIS statistic of the table (:func:`statistic_of`): the same label
    ("Absolvierende/Abgehende", "Personen") means another thing in another statistic, and
    ``with_statistic`` rules only apply there."""
    code = str(code).strip().upper().split("$")[0]
    low = fold(_strip_unit(" ".join(str(label).split())))
    stat = statistic_of(statistic)
    for rule in _measure_rules():
        hit = (
            (code and code in rule.codes)
            or any(rx.search(low) for rx in rule.labels)
            or any(code.startswith(p) and rx.search(low) for p, rx in rule.with_prefix)
            or any(stat == s and rx.search(low) for s, rx in rule.with_statistic)
        )
        if hit:
            return rule.id
    return None


def measure_or_slug(
    code: str, label: str, unmapped: dict[str, str] | None = None, statistic: str = ""
) -> str:
    """:func:`measure`, else a slug of the label – recorded in `unmapped` (slug -> label) so that
    the loader reports it (:func:`unmapped_warning`); never silently a new measure."""
    found = measure(code, label, statistic)
    if found:
        return found
    sid = slug(label)
    if unmapped is not None:
        unmapped[sid] = " ".join(str(label).split())
    return sid


def unmapped_warning(ids: list[str], labels: dict[str, str] | None = None) -> str:
    """The German warning for measures the vocabulary does not know (the catalogue cannot see)."""
    labels = labels or {}
    shown = ", ".join(f"'{labels.get(i, i)}' (→ {i})" for i in ids[:5])
    more = f" und {len(ids) - 5} weitere" if len(ids) > 5 else ""
    return (
        f"Regel 'vocab': Merkmal(e) {shown}{more} nicht im Vokabular – die Zahlen bleiben unter dieser id "
        "erhalten, aber kein Indikator des Katalogs sieht sie; bitte in "
        f"{VOCAB_HINT} unter 'measures' eintragen, falls sie gebraucht werden"
    )


# ---------------------------------------------------------------------------------------------
# dimensions


@cache
def _tables() -> dict[str, dict[str, str]]:
    v = vocab()
    return {
        "sex": _table(v["sex"]["labels"]),
        "sex_short": _table({**v["sex"]["labels"], **v["sex"]["short"]}),
        "sex_codes": {k.upper(): x for k, x in v["sex"]["codes"].items()},
        "nationality": _table(v["nationality"]["labels"]),
        "nationality_codes": {k.upper(): x for k, x in v["nationality"]["codes"].items()},
    }


def sex(label: object, code: str = "", short: bool = False) -> str | None:
    """'männlich', 'Frauen', code 'GESW' -> tidy sex; 'insgesamt' -> TOTAL; None if unknown.

    `short` also accepts m/w/d – only where the column is known to hold the sex.
    """
    t = _tables()
    hit = t["sex_codes"].get(str(code).strip().upper())
    if hit:
        return hit
    if is_total(label):
        return TOTAL
    return _lookup(t["sex_short" if short else "sex"], label)


def nationality(label: object, code: str = "") -> str | None:
    """'Ausländer/-innen', 'deutsche', code 'NATA' -> tidy nationality; None if unknown."""
    t = _tables()
    hit = t["nationality_codes"].get(str(code).strip().upper())
    if hit:
        return hit
    if is_total(label):
        return TOTAL
    return _lookup(t["nationality"], label)


@cache
def _age_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p), fmt) for p, fmt in vocab()["age_groups"])


def _age_text(label: object) -> str:
    s = " ".join(str(label).replace("–", "-").replace("—", "-").split()).lower()
    return re.sub(r"\s*jahren?\b|\s*jahre?\b|\s*j\.", "", s).strip()


@lru_cache(maxsize=4096)
def age_group(label: str) -> str | None:
    """'unter 3 Jahre' -> '0-3', '18 bis unter 27' -> '18-27', '75 Jahre und mehr' -> '75+'.

    'insgesamt' -> TOTAL; None when the label is not an age group (or its bounds are reversed).
    Upper bounds are exclusive.
    """
    if is_total(label):
        return TOTAL
    s = _age_text(label)
    for rx, fmt in _age_rules():
        m = rx.match(s)
        if m:
            out = fmt.replace("{1}", m[1]).replace("{2}", m[2] if rx.groups > 1 else "")
            if "-" in out:
                lo, hi = out.split("-")
                if int(hi) <= int(lo):
                    return None
            return out
    return None


def age_group_problem(label: str) -> tuple[str, str | None]:
    """(problem, hint) for a label :func:`age_group` refuses."""
    s = _age_text(label)
    m = re.match(r"^(\d+)\s*-\s*(\d+)$|^(\d+) bis unter (\d+)$", s)
    if m:
        return f"Altersgruppe '{label}': Obergrenze nicht größer als Untergrenze", None
    if re.match(r"^\d+ bis \d+$", s):
        return (
            f"Altersgruppe '{label}' ist nicht eindeutig",
            "Bitte '6 bis unter 11' schreiben (Obergrenze ausschließlich), nicht '6 bis 10'.",
        )
    return (
        f"Unbekannte Altersgruppe '{label}'",
        "Erlaubt: 'unter 12', '18 bis unter 27', '18-27', '80 und älter', '80+' oder leer (insgesamt).",
    )


@cache
def _variables() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), k) for p, k in vocab()["variables"])


@lru_cache(maxsize=4096)
def variable(cell: str) -> str | None:
    """What a classic table's header word names: 'Geschlecht' -> 'sex', 'Klassenstufe' ->
    'cat:klassenstufe' (see ``variables`` in vocab.yml)."""
    for rx, key in _variables():
        if rx.match(cell):
            return key
    return None


def dimension_for(var_code: str, var_label: str) -> str:
    """Which tidy dimension a non-regional GENESIS variable (flat CSV, JSON) fills."""
    code = str(var_code).strip().upper()
    label = fold(var_label)
    spec = vocab()["dimension_codes"]
    for dim in ("sex", "nationality"):
        s = spec[dim]
        if (
            code in s["codes"]
            or label == s["label"]
            or (dim == "sex" and code.startswith("GES") and label == s["label"])
        ):
            return dim
    s = spec["age_group"]
    if code.startswith(s["code_prefix"]) or label.startswith(s["label_prefix"]):
        return "age_group"
    s = spec["school_type"]
    if code in s["codes"] or label.startswith(s["label_prefix"]):
        return "school_type"
    return "category"


@cache
def school_type_pattern() -> re.Pattern[str]:
    return re.compile(vocab()["school_type_pattern"], re.IGNORECASE)


def school_type(label: str) -> str:
    """A school type as written ('Gymnasien'); TOTAL for 'insgesamt'."""
    return TOTAL if is_total(label) else " ".join(str(label).split())


# ---------------------------------------------------------------------------------------------
# units and symbols


@cache
def _units() -> dict[str, tuple[str, float]]:
    return {fold(k): (u, float(f)) for k, (u, f) in vocab()["units"].items()}


def unit(label: object) -> tuple[str, float] | None:
    """'Anzahl' -> ('Anzahl', 1), 'Tsd.' -> ('Anzahl', 1000), 'km²' -> ('km2', 1); else None."""
    return _units().get(fold(label))


def is_unsupported_unit(label: object) -> bool:
    """A real unit the tidy table cannot hold yet (EUR, ha, …): refused, never 'Anzahl'."""
    return fold(label) in {fold(u) for u in vocab()["unsupported_units"]}


def unit_label(unit_id: str, factor: float) -> str:
    return "Tsd." if unit_id == "Anzahl" and factor == 1000 else unit_id


@cache
def symbols(fmt: str) -> dict[str, str]:
    """Symbols format `fmt` writes in place of a number -> canonical flag ('…' -> '...')."""
    canon = vocab()["symbols"]
    return {s: canon[s] for s in vocab()["symbols_by_format"][fmt]}


@cache
def quality_marks() -> dict[str, str]:
    """Quality marks beside a number ('p' vorläufig …) -> flag ('e' endgültig -> '')."""
    return {**vocab()["quality_marks"], "": ""}


# ---------------------------------------------------------------------------------------------
# periods

_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR_RE = re.compile(r"^((?:19|20)\d{2})(?:\s*/\s*((?:19|20)?\d{2}))?$")
_PERIOD_PREFIX_RE = re.compile(
    r"^(?:Jahr|Berichtsjahr|Schuljahr|Stichtag|Zeit|Berichtszeitraum)\s*:?\s*", re.IGNORECASE
)
#: A tidy period: Stichtag 'YYYY-MM-DD', year 'YYYY', school year 'YYYY/YY'.
PERIOD_RE = r"^\d{4}(-\d{2}-\d{2}|/\d{2})?$"


@lru_cache(maxsize=8192)
def period(cell: str, school_year: bool = False) -> str | None:
    """'31.12.2015' / '2015-12-31' -> '2015-12-31', 'Jahr: 2016' -> '2016', '2015/16' or
    '2015/2016' -> '2015/16'; a bare year is a school year when `school_year`. None when the
    text is no period. Whether the day exists is the plausibility rule 'date' (and
    :func:`period_problem`), so that the message names the rule."""
    s = _PERIOD_PREFIX_RE.sub("", str(cell).strip())
    m = _DATE_RE.match(s)
    if m:
        d, mo, y = int(m[1]), int(m[2]), m[3]
        if 1 <= d <= 31 and 1 <= mo <= 12:
            return f"{y}-{mo:02d}-{d:02d}"
        return None
    m = _ISO_RE.match(s)
    if m:
        return s if 1 <= int(m[3]) <= 31 and 1 <= int(m[2]) <= 12 else None
    m = _YEAR_RE.match(s)
    if m:
        if m[2]:
            return f"{m[1]}/{m[2][-2:]}"
        if school_year:
            return f"{m[1]}/{(int(m[1]) + 1) % 100:02d}"
        return m[1]
    return None


def period_problem(text: str) -> tuple[str, str] | None:
    """(problem, hint) when `text` is no real period: impossible day, school year not of two
    consecutive years, or no period at all; None when it is fine."""
    from datetime import date

    p = period(text)
    if p is None:
        if _DATE_RE.match(text.strip()) or _ISO_RE.match(text.strip()):
            return (
                f"Ungültiges Datum '{text}'",
                "Den Tag gibt es nicht; bitte den Stichtag als TT.MM.JJJJ prüfen (z. B. 30.09.2022).",
            )
        return (
            f"Ungültiger Stichtag/Zeitraum '{text}'",
            "Erlaubt sind ein Stichtag (30.09.2022), ein Jahr (2021) oder ein Schuljahr (2021/22).",
        )
    if m := _ISO_RE.match(p):
        try:
            date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return (
                f"Ungültiges Datum '{text}'",
                "Den Tag gibt es nicht; bitte den Stichtag als TT.MM.JJJJ prüfen (z. B. 30.09.2022).",
            )
    elif "/" in p:
        start, end = p.split("/")
        full = re.search(r"/\s*(\d{4})$", text.strip())
        if int(end) != (int(start) + 1) % 100 or (full and int(full[1]) != int(start) + 1):
            return (
                f"Schuljahr '{text}' umfasst nicht zwei aufeinanderfolgende Jahre",
                "Schuljahre bitte als 2021/22 angeben.",
            )
    return None


def periods(cells: pd.Series) -> pd.Series:
    """:func:`period` over a column (each distinct text parsed once); None where no period."""
    s = cells.astype(str).str.strip()
    return s.map({u: period(u) for u in s.unique()})


# ---------------------------------------------------------------------------------------------
# region keys

_KEY_RE = re.compile(r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{9}|\d{12})$")
#: A tidy region key (see the module docstring).
REGION_RE = r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{9}|\d{12})$"


@cache
def laender() -> dict[str, str]:
    """The 16 Länder by name -> 2-digit key."""
    return dict(vocab()["laender"])


@cache
def region_names() -> dict[str, str]:
    """Region names written without a code -> key ('Deutschland' -> 'DG', Länder)."""
    return {"Deutschland": "DG", **laender()}


def is_region_variable(code: str) -> bool:
    """GENESIS variables that give the region of a number (DINSG, KREISE, GEMEIN, GEO…)."""
    code = str(code).strip().upper()
    return code in vocab()["region_variables"] or code.startswith("GEO")


def region_key(code: str) -> str | None:
    """One code in the canonical form (12-digit ARS -> AGS), None when it is no region key."""
    s = str(code).strip()
    if s.upper() in vocab()["germany_codes"]:
        return "DG"
    if not _KEY_RE.match(s):
        return None
    return s[:5] + s[9:] if len(s) == 12 else s


def region_keys(codes: pd.Series, path: Path | str, lines: pd.Series | np.ndarray | None):
    """:func:`region_key` over a column; an invalid key raises naming its line.

    A 12-digit ARS becomes the 8-digit AGS unless the same AGS comes with another ARS in the
    same column (a Gemeinde listed under two Gemeindeverbände): then the ARS stays.
    """
    s = codes.astype(str).str.strip()
    s = s.where(~s.str.upper().isin(set(vocab()["germany_codes"])), "DG")
    ok = (s == "DG") | s.str.fullmatch(REGION_RE[2:-2]).fillna(False)
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        bad = s.iloc[i]
        hint = "Regionalschlüssel haben 2, 3, 5, 8, 9 oder 12 Stellen."
        if bad.isdigit() and bad[:1] != "0" and len(bad) in {1, 4, 7, 10, 11}:
            hint = (
                "Die führende Null ist wohl verloren gegangen (Datei in Excel geöffnet?); "
                "bitte den Originalexport verwenden."
            )
        line = None
        if lines is not None:
            line = int(np.asarray(lines)[i])
        raise FormatError(
            f"Ungültiger Regionalschlüssel '{bad[:40]}'", path=path, line=line, hint=hint
        )
    return collapse_ars(s)


def collapse_ars(s: pd.Series) -> pd.Series:
    """12-digit ARS -> 8-digit AGS, except for a Gemeinde the column lists under two
    Gemeindeverbände or also as verbandsfrei (by its AGS): its rows stay distinct."""
    ars = s.str.len() == 12
    if not ars.any():
        return s
    ags = s.str[:5] + s.str[9:]
    distinct = pd.DataFrame({"ags": ags[ars], "ars": s[ars]}).drop_duplicates()
    # the same Gemeinde under two Verbände, or once verbandsfrei (its AGS) and once in a Verband
    twice = set(distinct["ags"][distinct["ags"].duplicated()]) | (set(ags[ars]) & set(s[~ars]))
    keep = ars & ags.isin(twice)
    return s.where(~ars | keep, ags)


# ---------------------------------------------------------------------------------------------
# text decoding


def decode(data: bytes, path: Path | str | None = None, complete: bool = True) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), falling back to cp1252/ISO-8859-1.

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


def strip_bom(head: str) -> str:
    """Drop a BOM, also when the sniffed head was decoded as cp1252 ('ï»¿')."""
    for bom in ("\ufeff", "ï»¿"):
        if head.startswith(bom):
            return head[len(bom) :]
    return head


#: UTF-8 umlauts read as cp1252 ('Ã¤', 'Ã¼'): also found in a line with real latin-1 umlauts.
_MOJIBAKE = re.compile(r"Ã[¤¶¼Ÿ„–œ©¨]|Â[§©°]")


def check_encoding(text: str, encoding: str, path: Path | str) -> None:
    """Refuse an ISO-8859-1 file with UTF-8 lines in it (parts pasted together), instead of
    reading 'BevÃ¶lkerung'. A German latin-1 line is never by chance valid UTF-8 with umlauts,
    so a non-ASCII line that decodes as UTF-8 after re-encoding is the proof."""
    if encoding.startswith("utf-8"):
        return
    for i, line in enumerate(text.splitlines(), start=1):
        if line.isascii():
            continue
        if not _MOJIBAKE.search(line):
            try:
                line.encode(encoding).decode("utf-8")
            except UnicodeError:
                continue
        raise FormatError(
            "Gemischte Zeichenkodierung: UTF-8-Umlaute in einer ISO-8859-1-Datei",
            path=path,
            line=i,
            hint="Die Datei wurde wohl aus Teilen zusammenkopiert; bitte den Originalexport verwenden.",
        )
