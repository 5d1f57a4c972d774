"""Comparing two groups on an ordinal (Likert) item.

``compare(df, item, group)`` reports, always with n per group and intervals:

* Mann-Whitney U with a seeded permutation p-value (and the tie-corrected normal
  approximation) and the rank-biserial correlation r;
* Fisher's exact test for the whole r×c table (seeded Monte-Carlo permutation, scipy ≥ 1.15);
* an ordered logit (statsmodels ``OrderedModel``, ``distr="logit"``): odds ratio with 95 % CI;
* the share agreeing per group and the difference with a Newcombe (Wilson-score) 95 % CI;
* a German sentence that never calls a non-significant result "no difference" when the
  interval is wide.

Direction: answers are ranked in the item's category order (for the Likert items here:
"stimme voll und ganz zu" first). r > 0 and OR > 1 mean that the *first* group tends towards
the later categories (i.e. agrees less).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .. import fmt
from ..escape import markdown_text as md
from . import frequencies as fq

SEED = 20221004
N_RESAMPLES = 9999
ALPHA = 0.05
#: A non-significant difference is only called "small" when the CI stays within ± this many pp.
NARROW_PP = 10.0


@dataclass
class CompareResult:
    item: str
    group: str
    groups: tuple[str, str]
    n: dict[str, int]
    n_missing: dict[str, int]
    table: pd.DataFrame
    u: float
    p_mannwhitney: float
    p_mannwhitney_asymptotic: float
    rank_biserial: float
    p_fisher: float
    odds_ratio: float
    or_ci: tuple[float, float]
    agree_labels: list[str]
    share_agree: dict[str, float]
    diff_pp: float
    diff_ci_pp: tuple[float, float]
    question: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        return min(self.p_mannwhitney, self.p_fisher) < ALPHA

    def summary(self) -> pd.DataFrame:
        """One-row table for the report (numbers, German headers)."""
        g1, g2 = self.groups
        return pd.DataFrame(
            [
                {
                    "Aussage": self.question or self.item,
                    f"n {g1}": self.n[g1],
                    f"n {g2}": self.n[g2],
                    f"Zustimmung {g1} (%)": self.share_agree[g1],
                    f"Zustimmung {g2} (%)": self.share_agree[g2],
                    "Differenz (Prozentpunkte)": self.diff_pp,
                    "95-%-KI Differenz": _ci_text(self.diff_ci_pp, 1),
                    "Mann-Whitney p": self.p_mannwhitney,
                    "r (Rangbiserial)": self.rank_biserial,
                    "Fisher p": self.p_fisher,
                    "Odds Ratio [95-%-KI]": f"{fmt.number(self.odds_ratio, 2)} {_ci_text(self.or_ci, 2)}",
                }
            ]
        )

    def n_text(self, g: str) -> str:
        """The n of group `g` as printed: '•' where it would reveal 1–4 skipped answers (the
        group sizes are published, see :func:`frequencies.n_hidden`)."""
        return fq.n_text(self.n[g], self.n[g] + self.n_missing[g])

    @property
    def n_suppressed(self) -> bool:
        """Whether a printed n of this comparison is '•'."""
        return any(self.n_text(g) == fq.SUPPRESSED for g in self.groups)

    def compact(self, abbr: tuple[str, str] | None = None) -> dict:
        """One row of text cells for a narrow report table (first group / second group)."""
        g1, g2 = self.groups
        a1, a2 = abbr or self.groups
        return {
            "Aussage": self.question or self.item,
            f"n ({a1} / {a2})": f"{self.n_text(g1)} / {self.n_text(g2)}",
            "Zustimmung (%)": f"{fmt.number(self.share_agree[g1], 1)} / {fmt.number(self.share_agree[g2], 1)}",
            "Differenz in Prozentpunkten [95-%-KI]": f"{fmt.number(self.diff_pp, 1)} {_ci_text(self.diff_ci_pp, 1)}",
            "p Mann-Whitney / Fisher": f"{fmt.number(self.p_mannwhitney, 2)} / {fmt.number(self.p_fisher, 2)}",
            "r": fmt.number(self.rank_biserial, 2),
            "Odds Ratio [95-%-KI]": f"{fmt.number(self.odds_ratio, 2)} {_ci_text(self.or_ci, 2)}",
        }

    def sentence(self, short: dict[str, str] | None = None) -> str:
        """German sentence with n, shares, difference and its interval."""
        g1, g2 = self.groups
        s = short or {}
        # labels come from the codebook (data): Markdown-escaped, the sentence is report prose
        a1, a2 = md(s.get(g1, g1)), md(s.get(g2, g2))
        lo, hi = self.diff_ci_pp
        agree = " oder ".join(f"„{md(lab)}“" for lab in self.agree_labels)
        base = (
            f"Mit {agree} antworteten {fmt.percent(self.share_agree[g1])} der Befragten {a1} "
            f"(n = {self.n_text(g1)}) und {fmt.percent(self.share_agree[g2])} der Befragten "
            f"{a2} (n = {self.n_text(g2)}); die Differenz beträgt "
            f"{fmt.number(self.diff_pp, 1)} Prozentpunkte (95-%-Konfidenzintervall "
            f"{fmt.number(lo, 1)} bis {fmt.number(hi, 1)})."
        )
        tests = (
            f"Mann-Whitney-U-Test p = {fmt.number(self.p_mannwhitney, 2)}, "
            f"Fisher-Test p = {fmt.number(self.p_fisher, 2)}, Odds Ratio "
            f"{fmt.number(self.odds_ratio, 2)} {_ci_text(self.or_ci, 2)}"
        )
        if self.significant:
            direction = "seltener" if self.rank_biserial > 0 else "häufiger"
            return (
                f"{base} Befragte {a1} stimmen {direction} zu als Befragte {a2}; der Unterschied "
                f"ist statistisch signifikant ({tests})."
            )
        width = max(abs(lo), abs(hi))
        if width >= NARROW_PP:
            return (
                f"{base} Der Unterschied ist statistisch nicht signifikant ({tests}). Das heißt "
                f"nicht, dass beide Gruppen gleich antworten: Bei diesen Fallzahlen sind "
                f"Unterschiede von bis zu {fmt.number(math.ceil(width))} Prozentpunkten mit den "
                f"Daten vereinbar."
            )
        return (
            f"{base} Der Unterschied ist statistisch nicht signifikant ({tests}); Unterschiede "
            f"von mehr als {fmt.number(math.ceil(width))} Prozentpunkten sind nach dem "
            f"Konfidenzintervall unwahrscheinlich."
        )


def _ci_text(ci: tuple[float, float], d: int) -> str:
    return f"[{fmt.number(ci[0], d)}; {fmt.number(ci[1], d)}]"


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (as shares 0..1)."""
    if n == 0:
        return (np.nan, np.nan)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, tuple[float, float]]:
    """Difference p1 − p2 with Newcombe's hybrid score interval (method 10), as shares."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, (lo, hi)


def ordered_logit(y: np.ndarray, x: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Odds ratio (and 95 % CI) of a higher category for x = 1 vs x = 0."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(y, x.reshape(-1, 1).astype(float), distr="logit").fit(
            method="bfgs", disp=False, maxiter=1000
        )
    beta = float(np.asarray(res.params)[0])
    lo, hi = np.asarray(res.conf_int())[0]
    return math.exp(beta), (math.exp(lo), math.exp(hi))


def fisher_rxc(table: np.ndarray, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> float:
    """Fisher's exact test for an r×c table, permutation p-value: the same test, the same
    random pairings (same seed) and so the same p-value as ``scipy.stats.fisher_exact(table,
    method=PermutationMethod(...))``, but the statistic is vectorised: scipy cross-tabulates
    each of the 9.999 resamples in Python (issue 17: 5,2 of 6,7 CPU-s of the survey chapter);
    here one ``bincount`` tabulates a whole batch and ``random_table.pmf`` rates it."""
    table = np.asarray(table, dtype=np.int64)
    r, c = table.shape
    if r == 1 or c == 1 or not table.any():
        return 1.0  # only one table with these margins
    # the paired samples as scipy builds them (row index x, column index y, cell by cell)
    x = np.repeat(np.repeat(np.arange(r), c), table.ravel())
    y = np.repeat(np.tile(np.arange(c), r), table.ravel())
    dist = stats.random_table(table.sum(axis=1), table.sum(axis=0))

    def statistic(xs: np.ndarray, axis: int = -1) -> np.ndarray:
        batch = np.atleast_2d(xs)
        k = batch.shape[0]
        cells = batch.astype(np.int64) * c + y + (np.arange(k) * (r * c))[:, None]
        tables = np.bincount(cells.ravel(), minlength=k * r * c).reshape(k, r, c)
        pmf = dist.pmf(tables)
        return pmf if np.ndim(xs) > 1 else pmf[0]

    res = stats.permutation_test(
        (x,),
        statistic,
        permutation_type="pairings",
        alternative="less",
        vectorized=True,
        n_resamples=n_resamples,
        random_state=np.random.default_rng(seed),
    )
    return float(res.pvalue)


def mann_whitney_permutation(
    x1: np.ndarray, x2: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """U1 and its two-sided permutation p-value: the same resamples (same generator) and so
    the same p-value as ``scipy.stats.mannwhitneyu(x1, x2, method=PermutationMethod(...))``.
    scipy ranks each of the 9.999 resamples afresh; the pooled values are the same in every
    resample, so their mid-ranks are computed once and U1 is a sum of looked-up ranks."""
    x1 = np.asarray(x1, dtype=float)
    x2 = np.asarray(x2, dtype=float)
    n1 = len(x1)
    values, counts = np.unique(np.r_[x1, x2], return_counts=True)
    midrank = np.cumsum(counts) - (counts - 1) / 2  # ties share their mean rank

    def u1(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        ranks = midrank[np.searchsorted(values, np.moveaxis(a, axis, -1))]
        return ranks.sum(axis=-1) - n1 * (n1 + 1) / 2

    res = stats.permutation_test(
        (x1, x2),
        u1,
        permutation_type="independent",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="two-sided",
        random_state=rng,
    )
    return float(res.statistic), float(np.clip(res.pvalue, 0.0, 1.0))


def compare(
    df: pd.DataFrame,
    item: str,
    group: str,
    groups: tuple[str, str] | None = None,
    agree: list[str] | None = None,
    seed: int = SEED,
    n_resamples: int = N_RESAMPLES,
    question: str = "",
) -> CompareResult:
    """Two-group comparison of an ordinal item (unweighted). `groups`: the two group labels
    (default: the first two categories of `group`); `agree`: categories counted as agreement
    (default: the first two categories of the item)."""
    s = df[item]
    if not isinstance(s.dtype, pd.CategoricalDtype) or not s.cat.ordered:
        raise TypeError(f"'{item}' ist kein geordnetes kategoriales Merkmal (Codebuch prüfen)")
    cats = list(s.cat.categories)
    glabels = (
        list(df[group].cat.categories)
        if isinstance(df[group].dtype, pd.CategoricalDtype)
        else sorted(df[group].dropna().unique())
    )
    g1, g2 = groups or (glabels[0], glabels[1])
    agree = agree or cats[:2]
    ranks = s.cat.codes.astype(float).where(s.notna())
    in1, in2 = df[group].astype(object) == g1, df[group].astype(object) == g2
    x1 = ranks[in1].dropna().to_numpy()
    x2 = ranks[in2].dropna().to_numpy()
    n1, n2 = len(x1), len(x2)
    if n1 == 0 or n2 == 0:
        raise ValueError(f"Eine der Gruppen hat keine gültigen Antworten zu '{item}'")
    u, p_perm = mann_whitney_permutation(x1, x2, n_resamples, np.random.default_rng(seed))
    mw_asym = stats.mannwhitneyu(x1, x2, method="asymptotic")
    r = 2 * u / (n1 * n2) - 1  # > 0: group 1 ranks higher (later categories)
    table = pd.DataFrame(
        {
            g1: pd.Series(x1).value_counts().reindex(range(len(cats)), fill_value=0).to_numpy(),
            g2: pd.Series(x2).value_counts().reindex(range(len(cats)), fill_value=0).to_numpy(),
        },
        index=pd.Index(cats, name=item),
    )
    used = table[(table[g1] + table[g2]) > 0]
    p_fisher = fisher_rxc(used.T.to_numpy(), n_resamples, seed)
    y = np.r_[x1, x2].astype(int)
    x = np.r_[np.ones(n1), np.zeros(n2)]
    # OrderedModel needs the categories actually observed, numbered 0..k-1
    _, y = np.unique(y, return_inverse=True)
    or_, or_ci = ordered_logit(y, x)
    k1 = int(table.loc[agree, g1].sum())
    k2 = int(table.loc[agree, g2].sum())
    d, (lo, hi) = newcombe(k1, n1, k2, n2)
    return CompareResult(
        item=item,
        group=group,
        groups=(g1, g2),
        n={g1: n1, g2: n2},
        n_missing={g1: int(in1.sum()) - n1, g2: int(in2.sum()) - n2},
        table=table,
        u=u,
        p_mannwhitney=p_perm,
        p_mannwhitney_asymptotic=float(mw_asym.pvalue),
        rank_biserial=r,
        p_fisher=p_fisher,
        odds_ratio=or_,
        or_ci=or_ci,
        agree_labels=list(agree),
        share_agree={g1: 100 * k1 / n1, g2: 100 * k2 / n2},
        diff_pp=100 * d,
        diff_ci_pp=(100 * lo, 100 * hi),
        question=question,
    )
