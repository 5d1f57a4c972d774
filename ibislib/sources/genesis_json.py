"""GENESIS-Online JSON: a ``*_data.json`` cube plus its sibling ``*_structure.json``.

The data file is JSON-stat-like::

    {"data": [{"id": ["statistic", "DINSG", "content", "NAT", "STAG"],
               "size": [1, 1, 1, 3, 54],
               "dimension": {"NAT": {"category": {"index": {"NATD": 0, "NATA": 1, "%TOTAL%": 2}}}, …},
               "value": [...],          # row-major over ``id``
               "status": [...]}]}       # one mark per cell: "e" final, "p" provisional, "-" nothing …

The structure file holds the labels of variables and values, the contents (what is counted and in
which unit), the table code and the copyright. Both are needed; either name can be given.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError
from ..ingest import normalise as norm
from ..ingest.files import read_bytes
from ..tidy import TOTAL, finish, unmapped_measures
from . import numbers
from .genesis_flat import map_dimension, source_for, unit_and_scale

FORMAT = "genesis_json"
KIND = "observations"

#: Symbols in 'status' that replace a number; quality marks that accompany one.
SYMBOLS = set(norm.symbols(FORMAT))
QUALITY_FLAGS = norm.quality_marks()

_TIME_VARIABLES = {"STAG": "day", "JAHR": "year"}

#: Destatis publishes some cubes rounded to multiples of 5 (secrecy, e.g. Einbürgerungen from 2018)
#: and aggregates country groups separately, so männlich + weiblich may exceed "Insgesamt" by a
#: few persons in the source itself (12511-0006: at most 5). Validation allows that much.
SUM_TOLERANCE = 5.0

#: More cells than this are refused before anything is unrolled (memory).
MAX_CELLS = 50_000_000


def sniff(path: Path, head: str) -> bool:
    """True for a GENESIS data cube (never for the structure file alone)."""
    name = Path(path).name
    if name.endswith("_structure.json"):
        return False
    if name.endswith("_data.json"):
        return True
    h = norm.strip_bom(head).lstrip()
    return h.startswith("{") and '"data"' in h[:200] and '"dimension"' in h and '"size"' in h


def pair(path: Path) -> tuple[Path, Path]:
    """(data file, structure file) for either of the two names."""
    path = Path(path)
    name = path.name
    if name.endswith("_structure.json"):
        data = path.with_name(name[: -len("_structure.json")] + "_data.json")
        structure = path
    elif name.endswith("_data.json"):
        data = path
        structure = path.with_name(name[: -len("_data.json")] + "_structure.json")
    else:
        data = path
        structure = path.with_name(path.stem + "_structure.json")
    for p, what in ((data, "Datendatei"), (structure, "Strukturdatei")):
        if not p.is_file():
            raise FormatError(
                f"Die zugehörige {what} '{p.name}' fehlt",
                path=path,
                hint="GENESIS-JSON besteht aus *_data.json und *_structure.json im selben Ordner; "
                "bitte beide Dateien ablegen.",
            )
    return data, structure


def _load(path: Path) -> dict:
    raw = read_bytes(path)
    try:
        obj = json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except RecursionError:
        raise FormatError(
            "Die JSON-Datei ist zu tief verschachtelt",
            path=path,
            hint="Das ist keine GENESIS-JSON-Datei; bitte erneut herunterladen.",
        ) from None
    except UnicodeDecodeError:
        raise FormatError("Die JSON-Datei ist nicht UTF-8-kodiert", path=path) from None
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"Ungültiges JSON ({exc.msg}, Spalte {exc.colno})",
            path=path,
            line=exc.lineno,
            hint="Die Datei ist beschädigt oder abgeschnitten; bitte erneut herunterladen.",
        ) from None
    except ValueError as exc:  # NaN / Infinity (see _refuse_constant)
        raise FormatError(
            str(exc), path=path, hint=f"Zahlenregel: {numbers.RULES['json']}."
        ) from None
    if not isinstance(obj, dict):
        raise FormatError(
            "Die JSON-Datei enthält kein Objekt auf oberster Ebene", path=path, line=1
        )
    return obj


def _refuse_constant(name: str) -> float:
    raise ValueError(f"'{name}' ist keine endliche Zahl")


def _de(obj: object, default: str = "") -> str:
    if isinstance(obj, dict):
        return str(obj.get("de") or obj.get("en") or default)
    return str(obj) if obj else default


def _cube(doc: dict, path: Path) -> dict:
    try:
        cube = doc["data"][0]
        ids, size, dims, values = cube["id"], cube["size"], cube["dimension"], cube["value"]
    except (KeyError, IndexError, TypeError):
        raise FormatError(
            "Kein Datenwürfel gefunden (erwartet: data[0] mit id, size, dimension, value)",
            path=path,
            hint="Ist das eine GENESIS-JSON-Datendatei (*_data.json)?",
        ) from None
    if not (
        isinstance(ids, list)
        and isinstance(size, list)
        and isinstance(dims, dict)
        and isinstance(values, list)
        and all(isinstance(k, str) for k in ids)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in size)
    ):
        raise FormatError(
            "Der Datenwürfel hat nicht den GENESIS-Aufbau ('id' und 'size' als Listen, "
            "'dimension' als Objekt, 'value' als Liste)",
            path=path,
            hint="Die Datei ist beschädigt oder verändert; bitte erneut herunterladen.",
        )
    if len(size) and np.prod([float(n) for n in size]) > MAX_CELLS:
        raise FormatError(
            f"Der Datenwürfel hätte mehr als {MAX_CELLS:,} Zellen".replace(",", "."),
            path=path,
            hint="Bitte die Tabelle in kleineren Teilen herunterladen.",
        )
    if len(ids) != len(size):
        raise FormatError(f"'id' hat {len(ids)}, 'size' {len(size)} Einträge", path=path)
    for k, n in zip(ids, size, strict=True):
        dim = dims.get(k)
        cat = dim.get("category") if isinstance(dim, dict) else None
        idx = cat.get("index") if isinstance(cat, dict) else None
        if isinstance(idx, dict) and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in idx.values()
        ):
            idx = None
        if not isinstance(idx, dict) or len(idx) != n:
            raise FormatError(
                f"Dimension '{k}' hat {len(idx) if isinstance(idx, dict) else 0} Ausprägungen, 'size' sagt {n}",
                path=path,
            )
        if sorted(idx.values()) != list(range(n)):
            raise FormatError(
                f"Dimension '{k}' hat keine lückenlosen Positionen 0…{n - 1}", path=path
            )
    expected = int(np.prod(size)) if size else 0
    if len(values) != expected:
        raise FormatError(
            f"{len(values)} Werte, aber die Dimensionen ergeben {expected} Zellen",
            path=path,
            hint="Die Datei ist unvollständig; bitte erneut herunterladen.",
        )
    return cube


def _status(cube: dict, n: int, path: Path) -> np.ndarray:
    st = cube.get("status")
    out = np.full(n, "", dtype=object)
    if st is None:
        return out
    if isinstance(st, dict):  # JSON-stat also allows {position: mark}
        for k, v in st.items():
            pos = int(k) if str(k).isdigit() else -1
            if not 0 <= pos < n or not isinstance(v, (str, type(None))):
                raise FormatError(
                    f"'status' nennt die Zelle '{numbers.excerpt(k)}', der Würfel hat nur {n} Zellen",
                    path=path,
                    hint="Die Datei ist beschädigt oder verändert; bitte erneut herunterladen.",
                )
            out[pos] = v or ""
    elif isinstance(st, list):
        if len(st) != n:
            raise FormatError(f"'status' hat {len(st)} statt {n} Einträge", path=path)
        if not all(isinstance(s, (str, type(None))) for s in st):
            raise FormatError("'status' enthält Einträge, die keine Zeichen sind", path=path)
        out[:] = [s or "" for s in st]
    else:
        out[:] = str(st)
    return out


def _german_keys(codes: list[str]) -> bool:
    """True when a REGION_CLASSIFYING variable holds German region keys ('DG', AGS/ARS digits).

    GENESIS also types foreign-country variables (12711 'Herkunfts-/Zielländer', codes 'ST163')
    as regional; those are a breakdown (category), not the region of the number.
    """
    keys = [c for c in codes if c != "%TOTAL%"]
    return bool(keys) and all(re.fullmatch(r"DG|\d{2,12}", str(c).strip()) for c in keys)


def read(path: Path) -> pd.DataFrame:
    """Read a GENESIS JSON data/structure pair into a tidy table."""
    data_path, structure_path = pair(Path(path))
    cube = _cube(_load(data_path), data_path)
    structure = _load(structure_path)
    variables = structure.get("variables", {}) or {}
    vvalues = structure.get("variableValues", {}) or {}
    contents = structure.get("contents", {}) or {}
    table_info = structure.get("table", {}) or {}

    ids, size = list(cube["id"]), [int(s) for s in cube["size"]]
    n = int(np.prod(size))
    strides = [int(np.prod(size[i + 1 :])) for i in range(len(size))]
    flat = np.arange(n)

    def positions(i: int) -> np.ndarray:
        return (flat // strides[i]) % size[i]

    def codes_of(k: str) -> list[str]:
        idx = cube["dimension"][k]["category"]["index"]
        return sorted(idx, key=idx.get)

    def label(code: str) -> str:
        return _de(vvalues.get(code, {}).get("label"), code)

    cols: dict[str, np.ndarray] = {}
    unmapped: dict[str, str] = {}
    factors = np.ones(n)
    cat_dims: list[tuple[int, list[str]]] = []
    region_done = time_done = measure_done = False
    claimed: set[str] = set()
    for i, k in enumerate(ids):
        codes = codes_of(k)
        pos = positions(i)
        vtype = str(variables.get(k, {}).get("variableType", ""))
        if k == "statistic":
            continue
        if k == "content":
            stats = codes_of("statistic") if "statistic" in ids else []
            statistic = stats[0] if len(stats) == 1 else str(table_info.get("code") or "")
            meas, units, scale = _contents(codes, contents, data_path, unmapped, statistic)
            cols["measure"] = meas[pos]
            cols["unit"] = units[pos]
            factors = scale[pos]
            measure_done = True
        elif norm.is_region_variable(k) or (vtype.startswith("REGION") and _german_keys(codes)):
            if region_done:
                raise FormatError(
                    f"Zweite Regionalvariable '{k}' wird nicht unterstützt", path=data_path
                )
            regs = norm.region_keys(pd.Series(codes), data_path, None).to_numpy(dtype=object)
            names = ["Deutschland" if c == "DG" else label(c) for c in codes]
            cols["region"] = regs[pos]
            cols["region_name"] = np.asarray(names, dtype=object)[pos]
            region_done = True
        elif k in _TIME_VARIABLES or vtype.startswith("TIME"):
            if time_done:
                raise FormatError(
                    f"Zweite Zeitvariable '{k}' wird nicht unterstützt", path=data_path
                )
            cols["period"] = _periods(codes, data_path)[pos]
            time_done = True
        else:
            var_label = _de(variables.get(k, {}).get("label"), k)
            dim = norm.dimension_for(k, var_label)
            if dim != "category" and dim in claimed:
                dim = "category"
            labels = [label(c) for c in codes]
            val, part = map_dimension(dim, pd.Series(codes), pd.Series(labels), var_label)
            if dim != "category":
                claimed.add(dim)
                cols[dim] = val.to_numpy(dtype=object)[pos]
            # unplaced labels (and every category variable) become key=value parts
            if (part != "").any():
                cat_dims.append((i, part.tolist()))

    if not region_done:  # a table without regional variable is for Germany
        cols["region"], cols["region_name"] = "DG", "Deutschland"
    missing = [w for w, ok in (("Zeit", time_done), ("Inhalt", measure_done)) if not ok]
    if missing:
        raise FormatError(
            "Der Datenwürfel hat keine Dimension für " + ", ".join(missing),
            path=data_path,
            hint="Erwartet werden 'content' und eine Zeitvariable (STAG oder JAHR).",
        )

    if cat_dims:
        cols["category"] = _categories(cat_dims, [positions(i) for i, _ in cat_dims], size)

    values, flags = _values(cube, n, factors, data_path)
    table = str(table_info.get("code") or data_path.name[: -len("_data.json")] or data_path.stem)
    out = pd.DataFrame({**cols, "value": values, "flag": flags})
    out["source"] = source_for(table)
    out["table"] = table
    out["note"] = "; ".join(
        " ".join(ln.split()) for ln in _de(table_info.get("note")).splitlines() if ln.strip()
    )
    out = finish(out)
    out.attrs["sum_tolerance"] = SUM_TOLERANCE
    return unmapped_measures(out, unmapped)


def _contents(
    codes: list[str], contents: dict, data_path: Path, unmapped: dict[str, str], statistic: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Measure, tidy unit and factor of each content code ('BEVSTD', 'BEV001$SUM'); the
    statistic goes to the vocabulary's with_statistic rules."""
    meas, units, scale = [], [], []
    for c in codes:
        base, _, fn = c.partition("$")
        info = contents.get(base, {})
        meas.append(norm.measure_or_slug(base, _de(info.get("label"), base), unmapped, statistic))
        unit_label = _de(info.get("functions", {}).get(fn, {}).get("label"), "Anzahl")
        unit, factor = unit_and_scale(unit_label, data_path, None)
        units.append(unit)
        scale.append(factor)
    return np.asarray(meas, dtype=object), np.asarray(units, dtype=object), np.asarray(scale)


