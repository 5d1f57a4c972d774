"""Plausibility rules of the tidy contract, written once for every loader's output.

:func:`check` runs after the schema check of :func:`ibislib.tidy.validate`. A broken rule raises
a :class:`ValidationError` in German naming the file, the region/period/measure, the rule and what
to do. Where real files legitimately break a rule (rounded cells, several Gebietsstände in one
file) the rule has a tolerance or yields a warning that the store keeps for the report's methods
page (``df.attrs["warnings"]``, then ``manifest.json`` → ``warnings``).

Rules (ids used in messages and tests):

``count``      counts (unit Anzahl) are finite, non-negative whole numbers
``share``      percentages lie within 0–100 % (measures of change – ``veraenderung`` … – excepted)
``finite``     no value is infinite
``parts``      parts never exceed their total: sex, nationality, age group, Stadtteile (districts)
``hierarchy``  the Gemeinden of a Kreis do not add up to more than the Kreis, the Kreise of a
               Land not to more than the Land: more than ``HIERARCHY_FACTOR`` times a non-zero
               parent is an error, a smaller excess (beyond ``sum_tolerance`` per part) a warning
``date``       periods are real calendar dates, school years two consecutive years, nothing lies
               in the future or before 1871
``regions``    region keys exist in the region registry (checked by the store, which has one:
               :func:`unknown_regions`; unknown keys are reported as a warning)
``agree``      the same key from two files has the same value, or both files are named
               (:func:`conflicts`, run by the store over all files)
``vocab``      every measure is in the vocabulary (ingest/vocab.yml); one that is not stays
               under the slug of its label and is reported (a warning: no indicator sees it)
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from .errors import ValidationError
from .ingest import normalise as norm

TOTAL = norm.TOTAL
#: Units whose values are counts of persons or cases (see ``units`` in ingest/vocab.yml).
COUNT_UNITS = set(norm.vocab()["count_units"])

#: Percent measures that may be negative or above 100 (changes, not shares).
CHANGE_RE = re.compile(r"veraenderung|zunahme|abnahme|entwicklung|saldo|wachstum|differenz")

#: Gemeinden vs Kreis: real tables exceed their Kreis/Land in the source itself – rounded and
#: secret cells, Land-level school types that differ, old and new Kreise of a Gebietsreform
#: listed side by side (Sachsen 2007: exactly twice the Land). Those are warnings. A sum more
#: than this factor above a non-zero parent is a unit or typing error (Kreis in Tsd., ÷10).
HIERARCHY_FACTOR = 3.0

EARLIEST_YEAR = 1871


def _where(row: pd.Series) -> str:
    dims = [
        f"{d}={row[d]}"
        for d in ("sex", "nationality", "age_group", "school_type", "district", "category")
        if d in row and row[d] != TOTAL
    ]
    return f"Region {row['region']}, {row['period']}, {row['measure']}" + (
        f" ({', '.join(dims)})" if dims else ""
    )


def _num(v: float) -> str:
    """German number for a message: 1.234 or 1.234,5."""
    if float(v).is_integer():
        return f"{v:,.0f}".replace(",", ".")
    return f"{v:,.3f}".rstrip("0").replace(",", "X").replace(".", ",").replace("X", ".")


def check(df: pd.DataFrame, path: str | None = None) -> list[str]:
    """All rules on one tidy table; raises on the first hard break, returns the warnings."""
    warnings: list[str] = _vocab(df)
    values = df["value"]
    known = values.notna()
    _finite(df, known, path)
    counts = df["unit"].isin(COUNT_UNITS) & known
    _counts(df, counts, path)
    _shares(df, df["unit"].eq("Prozent") & known, path)
    _dates(df, path)
    tol = float(df.attrs.get("sum_tolerance", 0.0))
    sub = df[counts]
    _parts(sub, path, tol)
    warnings += _hierarchy(sub, path, tol)
    return warnings


def _vocab(df: pd.DataFrame) -> list[str]:
    """Measures the vocabulary does not know (labels from ``attrs["unmapped_measures"]``)."""
    unknown = sorted(set(df["measure"].astype(str).unique()) - set(norm.measure_names()))
    if not unknown:
        return []
    return [norm.unmapped_warning(unknown, df.attrs.get("unmapped_measures"))]


def _fail(problem: str, path: str | None, hint: str) -> None:
    raise ValidationError(problem, path=path, hint=hint)


def _finite(df: pd.DataFrame, known: pd.Series, path: str | None) -> None:
    bad = known & ~np.isfinite(df["value"].to_numpy(float))
    if bad.any():
        row = df[bad].iloc[0]
        _fail(
            f"Regel 'finite': unendlicher Wert bei {_where(row)}",
            path,
            "Eine Zahl muss endlich sein; bitte die Quelle prüfen (Tippfehler 'inf'?).",
        )


def _counts(df: pd.DataFrame, counts: pd.Series, path: str | None) -> None:
    v = df["value"]
    neg = counts & (v < 0)
    if neg.any():
        ex = df[neg].head(3)
        _fail(
            "Negative Anzahl: "
            + "; ".join(f"{_where(r)}: {_num(r['value'])}" for _, r in ex.iterrows()),
            path,
            "Anzahlen können nicht negativ sein; bitte die Quelle prüfen.",
        )
    frac = counts & ((v - v.round()).abs() > 1e-6)
    if frac.any():
        row = df[frac].iloc[0]
        _fail(
            f"Regel 'count': Anzahl mit Nachkommastellen bei {_where(row)}: {_num(row['value'])} "
            f"({int(frac.sum())} solche Werte)",
            path,
            "Personen und Fälle sind ganze Zahlen. Steht die Tabelle in Tausend (Tsd.), "
            "muss die Einheit das sagen; sonst bitte die Dezimal- und Tausenderzeichen prüfen.",
        )


def _shares(df: pd.DataFrame, pct: pd.Series, path: str | None) -> None:
    if not pct.any():
        return
    change = df["measure"].astype(str).str.contains(CHANGE_RE)
    v = df["value"]
    bad = pct & ~change & ((v < 0) | (v > 100 + 1e-9))
    if bad.any():
        row = df[bad].iloc[0]
        _fail(
            f"Regel 'share': Anteil außerhalb von 0–100 % bei {_where(row)}: {_num(row['value'])} %",
            path,
            "Ein Anteil liegt zwischen 0 und 100 %; bitte Einheit und Dezimalzeichen prüfen.",
        )


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")  # tidy periods (normalise.PERIOD_RE)
_SCHOOL_RE = re.compile(r"^(\d{4})/(\d{2})$")


def _dates(df: pd.DataFrame, path: str | None, today: date | None = None) -> None:
    today = today or date.today()
    for p in pd.unique(df["period"].astype(str)):
        problem = _date_problem(p, today)
        if problem:
            _fail(
                f"Regel 'date': Zeitraum '{p}' {problem}",
                path,
                "Bitte Stichtag bzw. Berichtsjahr der Datei prüfen (TT.MM.JJJJ, JJJJ, JJJJ/JJ).",
            )


def _date_problem(p: str, today: date) -> str | None:
    if m := _DATE_RE.match(p):
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return "ist kein Kalenderdatum (den Tag gibt es nicht)"
        if d > today:
            return f"liegt in der Zukunft (heute ist {today:%d.%m.%Y})"
        year = d.year
    elif m := _SCHOOL_RE.match(p):
        year = int(m[1])
        if (year + 1) % 100 != int(m[2]):
            return "ist kein Schuljahr aus zwei aufeinanderfolgenden Jahren"
    elif re.fullmatch(r"\d{4}", p):
        year = int(p)
    else:
        return "ist weder Stichtag noch Jahr noch Schuljahr"
    if year > today.year:
        return f"liegt in der Zukunft (heute ist {today:%d.%m.%Y})"
    if year < EARLIEST_YEAR:
        return f"liegt vor {EARLIEST_YEAR}"
    return None


_PART_DIMS = ("sex", "nationality", "age_group", "district")
_KEY_DIMS = ["sex", "nationality", "age_group", "school_type", "district", "category"]
_KEY = ["region", "period", "measure", *_KEY_DIMS, "unit"]


def _hash(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """One 64-bit hash per row over `cols` (fast joins on the key without string copies)."""
    return pd.util.hash_pandas_object(df[cols], index=False).to_numpy()


_WHAT = {"sex": "Geschlecht", "nationality": "Nationalität", "age_group": "Altersgruppe"}
_WHAT["district"] = "Stadtteil"


def _parts(df: pd.DataFrame, path: str | None, tol: float) -> None:
    """Parts ≤ total for each breakdown (a single part strictly; their sum within `tol`)."""
    values = df["value"].to_numpy(float)
    for dim in _PART_DIMS:
        is_total = (df[dim] == TOTAL).to_numpy()
        if is_total.all() or not is_total.any():
            continue
        others = [c for c in _KEY if c != dim]
        h = _hash(df, others)
        totals = pd.Series(values[is_total], index=h[is_total])
        totals = totals[~totals.index.duplicated()]
        part_pos = np.flatnonzero(~is_total)
        tot_of_part = totals.reindex(h[part_pos]).to_numpy()
        has = ~np.isnan(tot_of_part)
        if not has.any():
            continue
        part_pos, tot_of_part = part_pos[has], tot_of_part[has]
        single = values[part_pos] > tot_of_part + 1e-9
        if single.any():
            k = int(np.flatnonzero(single)[0])
            ex = df.iloc[part_pos[k]]
            _fail(
                f"Teil größer als Summe bei '{dim}' ({_WHAT[dim]} {ex[dim]}): {_where(ex)}: "
                f"{_num(ex['value'])} > insgesamt {_num(tot_of_part[k])}",
                path,
                "Teilmengen dürfen die Gesamtzahl nicht übersteigen; bitte die Quelle prüfen.",
            )
        if dim == "age_group":
            continue  # age groups may overlap ("15-20", "15-25"): only single parts are checked
        sums = pd.Series(values[part_pos]).groupby(h[part_pos]).sum()
        tot = totals.reindex(sums.index).to_numpy()
        over = sums.to_numpy() > tot * (1 + 1e-9) + 1e-9 + tol
        if over.any():
            key = sums.index[int(np.flatnonzero(over)[0])]
            pos = int(np.flatnonzero((h == key) & is_total)[0])
            ex = df.iloc[pos]
            _fail(
                f"Teil größer als Summe bei '{dim}': die Teile ({_WHAT[dim]}) ergeben zusammen "
                f"{_num(sums[key])} > insgesamt {_num(ex['value'])} bei {_where(ex)}",
                path,
                "Teilmengen dürfen die Gesamtzahl nicht übersteigen; bitte die Quelle prüfen.",
            )


def _parent(region: pd.Series, level: str) -> pd.Series:
    """Kreis (5 digits) of a Gemeinde (8-digit AGS, 12-digit ARS), or Land of a Kreis; else ''."""
    uniq = pd.Series(pd.unique(region.astype(str)))
    n = uniq.str.len()
    digits = uniq.str.fullmatch(r"\d+").fillna(False)
    if level == "Kreis":
        par = uniq.str[:5].where(digits & n.isin([8, 12]), "")
    else:
        par = uniq.str[:2].where(digits & (n == 5), "")
    return region.astype(str).map(dict(zip(uniq, par, strict=True)))


def _example(
    df: pd.DataFrame, mask: np.ndarray, top_key: np.ndarray, keys: pd.Index, sums: np.ndarray
) -> tuple[pd.Series, float]:
    """The parent row and the sum of its children for the first case in `mask`."""
    k = int(np.flatnonzero(mask)[0])
    pos = int(np.flatnonzero(top_key == keys[k])[0])
    return df.iloc[pos], float(sums[k])


def _hierarchy(df: pd.DataFrame, path: str | None, tol: float) -> list[str]:
    """Gemeinden ≤ Kreis and Kreise ≤ Land, for each key present at both levels."""
    if df.empty:
        return []
    warnings: list[str] = []
    others = [c for c in _KEY if c != "region"]
    h_others = _hash(df, others)
    region = df["region"].astype(str)
    h_region = pd.util.hash_array(region.to_numpy(dtype=object))
    values = df["value"].to_numpy(float)
    for parent, child in (("Kreis", "Gemeinden"), ("Land", "Kreise")):
        up = _parent(region, parent).to_numpy(dtype=object)
        kid = up != ""
        if not kid.any():
            continue
        h_up = pd.util.hash_array(up[kid])
        key = h_others[kid] * np.uint64(31) ^ h_up
        g = pd.DataFrame({"k": key, "v": values[kid]}).groupby("k")["v"].agg(["sum", "size"])
        top_key = h_others * np.uint64(31) ^ h_region
        top = pd.Series(values, index=top_key)
        top = top[~top.index.duplicated()]
        pv = top.reindex(g.index).to_numpy()
        ok = ~np.isnan(pv)
        if not ok.any():
            continue
        sums, size, pv, keys = (
            g["sum"].to_numpy()[ok],
            g["size"].to_numpy()[ok],
            pv[ok],
            g.index[ok],
        )
        hard = (sums > pv * HIERARCHY_FACTOR + tol * size + 1e-9) & (pv > 0)
        soft = sums > pv + tol * size + 1e-9

        if hard.any():
            ex, total = _example(df, hard, top_key, keys, sums)
            _fail(
                f"Regel 'hierarchy': die {child} von {parent} {ex['region']} ergeben zusammen "
                f"{_num(total)}, der {parent} selbst nur {_num(ex['value'])} "
                f"({ex['period']}, {ex['measure']}; {int(hard.sum())} solche Fälle)",
                path,
                f"Ein {parent} kann nicht kleiner sein als die Summe seiner {child}; "
                "bitte Einheiten (Tsd.?) und Zahlen der Quelle prüfen.",
            )
        if soft.any():
            ex, total = _example(df, soft, top_key, keys, sums)
            warnings.append(
                f"Regel 'hierarchy': in {int(soft.sum())} Fällen ergeben die {child} zusammen mehr "
                f"als ihr {parent} (z. B. {parent} {ex['region']}, {ex['period']}, "
                f"{ex['measure']}: {_num(total)} > {_num(ex['value'])}) – in der Quelle "
                "selbst (Rundung, Geheimhaltung, mehrere Gebietsstände in einer Tabelle); "
                "Werte unverändert übernommen"
            )
    return warnings


def unknown_regions(df: pd.DataFrame, registry: object) -> list[str]:
    """Region keys of `df` the registry does not know (Gemeinden by their AGS)."""
    out = []
    for key in pd.unique(df["region"].astype(str)):
        if key == "DG":
            continue
        ags = key[:5] + key[9:] if len(key) == 12 else key
        if registry.get(ags) is None and registry.get(key) is None:  # type: ignore[attr-defined]
            out.append(key)
    return sorted(out)


def conflicts(frames: dict[str, pd.DataFrame], tolerance: float = 0.0) -> list[dict]:
    """Keys that two files give different values, one entry per pair of files.

    ``frames`` maps file names to tidy tables. Returns ``{"files": [a, b], "count": n,
    "example": "..."}`` – the store records them as warnings naming both files.
    """
    names, hashes, vals, rows = [], [], [], []
    for f in frames.values():
        f = f[f["value"].notna()]
        if len(f):
            names.append(np.full(len(f), len(names)))
            hashes.append(_hash(f, _KEY))
            vals.append(f["value"].to_numpy(float))
            rows.append(f)
    if len(rows) < 2:
        return []
    file_no, h, v = np.concatenate(names), np.concatenate(hashes), np.concatenate(vals)
    offsets = np.cumsum([0] + [len(r) for r in rows])
    dup = pd.Series(h).duplicated(keep=False).to_numpy()
    if not dup.any():
        return []
    d = pd.DataFrame({"h": h[dup], "f": file_no[dup], "v": v[dup], "i": np.flatnonzero(dup)})
    first = d.drop_duplicates("h", keep="first")
    m = d.merge(first, on="h", suffixes=("", "_1"))
    m = m[(m["f"] != m["f_1"]) & ((m["v"] - m["v_1"]).abs() > tolerance)]
    keys = list(frames)
    file_names = [k for k in keys if len(frames[k][frames[k]["value"].notna()])]
    out = []
    for (fa, fb), g in m.groupby(["f_1", "f"], sort=True):
        a, b = file_names[int(fa)], file_names[int(fb)]
        i = int(g["i"].iloc[0])
        row = rows[int(fb)].iloc[i - offsets[int(fb)]]
        out.append(
            {
                "files": [a, b],
                "count": len(g),
                "example": f"{_where(row)}: {_num(g['v_1'].iloc[0])} in '{a}', "
                f"{_num(g['v'].iloc[0])} in '{b}'",
            }
        )
    return out
