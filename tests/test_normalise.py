"""The one vocabulary and its rules (ibislib/ingest/normalise.py, vocab.yml)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibislib import store
from ibislib.errors import FormatError
from ibislib.ingest import normalise as norm
from ibislib.tidy import MEASURES, TOTAL


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2015", "2015-12-31"),
        ("1.2.2022", "2022-02-01"),
        ("2015-12-31", "2015-12-31"),
        ("Jahr: 2016", "2016"),
        ("2015/16", "2015/16"),
        ("2015 / 2016", "2015/16"),
        ("31.02.2015", "2015-02-31"),  # syntax only: the calendar is rule 'date'
        ("32.01.2015", None),
        ("Insgesamt", None),
        ("12345", None),
    ],
)
def test_one_period_parser(text: str, expected: str | None) -> None:
    assert norm.period(text) == expected


def test_period_school_year_and_problems() -> None:
    assert norm.period("2015", school_year=True) == "2015/16"
    assert norm.period_problem("30.09.2022") is None
    assert "Ungültiges Datum" in norm.period_problem("31.02.2015")[0]
    assert "aufeinanderfolgende" in norm.period_problem("2021/23")[0]
    assert "aufeinanderfolgende" in norm.period_problem("2021/2023")[0]
    assert "Ungültiger Stichtag" in norm.period_problem("gestern")[0]


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("DG", "DG"),
        ("DINSG", "DG"),
        ("d", "DG"),
        ("05", "05"),
        ("05566", "05566"),
        ("05566028", "05566028"),
        ("031515401", "031515401"),  # Gemeindeverband
        ("055660028028", "05566028"),  # ARS of a verbandsfreie Gemeinde
        ("031515401002", "03151002"),  # ARS of a Gemeinde in a Samtgemeinde
        ("5566028", None),
        ("0556602800", None),
    ],
)
def test_one_region_key_rule(code: str, key: str | None) -> None:
    assert norm.region_key(code) == key


def test_ars_stays_where_one_gemeinde_has_two_verbaende() -> None:
    s = pd.Series(["031585401008", "031585407008", "032565410032", "03256032", "031515401002"])
    assert norm.collapse_ars(s).tolist() == [
        "031585401008",
        "031585407008",
        "032565410032",
        "03256032",
        "03151002",
    ]


def test_region_keys_name_the_line() -> None:
    with pytest.raises(FormatError, match="Ungültiger Regionalschlüssel") as err:
        norm.region_keys(pd.Series(["05566", "5566"]), Path("x.csv"), pd.Series([2, 3]))
    assert err.value.line == 3 and "führende Null" in err.value.hint


def test_one_slug_and_category_key() -> None:
    assert norm.slug("Lebendgeborene (je 1000 Einw.)") == "lebendgeborene_je_1000_einw"
    assert norm.slug("Ibbenbüren, Stadt", sep="-") == "ibbenbueren-stadt"
    assert norm.slug("Café") == "cafe"
    assert norm.slug("???") == "unbekannt"
    assert norm.category_key("Familienstand (amtlich)") == "familienstand"
    assert norm.category_key("Klassenstufe / Jahrgangsstufe") == "klassenstufe"
    assert norm.category_key("Herkunfts-/Zielländer") == "herkunfts_ziellaender"
    assert norm.category_key("Absolvierende/Abgehende nach Abschluss") == "absolvierende"


def test_labels_spelled_either_way() -> None:
    assert norm.sex("Männer") == norm.sex("maenner") == "männlich"
    assert norm.sex("GESW") is None and norm.sex("", code="GESW") == "weiblich"
    assert norm.sex("w") is None and norm.sex("w", short=True) == "weiblich"
    assert norm.nationality("Ausländer/-innen") == norm.nationality("auslaender-innen")
    assert norm.nationality("zusammen") == TOTAL
    assert norm.age_group("unter 3 Jahre") == "0-3"
    assert norm.age_group("18 bis unter 27") == "18-27"
    assert norm.age_group("75 Jahre und mehr") == "75+"
    assert norm.age_group("27 - 18") is None
    assert "nicht eindeutig" in norm.age_group_problem("6 bis 10")[0]
    assert norm.unit("Tsd.") == ("Anzahl", 1000.0)
    assert norm.unit("EUR") is None and norm.is_unsupported_unit("EUR")


def test_measures_of_the_vocabulary_are_the_tidy_measures() -> None:
    assert MEASURES == norm.measure_names()
    assert norm.measure("", "Anteil der Schüler*innen je Klasse") is None  # a share: no count
    assert norm.measure("", "Bevölkerungsstand (Anzahl)") == "bevoelkerung"  # unit dropped
    assert norm.measure("ERW032", "irgendetwas") == "svb_arbeitsort"
    unmapped: dict[str, str] = {}
    assert norm.measure_or_slug("", "Gestorbene", unmapped) == "gestorbene"
    assert unmapped == {"gestorbene": "Gestorbene"}
    assert "ibislib/ingest/vocab.yml" in norm.unmapped_warning(["gestorbene"], unmapped)


def test_mixed_encoding_is_refused_also_within_one_line() -> None:
    text = "Bevölkerung;BevÃ¶lkerung\n"  # one latin-1 umlaut and one UTF-8 umlaut read as cp1252
    with pytest.raises(FormatError, match="Gemischte Zeichenkodierung") as err:
        norm.check_encoding(text, "cp1252", "x.csv")
    assert err.value.line == 1
    norm.check_encoding("Bevölkerung\n", "cp1252", "x.csv")  # plain latin-1 passes


def test_loader_version_follows_the_vocabulary(monkeypatch, tmp_path: Path) -> None:
    assert store.LOADER_VERSION.endswith(norm.digest())
    changed = tmp_path / "vocab.yml"
    changed.write_text(norm.VOCAB_PATH.read_text(encoding="utf-8") + "\n# edit\n", "utf-8")
    before = norm.digest()
    monkeypatch.setattr(norm, "VOCAB_PATH", changed)
    assert norm.digest() != before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda v: v["measures"].update({"Neu Merkmal": {"name": "x"}}), "Merkmal 'Neu Merkmal'"),
        (lambda v: v["measures"].update({"neu": {"labels": []}}), "keinen Namen"),
        (lambda v: v["measures"]["schueler"].update({"labels": ["(schüler"]}), "kein regulärer"),
        (lambda v: v["units"].update({"mio.": ["Anzahl"]}), "Einheit 'mio.'"),
        (lambda v: v.pop("laender"), "Abschnitt(e) fehlen: laender"),
    ],
    ids=["id", "name", "regex", "unit", "section"],
)
def test_a_broken_vocabulary_is_refused_with_the_entry(edit, message: str) -> None:
    import copy

    data = copy.deepcopy(norm.vocab())
    edit(data)
    with pytest.raises(FormatError, match="vocab.yml") as err:
        norm.check_vocab(data)
    assert message in err.value.problem


def test_every_text_loader_refuses_mixed_encoding(tmp_path: Path) -> None:
    """One decoding rule with the mixed-encoding check for every loader (here: a delivery,
    which had no such check before)."""
    from ibislib.sources import read

    head = "ags;gebiet;stichtag;merkmal;wert;einheit;quelle;anmerkung\n"
    row = "05566028;;30.09.2022;bevoelkerung;53.363;Anzahl;Stadt;Einwohner Ibbenbüren\n"
    bad = head.encode("cp1252") + row.encode("cp1252") + row.replace("Ibb", "Ibbé").encode()
    p = tmp_path / "lieferung.csv"
    p.write_bytes(bad)
    with pytest.raises(FormatError, match="Gemischte Zeichenkodierung") as err:
        read(p)
    assert err.value.line == 3
