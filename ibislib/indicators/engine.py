"""One generic engine that evaluates the catalogue, vectorised over all regions and periods.

Each selection of the catalogue becomes a boolean filter plus (where parts are summed) one
``groupby`` over the store; numerator and denominator are joined with ``merge_asof`` on the
Stichtag so that the reference-date rule (same date, or 31.12. of the previous year, else the
nearest available date) is applied to every region at once. The only Python loop runs over
indicators.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .. import cache, fmt, paths
from ..errors import IbisError
from ..regions import registry
from ..tidy import DIMENSIONS, KEY, TOTAL, age_bounds
from .catalog import INDICATOR_UNITS, Indicator, Selection, catalog

#: Columns of every frame :func:`compute` returns.
OUT_COLUMNS: list[str] = [
    "indicator_id",
    "region",
    "region_name",
    "period",
    *DIMENSIONS,
    "value",
    "numerator",
    "denominator",
    "denominator_period",
    "unit",
    "flag",
    "note",
]

T = TypeVar("T")

_AGS_RE = r"^(DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{9})$"


# --------------------------------------------------------------------------- periods


@lru_cache(maxsize=4096)
def period_date(period: str) -> pd.Timestamp:
    """The date a period stands for: Stichtag as is ('2021-12-31', as readers write it
    '31.12.2021'), year -> 31.12., school year -> 15.10."""
    p = str(period)
    if len(p) == 10 and p[4] == "-":
        return pd.Timestamp(p)
    if len(p) == 10 and p[2] == "." and p[5] == "." and p.replace(".", "").isdigit():
        return pd.Timestamp(int(p[6:]), int(p[3:5]), int(p[:2]))
    if len(p) == 7 and p[4] == "/":
        return pd.Timestamp(int(p[:4]), 10, 15)
    if len(p) == 4 and p.isdigit():
        return pd.Timestamp(int(p), 12, 31)
    return pd.NaT


def _norm_category(c: str) -> str:
    """'ehefrau=insgesamt|ehemann=insgesamt' -> 'insgesamt'; parts at insgesamt are dropped."""
    if c == TOTAL or "=" not in c:
        return c
    parts = [p for p in c.split("|") if p.split("=", 1)[-1].strip() != TOTAL]
    return "|".join(parts) or TOTAL


def _as_cat(col: pd.Series) -> pd.Series:
    """A string column as categorical with object categories (fast take back to strings)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    cats = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
    return pd.Series(pd.Categorical.from_codes(codes, categories=cats), index=col.index, copy=False)


def _obj(arr, index=None) -> pd.Series:
    """Object-dtype Series (pandas 3 would otherwise re-encode Python strings as arrow str)."""
    return pd.Series(np.asarray(arr, dtype=object), index=index, dtype=object, copy=False)


# --------------------------------------------------------------------------- prepared store


#: Columns turned into categoricals once per store (cheap comparisons and groupbys).
_CAT_COLUMNS = ["region", "period", "measure", "unit", *DIMENSIONS, "flag", "note", "table"]


