"""One label, two meanings: the vocabulary's with_statistic rules on the real exports in data/raw/.

"Absolvierende/Abgehende" is all the unit line (21111) or the header (21121) says, and "Personen"
is all the content of both 1000A and 2000S (Zensus 2022) says. Before the rules, both school
tables became one measure 'absolvierende_abgehende' (879 conflicting values in the store), and
2000S's 80.777.360 persons sat next to 1000A's 82.719.540 inhabitants as `bevoelkerung`.
The expected numbers are read from the files' own lines here, not from a loader.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import ibislib
from ibislib import paths, plausibility
from ibislib.ingest import normalise as norm

RAW = paths.raw_dir()
ALLG = RAW / "regionalstatistik" / "21111-02-06-4__absolventen_abschlussart_kreise_2023.csv"
BERUF = RAW / "regionalstatistik" / "21121-02-02-4__absolventen_berufliche_schulen_kreise_2023.csv"
ZENSUS_BE = RAW / "genesis_flat" / "2000S-2003__einwanderungsgeschichte_erwerbsstatus_2022.csv"
ZENSUS_BEV = RAW / "genesis_flat" / "1000A-0000_1773175153999_de_flat.csv"
OLD_ALLG = Path(__file__).parent / "fixtures" / "other_exports" / "21111-02-06-4_00__SUBSET.csv"


def cells(path: Path, prefix: str) -> list[str]:
    """The cells of the one line of a classic table that starts with `prefix`."""
    (line,) = [s for s in path.read_text(encoding="latin-1").splitlines() if s.startswith(prefix)]
    return line.split(";")


def total(df: pd.DataFrame, region: str, measure: str) -> float:
    sel = df[
        (df["region"] == region)
        & (df["measure"] == measure)
        & (df["sex"] == "insgesamt")
        & (df["category"] == "insgesamt")
    ]
    assert len(sel) == 1, sel
    return float(sel["value"].iloc[0])


@pytest.fixture(scope="module")
def schools() -> tuple[pd.DataFrame, pd.DataFrame]:
    return ibislib.read(ALLG), ibislib.read(BERUF)


def test_the_statistic_decides_what_a_bare_label_counts() -> None:
    assert norm.statistic_of("21111-02-06-4") == "21111"
    assert norm.statistic_of("2000S-2003") == "2000S"
    assert norm.statistic_of(" 12411 ") == "12411"
    assert norm.statistic_of("Lieferung Stadt") == ""
    bare = "Absolvierende/Abgehende"
    assert norm.measure("", bare) is None  # no table: unmapped and reported, never a guess
    assert norm.measure("", bare, "21111-02-06-4") == "absolvierende_allgemeinbildend"
    assert norm.measure("", bare, "21121-02-02-4") == "absolvierende_beruflich"
    assert norm.measure("", "Absolventen/Abgänger", "21111") == "absolvierende_allgemeinbildend"
    assert norm.measure("", bare, "12411-01-01-4") is None
    assert norm.measure("PRS004", "Personen", "2000S") == "personen_zensus_bildung_erwerb"
    assert norm.measure("PRS001", "Personen", "1000A") == "bevoelkerung"


def test_school_leaver_tables_get_their_own_measures(schools) -> None:
    allg, beruf = schools
    assert set(allg["measure"]) == {"absolvierende_allgemeinbildend"}
    assert set(beruf["measure"]) == {
        "absolvierende_beruflich",
        "absolvierende_beruflich_fhr_schulteil",
    }
    assert not allg.attrs.get("warnings") or not any(
        "Regel 'vocab'" in w for w in allg.attrs["warnings"]
    )
    assert not any("Regel 'vocab'" in w for w in beruf.attrs.get("warnings", []))
    # Kreis Steinfurt and Germany, 2023: the numbers of the files' own lines
    for region, prefix in (("05566", "2023;05566;"), ("DG", "2023;DG;")):
        a, b = cells(ALLG, prefix), cells(BERUF, prefix)
        assert total(allg, region, "absolvierende_allgemeinbildend") == float(a[3])
        assert total(beruf, region, "absolvierende_beruflich") == float(b[3])
        assert total(beruf, region, "absolvierende_beruflich_fhr_schulteil") == float(b[13])
    assert total(allg, "05566", "absolvierende_allgemeinbildend") == 4495
    assert total(beruf, "05566", "absolvierende_beruflich") == 1720
    # the old export (Absolventen/Abgänger, 2015) is the same measure as the new one
    old = ibislib.read(OLD_ALLG)
    assert set(old["measure"]) == {"absolvierende_allgemeinbildend"}
    assert total(old, "05566", "absolvierende_allgemeinbildend") == 6074


def test_school_leaver_tables_no_longer_conflict(schools) -> None:
    allg, beruf = schools
    assert plausibility.conflicts({"allg": allg, "beruf": beruf}) == []
    # the same two files under one measure (as before the rule): every total collides
    same = beruf.assign(measure=beruf["measure"].replace("absolvierende_beruflich", "x"))
    found = plausibility.conflicts({"allg": allg.assign(measure="x"), "beruf": same})
    assert found and found[0]["count"] > 800


def test_zensus_bildung_erwerb_persons_are_not_the_population() -> None:
    be, bev = ibislib.read(ZENSUS_BE), ibislib.read(ZENSUS_BEV)
    assert set(be["measure"]) == {"personen_zensus_bildung_erwerb"}
    first = ZENSUS_BE.read_text(encoding="utf-8-sig").splitlines()[1].split(";")
    assert first[19:21] == ["PRS004", "Personen"] and first[17] == "80777360"
    assert total(be, "DG", "personen_zensus_bildung_erwerb") == 80_777_360
    assert total(bev, "DG", "bevoelkerung") == 82_719_540
    assert plausibility.conflicts({"1000A": bev, "2000S": be}) == []
    # under one measure the two Germany totals collide (what the store reported before)
    found = plausibility.conflicts({"1000A": bev, "2000S": be.assign(measure="bevoelkerung")})
    assert found and "82.719.540" in found[0]["example"] and "80.777.360" in found[0]["example"]
