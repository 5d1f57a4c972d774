"""German hyphenation for the PDF (WeasyPrint through pyphen) and the table layout."""

from __future__ import annotations

from pathlib import Path


def hyphenation_patterns() -> Path:
    """The German hyphenation patterns the PDF uses (Trennmuster project, MIT licence).

    pyphen's own German dictionary (LibreOffice's hyph_de_DE) is a two-level dictionary
    (compound boundaries, then syllables); pyphen reads both levels as one and breaks
    "Gesamts-chulen", "Gast-a-r-bei-ter". The TeX patterns of the Trennmuster project are one
    level and split compounds at their joints ("Ge-samt-schu-len")."""
    from importlib import resources

    return Path(str(resources.files("ibislib.report").joinpath("templates/hyph_de_1996.dic")))


def use_german_patterns() -> None:
    """Make pyphen (and so WeasyPrint, for ``lang="de"``) hyphenate German with
    :func:`hyphenation_patterns`."""
    import pyphen

    path = hyphenation_patterns()
    for key in [k for k in pyphen.LANGUAGES if k.lower().split("_")[0] == "de"]:
        pyphen.LANGUAGES[key] = path


def hyphenator(left: int = 2, right: int = 2):
    """A pyphen hyphenator with the report's German patterns (tests, explanations)."""
    import pyphen

    return pyphen.Pyphen(filename=str(hyphenation_patterns()), left=left, right=right)
