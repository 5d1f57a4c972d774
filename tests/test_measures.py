"""Maßnahmen-Controlling: the status file the city fills in, its errors, the traffic light."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibislib import measures, workshops
from ibislib.errors import FormatError
from ibislib.indicators import catalog

ROOT = Path(__file__).resolve().parents[1]
AGS = "05566028"
TEMPLATE = ROOT / "data" / "templates" / "massnahmen_stand_vorlage.yml"


@pytest.fixture(scope="module")
def numbers() -> set[str]:
    return {str(m["kapitel"]) for m in workshops.load(AGS).measures}


def _file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "massnahmen_stand_2024.yml"
    p.write_text(f'municipality: "{AGS}"\nstand: 30.06.2024\nmassnahmen:\n{body}', encoding="utf-8")
    return p


def test_template_is_valid(tmp_path, numbers):
    p = tmp_path / "massnahmen_stand_2024.yml"
    p.write_bytes(TEMPLATE.read_bytes())
    sf = measures.parse(p, numbers, catalog())
    [m] = sf.measures.values()
    assert m.status == "begonnen" and m.links[0].indicator == "ik_teilnehmende"
    assert m.links[0].direction == "steigen" and m.links[0].baseline_period == "2019"


def test_synthetic_example_loads_only_for_an_edition():
    sf = measures.load(AGS, 2024)
    assert sf is not None and sf.synthetic and sf.year == 2024
    assert sf.measures["4.2.4"].status == "verworfen"
    assert sf.measures["4.4.2"].links[0].target_value == 1350
    # a default report (no edition) never picks up the synthetic example
    assert measures.load(AGS) is None


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ('  - nr: "9.9.9"\n    status: geplant\n', 4, ["Unbekannte Maßnahme '9.9.9'"]),
        ('  - nr: "4.1.1"\n    status: fertig\n', 5, ["Status 'fertig'", "geplant"]),
        (
            '  - nr: "4.1.1"\n    status: begonnen\n    indikatoren:\n      - id: gibt_es_nicht\n'
            "        basis: {wert: 1, stichtag: 2021}\n",
            7,
            ["Indikator 'gibt_es_nicht'"],
        ),
        (
            '  - nr: "4.1.1"\n    status: begonnen\n    indikatoren:\n      - id: ik_teilnehmende\n'
            "        ziel: {wert: 200}\n",
            8,
            ["Ziel ohne Basiswert"],
        ),
        (
            '  - nr: "4.1.1"\n    status: begonnen\n    indikatoren:\n      - id: ik_teilnehmende\n'
            "        basis: {wert: 165, stichtag: 2019}\n        ziel: {richtung: hoch}\n",
            9,
            ["Richtung 'hoch'"],
        ),
        (
            '  - nr: "4.1.1"\n    status: begonnen\n  - nr: "4.1.1"\n    status: geplant\n',
            6,
            ["doppelt"],
        ),
    ],
)
def test_bad_input_names_file_line_problem(tmp_path, numbers, body, line, words):
    p = _file(tmp_path, body)
    with pytest.raises(FormatError) as err:
        measures.parse(p, numbers, catalog())
    msg = err.value.message
    assert str(p) in msg and f"Zeile {line}" in msg, msg
    for w in words:
        assert w in msg, msg


def test_bad_yaml_names_line(tmp_path, numbers):
    p = _file(tmp_path, '  - nr: "4.1.1"\n    status: [begonnen\n')
    with pytest.raises(FormatError, match="Zeile"):
        measures.parse(p, numbers, catalog())


L = measures.Link


@pytest.mark.parametrize(
    ("link", "current", "colour"),
    [
        (L("x", 100, "2021", 120, "steigen"), {"value": 125, "period": "2023"}, "grün"),
        (L("x", 100, "2021", 120, "steigen"), {"value": 110, "period": "2023"}, "gelb"),
        (L("x", 100, "2021", 120, "steigen"), {"value": 95, "period": "2023"}, "rot"),
        (L("x", 100, "2021", 120, "steigen"), {"value": 100, "period": "2023"}, "rot"),
        (
            L("x", 40.3, "2022-09-30", None, "sinken"),
            {"value": 38.0, "period": "2024-09-30"},
            "grün",
        ),
        (
            L("x", 40.3, "2022-09-30", None, "sinken"),
            {"value": 40.31, "period": "2024-09-30"},
            "gelb",
        ),
        (
            L("x", 40.3, "2022-09-30", None, "sinken"),
            {"value": 44.8, "period": "2024-09-30"},
            "rot",
        ),
        # no value after the baseline's Stichtag: no judgement
        (L("x", 23.3, "2016", None, "sinken"), {"value": 20.0, "period": "2016"}, "grau"),
        (L("x", 100, "2021", 120, "steigen"), None, "grau"),
        (L("x", 100, "2021"), {"value": 125, "period": "2023"}, "grau"),
    ],
)
def test_traffic_light_rule(link, current, colour):
    assert measures.light(link, current, decimals=1)[0] == colour


def test_appendix_matrix_gets_status_column():
    mm = workshops.measures_matrix(workshops.load(AGS))
    with_st = measures.with_status(mm, AGS, 2024)
    assert "Umsetzungsstand" in with_st
    st = dict(zip(with_st["Nr."], with_st["Umsetzungsstand"], strict=True))
    assert st["4.2.4"] == "verworfen (synthetisch)"
    assert st["4.3.1"] == "keine Angabe (synthetisch)"
    pd.testing.assert_frame_equal(measures.with_status(mm, AGS), mm)  # default report


def test_summary_counts_statuses():
    sf = measures.load(AGS, 2024)
    text = measures.status_summary(sf, 16)
    assert text.startswith("Stand 30.06.2024: von 16 Maßnahmen sind")
    assert "1 verworfen" in text and "zu 6 liegt keine Angabe vor" in text
