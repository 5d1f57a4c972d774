"""Open answers: dictionary coding into themes, frequencies by persons, and scrubbed quotes.

The theme codebook is a versioned YAML (see ``themes_integration.yml``): word stems per theme,
matched as substrings so that German compounds are caught. An answer may get several codes;
answers that match no theme are coded "nicht zuordenbar". Quotes for the report go through
:func:`scrub`, which removes e-mail addresses, phone numbers, street addresses and names.
Raw answers themselves are never published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..errors import FormatError

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


# --------------------------------------------------------------------------------------------
# scrubber
# --------------------------------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE = re.compile(
    r"(?<![\w])(?:\+\d{1,3}[\s/-]?)?(?:\(0\d+\)|0\d{2,5})?[\s/-]?\d[\d\s/-]{4,}\d(?![\w])"
)
_STREET_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|pfad|stieg|markt)"
)
STREET = re.compile(
    r"(?:\b(?:Am|An der|An den|Im|In der|In den|Auf dem|Auf der|Zum|Zur)\s+[A-ZÄÖÜ][\w-]+"
    r"|\b[A-ZÄÖÜ][\w-]*"
    + _STREET_SUFFIX
    + r"|\b[A-ZÄÖÜ][\w-]+\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring))"
    r"\s*\d{1,4}(?:\s?[a-zA-Z](?!\w))?"
)
_CAP = r"[A-ZÄÖÜ][a-zäöüßéèçğış]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
NAME_CUES = re.compile(
    r"(?P<cue>\b(?:[Mm]ein Name ist|[Ii]ch heiße|[Ii]ch hei(?:ss|ß)e|[Gg]rüße,?|[Gg]ruß,?|[Gg]rüße von)\s+)"
    r"(?P<name>" + _CAP + r"(?:\s+" + _CAP + r")?)"
)
TITLE_NAME = re.compile(r"\b(?:Herr|Frau|Hr\.|Fr\.|Dr\.)\s+" + _CAP)
#: Common first names (German and the most frequent origins in NRW); extend per project.
FIRST_NAMES = {
    "Aylin",
    "Ayşe",
    "Ayse",
    "Mehmet",
    "Ahmet",
    "Ali",
    "Fatma",
    "Elif",
    "Emre",
    "Mustafa",
    "Yusuf",
    "Mohammed",
    "Mohammad",
    "Muhammad",
    "Ahmad",
    "Omar",
    "Mariam",
    "Maryam",
    "Fatima",
    "Hassan",
    "Hussein",
    "Ibrahim",
    "Khaled",
    "Layla",
    "Leila",
    "Nour",
    "Olga",
    "Irina",
    "Tatjana",
    "Natalia",
    "Sergej",
    "Dmitri",
    "Andrzej",
    "Piotr",
    "Katarzyna",
    "Anna",
    "Maria",
    "Marie",
    "Sophie",
    "Sofia",
    "Emma",
    "Mia",
    "Hannah",
    "Lena",
    "Laura",
    "Lea",
    "Julia",
    "Sarah",
    "Lisa",
    "Katharina",
    "Sabine",
    "Petra",
    "Monika",
    "Ursula",
    "Andrea",
    "Claudia",
    "Susanne",
    "Birgit",
    "Heike",
    "Jonas",
    "Leon",
    "Lukas",
    "Paul",
    "Felix",
    "Maximilian",
    "Finn",
    "Noah",
    "Elias",
    "Ben",
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Peter",
    "Klaus",
    "Jürgen",
    "Wolfgang",
    "Frank",
    "Markus",
    "Christian",
    "Daniel",
    "Martin",
    "Uwe",
    "Bernd",
    "Dieter",
    "Hans",
    "Karl",
    "Heinz",
    "Jan",
    "Tim",
    "Tobias",
    "Sebastian",
    "Alexander",
    "Nguyen",
    "Linh",
    "Minh",
}
FIRST_NAME = re.compile(
    r"\b(?:" + "|".join(sorted(FIRST_NAMES, key=len, reverse=True)) + r")\b(?:\s+" + _CAP + r")?"
)


def _phone(m: re.Match) -> str:
    g = m.group()
    if sum(ch.isdigit() for ch in g) < 6:  # years, house numbers, counts stay
        return g
    return (" " if g[0].isspace() else "") + "[Telefonnummer entfernt]"


def scrub(text: str, extra_names: set[str] | None = None) -> str:
    """Remove e-mail addresses, phone numbers, street addresses and names from a quote."""
    t = EMAIL.sub("[E-Mail entfernt]", text)
    t = STREET.sub("[Adresse entfernt]", t)
    t = PHONE.sub(_phone, t)
    t = NAME_CUES.sub(lambda m: m.group("cue") + "[Name entfernt]", t)
    t = TITLE_NAME.sub("[Name entfernt]", t)
    t = FIRST_NAME.sub("[Name entfernt]", t)
    for name in extra_names or ():
        t = re.sub(r"\b" + re.escape(name) + r"\b", "[Name entfernt]", t)
    return re.sub(r"\s{2,}", " ", t).strip()


def quotes(
    answers: pd.Series,
    coded: pd.DataFrame,
    per_theme: int = 1,
    min_len: int = 25,
    max_len: int = 160,
    min_persons: int = 5,
) -> pd.DataFrame:
    """Example quotes per theme: scrubbed, of moderate length, at most `per_theme` each; an
    answer is used for one theme only. Quotes that needed scrubbing are preferred last.
    Themes named by fewer than `min_persons` respondents get no quote (their count is
    suppressed as well)."""
    labels = load_themes().labels()
    used: set = set()
    rows = []
    for theme in [c for c in coded.columns if c != "nicht_zuordenbar"]:
        if coded[theme].sum() < min_persons:
            continue
        cands = []
        for idx in coded.index[coded[theme]]:
            raw = str(answers.loc[idx])
            clean = scrub(raw)
            if idx in used or not (min_len <= len(clean) <= max_len):
                continue
            cands.append((clean != raw, len(clean), idx, clean))
        for _changed, _len, idx, clean in sorted(cands)[:per_theme]:
            used.add(idx)
            rows.append(
                {"Thema": labels.get(theme, theme), "Beispiel (anonymisiert)": f"„{clean}“"}
            )
    return pd.DataFrame(rows)
