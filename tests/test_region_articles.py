"""Region names take their article and preposition in generated German (issue 10, item 5)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ibislib import text
from ibislib.report import blocks


@pytest.mark.parametrize(
    ("name", "im", "fuer"),
    [
        ("Ibbenbüren", "in Ibbenbüren", "für Ibbenbüren"),
        ("Ilm-Kreis", "im Ilm-Kreis", "für den Ilm-Kreis"),
        ("Kreis Steinfurt", "im Kreis Steinfurt", "für den Kreis Steinfurt"),
        (
            "Regionalverband Saarbrücken",
            "im Regionalverband Saarbrücken",
            "für den Regionalverband Saarbrücken",
        ),
        ("Städteregion Aachen", "in der Städteregion Aachen", "für die Städteregion Aachen"),
        ("Region Hannover", "in der Region Hannover", "für die Region Hannover"),
    ],
)
def test_in_and_fuer_region(name: str, im: str, fuer: str) -> None:
    assert text.in_region(name) == im
    assert text.fuer_region(name) == fuer
    assert text.fuer_region(name, capital=True) == "F" + fuer[1:]


def test_no_data_sentence_has_the_article() -> None:
    assert text.no_data("Integrationskursen", "Ilm-Kreis").startswith("Für den Ilm-Kreis liegen")
    assert text.no_data("Integrationskursen", "Minden").startswith("Für Minden liegen")


def test_kreis_labels_without_doubled_designation() -> None:
    unit = SimpleNamespace(ags="10041519", name="Völklingen")
    assert blocks.region_label("10041", "Regionalverband Saarbrücken", unit) == (
        "Regionalverband Saarbrücken"
    )
    assert blocks.region_label("05334", "Städteregion Aachen", unit) == "Städteregion Aachen"
    assert blocks.region_label("05566", "Steinfurt", unit) == "Kreis Steinfurt"
    assert blocks.region_label("16070", "Ilm-Kreis", unit) == "Ilm-Kreis"
    bremen = SimpleNamespace(ags="04011000", name="Bremen")
    assert blocks.region_label("04", "Bremen", bremen) == "Land Bremen"  # not a second "Bremen"
    assert blocks.region_label("DG", "Deutschland", bremen) == "Deutschland"
    kreis = SimpleNamespace(name="Regionalverband Saarbrücken", level="kreis")
    assert blocks.kreis_label(kreis) == "Regionalverband Saarbrücken"
    assert blocks.kreis_label(SimpleNamespace(name="Steinfurt", level="kreis")) == "Kreis Steinfurt"


def test_listing_sentence_uses_the_article(monkeypatch) -> None:
    import pandas as pd

    df = pd.DataFrame(
        {
            "region": ["16070", "16070"],
            "region_name": ["Ilm-Kreis", "Ilm-Kreis"],
            "period": ["2022-12-31", "2022-12-31"],
            "age_group": ["0-18", "18-65"],
            "value": [100.0, 300.0],
        }
    )
    shown: list[str] = []
    monkeypatch.setattr(blocks, "values", lambda *a, **k: df)
    monkeypatch.setattr(blocks, "entry", lambda i: SimpleNamespace(unit="Personen", decimals=0))
    monkeypatch.setattr(blocks.publish, "text", shown.append)
    unit = SimpleNamespace(ags="16070", name="Ilm-Kreis")
    intro = "{zeit} verteilten sich die Ausländer*innen in {region_name} so auf die Altersgruppen:"
    assert blocks.listing_sentence("ausl_altersstruktur", unit, "age_group", intro=intro)
    assert "im Ilm-Kreis so auf" in shown[0] and "in Ilm-Kreis" not in shown[0]


def _fake_values(table: dict[str, list[str]]):
    import pandas as pd

    def values(iid, regions, periods=None, keep=()):
        regions = [regions] if isinstance(regions, str) else list(regions)
        rows = [
            {
                "region": r,
                "region_name": {"04012000": "Bremerhaven", "04": "Bremen", "DG": "Deutschland"}[r],
                "period": p,
                "value": 1.0,
            }
            for r in regions
            for p in table.get(r, [])
        ]
        return pd.DataFrame(rows, columns=["region", "region_name", "period", "value"])

    return values


def test_stale_note_says_neuester_verfuegbarer_stand(monkeypatch, tmp_path) -> None:
    blocks.publish.configure(out_dir=tmp_path)
    unit = SimpleNamespace(ags="04012000", name="Bremerhaven")
    monkeypatch.setattr(blocks, "comparison_regions", lambda u: ["04012000", "04", "DG"])
    # the report's reference year as the real rule finds it: the newest year of the values
    ref = {"year": 2024}
    monkeypatch.setattr(
        blocks, "reference_year", lambda u, p=None: blocks._year(p) if p else ref["year"]
    )
    monkeypatch.setattr(
        blocks,
        "values",
        _fake_values(
            {"04012000": ["2014-12-31", "2015-12-31"], "04": ["2015-12-31"], "DG": ["2024-12-31"]}
        ),
    )
    note = blocks.stale_note("ausl_anteil", unit)
    assert (
        note
        == "Neuester verfügbarer Stand für Bremerhaven: 31.12.2015 (neuere Werte: Deutschland: 2024)."
    )
    assert blocks.stale_note("ausl_anteil", unit) == ""  # said once per chapter
    blocks.publish.configure(out_dir=blocks.publish.output_dir())  # the next chapter
    assert blocks.stale_note("ausl_anteil", unit) == note
    assert blocks.stale_note("ausl_anteil", unit, "2014-12-31") == ""  # asked for on purpose
    blocks.publish.configure(out_dir=tmp_path)
    # one year behind is not stale
    monkeypatch.setattr(
        blocks, "values", _fake_values({"04012000": ["2023-12-31"], "DG": ["2024-12-31"]})
    )
    assert blocks.stale_note("ausl_anteil", unit) == ""
    blocks.publish.configure(out_dir=tmp_path)
    # older than the report's reference year (a city delivery of 2022), although the
    # comparison levels are just as old
    ref["year"] = 2022
    monkeypatch.setattr(
        blocks,
        "values",
        lambda iid, regions, *a, **k: (
            _fake_values({"04012000": ["2022-09-30"]})(iid, regions)
            if iid == "bev_insgesamt"
            else _fake_values({"04012000": ["2015-06-30"], "DG": ["2015-06-30"]})(iid, regions)
        ),
    )
    assert blocks.stale_note("svb_ausl_anteil", unit) == (
        "Neuester verfügbarer Stand für Bremerhaven: 30.06.2015."
    )
    blocks.publish.configure(out_dir=tmp_path)
    ref["year"] = 2025
    # a school year 2022/23 ends in 2023
    monkeypatch.setattr(
        blocks, "values", _fake_values({"04012000": ["2022/23"], "DG": ["2024/25"]})
    )
    assert blocks.stale_note("schueler_ausl_anteil", unit).startswith("Neuester verfügbarer Stand")


@pytest.mark.parametrize(
    ("name", "im", "fuer", "von"),
    [
        ("Münster", "in Münster", "für Münster", "von Münster"),
        ("Stadt Minden", "in der Stadt Minden", "für die Stadt Minden", "von der Stadt Minden"),
        ("Saarland", "im Saarland", "für das Saarland", "vom Saarland"),
        (
            "Rhein-Kreis Neuss",
            "im Rhein-Kreis Neuss",
            "für den Rhein-Kreis Neuss",
            "vom Rhein-Kreis Neuss",
        ),
        (
            "Eifelkreis Bitburg-Prüm",
            "im Eifelkreis Bitburg-Prüm",
            "für den Eifelkreis Bitburg-Prüm",
            "vom Eifelkreis Bitburg-Prüm",
        ),
        (
            "Samtgemeinde Bersenbrück",
            "in der Samtgemeinde Bersenbrück",
            "für die Samtgemeinde Bersenbrück",
            "von der Samtgemeinde Bersenbrück",
        ),
        ("Land Bremen", "im Land Bremen", "für das Land Bremen", "vom Land Bremen"),
        # a town whose name merely contains a designation takes none
        (
            "Neustadt an der Weinstraße",
            "in Neustadt an der Weinstraße",
            "für Neustadt an der Weinstraße",
            "von Neustadt an der Weinstraße",
        ),
        ("Kreischa", "in Kreischa", "für Kreischa", "von Kreischa"),
        ("Bayern", "in Bayern", "für Bayern", "von Bayern"),
    ],
)
def test_article_table(name: str, im: str, fuer: str, von: str) -> None:
    assert text.in_region(name) == im
    assert text.fuer_region(name) == fuer
    assert text.von_region(name) == von


def test_subject_with_article() -> None:
    assert text.with_article("Ilm-Kreis") == "der Ilm-Kreis"
    assert text.with_article("Städteregion Aachen") == "die Städteregion Aachen"
    assert text.with_article("Saarland", capital=True) == "Das Saarland"
    assert text.with_article("Minden") == "Minden"


def test_kreis_label_keeps_a_feminine_designation() -> None:
    # "Städteregion" and "Region" are designations too: no "Kreis Städteregion Aachen"
    assert blocks.kreis_label(SimpleNamespace(name="Städteregion Aachen", level="kreis")) == (
        "Städteregion Aachen"
    )
    assert blocks.kreis_label(SimpleNamespace(name="Region Hannover", level="kreis")) == (
        "Region Hannover"
    )