@dataclass
class Prepared:
    """The store split by (measure, unit), deduplicated, with dates; cached per store object."""

    frames: dict[tuple[str, str], pd.DataFrame]
    names: dict[str, str]
    regions: list[str]
    dtypes: dict[str, pd.CategoricalDtype] = field(default_factory=dict)
    store: pd.DataFrame | None = None
    subsets: dict[tuple, Prepared] = field(default_factory=dict)
    codes: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    root: Prepared | None = None  # the whole store this subset was taken from
    # indicator rows per region, computed once (see _slice): region -> id -> (frame, start,
    # stop) row range of a shared frame, or None for "computed, no rows"
    results: dict[str, dict[str, tuple | None]] = field(default_factory=dict)
    # compute() answers for (ids, regions, periods), sliced from `results` (see _sliced); both
    # belong to the catalogue object `results_of` (an edited catalogue.yml starts them anew)
    slices: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    results_of: object = None
    age_cache: dict[tuple, dict[str, list[str]]] = field(default_factory=dict)

    def codes_of(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Categorical codes of the dimension columns of one of this store's frames (cached)."""
        got = self.codes.get(id(frame))
        if got is None:
            got = {d: frame[d].cat.codes.to_numpy() for d in DIMENSIONS}
            self.codes[id(frame)] = got
        return got

    def subset(self, regions: tuple[str, ...]) -> Prepared:
        """The same store restricted to some regions (cached; makes single-unit calls cheap)."""
        if regions in self.subsets:
            return self.subsets[regions]
        keep = list(regions)
        frames = {k: f[f["region"].isin(keep)] for k, f in self.frames.items()}
        frames = {k: f for k, f in frames.items() if len(f)}
        sub = Prepared(
            frames,
            self.names,
            [r for r in self.regions if r in set(keep)],
            self.dtypes,
            root=self.root or self,
        )
        if len(self.subsets) > 64:
            self.subsets.clear()
        self.subsets[regions] = sub
        return sub

    def age_groups(
        self, key: tuple[str, str], sel: Selection, breakdown: tuple[str, ...], bfilter: dict
    ) -> dict[str, list[str]]:
        """The age groups each table has for a selection, over the WHOLE store (cached): which
        groups make up an age band, and so a value and its note, must not depend on which
        other regions are computed with a unit (issue 17: the note of ausl_anteil_unter18
        came and went with the region set)."""
        root = self.root or self
        ck = (key, repr(sel), breakdown, repr(sorted(bfilter.items())))
        got = root.age_cache.get(ck)
        if got is None:
            full = root.frames[key]
            f, _ = _filter(full, root.codes_of(full), sel, breakdown, bfilter)
            f = f[f["age_group"] != TOTAL]
            by_table = f.groupby("table", sort=False, observed=True)["age_group"].unique()
            got = {str(t): [str(g) for g in gs] for t, gs in by_table.items()}
            root.age_cache[ck] = got
        return got

    def total(self, dim: str, n: int) -> pd.Categorical | str:
        """A column of n times 'insgesamt' in the store's categorical dtype for `dim`."""
        dtype = self.dtypes.get(dim)
        if dtype is None or TOTAL not in dtype.categories:
            return TOTAL
        code = dtype.categories.get_loc(TOTAL)
        return pd.Categorical.from_codes(np.full(n, code, dtype=np.int32), dtype=dtype)


def _registry_names() -> dict[str, str]:
    try:
        # a Kreis by its full name ("Kreis Steinfurt", not the town "Steinfurt"); kreisfreie
        # Städte by their short name ("Köln"). Straight from the units: a frame of all
        # 11.500 of them cost 0,3 s per process.
        kreisfrei = {"Kreisfreie Stadt", "Stadtkreis"}
        return {
            r.ags: r.full_name if r.level == "kreis" and r.art not in kreisfrei else r.name
            for r in registry()
        }
    except (IbisError, OSError, KeyError):
        return {}


def _dedup_mask(cols: dict[str, pd.Series]) -> np.ndarray:
    """Rows whose key (region, period, measure, dims, unit) also comes from a larger table.

    The same number can come from several tables (a Kreis in a Kreis and a Gemeinde table, a
    Bundeswert in a GENESIS and a BA export, sometimes revised). The row from the table with
    the most rows wins, so that regions compared with each other share one source.
    """
    n = len(cols["region"])
    key = np.zeros(n, dtype=np.int64)
    bits = 0
    for c in KEY:
        codes = cols[c].cat.codes.to_numpy().astype(np.int64)
        width = max(1, int(len(cols[c].cat.categories)).bit_length())
        bits += width
        if bits > 62:  # too many categories for one int64 key: hash the codes instead
            key, _ = pd.factorize(pd.MultiIndex.from_arrays([cols[k].cat.codes for k in KEY]))
            break
        key = (key << width) | codes
    tcodes = cols["table"].cat.codes.to_numpy()
    size = np.bincount(tcodes + 1)[tcodes + 1]
    order = np.argsort(-size, kind="stable")
    dup = np.empty(n, dtype=bool)
    dup[order] = pd.Series(key[order]).duplicated().to_numpy()
    return dup


def _group_ids(arrays: list[np.ndarray]) -> np.ndarray:
    """Group number 0..k-1 of each row by several small-integer key columns (codes, -1 for
    NaN allowed): one int64 key in mixed radix, factorised. A MultiIndex of the same columns
    built ~1,4 million tuples first (1,6 s of `ibis indicators`)."""
    shifted = [np.asarray(a, dtype=np.int64) + 1 for a in arrays]
    radix = [int(a.max(initial=0)) + 1 for a in shifted]
    if np.prod([float(r) for r in radix]) >= 2.0**62:  # would overflow: the slow, sure way
        return pd.factorize(pd.MultiIndex.from_arrays(arrays))[0]
    key = np.zeros(len(shifted[0]), dtype=np.int64)
    for a, r in zip(shifted, radix, strict=True):
        key = key * r + a
    return pd.factorize(key)[0]


def _dash_as_zero(cols: dict[str, pd.Series], value: np.ndarray) -> None:
    """GENESIS '-' means "nothing there, exactly zero": count it as 0 (the flag is kept) —
    except where a table uses it for figures not yet published.

    Real exports print '-' for a whole level whose figures are not out yet (regionalstatistik.de,
    SvB 30.06.2025: almost every Kreis '-'; SOURCES.md §2). "No employees at all in Kreis
    Steinfurt" would be a number silently wrong. So a total cell (every dimension 'insgesamt')
    with '-' stays unknown (NaN) when more than half of that level's totals in the same table,
    period and measure are '-', and the breakdown cells of a region whose total is unknown stay
    unknown too. A lone '-' total (a tiny Gemeinde with no unemployed) is a real 0."""
    flags = cols["flag"].cat
    dash_code = flags.categories.get_indexer(["-"])[0]
    if dash_code < 0:
        return
    dash = (flags.codes.to_numpy() == dash_code) & np.isnan(value)
    if not dash.any():
        return
    is_total = np.ones(len(value), dtype=bool)
    for d in DIMENSIONS:
        is_total &= cols[d].cat.codes.to_numpy() == cols[d].cat.categories.get_indexer([TOTAL])[0]
    region = cols["region"].cat
    level = pd.Series(region.categories).astype(str).str.len().to_numpy()[region.codes.to_numpy()]
    codes = [cols[c].cat.codes.to_numpy() for c in ("table", "period", "measure", "unit")]
    by_level = _group_ids([*codes, level])
    n_tot = np.bincount(by_level[is_total], minlength=by_level.max() + 1)
    n_dash = np.bincount(by_level[is_total & dash], minlength=by_level.max() + 1)
    unpublished_level = n_dash > 0.5 * np.maximum(n_tot, 1)
    value[dash & is_total & ~unpublished_level[by_level]] = 0.0
    # breakdown cells follow their region's total: unknown total -> unknown parts
    by_region = _group_ids([*codes, region.codes.to_numpy()])
    unknown_total = np.zeros(by_region.max() + 1, dtype=bool)
    unknown_total[by_region[is_total & np.isnan(value)]] = True
    value[dash & ~is_total & ~unknown_total[by_region]] = 0.0


def prepare(store: pd.DataFrame | None = None) -> Prepared:
    """Split the tidy store for the engine (cached by object identity).

    Key columns become categoricals, duplicates across tables are dropped (the same number,
    e.g. a Kreis in a Kreis table and a Gemeinde table), categories are normalised
    ('ehefrau=insgesamt|ehemann=insgesamt' -> 'insgesamt') and each period gets its date.
    Each (measure, unit) frame is taken once from the columns (one copy, low peak memory).
    The project's own store is also cached on disk beside it (:mod:`.prepared`); without
    `store`, that one is returned (and the store itself is not even loaded when the file is
    current).
    """
    from . import prepared

    if store is None or prepared.is_project_store(store):
        processed = paths.processed_dir()
        return cache.cached("prepared", ("project", str(processed)), lambda: _project(processed))
    return cache.cached("prepared", id(store), lambda: _prepare(store), of=store)


def _project(processed: Path) -> Prepared:
    """The project's store prepared: read from its cache file when that is current, else
    prepared from the store and written (:mod:`.prepared`)."""
    from .. import store as store_mod
    from . import prepared

    path = processed / prepared.CACHE_FILE
    key = prepared.cache_key(processed)
    loaded = prepared.read(path, key) if key else None
    if loaded is not None:
        frames, names, dtypes = loaded
        return _named(Prepared(frames, names, sorted(names), dtypes))
    df = store_mod.load(processed)
    prep = _split(df)
    key = prepared.cache_key(processed)  # load() may just have built the store
    if key is not None and prep.frames:
        prepared.write(path, key, prep)
    return _named(prep)


def _prepare(store: pd.DataFrame) -> Prepared:
    """:func:`prepare` without any cache."""
    return _named(_split(store))


def _named(prep: Prepared) -> Prepared:
    """Region names from the registry over those of the data (never in the cache file: a
    changed Gebietsverzeichnis needs no new key)."""
    registry_names = _registry_names()
    prep.names.update({k: v for k, v in registry_names.items() if k in prep.names})
    return prep


def _split(store: pd.DataFrame) -> Prepared:
    """The prepared store with the region names of the data (the registry's come on top)."""
    cols = {c: _as_cat(store[c]) for c in _CAT_COLUMNS}
    cat = cols["category"].cat
    normed = pd.Index([_norm_category(c) for c in cat.categories])
    uniq = normed.unique()
    cols["category"] = pd.Series(
        pd.Categorical.from_codes(
            uniq.get_indexer(normed)[cat.codes.to_numpy()], categories=pd.Index(uniq, dtype=object)
        )
    )
    value = store["value"].to_numpy(dtype=float, copy=True)
    _dash_as_zero(cols, value)
    periods = cols["period"].cat.categories
    period_dates = np.array([period_date(p) for p in periods], dtype="datetime64[ns]")
    dup = _dedup_mask(cols) if len(value) else np.zeros(0, dtype=bool)
    group = (
        cols["measure"].cat.codes.to_numpy().astype(np.int64) * len(cols["unit"].cat.categories)
        + cols["unit"].cat.codes.to_numpy()
    )
    rows = np.flatnonzero(~dup)
    order = rows[np.argsort(group[rows], kind="stable")]
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    keep = ["region", "period", *DIMENSIONS, "flag", "note", "table"]
    frames = {}
    for idx in np.split(order, bounds):
        if len(idx) == 0:
            continue
        part = {c: pd.Series(cols[c].array.take(idx)) for c in keep}
        part["date"] = pd.Series(period_dates[cols["period"].cat.codes.to_numpy()[idx]])
        part["value"] = pd.Series(value[idx])
        frame = pd.DataFrame(part, copy=False)[
            ["region", "period", "date", *DIMENSIONS, "value", "flag", "note", "table"]
        ]
        key = (str(cols["measure"].iloc[idx[0]]), str(cols["unit"].iloc[idx[0]]))
        frames[key] = frame
    reg = cols["region"]
    first_rows = rows[np.unique(reg.cat.codes.to_numpy()[rows], return_index=True)[1]]
    names = dict(
        zip(
            np.asarray(reg.iloc[first_rows], dtype=object),
            np.asarray(store["region_name"].iloc[first_rows], dtype=object),
            strict=False,
        )
    )
    dtypes = {c: cols[c].dtype for c in ["region", "period", *DIMENSIONS]}
    return Prepared(frames, names, sorted(names), dtypes, store=store)


def load_store() -> pd.DataFrame:
    from .. import store as store_mod

    return store_mod.load()


# --------------------------------------------------------------------------- selections


def _cover(lo: float, hi: float, groups: list[str]) -> list[str] | None:
    """Age groups that tile [lo, hi) exactly (fewest pieces), or None."""
    spans = []
    for g in groups:
        a, b = age_bounds(g)
        if a >= lo and b <= hi:
            spans.append((a, b, g))
    best: dict[float, list[str]] = {lo: []}
    for a, b, g in sorted(spans):
        if a in best:
            path = best[a] + [g]
            if b not in best or len(path) < len(best[b]):
                best[b] = path
    return best.get(hi)


def _filter(
    sub: pd.DataFrame,
    codes: dict[str, np.ndarray],
    sel: Selection,
    breakdown: tuple[str, ...],
    bfilter: dict,
) -> tuple[pd.DataFrame, int]:
    """Boolean filter on categorical codes (one comparison per dimension)."""
    mask = np.ones(len(sub), dtype=bool)
    expected = 1
    for dim in DIMENSIONS:
        cats = sub[dim].cat.categories
        if dim in sel.filters:
            v = sel.filters[dim]
            values = v if isinstance(v, list) else [v]
            if isinstance(v, list):
                expected *= len(v)
        elif dim == "age_group" and sel.age is not None:
            continue
        elif dim in breakdown:
            pat = bfilter.get(dim)
            if not pat:
                continue
            values = [u for u in cats if u == TOTAL or fnmatch.fnmatchcase(u, pat)]
        else:
            values = [TOTAL]
        want = cats.get_indexer(values)
        want = np.where(want < 0, -2, want)  # a value the frame does not have matches nothing
        mask &= codes[dim] == want[0] if len(want) == 1 else np.isin(codes[dim], want)
    return sub[mask], expected


def select(
    prep: Prepared,
    sel: Selection,
    breakdown: tuple[str, ...] = (),
    bfilter: dict | None = None,
) -> pd.DataFrame:
    """Evaluate one selection: one row per region, period and breakdown cell.

    Returns columns region, period, date, the breakdown dims, value, flag, note, table.
    Sums (lists, age bounds) are NaN when a part is missing or has a symbol; ``note`` says why.
    """
    bfilter = bfilter or {}
    keys = ["region", "period", "date", *breakdown]
    out_cols = [*keys, "value", "flag", "note", "table"]
    sub = prep.frames.get((sel.measure, sel.unit))
    if sub is None or sub.empty:
        return pd.DataFrame(columns=out_cols)
    sub, expected = _filter(sub, prep.codes_of(sub), sel, breakdown, bfilter)
    if sel.age is None and expected == 1:
        return sub[out_cols]
    sub = sub.assign(_sign=1.0, _expected=float(expected))
    complement_note = ""
    if sel.age is not None:
        groups = prep.age_groups((sel.measure, sel.unit), sel, breakdown, bfilter)
        sub, complement_note = _age_rows(sub, sel, expected, groups)
    if "_minus" not in sub:
        sub = sub.assign(_minus=False)
    if sub.empty:
        return pd.DataFrame(columns=out_cols)
    sub = sub.assign(
        _nan=sub["value"].isna(),
        value=sub["value"] * sub["_sign"],
        _n=1,
        _flag=_rank_codes(sub["flag"]),
        _note=_rank_codes(sub["note"]),
    )
    agg = sub.groupby(keys, sort=False, observed=True, dropna=False).agg(
        value=("value", "sum"),
        _nan=("_nan", "any"),
        _n=("_n", "sum"),
        _expected=("_expected", "first"),
        _flag=("_flag", "max"),
        _note=("_note", "max"),
        _minus=("_minus", "any"),
        table=("table", "first"),
    )
    agg = agg.reset_index()
    agg["flag"] = _obj(_from_rank(agg["_flag"], sub["flag"]), agg.index)
    agg["note"] = _obj(_from_rank(agg["_note"], sub["note"]), agg.index)
    incomplete = agg["_n"] < agg["_expected"]
    agg.loc[agg["_nan"] | incomplete, "value"] = np.nan
    note = _strs(agg["note"])
    if incomplete.any():
        msg = f"{sel.describe()}: nicht alle Teile vorhanden"
        note = _join(note, _masked(incomplete.to_numpy(), lambda k: msg))
    if complement_note:  # only on the cells computed as a complement
        minus = agg["_minus"].to_numpy(dtype=bool)
        note = _join(note, _masked(minus, lambda k: complement_note))
    agg["note"] = _obj(note, agg.index)
    return agg[out_cols]


def _rank_codes(col: pd.Series) -> np.ndarray:
    """Categorical codes ranked so that max() prefers a non-empty value (0 = empty)."""
    cats = np.asarray(col.cat.categories, dtype=object)
    codes = col.cat.codes.to_numpy().astype(np.int64)
    nonempty = np.append(cats != "", False)  # code -1 (NaN) -> False
    return np.where(nonempty[codes], codes + 1, 0)


def _from_rank(rank: pd.Series, col: pd.Series) -> np.ndarray:
    cats = np.concatenate([[""], np.asarray(col.cat.categories, dtype=object)]).astype(object)
    return cats[rank.to_numpy()]


def _age_rows(
    sub: pd.DataFrame, sel: Selection, expected: int, table_groups: dict[str, list[str]]
) -> tuple[pd.DataFrame, str]:
    """Rows whose age groups tile the bounds, per table; complement (total − rest) if needed.

    `table_groups`: each table's age groups in the whole store (:meth:`Prepared.age_groups`);
    rows of a complement carry ``_minus``, so its note goes on those cells only."""
    lo, hi = sel.age
    lo, hi = float(lo), (math.inf if hi is None else float(hi))
    parts = sub[sub["age_group"] != TOTAL]
    totals = sub[sub["age_group"] == TOTAL]
    chosen, minus = [], []
    note = ""
    for table in parts["table"].astype(str).unique():
        groups = table_groups.get(table, [])
        chain = _cover(lo, hi, list(groups))
        if chain is not None:
            chosen.append((table, chain))
            continue
        rest = _cover(hi, math.inf, list(groups)) if lo == 0 and hi != math.inf else None
        if rest is not None:
            minus.append((table, rest))
    frames = []
    for table, chain in chosen:
        f = parts[(parts["table"] == table) & parts["age_group"].isin(chain)]
        frames.append(f.assign(_expected=float(expected * len(chain)), _minus=False))
    for table, rest in minus:
        f = parts[(parts["table"] == table) & parts["age_group"].isin(rest)]
        t = totals[totals["table"] == table]
        n = float(expected * (len(rest) + 1))
        frames.append(f.assign(_sign=-1.0, _expected=n, _minus=True))
        frames.append(t.assign(_expected=n, _minus=True))
        note = f"berechnet als alle Altersgruppen minus {int(hi)} Jahre und älter"
    if not frames:
        return sub.iloc[0:0], ""
    return pd.concat(frames, ignore_index=True), note


def _join(a, b) -> np.ndarray:
    """Join two note columns (or a column and a constant) with '; ', skipping empty ones."""
    a = np.asarray(a, dtype=object)
    if np.ndim(b) == 0:
        if not b:
            return a
        b = np.full(a.shape, b, dtype=object)
    else:
        b = np.asarray(b, dtype=object)
    out = a.copy()
    a_nz = a != ""
    b_nz = b != ""
    only_b = b_nz & ~a_nz
    out[only_b] = b[only_b]
    both = np.flatnonzero(a_nz & b_nz)
    if len(both):
        # the same footnote on numerator and denominator is said once
        out[both] = [
            x if y in x.split("; ") else f"{x}; {y}" for x, y in zip(a[both], b[both], strict=True)
        ]
    return out


def _strs(col, clean: bool = False) -> np.ndarray:
    """Any string-like column (categorical, str, object with NaN) as an object array, NaN -> ''.

    ``clean=True`` trusts object columns built by this module (no NaN) and skips the check.
    """
    if isinstance(col, pd.Series) and isinstance(col.dtype, pd.CategoricalDtype):
        cats = np.append(np.asarray(col.cat.categories, dtype=object), "")
        return cats[col.cat.codes.to_numpy()]  # code -1 (NaN) picks the appended ''
    if clean and isinstance(col, pd.Series) and col.dtype == object:
        return col.to_numpy()
    arr = np.array(col, dtype=object)
    arr[pd.isna(arr)] = ""
    return arr


def _masked(mask: np.ndarray, make) -> np.ndarray:
    """An object array of '' with make(mask) filled in where mask is true (builds few strings)."""
    out = np.full(mask.shape, "", dtype=object)
    if mask.any():
        out[mask] = make(mask)
    return out


# --------------------------------------------------------------------------- indicator kinds


@lru_cache(maxsize=1)
def _empty_template() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in OUT_COLUMNS})
    for c in ("value", "numerator", "denominator"):
        df[c] = df[c].astype(float)
    return df


