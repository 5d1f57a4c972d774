"""Weighting a survey to population margins by raking (iterative proportional fitting).

Margins come from the tidy store (e.g. Ibbenbüren's population by sex 2015, by age group
2015, by nationality 2022). Respondents without a value for a raking variable keep their
weight for that variable (they are neither adjusted nor dropped). Reported with the
weighting efficiency (Kish) and the effective n. Group comparisons stay unweighted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataMissingError
from ..tidy import TOTAL, age_bounds


@dataclass
class Margin:
    """Population distribution of one raking variable."""

    variable: str  # survey column
    shares: dict[str, float]  # survey category -> population share (sums to 1)
    period: str = ""
    source: str = ""


@dataclass
class RakingResult:
    weights: pd.Series
    efficiency: float  # (Σw)² / (n Σw²)
    n: int
    n_effective: float
    iterations: int
    converged: bool
    margins: list[Margin]

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Befragte (n)": self.n,
                    "Effektive Fallzahl": self.n_effective,
                    "Gewichtungseffizienz (%)": 100 * self.efficiency,
                    "kleinstes Gewicht": float(self.weights.min()),
                    "größtes Gewicht": float(self.weights.max()),
                }
            ]
        )


def kish(weights: pd.Series) -> float:
    w = weights.to_numpy(dtype=float)
    return float(w.sum() ** 2 / (len(w) * (w**2).sum()))


def rake(
    df: pd.DataFrame,
    margins: list[Margin],
    max_iter: int = 100,
    tol: float = 1e-6,
    trim: tuple[float, float] | None = (0.2, 5.0),
) -> RakingResult:
    """Raking weights (mean 1) so that weighted shares match every margin."""
    w = np.ones(len(df))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (reported as iterations)
        worst = 0.0
        for m in margins:
            col = df[m.variable].astype(object)
            valid = col.isin(list(m.shares)).to_numpy()
            total = w[valid].sum()
            for cat, share in m.shares.items():
                sel = (col == cat).to_numpy()
                current = w[sel].sum()
                if current <= 0 or share <= 0:
                    continue
                factor = share * total / current
                worst = max(worst, abs(factor - 1))
                w[sel] *= factor
        if trim is not None:
            w = np.clip(w / w.mean(), *trim)
        if worst < tol:
            converged = True
            break
    w = w / w.mean()
    weights = pd.Series(w, index=df.index, name="gewicht")
    eff = kish(weights)
    return RakingResult(weights, eff, len(df), eff * len(df), it, converged, margins)


# --------------------------------------------------------------------------------------------
# margins from the tidy store
# --------------------------------------------------------------------------------------------


def _latest(sel: pd.DataFrame) -> pd.DataFrame:
    sel = sel[sel["value"].notna()]
    if sel.empty:
        return sel
    last = sorted(sel["period"].unique())[-1]
    sel = sel[sel["period"] == last]
    # the same numbers may come from several tables: use one
    return sel[sel["table"] == sorted(sel["table"].unique())[0]]


def _base(store: pd.DataFrame, region: str) -> pd.DataFrame:
    s = store[(store["region"] == region) & (store["measure"] == "bevoelkerung")]
    return s[(s["district"] == TOTAL) & (s["category"] == TOTAL) & (s["unit"] == "Anzahl")]


def margin_sex(store: pd.DataFrame, region: str, variable: str = "geschlecht") -> Margin:
    s = _base(store, region)
    s = _latest(
        s[
            (s["nationality"] == TOTAL)
            & (s["age_group"] == TOTAL)
            & s["sex"].isin(["weiblich", "männlich"])
        ]
    )
    if s["sex"].nunique() < 2:
        raise DataMissingError(f"Keine Bevölkerung nach Geschlecht für {region} im Datenspeicher")
    v = s.groupby("sex")["value"].sum()
    return Margin(variable, (v / v.sum()).to_dict(), s["period"].iloc[0], s["source"].iloc[0])


def margin_nationality(
    store: pd.DataFrame,
    region: str,
    variable: str = "pass",
    labels: tuple[str, str] = ("deutscher Pass", "kein deutscher Pass"),
) -> Margin:
    s = _base(store, region)
    s = s[(s["sex"] == TOTAL) & (s["age_group"] == TOTAL)]
    both = s.pivot_table(index="period", columns="nationality", values="value", aggfunc="first")
    if "ausländisch" not in both.columns or TOTAL not in both.columns:
        raise DataMissingError(
            f"Keine Bevölkerung nach Staatsangehörigkeit für {region} im Datenspeicher"
        )
    both = both.dropna(subset=["ausländisch", TOTAL])
    if both.empty:
        raise DataMissingError(
            f"Keine Bevölkerung nach Staatsangehörigkeit für {region} im Datenspeicher"
        )
    period = both.index[-1]
    foreign = both.loc[period, "ausländisch"] / both.loc[period, TOTAL]
    src = s[(s["period"] == period) & (s["nationality"] == "ausländisch")]["source"].iloc[0]
    return Margin(variable, {labels[0]: 1 - foreign, labels[1]: foreign}, period, src)


def margin_age(
    store: pd.DataFrame,
    region: str,
    bands: dict[str, tuple[int, int | None]],
    variable: str = "alter",
) -> Margin:
    """Survey age bands {label: (from, to_inclusive or None)} from the store's age groups.
    Store groups are assigned to the band that contains their lower bound."""
    s = _base(store, region)
    s = s[(s["sex"] == TOTAL) & (s["nationality"] == TOTAL) & (s["age_group"] != TOTAL)]
    s = _latest(s)
    if s.empty:
        raise DataMissingError(
            f"Keine Bevölkerung nach Altersgruppen für {region} im Datenspeicher"
        )
    out: dict[str, float] = dict.fromkeys(bands, 0.0)
    for ag, v in s.groupby("age_group")["value"].sum().items():
        lo, _hi = age_bounds(ag)
        for label, (a, b) in bands.items():
            if lo >= a and (b is None or lo <= b):
                out[label] += v
    total = sum(out.values())
    if total <= 0:
        raise DataMissingError(
            f"Altersgruppen im Datenspeicher passen nicht zu den Befragungsgruppen ({region})"
        )
    return Margin(
        variable, {k: v / total for k, v in out.items()}, s["period"].iloc[0], s["source"].iloc[0]
    )


#: Age bands of the Ibbenbüren questionnaire (inclusive), for margin_age.
AGE_BANDS = {
    "18 bis 25 Jahre": (18, 24),
    "26 bis 40 Jahre": (25, 39),
    "41 bis 50 Jahre": (40, 49),
    "51 bis 64 Jahre": (50, 64),
    "65 Jahre und älter": (65, None),
}


def weighted_share(df: pd.DataFrame, item: str, categories: list[str], weights: pd.Series) -> float:
    """Weighted percent of valid answers in `categories`."""
    valid = df[item].notna()
    w = weights[valid]
    return float(100 * w[df.loc[valid, item].astype(object).isin(categories)].sum() / w.sum())
