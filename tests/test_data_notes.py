"""The report's methods note lists the store's plausibility warnings that concern it."""

from ibislib import store
from ibislib.report import build
from ibislib.report.assemble import _notes_html

WARNINGS = [
    "a.csv: Regel 'regions': 79 Regionalschlüssel nicht im Gebietsverzeichnis (03152, …)",
    "b.csv: Regel 'agree': 1 Werte weichen von 'c.csv' ab (z. B. Region DG, 2016, …)",
    "d.csv: Regel 'hierarchy': in 3 Fällen … (z. B. Kreis 05566, 2015, svb: 10 > 9)",
    "e.csv: Regel 'hierarchy': in 1 Fällen … (z. B. Kreis 16070, 2015, svb: 10 > 9)",
]


def test_notes_for_a_unit_keep_conflicts_and_its_own_regions(monkeypatch):
    monkeypatch.setattr(store, "warnings", lambda processed=None: WARNINGS)
    notes = build.data_notes("05566028")
    assert [n.split(":")[0] for n in notes] == ["b.csv", "d.csv"]
    assert [n.split(":")[0] for n in build.data_notes("16070004")] == ["b.csv", "e.csv"]


def test_notes_section_is_escaped_and_absent_without_notes():
    assert _notes_html([]) == ""
    html = _notes_html(["x.csv: Regel 'agree': <b>1</b> Werte"])
    assert "Hinweise aus der Datenprüfung" in html and "&lt;b&gt;1&lt;/b&gt;" in html
