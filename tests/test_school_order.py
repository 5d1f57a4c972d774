"""School types come out in the intended order, singular or plural, on every run."""

import random

from ibislib.report.blocks import school_key


def test_singular_and_plural_labels_share_the_intended_order():
    singular = [
        "Grundschule",
        "Hauptschule",
        "Realschule",
        "Gesamtschule",
        "Gymnasium",
        "Förderschule",
    ]
    plural = [
        "Grundschulen",
        "Hauptschulen",
        "Realschulen",
        "Integrierte Gesamtschulen",
        "Gymnasien",
        "Förderschulen",
    ]
    for labels in (singular, plural):
        shuffled = labels[:]
        random.Random(1).shuffle(shuffled)
        assert sorted(shuffled, key=school_key) == labels


def test_unknown_types_are_ordered_by_name_not_by_hash():
    labels = [
        "Schulartunabhängige Orientierungsstufe",
        "Abendgymnasium",
        "Freie Waldorfschulen",
        "Andere Schule",
    ]
    got = sorted(set(labels), key=school_key)
    assert got[0] == "Abendgymnasium"  # a Gymnasium type
    assert got[1] == "Freie Waldorfschulen"
    assert got[2:] == ["Andere Schule", "Schulartunabhängige Orientierungsstufe"]