def _values(
    cube: dict, n: int, factors: np.ndarray, data_path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """Values (JSON numbers only, times the unit's factor) and flags from 'status'."""
    status = _status(cube, n, data_path)
    known = set(QUALITY_FLAGS) | SYMBOLS
    unknown = sorted({s for s in np.unique(status.astype(str)) if s not in known})
    if unknown:
        raise FormatError(
            f"Unbekanntes Zeichen '{unknown[0]}' in 'status'",
            path=data_path,
            hint="Bekannt sind e, p, r, s und - . x / ...",
        )
    values = np.empty(n)
    for i, v in enumerate(cube["value"]):
        num = np.nan if v is None else numbers.json_number(v)
        if num is None:  # a string ("1.234"), true/false or NaN/Infinity: never guessed
            shown = json.dumps(v, ensure_ascii=False) if not isinstance(v, float) else str(v)
            raise FormatError(
                f"Wert {numbers.excerpt(shown)} in Zelle {i} ist keine JSON-Zahl",
                path=data_path,
                hint=f"Zahlenregel dieses Formats: {numbers.RULES['json']}; "
                "bitte die Datei erneut von GENESIS herunterladen.",
            )
        values[i] = num
    symbol = np.isin(status, list(SYMBOLS))
    values = values * factors
    values[symbol] = np.nan  # GENESIS writes 0.0 under '-': a symbol never becomes 0
    flags = np.where(symbol, status, pd.Series(status).map(QUALITY_FLAGS).fillna("").to_numpy())
    gap = np.isnan(values) & ~symbol
    if gap.any():
        raise FormatError(
            f"Zelle {int(np.flatnonzero(gap)[0])} hat keinen Wert und kein Zeichen", path=data_path
        )

    return values, np.where(flags == "…", "...", flags)


def _categories(
    cat_dims: list[tuple[int, list[str]]], positions: list[np.ndarray], size: list[int]
) -> np.ndarray:
    """One 'key=value|…' string per combination of the category dimensions, looked up per cell."""
    parts = [p for _, p in cat_dims]
    combos = [
        "|".join(sorted(x for x in combo if x)) or TOTAL for combo in itertools.product(*parts)
    ]
    combo_idx = np.ravel_multi_index(positions, [size[i] for i, _ in cat_dims])
    return np.asarray(combos, dtype=object)[combo_idx]


def _periods(codes: list[str], data_path: Path) -> np.ndarray:
    """Time codes as tidy periods (GENESIS JSON writes them ISO: 2023-12-31, 2023, 2023/24)."""
    bad = [c for c in codes if not re.fullmatch(norm.PERIOD_RE[1:-1], c)]
    if bad:
        raise FormatError(
            f"Zeitangabe '{bad[0]}' ist weder Stichtag (JJJJ-MM-TT) noch Jahr oder Schuljahr (JJJJ/JJ)",
            path=data_path,
        )
    return np.asarray(codes, dtype=object)
