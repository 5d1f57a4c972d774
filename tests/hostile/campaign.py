"""Hostile-input campaign: mutations of the real files in data/raw/, each with what must happen.

Every case builds its inputs in a fresh folder from a real export (seeded, reproducible), runs
the library the way a user would (``ibislib.read``, ``store.build``/``store.load``, reading a
survey) and is classified:

good outcomes    ``clear error``      our own error naming the file (line, rule) – for bad input
                 ``accepted-correct`` valid input read with the right numbers
                 ``warning``          a recorded warning where real files legitimately do this
bad outcomes     ``traceback``        any exception that is not ours
                 ``hang``             no answer within the time limit
                 ``silently wrong``   accepted, but a number differs from what the file says
                 ``unchecked-implausible``  implausible input accepted without error or warning
                 ``leak``             an error shows content of a file it must not read
                 ``refused valid``    a valid file refused
                 ``vague error``      our error, but it does not name the file, line or problem

``python scripts/hostile_campaign.py`` runs all cases (``--fast`` leaves out the large ones);
``tests/test_hostile.py`` runs the fast ones in ``make test``.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import random
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
SEED = 20260111
BOM = b"\xef\xbb\xbf"

GOOD = ("clear error", "accepted-correct", "warning")
BAD = (
    "traceback",
    "hang",
    "silently wrong",
    "unchecked-implausible",
    "leak",
    "refused valid",
    "vague error",
)

# real files the mutations start from
TABLE = "regionalstatistik/12411-01-01-4.csv"  # ISO-8859-1, Kreise, Insgesamt/männlich/weiblich
GEMEINDEN = "regionalstatistik/12411-02-03-5_00__SUBSET_05566_05770_10041_16070.csv"  # UTF-8
FLAT = "genesis_flat/12411-01-01-4_1773175772751_de_flat.csv"
JSON_DATA = "genesis_json/12411-0002_historisch_data.json"
JSON_STRUCTURE = "genesis_json/12411-0002_historisch_structure.json"
BA_AGE = "ba_statistik/2024/arbeitslose_ausländer_nachaltersgruppe.csv"
BA_SEX = "ba_statistik/uebergreifendeDaten/arbeitslose_ausländer_nachgeschlecht.csv"
BA_LAENDER = "ba_statistik/statistik_migration_20250605111436.csv"
DELIVERY = "ibbenbueren/lieferung_2022.csv"
GV100AD = "gemeindeverzeichnis/GV100AD_301123__SUBSET_all-Kreise_Gemeinden-NW-SL-TH.txt"
SURVEY = "befragung_ibbenbueren"

SECRET = "GEHEIM-root:x:0:0:kennwort"


def real(rel: str) -> bytes:
    return (RAW / rel).read_bytes()


def real_text(rel: str) -> tuple[str, str]:
    data = real(rel)
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError(rel)


@dataclass
class Outcome:
    frame: pd.DataFrame | None = None
    error: Exception | None = None
    warnings: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # everything shown to the user
    problem: str | None = None  # set by a store/survey scenario that checks more itself


@dataclass
class Case:
    name: str
    what: str
    expect: str  # "error" | "accept" | "warn"
    make: Callable[[Path], Path]  # writes inputs into a folder, returns the path to read
    check: Callable[[pd.DataFrame], str | None] | None = None  # None = fine, else what is wrong
    harm: str = "silently wrong"  # outcome if a bad input is accepted: or "unchecked-implausible"
    words: tuple[str, ...] = ()  # the error/warning must contain these (case-insensitive)
    line: int | None = None  # the error must name this line
    run: str = "read"  # "read" | "scenario" (make returns a marker; scenario does the run)
    scenario: Callable[[Path], Outcome] | None = None
    large: bool = False
    timeout: int = 60


# ----------------------------------------------------------------------------- helpers


def _write(folder: Path, name: str, data: bytes | str, enc: str = "utf-8") -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if isinstance(data, bytes) else data.encode(enc))
    return p


def _lines_replace(text: str, start: str, fn: Callable[[str], str]) -> str:
    out, done = [], False
    for ln in text.split("\n"):
        if not done and ln.startswith(start):
            ln, done = fn(ln), True
        out.append(ln)
    assert done, f"no line starts with {start!r}"
    return "\n".join(out)


def _cell(line: str, idx: int, value: str, sep: str = ";") -> str:
    cells = line.split(sep)
    cells[idx] = value
    return sep.join(cells)


def table_case(fn: Callable[[str], str], name: str = "t.csv", base: str = TABLE) -> Callable:
    def make(folder: Path) -> Path:
        text, enc = real_text(base)
        return _write(folder, name, fn(text), enc)

    return make


def table_row(start: str, idx: int, value: str, base: str = TABLE) -> Callable:
    return table_case(
        lambda t: _lines_replace(t, start, lambda ln: _cell(ln, idx, value)), base=base
    )


def flat_case(fn: Callable[[str], str]) -> Callable:
    def make(folder: Path) -> Path:
        text, _ = real_text(FLAT)
        return _write(folder, "f_de_flat.csv", "\ufeff" + fn(text))

    return make


FLAT_MANNHEIM_W = "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31;KREISE;Kreise und kreisfreie Städte;08222;Mannheim, Stadtkreis;GES;Geschlecht;GESW;weiblich;158789"


def flat_value(value: str) -> Callable:
    return flat_case(lambda t: t.replace(FLAT_MANNHEIM_W + ";", FLAT_MANNHEIM_W[:-6] + value + ";"))


def json_case(
    data_fn: Callable[[dict], object] | None = None,
    structure_fn: Callable[[dict], object] | None = None,
    raw_data: Callable[[str], str] | None = None,
) -> Callable:
    def make(folder: Path) -> Path:
        d_text = real(JSON_DATA).decode("utf-8-sig")
        s_text = real(JSON_STRUCTURE).decode("utf-8-sig")
        if data_fn:
            d = json.loads(d_text)
            d = data_fn(d) or d
            d_text = json.dumps(d, ensure_ascii=False)
        if raw_data:
            d_text = raw_data(d_text)
        if structure_fn:
            s = json.loads(s_text)
            s = structure_fn(s) or s
            s_text = json.dumps(s, ensure_ascii=False)
        _write(folder, "x_structure.json", s_text)
        return _write(folder, "x_data.json", d_text)

    return make


def _cube(d: dict) -> dict:
    return d["data"][0]


def _set_value(i: int, v: object) -> Callable[[dict], None]:
    def fn(d: dict) -> None:
        _cube(d)["value"][i] = v

    return fn


def ba_case(fn: Callable[[str], str], base: str = BA_AGE, name: str | None = None) -> Callable:
    def make(folder: Path) -> Path:
        text, _ = real_text(base)
        return _write(folder, name or Path(base).name, "\ufeff" + fn(text))

    return make


def delivery_case(fn: Callable[[str], str], enc: str = "utf-8", bom: bool = False) -> Callable:
    def make(folder: Path) -> Path:
        text, _ = real_text(DELIVERY)
        data = fn(text).encode(enc)
        return _write(folder, "lieferung.csv", (BOM if bom else b"") + data)

    return make


DELIVERY_POP = (
    "05566028;Ibbenbüren;31.12.2020;bevoelkerung;{stadtteil};;;;;;{wert};Anzahl;;Stadt Ibbenbüren;"
)


def delivery_rows(*rows: str) -> Callable:
    return delivery_case(lambda t: t.rstrip("\n") + "\n" + "\n".join(rows) + "\n")


# ----------------------------------------------------------------------------- checks


def _load_real(rel: str) -> pd.DataFrame:
    import ibislib

    return ibislib.read(RAW / rel)


_REFERENCE: dict[str, pd.DataFrame] = {}


def reference(rel: str) -> pd.DataFrame:
    if rel not in _REFERENCE:
        _REFERENCE[rel] = _load_real(rel)
    return _REFERENCE[rel]


def same_numbers(rel: str, factor: float = 1.0) -> Callable[[pd.DataFrame], str | None]:
    """The values equal those of the unmodified real file (times `factor`), key by key."""

    def check(df: pd.DataFrame) -> str | None:
        from ibislib.tidy import KEY

        ref = reference(rel)
        a = ref.set_index(KEY)["value"].sort_index()
        b = df.set_index(KEY)["value"].sort_index()
        if len(a) != len(b) or not a.index.equals(b.index):
            return f"{len(b)} Zeilen statt {len(a)} bzw. andere Schlüssel"
        close = ((a * factor) - b).abs().to_numpy() <= 1e-6 * (a.abs().to_numpy() * factor + 1)
        both_na = a.isna().to_numpy() & b.isna().to_numpy()
        diff = pd.Series(~(close | both_na), index=a.index)
        if diff.any():
            k = diff[diff].index[0]
            return f"Wert {b[k]} statt {a[k] * factor} bei {k[:3]}"
        return None

    return check


def value_is(expected: float, **sel: str) -> Callable[[pd.DataFrame], str | None]:
    def check(df: pd.DataFrame) -> str | None:
        m = pd.Series(True, index=df.index)
        for k, v in sel.items():
            m &= df[k] == v
        got = df.loc[m, "value"]
        if len(got) != 1:
            return f"{len(got)} Zeilen für {sel}"
        v = got.iloc[0]
        if pd.isna(expected) and pd.isna(v):
            return None
        return None if abs(v - expected) < 1e-9 else f"{v} statt {expected} für {sel}"

    return check


def flag_is(flag: str, **sel: str) -> Callable[[pd.DataFrame], str | None]:
    def check(df: pd.DataFrame) -> str | None:
        m = pd.Series(True, index=df.index)
        for k, v in sel.items():
            m &= df[k] == v
        got = df.loc[m]
        if len(got) != 1 or got["flag"].iloc[0] != flag or not pd.isna(got["value"].iloc[0]):
            return f"Zeichen {got['flag'].tolist()} / Wert {got['value'].tolist()} statt '{flag}'"
        return None

    return check


def all_of(*checks: Callable) -> Callable[[pd.DataFrame], str | None]:
    def check(df: pd.DataFrame) -> str | None:
        for c in checks:
            if (p := c(df)) is not None:
                return p
        return None

    return check


# ----------------------------------------------------------------------------- scenarios


def _store_run(raw: Path, processed: Path | None = None) -> tuple[object, pd.DataFrame]:
    from ibislib import store

    processed = processed or raw.parent / "processed"
    res = store.build(raw=raw, processed=processed)
    df = store.load(processed, build_if_missing=False)
    return res, df


def _messages(res: object) -> list[str]:
    out = list(res.errors.values()) + [w for ws in res.warnings.values() for w in ws]
    return out + ([res.readonly] if res.readonly else [])


def scenario_store(
    setup: Callable[[Path], None],
    expect_error: str | None = None,
    expect_warning: str | None = None,
    must_build: tuple[str, ...] = (),
    check: Callable[[object, pd.DataFrame], str | None] | None = None,
) -> Callable[[Path], Outcome]:
    def run(folder: Path) -> Outcome:
        raw = folder / "raw"
        raw.mkdir()
        setup(raw)
        res, df = _store_run(raw)
        out = Outcome(frame=df, messages=_messages(res))
        for rel in must_build:
            if rel not in res.built:
                out.problem = f"'{rel}' nicht gebaut: {res.errors.get(rel, '?')[:200]}"
                return out
        if expect_error is not None:
            hit = [m for k, m in res.errors.items() if expect_error in k]
            if not hit:
                out.problem = f"kein Fehler für '{expect_error}' gemeldet"
                out.warnings = [w for ws in res.warnings.values() for w in ws]
                return out
            out.error = _Reported(hit[0])
        if expect_warning is not None:
            ws = res.warnings.get(expect_warning, [])
            out.warnings = ws
        if check is not None:
            out.problem = check(res, df)
        return out

    return run


class _Reported(Exception):
    """An error the store reported for one file (the build itself went on)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _copy(raw: Path, *rels: str) -> None:
    for rel in rels:
        dst = raw / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW / rel, dst)