def _empty_out() -> pd.DataFrame:
    """An empty result frame (a copy of one template: building it afresh took ~2 ms, and a
    report asks for one a few hundred times)."""
    return _empty_template().copy()


_UNIT_DTYPE = pd.CategoricalDtype(pd.Index(sorted(INDICATOR_UNITS), dtype=object))


@lru_cache(maxsize=1)
def _id_dtype() -> pd.CategoricalDtype:
    """One categorical dtype for indicator ids, so that concatenation keeps it."""
    return pd.CategoricalDtype(pd.Index(list(catalog()), dtype=object))


def _constant(value: str, n: int, dtype: pd.CategoricalDtype) -> pd.Categorical:
    if value not in dtype.categories:
        return pd.Categorical([value] * n)
    code = dtype.categories.get_loc(value)
    return pd.Categorical.from_codes(np.full(n, code, dtype=np.int16), dtype=dtype)


def _finish(ind: Indicator, df: pd.DataFrame, prep: Prepared) -> pd.DataFrame:
    """Bring an evaluated frame into OUT_COLUMNS order; dims not broken down are 'insgesamt'."""
    n = len(df)
    index = pd.RangeIndex(n)
    empty = _obj(np.full(n, "", dtype=object), index)

    def keep(c: str) -> pd.Series:
        col = df[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            return pd.Series(col.array, index=index, copy=False)
        return _obj(_strs(col), index)

    cols: dict[str, pd.Series] = {
        "indicator_id": pd.Series(_constant(ind.id, n, _id_dtype()), index=index),
        "region": keep("region"),
        "region_name": empty,  # filled once in compute()
        "period": keep("period"),
    }
    for dim in DIMENSIONS:
        cols[dim] = keep(dim) if dim in df else pd.Series(prep.total(dim, n), index=index)
    for c in ("value", "numerator", "denominator"):
        cols[c] = pd.Series(
            df[c].to_numpy(dtype=float) if c in df else np.full(n, np.nan), index=index
        )
    cols["denominator_period"] = (
        _obj(_strs(df["denominator_period"], clean=True), index)
        if "denominator_period" in df
        else empty
    )
    cols["unit"] = pd.Series(_constant(ind.unit, n, _UNIT_DTYPE), index=index)
    for c in ("flag", "note"):
        cols[c] = _obj(_strs(df[c], clean=True), index) if c in df else empty
    return pd.DataFrame(cols, copy=False)


def _count(ind: Indicator, prep: Prepared) -> pd.DataFrame:
    num = select(prep, ind.numerator, ind.breakdown, ind.breakdown_filter)
    value = num["value"].to_numpy(dtype=float)
    flag = _strs(num["flag"])
    hidden = np.isnan(value) & (flag != "")
    note = _join(
        _strs(num["note"]),
        _masked(hidden, lambda m: "Zahl nicht ausgewiesen (Zeichen '" + flag[m] + "')"),
    )
    return num.assign(numerator=value, note=_obj(note, num.index))


def _target_dates(ind: Indicator, dates: pd.Series) -> pd.Series:
    if ind.period_rule == "previous_year_end":
        years = dates.dt.year - 1
        return pd.to_datetime(years.astype(str) + "-12-31").astype("datetime64[ns]")
    return dates.astype("datetime64[ns]")


def _ratio(ind: Indicator, prep: Prepared) -> pd.DataFrame:
    bd = ind.breakdown
    num = select(prep, ind.numerator, bd, ind.breakdown_filter)
    den_sel = ind.denominator
    den_bd = tuple(
        d
        for d in bd
        if d not in den_sel.filters and not (d == "age_group" and den_sel.age is not None)
    )
    den = select(prep, den_sel, den_bd, ind.breakdown_filter)
    if num.empty:
        return num
    num = num.assign(_target=_target_dates(ind, num["date"]))
    num = num[num["_target"].notna()].sort_values("_target", kind="stable")
    right = den.rename(
        columns={
            "value": "denominator",
            "period": "denominator_period",
            "date": "_den_date",
            "flag": "_den_flag",
            "note": "_den_note",
        }
    )[
        [
            "region",
            *den_bd,
            "_den_date",
            "denominator",
            "denominator_period",
            "_den_flag",
            "_den_note",
        ]
    ]
    right = right.astype({"_den_date": "datetime64[ns]"}).sort_values("_den_date", kind="stable")
    by = ["region", *den_bd]
    if right.empty:
        m = num.assign(
            _den_date=pd.NaT,
            denominator=np.nan,
            denominator_period=np.nan,
            _den_flag="",
            _den_note="",
        )
    else:
        right = right.astype({c: num[c].dtype for c in by})
        m = pd.merge_asof(
            num,
            right,
            left_on="_target",
            right_on="_den_date",
            by=by,
            direction="nearest",
            tolerance=pd.Timedelta(days=ind.max_gap_days),
        )
    return _ratio_values(ind, m)


def _ratio_values(ind: Indicator, m: pd.DataFrame) -> pd.DataFrame:
    num_v = m["value"].to_numpy(dtype=float)
    den_v = m["denominator"].to_numpy(dtype=float)
    found = m["_den_date"].notna().to_numpy()
    den_flag = _strs(m["_den_flag"])
    num_flag = _strs(m["flag"])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = num_v / den_v * ind.scale
    zero = found & (den_v == 0)
    value[zero] = np.nan
    note = _join(_strs(m["note"]), _strs(m["_den_note"]))
    target = m["_target"]
    den_period = _strs(m["denominator_period"])
    gap_years = max(1, round(ind.max_gap_days / 365))

    def when(mask: np.ndarray) -> np.ndarray:
        return target[mask].dt.strftime("%d.%m.%Y").to_numpy(dtype=object)

    note = _join(
        note,
        _masked(
            ~found,
            lambda k: (
                f"Nenner fehlt: {ind.denominator.describe()} (kein Stichtag innerhalb von "
                f"{gap_years} Jahren um " + when(k) + ")"
            ),
        ),
    )
    shifted = found & (m["_den_date"] != target).to_numpy()
    note = _join(
        note,
        _masked(
            shifted,
            lambda k: (
                "Nenner zum "
                + np.array([fmt.period(p) for p in den_period[k]], dtype=object)
                + " statt zum "
                + when(k)
                + " (nächstgelegener verfügbarer Stichtag)"
            ),
        ),
    )
    note = _join(note, _masked(zero, lambda k: "Nenner ist 0"))
    num_sym = np.isnan(num_v) & (num_flag != "")
    den_sym = found & np.isnan(den_v) & (den_flag != "")
    note = _join(
        note, _masked(num_sym, lambda k: "Zähler nicht ausgewiesen (Zeichen '" + num_flag[k] + "')")
    )
    note = _join(
        note, _masked(den_sym, lambda k: "Nenner nicht ausgewiesen (Zeichen '" + den_flag[k] + "')")
    )
    flag = np.where(num_flag != "", num_flag, np.where(found, den_flag, ""))
    return m.assign(
        numerator=num_v,
        value=value,
        denominator=den_v,
        denominator_period=_obj(den_period, m.index),
        flag=_obj(flag, m.index),
        note=_obj(note, m.index),
    )


def _change(ind: Indicator, prep: Prepared) -> pd.DataFrame:
    bd = list(ind.breakdown)
    num = select(prep, ind.numerator, ind.breakdown, ind.breakdown_filter)
    if num.empty:
        return num
    fam = {t: str(t).replace("_", "-").split("-")[0] for t in num["table"].unique()}
    num = num.assign(_family=num["table"].map(fam)).sort_values(
        [*["region", *bd, "_family"], "date"]
    )
    g = num.groupby(["region", *bd, "_family"], sort=False, observed=True)
    prev = g["value"].shift()
    prev_period = g["period"].shift()
    num = num.assign(numerator=num["value"], denominator=prev, denominator_period=prev_period)
    num = num[num["denominator_period"].notna()]
    with np.errstate(divide="ignore", invalid="ignore"):
        num["value"] = (num["numerator"] / num["denominator"] - 1.0) * 100.0
    num.loc[num["denominator"] == 0, "value"] = np.nan
    return num


def _relative(ind: Indicator, base: pd.DataFrame) -> pd.DataFrame:
    if base.empty:
        return base
    ((dim, at),) = ind.base.items()
    others = ["region", "period", *[d for d in DIMENSIONS if d != dim]]
    ref = base.loc[base[dim] == at, [*others, "value"]].rename(columns={"value": "denominator"})
    ref = ref.drop_duplicates(others)
    m = base.drop(columns=["numerator", "denominator", "denominator_period"]).merge(
        ref, on=others, how="left"
    )
    m["numerator"] = m["value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        m["value"] = m["numerator"] / m["denominator"]
    m["denominator_period"] = m["period"]
    missing = m["denominator"].isna().to_numpy()
    note = _join(_strs(m["note"]), _masked(missing, lambda k: f"Bezugswert ({dim} = {at}) fehlt"))
    m["note"] = _obj(note, m.index)
    return m


def _with_fallback(ind: Indicator, prep: Prepared, df: pd.DataFrame) -> pd.DataFrame:
    """Fill cells the ratio cannot give with the published value (note says so)."""
    pub = select(prep, ind.fallback, ind.breakdown, ind.breakdown_filter)
    if pub.empty:
        return df
    pub = pub.assign(
        numerator=np.nan,
        denominator=np.nan,
        denominator_period="",
        note=_obj(
            _join(
                _strs(pub["note"]), "veröffentlichter Anteil, nicht aus Zähler und Nenner berechnet"
            ),
            pub.index,
        ),
    )
    keycols = ["region", "period", *ind.breakdown]
    if df.empty:
        return pub
    have = df[df["value"].notna()][keycols]
    pub = pub.merge(have.assign(_have=True), on=keycols, how="left")
    pub = pub[pub["_have"].isna()].drop(columns="_have")
    drop = (
        df[keycols].merge(pub[keycols].assign(_drop=True), on=keycols, how="left")["_drop"].notna()
    )
    return pd.concat([df[~drop.to_numpy()], pub], ignore_index=True)


# --------------------------------------------------------------------------- public API


def _resolve_ids(ids, cat: dict[str, Indicator]) -> list[str]:
    if ids is None:
        return list(cat)
    if isinstance(ids, str):
        ids = [s.strip() for s in ids.split(",") if s.strip()]
    unknown = [i for i in ids if i not in cat]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], list(cat), n=3)
        raise IbisError(
            f"Unbekannte Indikator-ID {', '.join(repr(u) for u in unknown)}"
            + (f" – meinten Sie {', '.join(close)}?" if close else ""),
            hint="Alle IDs: ibislib.indicators.catalog() oder ibislib/indicators/catalog.yml.",
        )
    return list(ids)


