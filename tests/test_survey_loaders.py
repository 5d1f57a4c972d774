"""Survey loaders: real LimeSurvey exports with codebooks, SPSS, SoSci Survey, plain CSV +
codebook, the multilingual merge, and the reproducible synthetic example data."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ibislib import read
from ibislib.errors import FormatError
from ibislib.sources import sniff_format
from ibislib.survey import codebook as cb
from ibislib.survey.columns import derive_codes
from ibislib.survey.io import example, read_survey

ROOT = Path(__file__).resolve().parents[1]
LIME = ROOT / "data" / "raw" / "limesurvey"
SYN = ROOT / "data" / "raw" / "befragung_ibbenbueren"


def test_limesurvey_998192_loads_with_codebook():
    f = LIME / "survey_998192_R_data_file.csv"
    assert sniff_format(f) == "limesurvey"
    df = read(f)
    # the file holds 7 responses (ids 1, 4–9); the header has 71 columns
    assert len(df) == 7
    assert df.shape[1] == 71
    assert df.columns.is_unique
    assert df["id"].tolist() == [1, 4, 5, 6, 7, 8, 9]
    assert df.attrs["codebook"].endswith("survey_998192_R_data_file.yml")
    # codes from the codebook, original texts kept (including the one with a tab)
    assert list(df.columns[:4]) == ["id", "submitdate", "lastpage", "startlanguage"]
    assert "\t" not in df.attrs["questions"]["informedConsent"]
    assert df.attrs["questions"]["informedConsent"].startswith("Please read the points below")
    # a known answer: respondent 9 rated Openness 1 ("1 disagree strongly"), Extraversion 3
    r9 = df.set_index("id").loc[9]
    assert r9["personality_open"] == "1 disagree strongly"
    assert r9["personality_extra"] == "3"
    assert df["personality_open"].cat.ordered
    assert df["personality_open"].cat.categories[-1] == "7 agree strongly"
    assert r9["age"] == 4
    assert df.set_index("id").loc[1, "informedConsent"] == "Over my dead body"
    assert df.set_index("id").loc[5, "gender"] == "Other"


def test_limesurvey_100001_loads_with_codebook():
    df = read(LIME / "survey_100001_R_data_file.csv")
    assert len(df) == 3
    assert df.shape[1] == 646
    assert df.columns.is_unique
    assert "" not in df.columns
    r = df.set_index("id")
    assert r.loc[1, "country"] == "af00"
    assert r.loc[1, "age"] == "21-30"
    assert r.loc[3, "gender"] == "I am male"
    assert pd.isna(r.loc[1, "gender"])  # "unknw" is a missing code
    # matched by question text (beyond the positional list of the codebook)
    assert r.loc[3, "IntDrugHelp"] == "(4)"
    assert r.loc[3, "IntMedHelp"] == "(3)"
    assert df["IntDrugHelp"].cat.ordered


def test_limesurvey_without_codebook_derives_unique_codes(tmp_path):
    f = tmp_path / "export.csv"
    shutil.copy(LIME / "survey_100001_R_data_file.csv", f)
    df = read(f)
    assert df.columns.is_unique and len(df.columns) == 646
    assert df.columns[0] == "id"
    assert df.columns[9] == "spalte_10"  # the empty header
    assert df.attrs["questions"]["how_old_are_you_9"] == "How old are you?"


def test_derive_codes_dedupes_and_handles_code_headers():
    codes = derive_codes(["Response ID", "Q", "Q", "", "Q"])
    assert len(set(codes)) == 5 and codes[0] == "id"
    assert derive_codes(["id", "submitdate", "Q1[SQ001]", "Q1[SQ002]", "Q2"]) == [
        "id",
        "submitdate",
        "Q1_SQ001",
        "Q1_SQ002",
        "Q2",
    ]


def test_limesurvey_code_headers(tmp_path):
    f = tmp_path / "codes.csv"
    f.write_text(
        '\ufeff"id","submitdate","lastpage","startlanguage","G1Q1[SQ001]","G1Q1[SQ002]"\n'
        '"1","2022-01-01 10:00:00","2","de","A1","A3"\n"2","","1","de","A2",""\n',
        encoding="utf-8",
    )
    df = read(f)
    assert list(df.columns) == [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "G1Q1_SQ001",
        "G1Q1_SQ002",
    ]
    assert df.loc[1, "G1Q1_SQ002"] is pd.NA or pd.isna(df.loc[1, "G1Q1_SQ002"])


def test_limesurvey_truncated_row_names_line(tmp_path):
    f = tmp_path / "cut.csv"
    f.write_text(
        '"Response ID","Date submitted","Last page","Start language"\n"1","x"\n', encoding="utf-8"
    )
    with pytest.raises(FormatError) as e:
        read(f)
    assert e.value.line == 2 and "cut.csv" in e.value.message


def test_spss_value_labels_become_ordered_categoricals(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame(
        {"id": [1.0, 2.0, 3.0, 4.0], "wohl": [1.0, 3.0, 4.0, 2.0], "sex": [1.0, 2.0, 2.0, 1.0]}
    )
    f = tmp_path / "umfrage.sav"
    pyreadstat.write_sav(
        df,
        str(f),
        column_labels=["ID", "In Ibbenbüren fühlen sich alle wohl", "Geschlecht"],
        variable_value_labels={
            "wohl": {
                1.0: "stimme voll und ganz zu",
                2.0: "stimme zu",
                3.0: "stimme teilweise zu",
                4.0: "stimme nicht zu",
            },
            "sex": {1.0: "weiblich", 2.0: "männlich"},
        },
        variable_measure={"id": "scale", "wohl": "ordinal", "sex": "nominal"},
    )
    assert sniff_format(f) == "spss"
    out = read(f)
    assert out["wohl"].cat.ordered
    assert list(out["wohl"].cat.categories) == [
        "stimme voll und ganz zu",
        "stimme zu",
        "stimme teilweise zu",
        "stimme nicht zu",
    ]
    assert out["wohl"].tolist() == [
        "stimme voll und ganz zu",
        "stimme teilweise zu",
        "stimme nicht zu",
        "stimme zu",
    ]
    assert not out["sex"].cat.ordered
    assert out.attrs["questions"]["wohl"] == "In Ibbenbüren fühlen sich alle wohl"


SOSCI = (
    "CASE\tSERIAL\tREF\tQUESTNNR\tMODE\tSTARTED\tA101_01\tA101_02\tA102\n"
    "Interview-Nummer\tSeriennummer\tReferenz\tFragebogen\tModus\tBegonnen\tKlima: wohl\tKlima: Augenhöhe\tAlter\n"
    "12\t\t\tbase\tinterview\t2022-03-01 10:00:00\t2\t-9\t34\n"
    "13\t\t\tbase\tinterview\t2022-03-01 10:05:00\t4\t3\t-1\n"
)


def test_sosci_export_with_codebook(tmp_path):
    f = tmp_path / "data_ibis_2022.csv"
    f.write_text(SOSCI, encoding="utf-8")
    (tmp_path / "data_ibis_2022.yml").write_text(
        "survey: sosci\nscales:\n  z4:\n    levels: {1: voll, 2: zu, 3: teilweise, 4: nicht}\n"
        "items:\n  - {code: A101_01, scale: z4, battery: klima}\n  - {code: A101_02, scale: z4, battery: klima}\n",
        encoding="utf-8",
    )
    assert sniff_format(f) == "survey_csv"
    df = read(f)
    assert df["CASE"].tolist() == [12, 13]
    assert df["A101_01"].tolist() == ["zu", "nicht"]
    assert pd.isna(df.loc[0, "A101_02"])  # -9 = not answered
    assert pd.isna(df.loc[1, "A102"])  # -1 = keine Angabe
    assert df.attrs["questions"]["A101_02"] == "A101_02: Klima: Augenhöhe"


def test_plain_csv_needs_codebook(tmp_path):
    f = tmp_path / "antworten.csv"
    f.write_text("CASE,QUESTNNR,x\n1,a,2\n", encoding="utf-8")
    assert read(f)["x"].tolist() == [2]  # SoSci header: fine without codebook
    g = tmp_path / "other.csv"
    g.write_text("id,a,b\n1,1,2\n", encoding="utf-8")  # a respondent id is required
    (tmp_path / "other.yml").write_text(
        "survey: x\nitems:\n  - {code: a, labels: {1: eins, 2: zwei}}\n", encoding="utf-8"
    )
    assert read(g)["a"].tolist() == ["eins"]


def test_codebook_unknown_code_is_reported(tmp_path):
    g = tmp_path / "bad.csv"
    g.write_text("a\n7\n", encoding="utf-8")
    (tmp_path / "bad.yml").write_text(
        "survey: x\nitems:\n  - {code: a, labels: {1: eins}}\n", encoding="utf-8"
    )
    with pytest.raises(FormatError, match="Codes, die im Codebuch nicht vorkommen"):
        read(g)


def test_multilingual_merge_on_codes():
    df, book = read_survey(SYN / "einwohner.codebook.yml")
    assert book.synthetic
    assert len(df) == 228
    assert df["id"].is_unique
    assert set(df["language"]) == {"de", "en", "fr", "ls"}
    # the English file's header holds English question texts; answers still merge on codes
    en = read(SYN / "einwohner_synthetisch_en.csv")
    assert "wohl" in en.columns and (en["language"] == "en").all()
    assert en.attrs["questions"]["wohl"].startswith("In Ibbenbüren, everyone feels")
    assert (df["synthetisch"] == 1).all()


def test_synthetic_marginals_match_published_concept():
    df, _ = example("05566028")
    assert df["geschlecht"].value_counts().to_dict() == {
        "weiblich": 113,
        "männlich": 105,
        "divers": 1,
    }
    mig = df["migration"].str.startswith("mit")
    assert mig.sum() == 25
    assert (df["geburtsland"] == "im Ausland").sum() == 11
    tab = pd.crosstab(df["wohl"], mig)
    assert tab[True].tolist() == [2, 6, 14, 2] and tab[False].tolist() == [14, 57, 111, 14]
    tab = pd.crosstab(df["augenhoehe"], mig)
    assert tab[True].tolist() == [2, 6, 13, 4] and tab[False].tolist() == [16, 53, 93, 29]
    inst, _ = example("05566028", "institutionen")
    assert len(inst) == 36
    assert inst["vernetzung"].value_counts(sort=False).tolist() == [1, 8, 9, 7, 7, 1]


def test_synthetic_generator_is_byte_identical(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "mk", ROOT / "scripts" / "make_synthetic_survey.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    written = mod.generate(tmp_path)
    assert len(written) == 9
    for p in written:
        assert p.read_bytes() == (SYN / p.name).read_bytes(), p.name


def test_codebook_reverse_and_battery(tmp_path):
    f = tmp_path / "cb.yml"
    f.write_text(
        "survey: t\nscales:\n  z:\n    levels: {1: a, 2: b, 3: c}\nitems:\n"
        "  - {code: x, scale: z, battery: k}\n  - {code: y, scale: z, battery: k, reverse: true}\n",
        encoding="utf-8",
    )
    book = cb.load(f)
    assert book.battery("k") == ["x", "y"]
    out = book.apply(pd.DataFrame({"x": [1, 3], "y": ["1", "3"]}))
    assert list(out["x"].cat.categories) == ["a", "b", "c"]
    assert list(out["y"].cat.categories) == ["c", "b", "a"]
    assert out["y"].tolist() == ["a", "c"]
