"""Municipal delivery format: the shipped Ibbenbüren delivery, the template and malformed files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibislib.errors import FormatError, ValidationError
from ibislib.sources import delivery, read, sniff_format
from ibislib.tidy import COLUMNS, TOTAL, validate

ROOT = Path(__file__).resolve().parents[1]
IBB = ROOT / "data" / "raw" / "ibbenbueren" / "lieferung_2022.csv"
REF = ROOT / "data" / "raw" / "referenzwerte" / "referenzwerte.csv"
TEMPLATE = ROOT / "data" / "templates" / "lieferung_vorlage.csv"
HEADER = (
    "ags;gebiet;stichtag;merkmal;stadtteil;nationalitaet;geschlecht;altersgruppe;"
    "schulform;kategorie;wert;einheit;zeichen;quelle;anmerkung"
)
GOOD = (
    "05566028;Ibbenbüren;30.09.2022;bevoelkerung;;ausländisch;;;;;5.263;Anzahl;;Stadt Ibbenbüren;"
)


@pytest.fixture(scope="module")
def ibb() -> pd.DataFrame:
    return read(IBB)


def _one(df: pd.DataFrame, **sel) -> float:
    dims = {"sex": TOTAL, "nationality": TOTAL, "age_group": TOTAL, "school_type": TOTAL}
    dims |= {"district": TOTAL, "category": TOTAL}
    dims |= sel
    mask = pd.Series(True, index=df.index)
    for col, val in dims.items():
        mask &= df[col] == val
    hit = df[mask]
    assert len(hit) == 1, f"{sel}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def test_delivery_is_sniffed_and_valid(ibb):
    assert sniff_format(IBB) == "delivery"
    assert list(ibb.columns) == COLUMNS
    validate(ibb, str(IBB))
    assert set(ibb["region"]) == {"05566028"}
    assert set(ibb["region_name"]) == {"Ibbenbüren"}
    assert set(ibb["table"]) == {"lieferung_2022.csv"}


def test_population_and_foreigners(ibb):
    assert _one(ibb, measure="bevoelkerung", period="2022-09-30") == 53363
    assert _one(ibb, measure="bevoelkerung", period="2022-09-30", nationality="ausländisch") == 5263


def test_districts(ibb):
    d = ibb[(ibb["district"] != TOTAL)].set_index("district")
    assert set(d["period"]) == {"2021-12-31"}
    assert set(d["nationality"]) == {"ausländisch"}
    assert d["value"].to_dict() == {
        "Innenstadt": 2443,
        "Alstedde/Schafberg": 775,
        "Laggenbeck": 510,
        "Püsselbüren": 508,
    }


def test_age_groups_of_foreigners(ibb):
    a = ibb[(ibb["age_group"] != TOTAL)]
    assert set(a["nationality"]) == {"ausländisch"}
    assert a.set_index("age_group")["value"].to_dict() == {
        "0-12": 637,
        "18-27": 795,
        "27-65": 3138,
        "65-80": 251,
        "80+": 53,
    }


def test_naturalisations_marriages_labour(ibb):
    assert _one(ibb, measure="einbuergerungen", period="2021") == 34
    m = delivery.MARRIAGE_CATEGORIES
    assert _one(ibb, measure="eheschliessungen", period="2021", category=m["binational"]) == 22
    assert (
        _one(
            ibb,
            measure="eheschliessungen",
            period="2021",
            category=m["mind_ein_partner_auslaendisch"],
        )
        == 47
    )
    assert _one(ibb, measure="svb_wohnort", period="2021-12-31", nationality="ausländisch") == 1230
    assert _one(ibb, measure="arbeitslose", period="2021-12-31", nationality="ausländisch") == 318
    sgb = dict(period="2022-09-30", measure="sgb2_leistungsberechtigte")
    assert _one(ibb, **sgb, nationality="ausländisch") == 1139
    assert _one(ibb, **sgb) == 2828


def test_schools(ibb):
    s = dict(period="2021/22")
    assert _one(ibb, **s, measure="schueler", school_type="Gymnasium") == 1670
    share = dict(**s, measure="schueler_anteil")
    assert _one(
        ibb, **share, school_type="Hauptschule", nationality="ausländisch"
    ) == pytest.approx(34.4)
    assert _one(ibb, **share, school_type="Gymnasium", nationality="ausländisch") == pytest.approx(
        2.4
    )
    zwg = delivery.ZWG_CATEGORY
    assert _one(ibb, **share, school_type="Gymnasium", category=zwg) == pytest.approx(26.6)
    assert _one(ibb, **share, school_type="Gesamtschule", category=zwg) == pytest.approx(34.3)
    assert set(ibb.loc[ibb["measure"] == "schueler_anteil", "unit"]) == {"Prozent"}
    # vague statements of the text ("fast 70 %", "knapp 6 %") are notes, never numbers
    assert not ((ibb["measure"] == "schueler_anteil") & ibb["value"].isin([70.0, 6.0])).any()
    assert ibb["note"].str.contains("fast 70 %").any()
    src = ibb.loc[ibb["measure"] == "schueler_anteil", "source"]
    assert src.str.startswith("IT.NRW, Allgemeinbildende Schulen (D07.1)").all()


def test_integration_courses(ibb):
    assert _one(ibb, measure="ik_teilnehmende", period="2019") == 165
    ik = ibb[ibb["measure"] == "ik_abschluesse"].set_index("category")["value"].to_dict()
    lv = delivery.IK_LEVEL_CATEGORIES
    assert ik == {lv["B1"]: 78, lv["A2"]: 56, lv["unter A2"]: 15, lv["ohne Abschluss"]: 41}
    assert ibb.loc[ibb["measure"] == "ik_abschluesse", "note"].str.contains("149").any()


def test_period_formats_and_sources(ibb):
    assert {"2022-09-30", "2021-12-31", "2021", "2021/22", "2019"} == set(ibb["period"])
    assert (ibb["source"].str.len() > 0).all()
    assert set(ibb["unit"]) == {"Anzahl", "Prozent"}


def test_reference_value():
    ref = read(REF)
    row = ref.iloc[0]
    assert (row["region"], row["period"], row["measure"], row["unit"]) == (
        "DG",
        "2020",
        "einbuergerungsquote",
        "Prozent",
    )
    assert row["value"] == pytest.approx(0.98)
    assert "integrationsmonitoring" in row["source"].lower()


def test_template_loads_empty_and_its_examples_load():
    assert sniff_format(TEMPLATE) == "delivery"
    assert read(TEMPLATE).empty
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    header_at = next(i for i, ln in enumerate(lines) if ln.startswith("ags;"))
    # the examples come after the header, so uncommenting them gives a valid delivery
    assert header_at < next(i for i, ln in enumerate(lines) if ln.startswith("# 0"))


def test_filled_template_is_valid(tmp_path):
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()
    f = tmp_path / "filled.csv"
    f.write_text(
        "\n".join(ln[2:] if ln.startswith("# 0") else ln for ln in lines), encoding="utf-8"
    )
    df = read(f)
    assert len(df) == 8
    missing = df[df["value"].isna()]
    assert list(missing["flag"]) == ["."]  # a symbol never becomes 0


def _write(tmp_path: Path, *rows: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    f = tmp_path / "lieferung.csv"
    text = "# Testlieferung\n" + HEADER + "\n" + "\n".join(rows) + "\n"
    f.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return f


def test_latin1_bom_decimal_comma_and_symbols(tmp_path):
    f = _write(
        tmp_path,
        GOOD,
        "05566028;Ibbenbüren;2021/2022;schueler_anteil;;;weiblich;;Förderschule;;12,5;Prozent;;IT.NRW;",
        "05566028;;2021;einbuergerungen;;;;;;;.;Anzahl;;Stadt Ibbenbüren;",
        "05566;Kreis Steinfurt;2021;einbuergerungen;;;;;;;1.005;Anzahl;p;Kreis Steinfurt;",
        encoding="latin-1",
    )
    df = read(f)
    assert df["value"].iloc[0] == 5263
    assert df["period"].iloc[1] == "2021/22" and df["sex"].iloc[1] == "weiblich"
    assert df["school_type"].iloc[1] == "Förderschule" and df["value"].iloc[1] == 12.5
    assert pd.isna(df["value"].iloc[2]) and df["flag"].iloc[2] == "."
    assert df["region_name"].iloc[2] == "Ibbenbüren"  # filled from the registry
    assert df["value"].iloc[3] == 1005 and df["flag"].iloc[3] == "p"
    g = _write(tmp_path, GOOD, bom=True)
    assert read(g)["value"].iloc[0] == 5263


def test_region_from_name_only(tmp_path):
    f = _write(tmp_path, ";Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;;Stadt Ibbenbüren;")
    assert read(f)["region"].iloc[0] == "05566028"


@pytest.mark.parametrize(
    "row, fragment",
    [
        ("05566028;Ibbenbüren;2021;einbuergerung;;;;;;;34;Anzahl;;S;", "Unbekanntes Merkmal"),
        ("05566028;Ibbenbüren;31.02.2022;bevoelkerung;;;;;;;1;Anzahl;;S;", "Ungültiges Datum"),
        ("05566028;Ibbenbüren;2022-13-01;bevoelkerung;;;;;;;1;Anzahl;;S;", "Ungültiges Datum"),
        ("05566028;Ibbenbüren;Q3 2022;bevoelkerung;;;;;;;1;Anzahl;;S;", "Stichtag"),
        ("05566028;Ibbenbüren;2021/23;schueler;;;;;;;1;Anzahl;;S;", "Schuljahr"),
        ("5566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;;S;", "führende Null"),
        ("05566028;Minden;2021;einbuergerungen;;;;;;;34;Anzahl;;S;", "Minden"),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;-3;Anzahl;;S;", "Negative Anzahl"),
        (
            "05566028;Ibbenbüren;2021;sgb2_leistungsberechtigte;;;;;;;1.139,5;Anzahl;;S;",
            "ganze Zahl",
        ),
        ("05566028;Ibbenbüren;2021;einbuergerungsquote;;;;;;;0.98;Prozent;;S;", "Dezimalpunkt"),
        (
            "05566028;Ibbenbüren;2021;einbuergerungsquote;;;;;;;120;Prozent;;S;",
            "zwischen 0 und 100",
        ),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;viele;Anzahl;;S;", "keine Zahl"),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;;Anzahl;;S;", "Wert fehlt"),
        (
            "05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;.;S;",
            "zusammen mit einem Wert",
        ),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Stück;;S;", "Einheit"),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;;;", "Quelle fehlt"),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;staatenlos;;;;;34;Anzahl;;S;", "nationalitaet"),
        ("05566028;Ibbenbüren;2021;bevoelkerung;;;;6 bis 10;;;34;Anzahl;;S;", "nicht eindeutig"),
        (
            "05566028;Ibbenbüren;2021;eheschliessungen;;;;;;binational;22;Anzahl;;S;",
            "schlüssel=wert",
        ),
        ("05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;;S;x;y", "Zellen"),
    ],
)
def test_malformed_rows_name_the_line(tmp_path, row, fragment):
    f = _write(tmp_path, GOOD, row)
    with pytest.raises(FormatError) as exc:
        read(f)
    assert exc.value.line == 4  # comment, header, good row, bad row
    assert fragment in exc.value.message


def test_duplicate_row_names_both_lines(tmp_path):
    f = _write(tmp_path, GOOD, "05566028;Ibbenbüren;2021;einbuergerungen;;;;;;;34;Anzahl;;S;", GOOD)
    with pytest.raises(FormatError) as exc:
        read(f)
    assert exc.value.line == 5
    assert "Zeile 5 wiederholt Zeile 3" in exc.value.message


def test_unknown_column_and_missing_columns(tmp_path):
    f = tmp_path / "lieferung.csv"
    f.write_text(HEADER.replace("merkmal", "merkmale") + "\n" + GOOD + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as exc:
        read(f, "delivery")
    assert exc.value.line == 1 and "merkmal" in exc.value.message
    g = tmp_path / "lieferung2.csv"
    g.write_text("ags;stichtag;merkmal;wert\n05566028;2021;einbuergerungen;34\n", encoding="utf-8")
    with pytest.raises(FormatError, match="Pflichtspalten fehlen: einheit, quelle"):
        read(g)


def test_part_larger_than_total_is_a_validation_error(tmp_path):
    f = _write(
        tmp_path,
        "05566028;Ibbenbüren;30.09.2022;bevoelkerung;;;;;;;5.000;Anzahl;;S;",
        GOOD,
    )
    with pytest.raises(ValidationError, match="Teil größer als Summe"):
        read(f)


@pytest.mark.parametrize(
    "label, group",
    [
        ("unter 12", "0-12"),
        ("unter 12 Jahre", "0-12"),
        ("18 bis unter 27", "18-27"),
        ("18 bis unter 27 Jahren", "18-27"),
        ("18-27", "18-27"),
        ("18 – 27", "18-27"),
        ("80 und älter", "80+"),
        ("80 Jahre und mehr", "80+"),
        ("80+", "80+"),
        ("", TOTAL),
        ("Insgesamt", TOTAL),
    ],
)
def test_age_group_labels(label, group):
    assert delivery.parse_age_group(label) == group


@pytest.mark.parametrize(
    "text, value",
    [("53.363", 53363), ("53363", 53363), ("34,4", 34.4), ("1.139,5", 1139.5), ("0,98", 0.98)],
)
def test_german_numbers(text, value):
    assert delivery.parse_number(text) == pytest.approx(value)


DOCS = ROOT / "docs" / "lieferformat.md"


def test_docs_example_loads(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    f = tmp_path / "beispiel.csv"
    f.write_text(block.strip() + "\n", encoding="utf-8")
    df = read(f)
    assert len(df) == 7
    assert df["value"].iloc[0] == 53363


def test_docs_and_template_name_every_fixed_category():
    docs = DOCS.read_text(encoding="utf-8")
    template = TEMPLATE.read_text(encoding="utf-8")
    fixed = [*delivery.MARRIAGE_CATEGORIES.values(), *delivery.IK_LEVEL_CATEGORIES.values()]
    for cat in [*fixed, delivery.ZWG_CATEGORY]:
        assert f"`{cat}`" in docs
        assert cat.split("=", 1)[1] in template


def test_docs_list_every_measure():
    from ibislib.tidy import MEASURES

    docs = DOCS.read_text(encoding="utf-8")
    missing = [m for m in MEASURES if f"| `{m}` |" not in docs]
    assert not missing, f"docs/lieferformat.md, Tabelle 'Merkmale': bitte ergänzen: {missing}"


def test_unknown_measure_suggests_the_spelling(tmp_path):
    f = _write(tmp_path, "05566028;Ibbenbüren;2021;einbuergerung;;;;;;;34;Anzahl;;S;")
    with pytest.raises(FormatError, match="meinten Sie einbuergerungen"):
        read(f)


def test_measure_written_with_umlauts_is_accepted(tmp_path):
    f = _write(tmp_path, "05566028;Ibbenbüren;2021;Einbürgerungen;;;;;;;34;Anzahl;;S;")
    assert read(f)["measure"].iloc[0] == "einbuergerungen"