def _setup_symlink(raw: Path) -> None:
    _copy(raw, TABLE)
    secret = raw.parent / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\nzweite Zeile\n", encoding="utf-8")
    (raw / "passwd.csv").symlink_to(secret)
    (raw / "ordner").symlink_to(secret.parent, target_is_directory=True)


def _setup_fifo(raw: Path) -> None:
    _copy(raw, TABLE)
    os.mkfifo(raw / "warteschlange.csv")


def _setup_date_poison(raw: Path) -> None:
    _copy(raw, TABLE, DELIVERY)
    text, enc = real_text(TABLE)
    bad = text.replace(";;31.12.2015;31.12.2015;31.12.2015", ";;31.02.2015;31.02.2015;31.02.2015")
    _write(raw, "regionalstatistik/kaputt.csv", bad, enc)


def _check_date_poison(res: object, df: pd.DataFrame) -> str | None:
    from ibislib.indicators.engine import prepare

    if "2015-02-31" in set(df["period"].astype(str)):
        return "unmögliches Datum im Speicher"
    try:
        prepare(df)  # what every indicator does first (parsing every period)
    except Exception as exc:  # noqa: BLE001 - classified, not hidden
        return f"Indikatoren scheitern am Speicher: {type(exc).__name__}"
    return None


def _setup_conflict(raw: Path) -> None:
    _copy(raw, TABLE)
    text, enc = real_text(TABLE)
    bad = _lines_replace(text, "05566;", lambda ln: _cell(ln, 2, "443375"))
    _write(raw, "zweitexport/12411-01-01-4.csv", bad, enc)


