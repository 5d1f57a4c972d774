"""ibislib.survey: frequencies with suppression, compare() against the published Abbildung 11,
Likert charts, weighting, open-answer coding (themes only, at least 5 persons), institution
survey with suppressed ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibislib.survey import compare as cmp
from ibislib.survey import frequencies as fq
from ibislib.survey import likert, open_answers, weighting
from ibislib.survey.institutions import target_groups
from ibislib.survey.io import example

ORDER = ["stimme voll und ganz zu", "stimme zu", "stimme teilweise zu", "stimme nicht zu"]


def published_abb11() -> pd.DataFrame:
    """The table of Abbildung 11 as respondent rows."""
    rows = []
    for group, counts in (("mit", [2, 6, 14, 2]), ("ohne", [14, 57, 111, 14])):
        for cat, k in zip(ORDER, counts, strict=True):
            rows += [{"g": group, "wohl": cat}] * k
    df = pd.DataFrame(rows)
    df["wohl"] = pd.Categorical(df["wohl"], categories=ORDER, ordered=True)
    df["g"] = pd.Categorical(df["g"], categories=["mit", "ohne"])
    return df


@pytest.fixture(scope="module")
def abb11_result():
    return cmp.compare(published_abb11(), "wohl", "g")


def test_compare_reproduces_published_abbildung_11(abb11_result):
    r = abb11_result
    assert r.n == {"mit": 24, "ohne": 196}
    assert r.p_mannwhitney_asymptotic == pytest.approx(0.80, abs=0.005)
    assert r.p_mannwhitney == pytest.approx(0.80, abs=0.03)  # permutation, seeded
    assert r.p_fisher == pytest.approx(0.91, abs=0.02)
    assert r.odds_ratio == pytest.approx(1.12, abs=0.01)
    assert r.or_ci[0] == pytest.approx(0.48, abs=0.01)
    assert r.or_ci[1] == pytest.approx(2.57, abs=0.01)
    assert r.share_agree["mit"] == pytest.approx(100 * 8 / 24)
    lo, hi = r.diff_ci_pp
    assert lo < r.diff_pp < hi and hi - lo > 30
    assert -0.1 < r.rank_biserial < 0.1
    # seeded: the same p twice
    again = cmp.compare(published_abb11(), "wohl", "g", n_resamples=999)
    assert again.p_fisher == cmp.compare(published_abb11(), "wohl", "g", n_resamples=999).p_fisher


def test_sentence_never_says_no_difference_when_interval_is_wide(abb11_result):
    r = abb11_result
    s = r.sentence()
    assert "nicht signifikant" in s
    assert "kein Unterschied" not in s and "keinen Unterschied" not in s
    assert "nicht, dass beide Gruppen gleich antworten" in s
    assert "n = 24" in s and "n = 196" in s


def test_sentence_significant_direction():
    rows = [{"g": "a", "x": ORDER[0]}] * 60 + [{"g": "a", "x": ORDER[3]}] * 5
    rows += [{"g": "b", "x": ORDER[0]}] * 10 + [{"g": "b", "x": ORDER[3]}] * 55
    df = pd.DataFrame(rows)
    df["x"] = pd.Categorical(df["x"], categories=ORDER, ordered=True)
    r = cmp.compare(df, "x", "g", n_resamples=999)
    assert r.significant and r.odds_ratio < 1
    assert "häufiger zu" in r.sentence()


def test_newcombe_known_value():
    # Newcombe (1998), example: 56/70 vs 48/80 -> 0.2 [0.0524; 0.3339]
    d, (lo, hi) = cmp.newcombe(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert lo == pytest.approx(0.0524, abs=0.0005)
    assert hi == pytest.approx(0.3339, abs=0.0005)


def test_frequencies_count_nonresponse_and_suppress_small_cells():
    df = published_abb11()
    df.loc[0, "wohl"] = np.nan  # one non-response in group "mit"
    f = fq.frequencies(df, "wohl", "g")
    mit = f[f["group"] == "mit"].set_index("category")
    assert mit.loc["keine Angabe", "count"] == 1
    assert mit["n_valid"].iloc[0] == 23 and mit["n_missing"].iloc[0] == 1
    # 1 and 2 respondents: primary suppression
    assert mit.loc["stimme voll und ganz zu", "suppressed"]
    assert mit.loc["stimme nicht zu", "suppressed"]
    assert not mit.loc["stimme teilweise zu", "suppressed"]
    # secondary: "insgesamt" minus "ohne" must not reveal the hidden cell of "mit"
    row = f[f["category"] == "stimme voll und ganz zu"].set_index("group")["suppressed"]
    assert row.sum() >= 2
    shown = fq.display_table(f)
    assert (shown.values == fq.SUPPRESSED).sum() >= 4
    assert "1" not in shown.iloc[0, 1:].tolist()


def test_suppression_no_single_hidden_cell_per_column():
    tab = pd.DataFrame({"a": [3, 10, 12], "b": [20, 30, 8]}, index=["x", "y", "z"])
    tab["insgesamt"] = tab.sum(axis=1)
    mask = fq.suppress(tab)
    assert mask.loc["x", "a"]
    for c in tab.columns:
        assert mask[c].sum() != 1
    for r in tab.index:
        assert mask.loc[r].sum() != 1


def test_likert_chart_and_shares():
    df, book = example("05566028")
    p = likert.shares(df, "augenhoehe", "migration")
    assert p.attrs["n"]["ohne Einwanderungshintergrund"] == 191
    assert p.loc["ohne Einwanderungshintergrund", "stimme nicht zu"] == pytest.approx(
        100 * 29 / 191
    )
    fig = likert.diverging(p, agree=book.agree_labels("augenhoehe"))
    texts = [t.get_text() for t in fig.axes[0].texts]
    # without background all four cells labelled (8, 28, 49, 15 %); with background only
    # 24 % and 52 %: 2 of 25 (8 %) and 4 of 25 (16 %) are fewer than 5 respondents
    assert sorted(texts) == sorted(["8", "28", "49", "15", "24", "52"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("n = 25" in lab for lab in labels)


def test_raking_matches_margins_and_reports_efficiency():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "sex": rng.choice(["w", "m"], 300, p=[0.7, 0.3]),
            "age": rng.choice(["jung", "alt"], 300, p=[0.2, 0.8]),
        }
    )
    m = [
        weighting.Margin("sex", {"w": 0.5, "m": 0.5}),
        weighting.Margin("age", {"jung": 0.4, "alt": 0.6}),
    ]
    r = weighting.rake(df, m, trim=None)
    assert r.converged
    w = r.weights
    assert w[df["sex"] == "w"].sum() / w.sum() == pytest.approx(0.5, abs=1e-4)
    assert w[df["age"] == "jung"].sum() / w.sum() == pytest.approx(0.4, abs=1e-4)
    assert 0 < r.efficiency < 1 and r.n_effective < 300


def test_margins_from_store():
    from ibislib import store

    st = store.load()
    m = weighting.margin_nationality(st, "05566028")
    # delivery: 5,263 foreigners of 53,363 inhabitants on 30.09.2022
    assert m.shares["kein deutscher Pass"] == pytest.approx(5263 / 53363)
    sex = weighting.margin_sex(st, "05566028")
    assert sex.shares["weiblich"] == pytest.approx(25759 / 50935)


def test_theme_coding_catches_compounds_and_multiple_codes():
    s = pd.Series(
        [
            "Sprachkurse und Deutschkenntnisse",
            "Offenheit und ein friedliches Miteinander",
            "weiß nicht",
            "Anpassung an die deutsche Kultur",
            "Betroffene sollten Hilfe bekommen",
        ]
    )
    c = open_answers.code_answers(s)
    assert c.loc[0, "teilhabe"] and not c.loc[0, "nicht_zuordenbar"]
    assert c.loc[1, "austausch"] and c.loc[1, "miteinander"]
    assert c.loc[2, "nicht_zuordenbar"]
    assert c.loc[3, "assimilation"] and not c.loc[3, "austausch"] and not c.loc[3, "teilhabe"]
    assert not c.loc[4, "austausch"]  # "_offen" must start a word: not "Betroffene"
    f = open_answers.theme_frequencies(c)
    assert f["Personen"].sum() > len(s) - 1  # multiple codes per person
    assert f.iloc[-1]["Thema"] == "nicht zuordenbar"


def test_only_themes_named_by_five_persons_are_publishable():
    s = pd.Series(["Sprachkurse"] * 7 + ["Offenheit"] * 4 + ["weiß nicht"] * 5)
    f = open_answers.theme_frequencies(open_answers.code_answers(s))
    shown = open_answers.publishable(f)
    assert shown["Personen"].min() >= 5
    assert "nicht zuordenbar" in set(shown["Thema"])  # 5 persons: shown
    assert len(shown) < len(f[f["Personen"] > 0])  # the theme of the 4 is left out
    assert shown.attrs["n"] == 16
    assert not hasattr(open_answers, "quotes")  # no quotes, scrubbed or not


def test_hidden_counts_primary_and_secondary():
    assert fq.hidden([300, 41, 3, 20]) == [False, False, True, True]  # 20 guards the 3
    assert fq.hidden([300, 41, 3, 2]) == [False, False, True, True]
    assert fq.hidden([300, 41, 0, 20]) == [False] * 4  # a zero is no person
    assert fq.hidden([7, 3, 9], adds_up=False) == [False, True, False]


def test_small_groups_hide_their_size():
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 30 + ["c"] * 20, "x": ["ja"] * 53})
    df["x"] = pd.Categorical(df["x"], categories=["ja", "nein"])
    shown = fq.display_table(fq.frequencies(df, "x", "g")).set_index("Antwort")
    n = shown.loc["Befragte insgesamt"]
    assert n["a: Anzahl"] == fq.SUPPRESSED and n["c: Anzahl"] == fq.SUPPRESSED  # 20 guards 3
    assert n["b: Anzahl"] == "30" and n["insgesamt: Anzahl"] == "53"


def test_language_sentence_hides_small_counts():
    from ibislib.survey.chapter import language_text

    s = pd.Series(["de"] * 300 + ["en"] * 41 + ["fr"] * 3 + ["ls"] * 6)
    text = language_text(s)
    assert "Deutsch 300" in text and "Englisch 41" in text
    assert "Französisch 3" not in text and "Leichte Sprache 6" not in text  # 6 guards the 3
    assert "Leichte Sprache und Französisch (aus Datenschutzgründen" in text
    assert (
        language_text(pd.Series(["*x*"] * 9)) == "\\*x\\* 9"
    )  # a code from data: Markdown-escaped


def test_institution_ratings_are_suppressed():
    from ibislib.survey.institutions import rating_table

    inst, book = example("05566028", "institutionen")
    items = book.battery("bewertung")
    tab = rating_table(inst, book, items)
    cells = tab.drop(columns=["Frage", "n"])
    shown = [v for v in cells.to_numpy().ravel() if v != fq.SUPPRESSED]
    assert all(int(v.replace(".", "")) == 0 or int(v.replace(".", "")) >= 5 for v in shown)
    # the published table had 1, 4, 1, 1 and "keine Angabe 3": now suppressed
    assert (cells == fq.SUPPRESSED).to_numpy().sum() >= 2
    # no row has exactly one hidden cell (it could be recovered from n)
    assert ((cells == fq.SUPPRESSED).sum(axis=1) != 1).all()
    assert list(tab.columns)[-2:] == ["keine Angabe", "n"]


def test_share_sentence_refuses_small_counts():
    from ibislib.survey.institutions import share_text

    df = pd.DataFrame({"x": pd.Categorical(["ja"] * 12 + ["nein"] * 3 + [None] * 6)})
    assert share_text(df, "x", ["ja"]) is None  # 3 "nein" could be recovered
    df = pd.DataFrame({"x": pd.Categorical(["ja"] * 12 + ["nein"] * 8 + [None] * 6)})
    assert share_text(df, "x", ["ja"]) == "60\u202f% (12 von 20)"


def test_institution_target_groups():
    offers, book = example("05566028", "angebote")
    tg = target_groups(offers, book)
    assert tg.attrs["n"] == 100
    pre = tg.set_index("Zielgruppe").loc["Kinder im Vorschulalter", "Angebote"]
    assert pre == 15 and tg["Angebote"].min() == 15
    assert (offers["speziell_migration"] == "ja").mean() == pytest.approx(0.38)
    assert (offers["speziell_schutzsuchende"] == "ja").mean() == pytest.approx(0.27)


@pytest.mark.parametrize(
    "table",
    [
        [[10, 5, 3, 2], [4, 8, 6, 9]],
        [[1, 0, 5], [3, 2, 0]],
        [[2, 1], [1, 2]],
        [[7, 1, 0], [0, 1, 4]],
    ],
)
def test_vectorised_fisher_equals_scipy(table):
    """Issue 17: the vectorised Fisher r×c gives scipy's p-value exactly (same pairings)."""
    import numpy as np
    from scipy import stats

    from ibislib.survey.compare import fisher_rxc

    t = np.array(table)
    ref = stats.fisher_exact(
        t, method=stats.PermutationMethod(n_resamples=999, random_state=np.random.default_rng(7))
    ).pvalue
    assert fisher_rxc(t, 999, 7) == pytest.approx(float(ref), abs=0)
