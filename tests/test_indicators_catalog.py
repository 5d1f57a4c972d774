"""The catalogue is data: every shipped entry is complete, and a broken entry names itself."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path

import pytest
import yaml

from ibislib import indicators as ind
from ibislib.indicators.catalog import CATALOG_PATH, CatalogError, load_catalog
from ibislib.tidy import MEASURES

DESIGN_IDS = """bev_insgesamt ausl_anzahl ausl_anteil ausl_anteil_stadtteil ausl_altersstruktur
ausl_anteil_erwerbsalter ausl_anteil_unter18 ausl_anteil_65plus bev_entwicklung
einwanderungsgeschichte_anteil schutzsuchende_anzahl einbuergerungen_anzahl einbuergerungsquote
einbuergerungspotenzial binationale_ehen_anteil svb_ausl_anzahl svb_ausl_anteil
beschaeftigungsquote_ausl arbeitslose_ausl_anzahl arbeitslose_ausl_anteil sgb2_ausl_anteil
schueler_ausl_anteil schueler_zwg_anteil repraesentationsindex ik_teilnehmende
ik_zertifikat_anteil""".split()


def raw_entries() -> list[dict]:
    return yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))["indicators"]


def write(tmp_path: Path, entries: list[dict]) -> Path:
    p = tmp_path / "catalog.yml"
    p.write_text(yaml.safe_dump({"indicators": entries}, allow_unicode=True), encoding="utf-8")
    return p


def broken(tmp_path: Path, entry_id: str, change) -> Path:
    entries = copy.deepcopy(raw_entries())
    entry = next(e for e in entries if e["id"] == entry_id)
    change(entry)
    return write(tmp_path, entries)


def test_shipped_catalogue_has_the_design_set_and_variants():
    cat = ind.catalog()
    missing = [i for i in DESIGN_IDS if i not in cat]
    assert not missing
    for extra in ("svb_ausl_anteil_arbeitsort", "binationale_ehen_anteil_amtlich"):
        assert extra in cat
    assert len(cat) >= 30
    for entry in cat.values():
        assert entry.title and entry.definition and entry.source and entry.lesehilfe and entry.notes
        assert entry.dimension in {
            "strukturell",
            "sozial",
            "kulturell",
            "identifikatorisch",
            "demografisch",
        }
        assert entry.concept in {
            "Ausländer",
            "Einwanderungsgeschichte",
            "Zuwanderungsgeschichte",
            "Gesamtbevölkerung",
        }
        for sel in (entry.numerator, entry.denominator, entry.fallback):
            assert sel is None or sel.measure in MEASURES


def test_definitions_as_specified():
    cat = ind.catalog()
    assert cat["svb_ausl_anteil"].numerator.measure == "svb_wohnort"
    assert cat["svb_ausl_anteil_arbeitsort"].numerator.measure == "svb_arbeitsort"
    assert cat["einbuergerungsquote"].period_rule == "previous_year_end"
    assert cat["beschaeftigungsquote_ausl"].denominator.age == (18, 65)
    assert ind.catalog({"lower_age": 15})["beschaeftigungsquote_ausl"].denominator.age == (15, 65)
    assert "8 Jahren" in ind.catalog({"min_years": 8})["einbuergerungspotenzial"].definition
    assert cat["schueler_ausl_anteil"].fallback.measure == "schueler_anteil"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.pop("title"), "Pflichtfeld(er) fehlen: title"),
        (
            lambda e: e["numerator"].update(measure="auslaender"),
            "unbekanntes Merkmal (measure) 'auslaender'",
        ),
        (lambda e: e["numerator"].update(religion="x"), "unbekannte Dimension ['religion']"),
        (lambda e: e.update(unit="Promille"), "unbekannte Einheit 'Promille'"),
        (lambda e: e.update(lesehilfe="{zeit} in {gemeinde}"), "Platzhalter ['gemeinde']"),
        (lambda e: e.update(lesehilfe="{zeit"), "Lesehilfe-Vorlage fehlerhaft"),
        (
            lambda e: e.update(breakdown=["religion"]),
            "unbekannte Dimension 'religion' in 'breakdown'",
        ),
        (lambda e: e.update(kind="quotient"), "unbekannte Art 'quotient'"),
        (lambda e: e.pop("denominator"), "denominator"),
        (lambda e: e.update(concept="Migrationshintergrund"), "unbekanntes Migrationskonzept"),
        (lambda e: e.update(dimension="politisch"), "unbekannte Integrationsdimension"),
        (lambda e: e.update(decimals=7), "'decimals'"),
        (lambda e: e["denominator"].update(age=[65, 18]), "obere Altersgrenze"),
        (lambda e: e["denominator"].update(age=["{max_age}", 65]), "Parameter ['max_age']"),
    ],
)
def test_broken_entry_names_itself(tmp_path, change, message):
    path = broken(tmp_path, "beschaeftigungsquote_ausl", change)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert "Indikator 'beschaeftigungsquote_ausl'" in err.value.message
    assert message in err.value.message
    assert str(path) in err.value.message


def test_duplicate_ids_and_unknown_base(tmp_path):
    entries = raw_entries()
    with pytest.raises(CatalogError, match="doppelt"):
        load_catalog(write(tmp_path, [*entries, entries[0]]))
    path = broken(
        tmp_path, "repraesentationsindex", lambda e: e.update(base_indicator="gibt_es_nicht")
    )
    with pytest.raises(CatalogError, match="repraesentationsindex.*gibt_es_nicht"):
        load_catalog(path)


def test_invalid_yaml_names_the_line(tmp_path):
    p = tmp_path / "catalog.yml"
    p.write_text("indicators:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(p)
    assert err.value.line is not None and "kein gültiges YAML" in err.value.message


def _touch_later(path: Path) -> None:
    """A file changed 'later' even on a coarse clock (the cache key is mtime and size)."""
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_table_registry_and_catalogue_cached_until_the_file_changes(tmp_path, monkeypatch):
    """Issue 17: the registry and the catalogue are parsed once per file state, not per call;
    an edited file is read again, and a caller changing its copy never reaches the cache."""
    cat_mod = importlib.import_module("ibislib.indicators.catalog")

    path = tmp_path / "catalog.yml"
    text = CATALOG_PATH.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    first = cat_mod.table_registry(path)
    assert "12411-03-03-4" in first and "99999-01-01-4" not in first
    first.pop("12411-03-03-4")  # the caller's copy only
    assert "12411-03-03-4" in cat_mod.table_registry(path)
    line = '  "12411-03-03-4": {service: regio'
    assert line in text
    added = '  "99999-01-01-4": {service: regio, levels: [kreis], title: "Neu"}\n'
    path.write_text(text.replace(line, added + line, 1), encoding="utf-8")
    _touch_later(path)
    assert cat_mod.table_registry(path)["99999-01-01-4"].title == "Neu"

    monkeypatch.setattr(cat_mod, "CATALOG_PATH", path)
    one = cat_mod.catalog()
    assert cat_mod.catalog() is one  # cached: the same object
    path.write_text(text.replace("title: Ausländeranteil\n", "title: Anteil neu\n", 1), "utf-8")
    _touch_later(path)
    two = cat_mod.catalog()
    assert two is not one and two["ausl_anteil"].title == "Anteil neu"