def _setup_gv_broken(raw: Path) -> None:
    _copy(raw, DELIVERY, GV100AD)
    text, enc = real_text(GV100AD)
    lines = text.split("\n")
    lines[40] = lines[40][:30]  # a record cut short
    _write(raw, GV100AD, "\n".join(lines), enc)


def _check_gv_broken(res: object, df: pd.DataFrame) -> str | None:
    errs = [m for k, m in res.errors.items() if "GV100AD" in k]
    if not errs or "Zeile 41" not in errs[0]:
        return f"GV100AD-Fehler ohne Zeile: {errs[:1]}"
    return None


def _setup_unknown_region(raw: Path) -> None:
    _copy(raw, GV100AD)
    text, _ = real_text(DELIVERY)
    text = (
        text.rstrip("\n")
        + "\n"
        + "05566999;Neustadt;2021;einbuergerungen;;;;;;;12;Anzahl;;Stadt X;\n"
    )
    _write(raw, DELIVERY, text)


def _setup_readonly_unchanged(raw: Path) -> None:
    _copy(raw, TABLE)


def scenario_readonly(changed: bool) -> Callable[[Path], Outcome]:
    def run(folder: Path) -> Outcome:
        from ibislib import cache, store

        raw = folder / "raw"
        raw.mkdir()
        _copy(raw, TABLE)
        processed = folder / "processed"
        first = store.build(raw=raw, processed=processed)
        if first.errors:
            return Outcome(problem=f"Aufbau scheitert: {first.errors}")
        if changed:
            _copy(raw, DELIVERY)
        with _read_only():
            res = store.build(raw=raw, processed=processed)
            cache.clear()
            df = store.load(processed, build_if_missing=False)
        out = Outcome(frame=df, messages=_messages(res))
        if changed and not res.readonly:
            out.problem = "schreibgeschützter Speicher nicht gemeldet"
        elif not changed and res.readonly:
            out.problem = "ohne Änderung trotzdem geschrieben"
        elif df.empty or not (df["region"] == "05566").any():
            out.problem = "vorhandener Speicher nicht lesbar"
        if changed and res.readonly:
            out.warnings = [res.readonly]
        return out

    return run


