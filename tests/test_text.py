"""German sentences: Lesehilfe, comparison phrasing (über/unter/gleichauf), no-data notes."""

from __future__ import annotations

import pandas as pd
import pytest

from ibislib import text
from ibislib.tidy import finish

NNBSP = "\u202f"


def store_with(values: dict[str, tuple[float, float]], period: str = "2015-12-31") -> pd.DataFrame:
    """A tiny store: region -> (population, foreigners). Built to test phrasing only."""
    rows = []
    for region, (total, foreigners) in values.items():
        rows.append({"region": region, "period": period, "measure": "bevoelkerung", "value": total})
        rows.append(
            {
                "region": region,
                "period": period,
                "measure": "bevoelkerung",
                "nationality": "ausländisch",
                "value": foreigners,
            }
        )
    return finish(pd.DataFrame(rows), unit="Anzahl", source="synthetisch (Test)", region_name="")


def test_zeit_and_in_region():
    assert text.zeit("2022-09-30") == "Zum 30.09.2022"
    assert text.zeit("2021") == "Im Jahr 2021"
    assert text.zeit("2021/22", capital=False) == "im Schuljahr 2021/22"
    assert text.in_region("Ibbenbüren") == "in Ibbenbüren"
    assert text.in_region("Ilm-Kreis") == "im Ilm-Kreis"
    assert text.in_region("Kreis Steinfurt") == "im Kreis Steinfurt"
    assert text.in_region("Regionalverband Saarbrücken") == "im Regionalverband Saarbrücken"
    assert text.in_region("Deutschland") == "in Deutschland"


def test_comparison_above_below_and_levels():
    store = store_with(
        {"05566028": (1000, 99), "05566": (1000, 80), "05": (1000, 120), "DG": (1000, 99)}
    )
    s = text.comparison("ausl_anteil", "05566028", store=store)
    assert s == (
        f"Der Ausländeranteil liegt mit 9,9{NNBSP}% über dem Kreiswert von 8,0{NNBSP}%, "
        f"unter dem Landeswert von 12,0{NNBSP}% und gleichauf mit dem Bundeswert (9,9{NNBSP}%)."
    )


def test_comparison_for_a_kreis_goes_up_from_the_kreis():
    store = store_with({"16070": (1000, 44), "16": (1000, 38)})
    s = text.comparison("ausl_anteil", "16070", store=store)
    assert s == f"Der Ausländeranteil liegt mit 4,4{NNBSP}% über dem Landeswert von 3,8{NNBSP}%."
    assert text.lesehilfe("ausl_anteil", "16070", store=store) == (
        f"Zum 31.12.2015 lebten im Ilm-Kreis insgesamt 1.000 Menschen; 4,4{NNBSP}% davon "
        "(44 Personen) hatten keine deutsche Staatsangehörigkeit."
    )


def test_comparison_none_without_comparators_or_for_counts():
    store = store_with({"05566028": (1000, 99)})
    assert text.comparison("ausl_anteil", "05566028", store=store) is None
    assert text.comparison("ausl_anzahl", "05566028", store=store) is None
    assert text.lesehilfe("sgb2_ausl_anteil", "05566028", store=store) is None


def test_lesehilfe_at_a_given_period():
    store = pd.concat(
        [store_with({"05566028": (1000, 99)}), store_with({"05566028": (1100, 121)}, "2016-12-31")]
    )
    assert "Zum 31.12.2015" in text.lesehilfe("ausl_anteil", "05566028", "2015-12-31", store=store)
    assert "11,0" in text.lesehilfe("ausl_anteil", "05566028", store=store)  # latest


@pytest.mark.parametrize(
    ("topic", "region", "expected"),
    [
        (
            "Integrationskursen",
            "Minden",
            "Für Minden liegen keine Daten zu Integrationskursen vor.",
        ),
        ("ik_teilnehmende", "05770024", "Für Minden liegen keine Daten zu Integrationskursen vor."),
        (
            "Einbürgerungen",
            "Ilm-Kreis",
            "Für den Ilm-Kreis liegen keine Daten zu Einbürgerungen vor.",
        ),
    ],
)
def test_no_data(topic, region, expected):
    assert text.no_data(topic, region) == expected


def test_labels_for_breakdown_cells():
    assert text.age_label("27-65") == "27 bis unter 65 Jahre"
    assert text.age_label("0-12") == "unter 12 Jahre"
    assert text.age_label("80+") == "80 Jahre und älter"
    assert text.category_label("niveau=unter A2") == "unter A2"


def test_breakdown_sentences_need_their_cell():
    rows = [
        {
            "region": "05566028",
            "period": "2021-12-31",
            "measure": "bevoelkerung",
            "value": v,
            "district": d,
            "nationality": "ausländisch",
        }
        for d, v in {"insgesamt": 5000, "Innenstadt": 2443}.items()
    ]
    store = finish(
        pd.DataFrame(rows), unit="Anzahl", source="synthetisch (Test)", region_name="Ibbenbüren"
    )
    assert text.lesehilfe("ausl_anzahl_stadtteil", "05566028", store=store) is None
    assert text.lesehilfe(
        "ausl_anzahl_stadtteil", "05566028", store=store, district="Innenstadt"
    ) == ("Zum 31.12.2021 lebten im Stadtteil Innenstadt 2.443 Ausländer*innen.")


def test_published_value_gets_a_plain_sentence():
    rows = [
        {
            "region": "DG",
            "period": "2020",
            "measure": "einbuergerungsquote",
            "value": 0.98,
            "unit": "Prozent",
        }
    ]
    store = finish(
        pd.DataFrame(rows), source="Integrationsmonitoring der Länder", region_name="Deutschland"
    )
    assert text.lesehilfe("einbuergerungsquote", "DG", store=store) == (
        f"Die Einbürgerungsquote in Deutschland lag im Jahr 2020 bei 0,98{NNBSP}% (veröffentlichter Wert)."
    )
