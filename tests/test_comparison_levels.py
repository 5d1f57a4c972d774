"""A unit is compared with the levels above it, never with its own territory."""

import pytest

from ibislib.regions import registry


@pytest.mark.parametrize(
    ("ags", "expected"),
    [
        ("05566028", ["05566", "05", "DG"]),  # Gemeinde in a Kreis
        ("05515000", ["055", "05", "DG"]),  # kreisfreie Stadt: Regierungsbezirk instead of itself
        ("05515", ["055", "05", "DG"]),  # the same city at Kreis level
        ("16070004", ["16070", "16", "DG"]),  # Thüringen: no Regierungsbezirke
        ("11000000", ["DG"]),  # Berlin: Kreis and Land are Berlin
        ("02000000", ["DG"]),  # Hamburg
        ("04011000", ["04", "DG"]),  # Bremen: the Land also holds Bremerhaven
        ("16070", ["16", "DG"]),  # a Kreis
    ],
)
def test_parents_skip_same_territory(ags, expected):
    assert registry().parents(ags) == expected


def test_report_comparison_regions_follow_the_registry():
    from ibislib.report.blocks import comparison_regions, unit_of

    muenster = unit_of("05515000")
    regions = comparison_regions(muenster)
    assert regions[0] == "05515000"
    assert "05515" not in regions