@contextlib.contextmanager
def _read_only() -> Iterator[None]:
    """data/processed on a read-only file system: every write fails with EROFS.

    Root ignores permission bits, so the failure is injected where the library writes.
    """
    from ibislib import atomic, store

    def refuse(*_a: object, **_k: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    saved = (atomic.atomic_path, store.atomic_path, store.write_text)

    @contextlib.contextmanager
    def refuse_path(*_a: object, **_k: object) -> Iterator[Path]:
        refuse()
        yield Path()

    atomic.atomic_path = refuse_path  # type: ignore[assignment]
    store.atomic_path = refuse_path  # type: ignore[assignment]
    store.write_text = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        atomic.atomic_path, store.atomic_path, store.write_text = saved  # type: ignore[assignment]


def scenario_survey(mutate: Callable[[str], str]) -> Callable[[Path], Outcome]:
    def run(folder: Path) -> Outcome:
        from ibislib.survey.io import read_survey

        src = RAW / SURVEY
        dst = folder / SURVEY
        dst.mkdir(parents=True)
        for f in (
            "einwohner.codebook.yml",
            *(f"einwohner_synthetisch_{x}.csv" for x in "de en fr ls".split()),
        ):
            shutil.copy(src / f, dst / f)
        target = dst / "einwohner_synthetisch_de.csv"
        target.write_text(mutate(target.read_text(encoding="utf-8")), encoding="utf-8")
        try:
            df, _ = read_survey(dst / "einwohner.codebook.yml")
        except Exception as exc:  # noqa: BLE001 - classified by the runner
            return Outcome(error=exc)
        return Outcome(frame=df)

    return run


def _survey_line(n: int, fn: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    """Change record `n` (1 = header; the synthetic files have one line per record)."""

    def mutate(text: str) -> str:
        import csv

        rows = list(csv.reader(io.StringIO(text)))
        rows[n - 1] = fn(rows[n - 1])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue()

    return mutate


def scenario_read_path(path_of: Callable[[Path], Path]) -> Callable[[Path], Outcome]:
    def run(folder: Path) -> Outcome:
        import ibislib

        try:
            return Outcome(frame=ibislib.read(path_of(folder)))
        except Exception as exc:  # noqa: BLE001
            return Outcome(error=exc)

    return run


def _fifo(folder: Path) -> Path:
    p = folder / "daten.csv"
    os.mkfifo(p)
    return p


def _sparse(folder: Path) -> Path:
    p = folder / "riesig.csv"
    with p.open("wb") as fh:
        fh.write(b"GENESIS-Tabelle: 12411-01-01-4\n")
        fh.truncate(600 * 2**20)  # sparse: takes no disk space
    return p


def _spss(folder: Path, compress: bool) -> Path:
    import pyreadstat

    df = pd.DataFrame({"id": [1.0, 2.0, 3.0], "wohl": [1.0, 3.0, 4.0], "alter": [34.0, 51.0, 27.0]})
    p = folder / ("befragung.zsav" if compress else "befragung.sav")
    pyreadstat.write_sav(
        df,
        str(p),
        compress=compress,
        variable_value_labels={
            "wohl": {1.0: "sehr wohl", 2.0: "eher wohl", 3.0: "eher nicht", 4.0: "gar nicht"}
        },
        variable_measure={"id": "scale", "wohl": "ordinal", "alter": "scale"},
    )
    return p


def _check_spss(df: pd.DataFrame) -> str | None:
    if df["wohl"].astype(str).tolist() != ["sehr wohl", "eher nicht", "gar nicht"]:
        return f"wohl = {df['wohl'].tolist()}"
    if df["alter"].tolist() != [34.0, 51.0, 27.0]:
        return f"alter = {df['alter'].tolist()}"
    return None


def _wide_table(cols: int) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        head = "GENESIS-Tabelle: 12411-01-01-4\nBevölkerungsstand (Anzahl)\n"
        hdr = ";;" + ";".join(["31.12.2015"] * cols) + "\n"
        row = "DG;Deutschland;" + ";".join(["1"] * cols) + "\n"
        return _write(folder, "breit.csv", head + hdr + row)

    return make


def _deep_json(folder: Path) -> Path:
    _write(folder, "tief_structure.json", real(JSON_STRUCTURE))
    return _write(folder, "tief_data.json", '{"data": ' + "[" * 100_000 + "]" * 100_000 + "}")


# ----------------------------------------------------------------------------- the cases

T_DG = "DG;Deutschland;"
T_STF = "05566;"
HDR = ";;31.12.2015;31.12.2015;31.12.2015"


def cases() -> list[Case]:  # noqa: PLR0915 - one list, read top to bottom
    rnd = random.Random(SEED)
    C: list[Case] = []
    add = C.append
    err, ok, warn = "error", "accept", "warn"
    imp = "unchecked-implausible"

    # ---- GENESIS classic table
    add(
        Case(
            "table_bom_on_latin1",
            "UTF-8-BOM vor ISO-8859-1-Tabelle",
            ok,
            lambda f: _write(f, "t.csv", BOM + real(TABLE)),
            same_numbers(TABLE),
        )
    )
    add(
        Case(
            "table_crlf",
            "Windows-Zeilenenden",
            ok,
            table_case(lambda t: t.replace("\n", "\r\n")),
            same_numbers(TABLE),
        )
    )
    add(
        Case(
            "table_german_thousands",
            "82.175.684 mit Tausenderpunkten",
            ok,
            table_row(T_DG, 2, "82.175.684"),
            value_is(82175684, region="DG", sex="insgesamt"),
        )
    )
    add(
        Case(
            "table_symbol_dot",
            "'.' (geheim) statt Zahl",
            ok,
            table_row(T_STF, 3, "."),
            flag_is(".", region="05566", sex="männlich"),
        )
    )
    add(
        Case(
            "table_flag_p",
            "vorläufige Zahl '220782p'",
            ok,
            table_row(T_STF, 3, "220782p"),
            value_is(220782, region="05566", sex="männlich"),
        )
    )
    add(
        Case(
            "table_content_tsd",
            "Inhaltszeile '(Tsd.)': Faktor 1.000 anzuwenden",
            ok,
            table_case(
                lambda t: t.replace("Bevölkerungsstand (Anzahl)", "Bevölkerungsstand (Tsd.)")
            ),
            same_numbers(TABLE, 1000.0),
        )
    )
    add(
        Case(
            "table_content_tsd_vs_anzahl_column",
            "Inhalt '(Tsd.)', Spalten sagen 'Anzahl'",
            err,
            table_case(
                lambda t: t.replace(
                    "Bevölkerungsstand (Anzahl)", "Bevölkerungsstand (Tsd.)"
                ).replace(
                    ";;Insgesamt;männlich;weiblich",
                    ";;Insgesamt;männlich;weiblich\n;;Anzahl;Anzahl;Anzahl",
                )
            ),
            words=("Einheit", "Tsd."),
            line=6,
        )
    )
    add(
        Case(
            "table_english_number",
            "'1,234.5' (englisches Format)",
            err,
            table_row(T_STF, 2, "1,234.5"),
            words=("englisch",),
            line=121,
        )
    )
    add(
        Case(
            "table_bad_thousands",
            "'4433.74' (Punkt falsch gesetzt)",
            err,
            table_row(T_STF, 2, "4433.74"),
            words=("4433.74",),
            line=121,
        )
    )
    add(
        Case(
            "table_inf",
            "'inf' als Zahl",
            err,
            table_row(T_STF, 2, "inf"),
            words=("endliche",),
            line=121,
        )
    )
    add(
        Case(
            "table_nan",
            "'NaN' als Zahl",
            err,
            table_row(T_STF, 2, "NaN"),
            words=("endliche",),
            line=121,
        )
    )
    add(
        Case(
            "table_fraction_persons",
            "'443374,5' Personen",
            err,
            table_row(T_STF, 2, "443374,5"),
            harm=imp,
            words=("count", "Nachkommastellen", "05566"),
        )
    )
    add(
        Case(
            "table_impossible_date",
            "Stichtag 31.02.2015",
            err,
            table_case(lambda t: t.replace(HDR, ";;31.02.2015;31.02.2015;31.02.2015")),
            words=("date", "2015-02-31"),
        )
    )
    add(
        Case(
            "table_future_year",
            "Stichtag 31.12.2099",
            err,
            table_case(lambda t: t.replace(HDR, ";;31.12.2099;31.12.2099;31.12.2099")),
            harm=imp,
            words=("Zukunft",),
        )
    )
    add(
        Case(
            "table_year_1700",
            "Stichtag 31.12.1700",
            err,
            table_case(lambda t: t.replace(HDR, ";;31.12.1700;31.12.1700;31.12.1700")),
            harm=imp,
            words=("1871",),
        )
    )
    add(
        Case(
            "table_typo_code_10_digits",
            "Tippfehler '0556602800' statt 05566",
            err,
            table_row(T_STF, 0, "0556602800"),
            words=("0556602800",),
            line=121,
        )
    )
    add(
        Case(
            "table_part_larger_than_total",
            "männlich > Insgesamt",
            err,
            table_row(T_STF, 3, "543374"),
            harm=imp,
            words=("Teil größer", "05566"),
        )
    )
    add(
        Case(
            "table_parts_sum_above_total",
            "männlich + weiblich > Insgesamt",
            err,
            table_row(T_STF, 2, "440000"),
            harm=imp,
            words=("zusammen", "05566"),
        )
    )
    add(
        Case(
            "table_negative",
            "negative Anzahl",
            err,
            table_row(T_STF, 3, "-220782"),
            harm=imp,
            words=("Negative",),
        )
    )
    add(
        Case(
            "table_kreis_div10",
            "Kreis 05566 durch 10 geteilt (Gemeinden-Tabelle)",
            err,
            table_case(
                lambda t: _lines_replace(
                    t,
                    "05566;",
                    lambda ln: ";".join(
                        c if i < 2 else str(int(c) // 10) for i, c in enumerate(ln.split(";"))
                    ),
                ),
                base=GEMEINDEN,
            ),
            harm=imp,
            words=("hierarchy", "05566"),
        )
    )
    add(
        Case(
            "table_kreis_slightly_below_gemeinden",
            "Kreis in jeder Spalte 1 unter der Summe seiner Gemeinden",
            warn,
            table_case(
                lambda t: _lines_replace(
                    t,
                    "05566;",
                    lambda ln: ";".join(
                        c if i < 2 else str(int(c) - 1) for i, c in enumerate(ln.split(";"))
                    ),
                ),
                base=GEMEINDEN,
            ),
            harm=imp,
            words=("hierarchy",),
        )
    )
    add(
        Case(
            "table_nul_byte",
            "NUL-Byte mitten in der Datei",
            err,
            lambda f: _write(f, "t.csv", real(TABLE)[:3000] + b"\x00" + real(TABLE)[3000:]),
            words=("Binärdaten",),
        )
    )
    add(
        Case(
            "table_control_chars_in_code",
            "Steuerzeichen (ESC) im Regionalschlüssel",
            err,
            table_row(T_STF, 0, "\x1b[2J05566"),
            words=("Regionalschlüssel",),
            line=121,
        )
    )
    add(
        Case(
            "table_10k_char_code",
            "10.000 Zeichen im Schlüsselfeld",
            err,
            table_row(T_STF, 0, "9" * 10_000),
            words=("Regionalschlüssel",),
            line=121,
        )
    )
    add(Case("table_25k_columns", "25.000 Spalten", err, _wide_table(25_000), words=("Felder",)))
    add(
        Case(
            "table_million_columns",
            "10^6 Spalten",
            err,
            _wide_table(1_000_000),
            words=("Felder",),
            large=True,
        )
    )
    add(
        Case(
            "table_cut_in_multibyte",
            "mitten im UTF-8-Zeichen abgeschnitten",
            err,
            lambda f: _write(
                f, "t.csv", real(GEMEINDEN)[: real(GEMEINDEN).index("ü".encode()) + 1]
            ),
            words=("abgeschnitten",),
        )
    )
    line, start = _random_kreis(rnd)
    add(
        Case(
            "table_random_kreis_part_above_total",
            f"Zufalls-Kreis {start} (seeded): weiblich > Insgesamt",
            err,
            table_row(start + ";", 4, "99999999"),
            harm=imp,
            words=("Teil größer", start),
            line=None,
        )
    )
    line, start = _random_kreis(rnd)
    add(
        Case(
            "table_random_kreis_english_number",
            f"Zufalls-Kreis {start} (seeded): '12,345.6'",
            err,
            table_row(start + ";", 3, "12,345.6"),
            words=("englisch",),
            line=line,
        )
    )

    # ---- GENESIS flat
    add(
        Case(
            "flat_crlf",
            "Windows-Zeilenenden",
            ok,
            flat_case(lambda t: t.replace("\n", "\r\n")),
            same_numbers(FLAT),
        )
    )
    add(
        Case(
            "flat_no_bom",
            "ohne BOM",
            ok,
            lambda f: _write(f, "f_de_flat.csv", real(FLAT)[3:]),
            same_numbers(FLAT),
        )
    )
    add(
        Case(
            "flat_spaces_around_value",
            "Wert ' 158789 '",
            ok,
            flat_value(" 158789 "),
            value_is(158789, region="08222", sex="weiblich"),
        )
    )
    add(
        Case(
            "flat_tsd_unit",
            "Einheit 'Tsd.' und 158,789",
            ok,
            flat_case(
                lambda t: t.replace(
                    FLAT_MANNHEIM_W + ";Anzahl;", FLAT_MANNHEIM_W[:-6] + "158,789;Tsd.;"
                )
            ),
            value_is(158789, region="08222", sex="weiblich"),
        )
    )
    add(
        Case(
            "flat_english_number",
            "'1,234.5'",
            err,
            flat_value("1,234.5"),
            words=("englisch",),
            line=2,
        )
    )
    add(
        Case(
            "flat_german_thousands",
            "'158.789' (mehrdeutig)",
            err,
            flat_value("158.789"),
            words=("mehrdeutig",),
            line=2,
        )
    )
    add(Case("flat_inf", "'inf'", err, flat_value("inf"), words=("endliche",), line=2))
    add(
        Case(
            "flat_minus_inf",
            "'-Infinity'",
            err,
            flat_value("-Infinity"),
            words=("endliche",),
            line=2,
        )
    )
    add(Case("flat_nan", "'nan'", err, flat_value("nan"), words=("endliche",), line=2))
    add(Case("flat_plus_sign", "'+158789'", err, flat_value("+158789"), words=("158789",), line=2))
    add(
        Case(
            "flat_fraction_persons",
            "'158789,5' Personen",
            err,
            flat_value("158789,5"),
            harm=imp,
            words=("count",),
        )
    )
    add(
        Case(
            "flat_impossible_date",
            "Stichtag 2024-02-31",
            err,
            flat_case(lambda t: t.replace(";2024-12-31;", ";2024-02-31;")),
            words=("date", "2024-02-31"),
        )
    )
    add(
        Case(
            "flat_future_date",
            "Stichtag 2099-12-31",
            err,
            flat_case(lambda t: t.replace(";2024-12-31;", ";2099-12-31;")),
            harm=imp,
            words=("Zukunft",),
        )
    )
    add(
        Case(
            "flat_unit_mio_eur",
            "Einheit 'Mio. EUR'",
            err,
            flat_case(
                lambda t: t.replace(FLAT_MANNHEIM_W + ";Anzahl;", FLAT_MANNHEIM_W + ";Mio. EUR;")
            ),
            words=("Einheit",),
            line=2,
        )
    )
    add(
        Case(
            "flat_typo_region",
            "Regionalschlüssel '0822200000'",
            err,
            flat_case(lambda t: t.replace(";08222;Mannheim", ";0822200000;Mannheim", 1)),
            words=("0822200000",),
        )
    )
    add(
        Case(
            "flat_part_larger_than_total",
            "weiblich > insgesamt (Mannheim)",
            err,
            flat_value("958789"),
            harm=imp,
            words=("Teil größer", "08222"),
        )
    )
    add(
        Case(
            "flat_negative",
            "negative Anzahl",
            err,
            flat_value("-158789"),
            harm=imp,
            words=("Negative",),
        )
    )
    add(
        Case(
            "flat_25k_columns",
            "Kopf mit 25.000 Feldern",
            err,
            flat_case(lambda t: t.split("\n", 1)[0] + ";x" * 25_000 + "\n" + t.split("\n", 1)[1]),
            words=("Felder",),
        )
    )

    # ---- GENESIS JSON
    add(
        Case(
            "json_bom",
            "UTF-8-BOM vor der Datendatei",
            ok,
            json_case(raw_data=lambda t: "\ufeff" + t),
            same_numbers(JSON_DATA),
        )
    )
    add(Case("json_true", "Wert true", err, json_case(_set_value(0, True)), words=("true",)))
    add(
        Case(
            "json_string_number",
            'Wert "1.234"',
            err,
            json_case(_set_value(0, "1.234")),
            words=("1.234",),
        )
    )
    add(
        Case(
            "json_nan",
            "Wert NaN",
            err,
            json_case(_set_value(0, "__X__"), raw_data=lambda t: t.replace('"__X__"', "NaN", 1)),
            words=("NaN",),
        )
    )
    add(
        Case(
            "json_infinity",
            "Wert Infinity",
            err,
            json_case(
                _set_value(0, "__X__"), raw_data=lambda t: t.replace('"__X__"', "Infinity", 1)
            ),
            words=("Infinity",),
        )
    )
    add(
        Case(
            "json_1e999",
            "Wert 1e999 (unendlich)",
            err,
            json_case(_set_value(0, "__X__"), raw_data=lambda t: t.replace('"__X__"', "1e999", 1)),
            words=("JSON-Zahl",),
        )
    )
    add(
        Case(
            "json_deep_nesting",
            "100.000 verschachtelte Arrays",
            err,
            _deep_json,
            words=("verschachtelt",),
        )
    )
    add(
        Case(
            "json_status_index",
            "status {'99999': 'e'} außerhalb des Würfels",
            err,
            json_case(lambda d: _cube(d).__setitem__("status", {"99999": "e"})),
            words=("status",),
        )
    )
    add(
        Case(
            "json_dimension_as_list",
            "dimension als Liste",
            err,
            json_case(lambda d: _cube(d).__setitem__("dimension", list(_cube(d)["dimension"]))),
            words=("Aufbau",),
        )
    )
    add(
        Case(
            "json_size_as_strings",
            "size als Texte",
            err,
            json_case(lambda d: _cube(d).__setitem__("size", [str(s) for s in _cube(d)["size"]])),
            words=("Aufbau",),
        )
    )
    add(
        Case(
            "json_value_as_object",
            "value als Objekt",
            err,
            json_case(lambda d: _cube(d).__setitem__("value", {"0": 1})),
            words=("Aufbau",),
        )
    )
    add(
        Case(
            "json_category_index_list",
            "category.index als Liste",
            err,
            json_case(
                lambda d: _cube(d)["dimension"]["NAT"]["category"].__setitem__("index", ["NATD"])
            ),
            words=("NAT",),
        )
    )
    add(
        Case(
            "json_huge_size",
            "size 10^5 × 10^5 (10^10 Zellen)",
            err,
            json_case(lambda d: _cube(d).__setitem__("size", [1, 1, 1, 100_000, 100_000])),
            words=("Zellen",),
        )
    )
    add(
        Case(
            "json_impossible_date",
            "Stichtag 2023-02-31",
            err,
            json_case(raw_data=lambda t: t.replace('"2023-12-31"', '"2023-02-31"')),
            words=("2023-02-31",),
        )
    )
    add(
        Case(
            "json_future_date",
            "Stichtag 2099-12-31",
            err,
            json_case(raw_data=lambda t: t.replace('"2023-12-31"', '"2099-12-31"')),
            harm=imp,
            words=("Zukunft",),
        )
    )
    add(
        Case(
            "json_negative",
            "negative Bevölkerung",
            err,
            json_case(_set_value(0, -58263259.0)),
            harm=imp,
            words=("Negative",),
        )
    )
    add(
        Case(
            "json_fraction",
            "58263259,5 Personen",
            err,
            json_case(_set_value(0, 58263259.5)),
            harm=imp,
            words=("count",),
        )
    )
    add(
        Case(
            "json_structure_variables_list",
            "Strukturdatei: variables als Liste",
            err,
            json_case(
                structure_fn=lambda s: s.__setitem__("variables", list(s["variables"].items()))
            ),
            words=(),
        )
    )
    add(
        Case(
            "json_structure_not_object",
            "Strukturdatei: eine Liste",
            err,
            json_case(structure_fn=lambda s: [s]),
            words=("Objekt",),
        )
    )
    add(
        Case(
            "json_data_null_root",
            "Datendatei: null",
            err,
            json_case(raw_data=lambda t: "null"),
            words=("Objekt",),
        )
    )

    # ---- BA exports
    add(
        Case(
            "ba_no_bom",
            "BA-Export ohne BOM",
            ok,
            lambda f: _write(f, Path(BA_AGE).name, real(BA_AGE)[3:]),
            same_numbers(BA_AGE),
        )
    )
    add(
        Case(
            "ba_english_number",
            "'784,119.5'",
            err,
            ba_case(lambda t: t.replace('"784.119"', '"784,119.5"')),
            words=("784,119.5",),
            line=12,
        )
    )
    add(
        Case(
            "ba_decimal_point",
            "'784.1195'",
            err,
            ba_case(lambda t: t.replace('"784.119"', '"784.1195"')),
            words=("784.1195",),
            line=12,
        )
    )
    add(
        Case(
            "ba_fraction",
            "'784.119,5' Personen",
            err,
            ba_case(lambda t: t.replace('"784.119"', '"784.119,5"')),
            harm=imp,
            words=("count",),
        )
    )
    add(
        Case(
            "ba_share_175",
            "Anteil 175 %",
            err,
            ba_case(lambda t: t.replace('"75"', '"175"')),
            harm=imp,
            words=("share", "175"),
        )
    )
    add(
        Case(
            "ba_share_negative",
            "Anteil -5 %",
            err,
            ba_case(lambda t: t.replace('"75"', '"-5"')),
            harm=imp,
            words=("share",),
        )
    )
    add(
        Case(
            "ba_part_larger_than_total",
            "Frauen > Arbeitslose insgesamt",
            err,
            ba_case(lambda t: t.replace('"271.816"', '"971.816"'), base=BA_SEX),
            harm=imp,
            words=("Teil größer",),
        )
    )
    add(
        Case(
            "ba_future_year",
            "Berichtsjahr 2099",
            err,
            ba_case(lambda t: t.replace('"Berichtsjahr";"2024"', '"Berichtsjahr";"2099"')),
            harm=imp,
            words=("Zukunft",),
        )
    )
    add(
        Case(
            "ba_laender_quote_175",
            "Beschäftigungsquote 175,0 %",
            err,
            ba_case(lambda t: t.replace('"37,4"', '"175,0"'), base=BA_LAENDER),
            harm=imp,
            words=("share",),
        )
    )

    # ---- municipal delivery
    add(
        Case(
            "delivery_bom_latin1",
            "Lieferung ISO-8859-1 mit UTF-8-BOM",
            ok,
            delivery_case(lambda t: t, enc="cp1252", bom=True),
            same_numbers(DELIVERY),
        )
    )
    add(
        Case(
            "delivery_impossible_date",
            "Stichtag 31.02.2022",
            err,
            delivery_rows(
                DELIVERY_POP.format(stadtteil="", wert="1.000").replace("31.12.2020", "31.02.2022")
            ),
            words=("31.02.2022",),
        )
    )
    add(
        Case(
            "delivery_future_date",
            "Stichtag 31.12.2099",
            err,
            delivery_rows(
                DELIVERY_POP.format(stadtteil="", wert="1.000").replace("31.12.2020", "31.12.2099")
            ),
            harm=imp,
            words=("Zukunft",),
        )
    )
    add(
        Case(
            "delivery_districts_exceed_total",
            "Stadtteile 800 + 700 über insgesamt 1.000",
            err,
            delivery_rows(
                DELIVERY_POP.format(stadtteil="", wert="1.000"),
                DELIVERY_POP.format(stadtteil="Laggenbeck", wert="800"),
                DELIVERY_POP.format(stadtteil="Dörenthe", wert="700"),
            ),
            harm=imp,
            words=("Stadtteil",),
        )
    )
    add(
        Case(
            "delivery_district_above_total",
            "ein Stadtteil größer als insgesamt",
            err,
            delivery_rows(
                DELIVERY_POP.format(stadtteil="", wert="1.000"),
                DELIVERY_POP.format(stadtteil="Laggenbeck", wert="1.800"),
            ),
            harm=imp,
            words=("Teil größer",),
        )
    )
    add(
        Case(
            "delivery_share_175",
            "Anteil 175 %",
            err,
            delivery_case(lambda t: t.replace(";34,4;Prozent;", ";175,0;Prozent;")),
            harm=imp,
            words=("share",),
        )
    )
    add(
        Case(
            "delivery_english_number",
            "'1,234.5'",
            err,
            delivery_rows(DELIVERY_POP.format(stadtteil="", wert="1,234.5")),
            words=("englisch",),
        )
    )
    add(
        Case(
            "delivery_fraction",
            "'1.000,5' Personen",
            err,
            delivery_rows(DELIVERY_POP.format(stadtteil="", wert="1.000,5")),
            harm=imp,
            words=("ganze Zahl",),
        )
    )
    add(
        Case(
            "delivery_typo_ags",
            "AGS '0556602800'",
            err,
            delivery_rows(
                DELIVERY_POP.format(stadtteil="", wert="1.000").replace("05566028;", "0556602800;")
            ),
            words=("0556602800",),
        )
    )
    add(
        Case(
            "delivery_space_thousands",
            "'53 363' (Leerzeichen als Tausendertrenner)",
            ok,
            delivery_rows(DELIVERY_POP.format(stadtteil="", wert="53 363")),
            value_is(53363, region="05566028", period="2020-12-31", district="insgesamt"),
        )
    )
    add(
        Case(
            "delivery_space_not_thousands",
            "'12 5' (kein Tausendertrenner)",
            err,
            delivery_rows(DELIVERY_POP.format(stadtteil="", wert="12 5")),
            words=("12 5",),
        )
    )

    # ---- files that are not what they seem
    add(
        Case(
            "fifo", "benannte Pipe 'daten.csv' (ibis read)", err, _fifo, words=("Pipe",), timeout=10
        )
    )
    add(
        Case(
            "dev_null",
            "/dev/null als Eingabe",
            err,
            lambda f: Path("/dev/null"),
            words=("Gerät",),
            timeout=10,
        )
    )
    add(
        Case("sparse_600mb", "600-MB-Datei (Größengrenze)", err, _sparse, words=("MB",), timeout=20)
    )
    add(
        Case(
            "spss_zsav",
            "gültige komprimierte SPSS-Datei (.zsav)",
            ok,
            lambda f: _spss(f, True),
            _check_spss,
        )
    )
    add(Case("spss_sav", "gültige SPSS-Datei (.sav)", ok, lambda f: _spss(f, False), _check_spss))
    add(
        Case(
            "spss_truncated",
            "abgeschnittene .zsav",
            err,
            lambda f: _write(f, "kaputt.zsav", _spss(f, True).read_bytes()[:300]),
            words=("SPSS",),
        )
    )

    # ---- store scenarios (no single file stops the world)
    add(
        Case(
            "store_symlink_outside",
            "Symlink in data/raw auf eine Datei außerhalb",
            err,
            _marker,
            run="scenario",
            scenario=scenario_store(_setup_symlink, expect_error="passwd.csv", must_build=(TABLE,)),
            words=("außerhalb",),
        )
    )
    add(
        Case(
            "store_fifo",
            "FIFO in data/raw",
            err,
            _marker,
            run="scenario",
            scenario=scenario_store(
                _setup_fifo, expect_error="warteschlange.csv", must_build=(TABLE,)
            ),
            words=("Pipe",),
            timeout=30,
        )
    )
    add(
        Case(
            "store_impossible_date",
            "Tabelle mit 31.02.2015 neben gültigen Dateien",
            err,
            _marker,
            run="scenario",
            scenario=scenario_store(
                _setup_date_poison,
                expect_error="kaputt.csv",
                must_build=(TABLE, DELIVERY),
                check=_check_date_poison,
            ),
            words=("2015-02-31",),
        )
    )
    add(
        Case(
            "store_two_files_disagree",
            "derselbe Schlüssel, zwei Werte in zwei Dateien",
            warn,
            _marker,
            run="scenario",
            scenario=scenario_store(
                _setup_conflict, expect_warning="zweitexport/12411-01-01-4.csv"
            ),
            harm=imp,
            words=("agree", TABLE, "443.375"),
        )
    )
    add(
        Case(
            "store_gv100ad_broken_line",
            "abgeschnittener Satz im GV100AD",
            err,
            _marker,
            run="scenario",
            scenario=scenario_store(
                _setup_gv_broken,
                expect_error="GV100AD",
                must_build=(DELIVERY,),
                check=_check_gv_broken,
            ),
            words=("GV100AD",),
        )
    )
    add(
        Case(
            "store_unknown_region",
            "AGS 05566999 gibt es nicht (Lieferung)",
            warn,
            _marker,
            run="scenario",
            scenario=scenario_store(_setup_unknown_region, expect_warning=DELIVERY),
            harm=imp,
            words=("regions", "05566999"),
        )
    )
    add(
        Case(
            "store_readonly_unchanged",
            "data/processed schreibgeschützt, nichts zu tun",
            ok,
            _marker,
            run="scenario",
            scenario=scenario_readonly(False),
            check=lambda df: None,
        )
    )
    add(
        Case(
            "store_readonly_changed",
            "data/processed schreibgeschützt, neue Datei",
            warn,
            _marker,
            run="scenario",
            scenario=scenario_readonly(True),
            words=("nicht beschreibbar",),
        )
    )

    # ---- surveys
    add(
        Case(
            "survey_duplicate_id",
            "Befragten-ID doppelt",
            err,
            _marker,
            run="scenario",
            scenario=scenario_survey(_survey_line(3, lambda c: ["IBB-S-0001", *c[1:]])),
            harm=imp,
            words=("einwohner_synthetisch_de.csv", "IBB-S-0001"),
            line=3,
        )
    )
    add(
        Case(
            "survey_missing_id_column",
            "ID-Spalte umbenannt",
            err,
            _marker,
            run="scenario",
            scenario=scenario_survey(_survey_line(1, lambda c: ["nummer", *c[1:]])),
            harm=imp,
            words=("einwohner_synthetisch_de.csv", "'id'"),
        )
    )
    add(
        Case(
            "survey_empty_id",
            "leere Befragten-ID",
            err,
            _marker,
            run="scenario",
            scenario=scenario_survey(_survey_line(4, lambda c: ["", *c[1:]])),
            harm=imp,
            words=("einwohner_synthetisch_de.csv",),
            line=4,
        )
    )
    add(
        Case(
            "survey_likert_code_7",
            "Code 7 auf einer 4er-Skala (wohl)",
            err,
            _marker,
            run="scenario",
            scenario=scenario_survey(_survey_line(5, lambda c: c[:11] + ["7"] + c[12:])),
            words=("einwohner_synthetisch_de.csv", "wohl", "'7'"),
            line=5,
        )
    )
    add(
        Case(
            "survey_likert_code_text",
            "Text 'sehr' statt Code (augenhoehe)",
            err,
            _marker,
            run="scenario",
            scenario=scenario_survey(_survey_line(6, lambda c: c[:13] + ["sehr"] + c[14:])),
            words=("einwohner_synthetisch_de.csv", "augenhoehe"),
            line=6,
        )
    )
    add(
        Case(
            "limesurvey_duplicate_id",
            "LimeSurvey-Export (echt) mit doppelter Response ID",
            err,
            _limesurvey(lambda t: t.replace('\n"4","', '\n"1","', 1)),
            harm=imp,
            words=("survey_998192_R_data_file.csv", "'1'", "mehrfach"),
        )
    )
    add(
        Case(
            "limesurvey_code_outside_codebook",
            "LimeSurvey-Export (echt): Code 9 auf der 7er-Skala",
            err,
            _limesurvey(_limesurvey_agree7_to_9),
            words=("survey_998192_R_data_file.csv", "'9'", "personality"),
        )
    )
    add(
        Case(
            "gv100ad_cut_record",
            "GV100AD: ein Satz auf 30 Zeichen abgeschnitten (ibis read)",
            err,
            _gv_cut,
            words=("GV100AD",),
            line=41,
        )
    )
    return C


LIMESURVEY = "limesurvey/survey_998192_R_data_file"


def _limesurvey(fn: Callable[[str], str]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        shutil.copy(RAW / f"{LIMESURVEY}.yml", folder / "survey_998192_R_data_file.yml")
        text = real(f"{LIMESURVEY}.csv").decode("utf-8-sig")
        return _write(folder, "survey_998192_R_data_file.csv", "\ufeff" + fn(text))

    return make


def _limesurvey_agree7_to_9(text: str) -> str:
    """The first answer '5' of the personality battery becomes '9' (scale agree7 has 1–7)."""
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    from ibislib.survey import codebook as cb

    book = cb.load(RAW / f"{LIMESURVEY}.yml")
    codes = book.columns or []
    col = codes.index("personality_open") if "personality_open" in codes else None
    assert col is not None, "codebook lists no column position for personality_open"
    for r in rows[1:]:
        if r[col].strip():
            r[col] = "9"
            break
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _gv_cut(folder: Path) -> Path:
    text, enc = real_text(GV100AD)
    lines = text.split("\n")
    lines[40] = lines[40][:30]
    return _write(folder, Path(GV100AD).name, "\n".join(lines), enc)


def _marker(folder: Path) -> Path:
    return folder


def _random_kreis(rnd: random.Random) -> tuple[int, str]:
    """(line, key) of a Kreis row of the real table, chosen by the seeded generator."""
    text, _ = real_text(TABLE)
    rows = [
        (i, ln.split(";")[0])
        for i, ln in enumerate(text.split("\n"), start=1)
        if re.match(r"^\d{5};", ln) and ln.split(";")[2].strip() not in {"-", "."}
    ]
    return rows[rnd.randrange(len(rows))]


# ----------------------------------------------------------------------------- running


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def handler(_sig: int, _frm: object) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _leaks(texts: list[str]) -> bool:
    return any(SECRET in t or "zweite Zeile" in t for t in texts)


def run_case(case: Case, folder: Path) -> tuple[str, str]:
    """(outcome, detail) of one case, built and run in `folder`."""
    import ibislib
    from ibislib.errors import IbisError

    folder.mkdir(parents=True, exist_ok=True)
    try:
        with _time_limit(case.timeout):
            target = Path(case.make(folder))
            if case.run == "scenario":
                out = case.scenario(folder)  # type: ignore[misc]
            else:
                try:
                    df = ibislib.read(target)
                    out = Outcome(frame=df, warnings=list(df.attrs.get("warnings", [])))
                except Exception as exc:  # noqa: BLE001 - classified below
                    out = Outcome(error=exc)
    except _Timeout:
        return "hang", f"keine Antwort nach {case.timeout} s"
    except Exception as exc:  # noqa: BLE001 - a failure of the scenario itself
        return "traceback", f"{type(exc).__name__}: {str(exc)[:200]}"

    texts = list(out.messages)
    if out.error is not None:
        texts.append(str(getattr(out.error, "message", out.error)))
    if _leaks(texts):
        return "leak", "Inhalt einer fremden Datei in der Meldung"
    if out.error is not None and not isinstance(out.error, (IbisError, _Reported)):
        return "traceback", f"{type(out.error).__name__}: {str(out.error)[:200]}"
    if out.problem:
        kind = "refused valid" if case.expect == "accept" else "unchecked-implausible"
        if case.expect == "error" and out.error is None:
            kind = case.harm
        return kind, out.problem

    if out.error is not None:
        msg = out.error.message  # type: ignore[union-attr]
        if case.expect != "error":
            return "refused valid", msg[:300]
        name = target.name if case.run == "read" else ""
        missing = [w for w in case.words if w.lower() not in msg.lower()]
        partner = name.replace("_data.json", "_structure.json")
        if name and name not in msg and partner not in msg and "/dev/null" not in msg:
            missing.append(f"Dateiname {name}")
        if case.line is not None and f"Zeile {case.line}" not in msg:
            missing.append(f"Zeile {case.line}")
        if len(msg) > 700 or any(not ch.isprintable() for ch in msg):
            missing.append("kurzer, bereinigter Auszug")
        if missing:
            return "vague error", f"fehlt: {', '.join(missing)} – {msg[:300]}"
        return "clear error", msg[:300]

    if case.expect == "error":
        return case.harm, "angenommen ohne Fehler" + (
            f" (Warnungen: {out.warnings[:1]})" if out.warnings else ""
        )
    if case.expect == "warn":
        hits = [w for w in out.warnings if all(x.lower() in w.lower() for x in case.words)]
        if not hits:
            return case.harm, f"keine passende Warnung ({out.warnings[:2]})"
        if case.check and out.frame is not None and (p := case.check(out.frame)):
            return "silently wrong", p
        return "warning", hits[0][:300]
    if case.check is not None and out.frame is not None:
        problem = case.check(out.frame)
        if problem:
            return "silently wrong", problem
    return "accepted-correct", f"{len(out.frame) if out.frame is not None else 0} Zeilen"


def run_all(base: Path, fast: bool = False, out: io.TextIOBase | None = None) -> dict[str, int]:
    """Run every case, print one line each and the totals; returns the totals."""
    import sys

    out = out or sys.stdout
    totals = {k: 0 for k in (*GOOD, *BAD)}
    selected = [c for c in cases() if not (fast and c.large)]
    for i, case in enumerate(selected, start=1):
        t0 = time.perf_counter()
        outcome, detail = run_case(case, base / case.name)
        shutil.rmtree(base / case.name, ignore_errors=True)
        totals[outcome] += 1
        mark = "ok " if outcome in GOOD else "!! "
        detail = re.sub(r"\s+", " ", detail)
        print(
            f"{mark}{i:3d} {case.name:<40} {outcome:<22} {time.perf_counter() - t0:5.1f}s  {detail[:160]}",
            file=out,
        )
    print("", file=out)
    print(f"{len(selected)} Fälle", file=out)
    for k, v in totals.items():
        print(f"  {k:<22} {v:4d}", file=out)
    return totals