def _catalog_for(params: dict | None) -> dict[str, Indicator]:
    """The catalogue with parameters: flat keys for all entries, {id: {...}} for one entry."""
    params = params or {}
    flat = {k: v for k, v in params.items() if not isinstance(v, dict)}
    cat = dict(catalog(flat))
    for key, sub in params.items():
        if isinstance(sub, dict) and key in cat:
            cat[key] = catalog({**flat, **sub})[key]
    return cat


def _bases() -> set[str]:
    """Indicators other entries are derived from (their results are kept during one compute())."""
    return {i.base_indicator for i in catalog().values() if i.base_indicator}


def evaluate(
    ind: Indicator, prep: Prepared, done: dict[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """One indicator over every region and period of a prepared store."""
    done = {} if done is None else done
    if ind.kind == "relative":
        base = done.get(ind.base_indicator)
        if base is None:
            base = evaluate(catalog()[ind.base_indicator], prep, done)
        raw = _relative(ind, base)
    else:
        raw = {"count": _count, "ratio": _ratio, "change": _change}[ind.kind](ind, prep)
        if ind.fallback is not None:
            raw = _with_fallback(ind, prep, raw)
    out = _finish(ind, raw, prep) if len(raw) else _empty_out()
    if ind.id in _bases():  # kept only where a derived indicator needs it (memory)
        done[ind.id] = out
    return out


def compute(
    ids: list[str] | str | None = None,
    regions: list[str] | str | None = None,
    periods: list[str] | str | None = None,
    *,
    store: pd.DataFrame | None = None,
    params: dict | None = None,
) -> pd.DataFrame:
    """Indicator values as a tidy frame (columns :data:`OUT_COLUMNS`).

    ids      catalogue ids (default: all); a comma-separated string works too.
    regions  AGS of Gemeinden, Kreise, Länder or "DG" (names are resolved via the registry);
             default: every region in the store. A unit asked for without data gets one row
             with value NaN and a note saying what is missing.
    periods  keep only these periods of the indicator (denominators may still come from the
             nearest other date, see the catalogue's period_rule); a bare year ("2022") also
             keeps the Stichtage and the school year starting in that year.
    store    a tidy frame (default: :func:`ibislib.store.load`).
    params   catalogue parameters, e.g. ``{"lower_age": 15}`` or
             ``{"einbuergerungspotenzial": {"min_years": 8}}``.

    Values are NaN (never 0) where an input is missing or carries a symbol; ``flag`` keeps the
    symbol and ``note`` says what is missing or which Stichtag was used instead. The one
    exception is GENESIS '-' ("nichts vorhanden", exactly zero): it counts as 0, flag '-' kept.
    Observation footnotes (the store's ``note``) are carried into ``note``.
    """
    cat = _catalog_for(params)
    id_list = _resolve_ids(ids, cat)
    prep = prepare(store)  # without a store: the project's (from its prepared cache)
    region_list = None
    if regions is not None:
        if isinstance(regions, str):
            regions = [regions]
        region_list = [resolve_region(r, prep) for r in regions]
    period_list = None
    if periods is not None:
        period_list = [periods] if isinstance(periods, str) else list(periods)
    if region_list is not None and not params:
        return _sliced(id_list, region_list, period_list, prep)
    if region_list is not None:
        prep = prep.subset(tuple(sorted(set(region_list))))
    frames = []
    done: dict[str, pd.DataFrame] = {}
    for i in id_list:
        ind = cat[i]
        out = evaluate(ind, prep, done)
        if period_list is not None:
            out = out[_period_mask(out["period"], period_list)]
        if region_list is not None:
            holes = _placeholders(ind, set(out["region"].unique()), region_list, period_list, prep)
            if holes is not None:
                out = pd.concat([out, holes], ignore_index=True)
        frames.append(out)
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_out()
    df = pd.concat(frames, ignore_index=True)
    frames.clear()
    done.clear()
    return _plain(df, prep)[OUT_COLUMNS]


#: Regions whose catalogue a prepared store keeps, least recently used dropped first: a batch
#: moves on from unit to unit, while Land, Bund, the Kreis and the map areas (all Kreise of a
#: Land, all Gemeinden of a Kreis: up to ~235) stay in use; memory stays bounded.
MAX_CACHED_REGIONS = 400
#: compute() answers kept per prepared store, least recently used dropped first: a report
#: asks ~150 distinct questions (~270 calls: the same indicator for the same unit again from
#: its sentence, figure, table and notes); a few reports' worth stays.
MAX_CACHED_SLICES = 512


def _sliced(
    id_list: list[str], region_list: list[str], period_list: list[str] | None, prep: Prepared
) -> pd.DataFrame:
    """compute() for some regions, sliced from indicator rows computed ONCE per region and
    store (a report asked ~95 times for one indicator on the same few regions, each time
    evaluating it afresh; see :func:`_slice` for what is computed at once). The cache lives on the prepared store, so it has the store's
    invalidation rule: a rebuilt store is a new object with an empty cache; a changed
    catalogue file (a new catalogue object) empties it too. Per region the result is the
    same as computing it alone (see :meth:`Prepared.age_groups`). The answer itself is kept
    as well (a shallow copy is handed out: with copy-on-write a caller's change to it never
    reaches the cache)."""
    key = (tuple(id_list), tuple(region_list), None if period_list is None else tuple(period_list))
    hit = kept(prep, key, lambda cat: _slice(id_list, region_list, period_list, prep, cat))
    return hit.copy(deep=False)


def kept(prep: Prepared, key: tuple, build: Callable[[dict[str, Indicator]], T]) -> T:
    """An answer derived from this prepared store and the catalogue only (a compute() slice,
    a :func:`ibislib.indicators.compare` table), made once by ``build(catalogue)`` and kept
    on the prepared store, least recently used dropped first (:data:`MAX_CACHED_SLICES`).
    A changed catalogue file empties it with the per-region results. Hand out copies of
    what a caller may change."""
    cat = catalog()
    if prep.results_of is not cat:
        prep.results.clear()
        prep.slices.clear()
        prep.results_of = cat
    slices = prep.slices
    hit = slices.pop(key, _NOTHING)
    if hit is _NOTHING:
        hit = build(cat)
        while len(slices) >= MAX_CACHED_SLICES:
            del slices[next(iter(slices))]  # the oldest
    slices[key] = hit  # most recently used last
    return hit


_NOTHING = object()


#: Regions computed at once beyond which only the asked indicators are evaluated, not the
#: whole catalogue: a report asks its unit and its few comparison regions for most of the
#: catalogue, a map asks one indicator for all Gemeinden of a Kreis (up to ~230) or all Kreise
#: of a Land; the whole catalogue for those cost ~0,3 CPU-s of every report in a new Kreis.
WHOLE_CATALOGUE_UP_TO = 8


def _slice(
    id_list: list[str],
    region_list: list[str],
    period_list: list[str] | None,
    prep: Prepared,
    cat: dict[str, Indicator],
) -> pd.DataFrame:
    """The rows of :func:`_sliced`, computing what no earlier question computed: the whole
    catalogue for a few new regions, only the asked indicators for many."""
    wanted = sorted(set(region_list))
    results = prep.results
    for r in wanted:  # most recently used last (dicts keep insertion order)
        if r in results:
            results[r] = results.pop(r)
    todo = [r for r in wanted if any(i not in results.get(r, ()) for i in id_list)]
    if todo:
        wanted_set = set(wanted)
        new = sum(1 for r in todo if r not in results)
        stale = [r for r in results if r not in wanted_set]  # oldest first
        for r in stale[: max(0, len(results) + new - MAX_CACHED_REGIONS)]:
            del results[r]
        if len(todo) <= WHOLE_CATALOGUE_UP_TO:
            sub = prep.subset(tuple(todo))
            prep.subsets.pop(tuple(todo), None)  # needed once: not kept beside the results
            _evaluate_into(prep, sub, tuple(todo), list(cat), cat)
        else:  # a map area or ring: asked again for other indicators, its subset is kept
            sub = prep.subset(tuple(wanted))
            _evaluate_into(prep, sub, tuple(todo), id_list, cat)
    frames = []
    for i in id_list:
        # one frame per region (see above), in OUT_COLUMNS order: no concatenation per id
        rows = [f for r in wanted if (f := _rows(results[r].get(i))) is not None]
        if period_list is not None:
            rows = [f[m] for f in rows if (m := _period_mask(f["period"], period_list)).any()]
        have = {f["region"].iat[0] for f in rows}
        holes = _placeholders(cat[i], have, region_list, period_list, prep)
        frames += rows if holes is None else [*rows, holes]
    if not frames:
        return _empty_out()[OUT_COLUMNS]
    out = pd.concat(frames, ignore_index=True)
    return out if list(out.columns) == OUT_COLUMNS else out[OUT_COLUMNS]


def _evaluate_into(
    prep: Prepared,
    sub: Prepared,
    regions: tuple[str, ...],
    ids: list[str],
    cat: dict[str, Indicator],
) -> None:
    """Evaluate `ids` on `sub` (a subset of `prep` holding `regions`) and keep the rows of
    `regions` per region and indicator in ``prep.results``; None marks "computed, no rows".
    The rows stay one sorted frame, each (region, indicator) a row range of it, cut out only
    when asked (a map area of 100 Gemeinden gave thousands of small frames, most never read)."""
    done: dict[str, pd.DataFrame] = {}
    frames = [f for f in (evaluate(cat[i], sub, done) for i in ids) if len(f)]
    for r in regions:
        got = prep.results.setdefault(r, {})
        for i in ids:
            got.setdefault(i, None)
    if not frames:
        return
    full = _plain(pd.concat(frames, ignore_index=True), sub)[OUT_COLUMNS]
    if not set(sub.regions) <= set(regions):  # regions of the area computed before
        full = full[full["region"].isin(regions)]
        if full.empty:  # the new regions have no rows for these indicators
            return
    rcode, runiq = pd.factorize(full["region"])
    icode, iuniq = pd.factorize(full["indicator_id"])
    key = rcode.astype(np.int64) * len(iuniq) + icode
    order = np.argsort(key, kind="stable")  # rows keep their order within a group
    full = full.take(order).reset_index(drop=True)
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    stops = np.r_[starts[1:], len(key)]
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        k = int(key[a])
        prep.results[runiq[k // len(iuniq)]][iuniq[k % len(iuniq)]] = (full, a, b)


def _rows(entry: tuple[pd.DataFrame, int, int] | None) -> pd.DataFrame | None:
    """The rows of one (region, indicator) kept by :func:`_evaluate_into`."""
    if entry is None:
        return None
    frame, a, b = entry
    return frame.iloc[a:b]


def _period_mask(periods: pd.Series, wanted: list[str]) -> np.ndarray:
    """Exact periods; a bare year ('2022') also matches Stichtage and school years of that year."""
    values = periods.astype(object).to_numpy()
    mask = np.isin(values, wanted)
    years = [w for w in wanted if len(w) == 4 and w.isdigit()]
    if years:
        mask |= np.isin(np.array([str(v)[:4] for v in values], dtype=object), years)
    return mask


def _plain(df: pd.DataFrame, prep: Prepared) -> pd.DataFrame:
    """Categorical columns back to plain object strings (cheap: a take on the categories)."""
    cols = {}
    index = df.index
    for c in list(df.columns):
        col = df.pop(c)  # free each categorical column once converted (memory)
        if not pd.api.types.is_numeric_dtype(col.dtype):
            cols[c] = _obj(_strs(col, clean=True), index)
        else:
            cols[c] = col
        del col
    out = pd.DataFrame(cols, copy=False)
    region = out["region"].to_numpy(dtype=object)
    codes, uniq = pd.factorize(region)
    names = np.array([prep.names.get(r) or _registry_name(r) for r in uniq], dtype=object)
    given = out["region_name"].to_numpy(dtype=object)
    out["region_name"] = _obj(np.where(given != "", given, names[codes]), index)
    return out


def _placeholders(
    ind: Indicator, have: set[str], regions: list[str], periods, prep: Prepared
) -> pd.DataFrame | None:
    """One row with value NaN and a note for each asked region not in `have`; None if none.

    Built from object columns (as :func:`_plain` leaves computed rows): the frame built from
    scalars cost ~4 ms, most of it inferring and broadcasting string columns."""
    missing = [r for r in dict.fromkeys(regions) if r not in have]
    if not missing:
        return None
    what = ind.numerator.describe() if ind.numerator is not None else ind.title
    period = periods[0] if periods and len(periods) == 1 else ""
    when = f" für {fmt.period(period)}" if period else ""
    n = len(missing)
    index = pd.RangeIndex(n)

    def same(value) -> pd.Series:
        return _obj(np.full(n, value, dtype=object), index)

    nan = pd.Series(np.full(n, np.nan), index=index, copy=False)
    cols = {
        "indicator_id": same(ind.id),
        "region": _obj(missing, index),
        "region_name": _obj([prep.names.get(r) or _registry_name(r) for r in missing], index),
        "period": same(period),
        **{d: same(TOTAL) for d in DIMENSIONS},
        "value": nan,
        "numerator": nan.copy(),
        "denominator": nan.copy(),
        "denominator_period": same(""),
        "unit": same(ind.unit),
        "flag": same(""),
        "note": same(f"Keine Daten im Datenspeicher{when}: {what}"),
    }
    return pd.DataFrame({c: cols[c] for c in OUT_COLUMNS}, copy=False)


def _registry_name(ags: str) -> str:
    try:
        return registry().name_of(ags, default=ags)
    except (IbisError, OSError):
        return ags


def resolve_region(text: str, prep: Prepared | None = None) -> str:
    """AGS or name (Gemeinde, Kreis, Land, 'DG') -> AGS; :class:`RegionError` if unknown."""
    import re

    s = str(text).strip()
    if re.match(_AGS_RE, s):
        return s
    # the registry's own RegionError names the unknown unit (the name lookup in `prep` that
    # stood here was only reached when the registry module could not be imported)
    return registry().resolve(s).ags


def parents(ags: str) -> list[str]:
    """Kreis, Land and 'DG' above a unit (registry; else from the AGS prefix)."""
    try:
        return registry().parents(ags)
    except (IbisError, OSError):
        pass  # no region directory in data/raw: Kreis and Land from the key itself
    if ags == "DG":
        return []
    out = []
    if len(ags) >= 8:
        out.append(ags[:5])
    if len(ags) >= 3:
        out.append(ags[:2])
    return [*out, "DG"]


def level_of(ags: str) -> str:
    """'Gemeinde', 'Kreis', 'Land' or 'Deutschland' from the AGS length."""
    if ags == "DG":
        return "Deutschland"
    return {2: "Land", 3: "Regierungsbezirk", 5: "Kreis", 8: "Gemeinde", 9: "Gemeindeverband"}.get(
        len(ags), "Gebiet"
    )
