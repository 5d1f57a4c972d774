"""Open answers: dictionary coding into themes and frequencies by persons.

The theme codebook is a versioned YAML (see ``themes_integration.yml``): word stems per theme,
matched as substrings so that German compounds are caught. An answer may get several codes;
answers that match no theme are coded "nicht zuordenbar". Only themes with their counts are
published (:func:`publishable`: at least 5 persons), never the wording of an answer: no
scrubber can find every name ("Familie Nowak"), so there are no quotes at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..errors import FormatError
from .frequencies import MIN_CELL

DEFAULT_THEMES = Path(__file__).with_name("themes_integration.yml")


@dataclass
class Theme:
    code: str
    label: str
    stems: list[str]
    exclude: list[str]

    def matches(self, text: str) -> bool:
        t = text.lower()
        if any(x.lower() in t for x in self.exclude):
            return False
        for stem in self.stems:
            s = stem.lower()
            if s.startswith("_"):
                if re.search(r"(?<![\wäöüß])" + re.escape(s[1:]), t):
                    return True
            elif s in t:
                return True
        return False


@dataclass
class ThemeBook:
    name: str
    version: str
    question: str
    unclassified: str
    themes: list[Theme]

    def labels(self) -> dict[str, str]:
        return {t.code: t.label for t in self.themes} | {"nicht_zuordenbar": self.unclassified}


def load_themes(path: str | Path = DEFAULT_THEMES) -> ThemeBook:
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), dict):
        raise FormatError("Das Themen-Codebuch hat keinen Abschnitt 'themes'", path=path)
    themes = []
    for code, t in raw["themes"].items():
        if not t.get("stems"):
            raise FormatError(f"Thema '{code}' hat keine Wortstämme ('stems')", path=path)
        themes.append(
            Theme(
                code,
                str(t.get("label", code)),
                [str(s) for s in t["stems"]],
                [str(s) for s in t.get("exclude", [])],
            )
        )
    return ThemeBook(
        name=str(raw.get("name", path.stem)),
        version=str(raw.get("version", "1")),
        question=str(raw.get("question", "")),
        unclassified=str(raw.get("unclassified", "nicht zuordenbar")),
        themes=themes,
    )


def code_answers(answers: pd.Series, book: ThemeBook | None = None) -> pd.DataFrame:
    """One boolean column per theme (+ 'nicht_zuordenbar') for every non-empty answer."""
    book = book or load_themes()
    texts = answers.dropna().astype(str)
    texts = texts[texts.str.strip() != ""]
    out = pd.DataFrame({t.code: texts.map(t.matches) for t in book.themes}, index=texts.index)
    out["nicht_zuordenbar"] = ~out.any(axis=1)
    out.attrs["themes_version"] = book.version
    return out


def theme_frequencies(coded: pd.DataFrame, book: ThemeBook | None = None) -> pd.DataFrame:
    """Persons per theme and percent of persons who answered (multiple codes: > 100 %)."""
    book = book or load_themes()
    labels = book.labels()
    n = len(coded)
    rows = [
        {
            "Thema": labels.get(c, c),
            "Personen": int(coded[c].sum()),
            "Anteil (%)": 100 * coded[c].sum() / n if n else float("nan"),
        }
        for c in coded.columns
    ]
    out = pd.DataFrame(rows)
    last = out["Thema"] == book.unclassified
    out = pd.concat([out[~last].sort_values("Personen", ascending=False, kind="stable"), out[last]])
    out.attrs["n"] = n
    out.attrs["themes_version"] = book.version
    return out.reset_index(drop=True)


def publishable(freq: pd.DataFrame, min_persons: int = MIN_CELL) -> pd.DataFrame:
    """The themes of :func:`theme_frequencies` that at least `min_persons` persons named (the
    concept publishes clustered themes only). Multiple coding means the counts do not add up to
    a known total, so no secondary suppression is needed."""
    out = freq[freq["Personen"] >= min_persons].reset_index(drop=True)
    out.attrs.update(freq.attrs)
    return out
