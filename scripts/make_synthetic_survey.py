"""Generate the SYNTHETIC example survey data for Ibbenbüren (data/raw/befragung_ibbenbueren/).

Survey microdata cannot be published, so this script builds a seeded, reproducible stand-in
that matches the marginals published in the Integrationskonzept Ibbenbüren 2022, chapter 3.2:

* resident survey: 228 respondents (113 women, 105 men, 1 diverse, 9 no answer); 25 with
  Einwanderungs-/Schutzsuchendenhintergrund; 11 born abroad; 98 % of those answering hold a
  German passport; age structure as described (without background 72 % aged over 40, a third
  51–64; with background almost 60 % up to 40); questionnaires in German, English, French and
  Leichte Sprache (one file each, headers as codes or question texts of that language);
  Abbildung 11 and 13 answer counts exactly; Menschenfeindlichkeit 56 % vs 53 % agreement;
  Stadtverwaltung 15 % / 49 %; > 90 % see integration as important; open answers to
  "Integration bedeutet für Sie …" with the themes of the text (some with fake names, e-mail
  addresses, phone numbers and street addresses to exercise the scrubber).
* institution survey: 36 institutions; ratings of how offers are taken up and of networking
  (Abbildung 18 exactly: 1, 8, 9, 7, 7, 1); 83 % plan to extend networking.
* offers of the institutions: target groups (multiple response), 38 % specifically for people
  with migration background, 27 % for refugees, 15 offers for pre-school children.

Everything is labelled synthetic: file names, ``synthetic: true`` in the codebooks and a
``synthetisch`` column. Run:  python scripts/make_synthetic_survey.py [OUT_DIR]
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
import yaml

SEED = 20221004
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "raw" / "befragung_ibbenbueren"
MUNICIPALITY = "05566028"
SOURCE = "Einwohner*innenbefragung Ibbenbüren 2021/22 – synthetische Beispieldaten"

LANGS = ["de", "en", "fr", "ls"]

# --------------------------------------------------------------------------------------------
# questionnaire (codebook)
# --------------------------------------------------------------------------------------------

AGREE4 = {
    1: {
        "de": "stimme voll und ganz zu",
        "en": "strongly agree",
        "fr": "tout à fait d'accord",
        "ls": "Ja, genau so.",
    },
    2: {"de": "stimme zu", "en": "agree", "fr": "d'accord", "ls": "Ja."},
    3: {
        "de": "stimme teilweise zu",
        "en": "partly agree",
        "fr": "partiellement d'accord",
        "ls": "Ein bisschen.",
    },
    4: {"de": "stimme nicht zu", "en": "disagree", "fr": "pas d'accord", "ls": "Nein."},
}

ITEMS: list[dict] = [
    {"code": "id", "type": "text", "text": {"de": "Befragten-ID (synthetisch)"}},
    {"code": "synthetisch", "type": "numeric", "text": {"de": "Synthetischer Datensatz (1 = ja)"}},
    {
        "code": "geschlecht",
        "text": {
            "de": "Welchem Geschlecht fühlen Sie sich zugehörig?",
            "en": "What is your gender?",
            "fr": "Quel est votre genre ?",
            "ls": "Sind Sie eine Frau oder ein Mann?",
        },
        "labels": {1: "weiblich", 2: "männlich", 3: "divers"},
        "missing": [-9],
    },
    {
        "code": "alter",
        "text": {
            "de": "Wie alt sind Sie?",
            "en": "How old are you?",
            "fr": "Quel âge avez-vous ?",
            "ls": "Wie alt sind Sie?",
        },
        "scale": "alter",
    },
    {
        "code": "migration",
        "text": {
            "de": "Haben Sie einen Einwanderungs- oder Schutzsuchendenhintergrund?",
            "en": "Do you have a migration or refugee background?",
            "fr": "Avez-vous un parcours migratoire ou de réfugié·e ?",
            "ls": "Sind Sie oder Ihre Eltern nach Deutschland gekommen?",
        },
        "labels": {
            1: "mit Einwanderungshintergrund (inkl. Schutzsuchende)",
            2: "ohne Einwanderungshintergrund",
        },
        "missing": [-9],
    },
    {
        "code": "geburtsland",
        "text": {
            "de": "Wo sind Sie geboren?",
            "en": "Where were you born?",
            "fr": "Où êtes-vous né·e ?",
            "ls": "Wo sind Sie geboren?",
        },
        "labels": {1: "in Deutschland", 2: "im Ausland"},
        "missing": [-9],
    },
    {
        "code": "pass",
        "text": {
            "de": "Haben Sie einen deutschen Pass?",
            "en": "Do you hold a German passport?",
            "fr": "Avez-vous un passeport allemand ?",
            "ls": "Haben Sie einen deutschen Pass?",
        },
        "labels": {1: "deutscher Pass", 2: "kein deutscher Pass"},
        "missing": [-9],
    },
    {
        "code": "wohndauer",
        "text": {
            "de": "Wie lange leben Sie schon in Ibbenbüren?",
            "en": "How long have you lived in Ibbenbüren?",
            "fr": "Depuis combien de temps vivez-vous à Ibbenbüren ?",
            "ls": "Wie lange wohnen Sie schon in Ibbenbüren?",
        },
        "scale": "wohndauer",
    },
    {
        "code": "wichtig_selbst",
        "scale": "zustimmung4",
        "battery": "wichtig",
        "text": {
            "de": "Integration ist für mich persönlich ein wichtiges Thema.",
            "en": "Integration is an important topic for me personally.",
            "fr": "L'intégration est un sujet important pour moi.",
            "ls": "Integration ist wichtig für mich.",
        },
    },
    {
        "code": "wichtig_stadt",
        "scale": "zustimmung4",
        "battery": "wichtig",
        "text": {
            "de": "Integration ist ein wichtiges Thema für Ibbenbüren.",
            "en": "Integration is an important topic for Ibbenbüren.",
            "fr": "L'intégration est un sujet important pour Ibbenbüren.",
            "ls": "Integration ist wichtig für Ibbenbüren.",
        },
    },
    {
        "code": "bedeutung",
        "type": "text",
        "text": {
            "de": "Integration bedeutet für Sie …",
            "en": "To you, integration means …",
            "fr": "Pour vous, l'intégration signifie …",
            "ls": "Was ist Integration für Sie?",
        },
    },
    {
        "code": "wohl",
        "scale": "zustimmung4",
        "battery": "klima",
        "text": {
            "de": "In Ibbenbüren fühlen sich alle Menschen wohl, egal wo sie herkommen.",
            "en": "In Ibbenbüren, everyone feels at home, no matter where they come from.",
            "fr": "À Ibbenbüren, tout le monde se sent bien, quelle que soit son origine.",
            "ls": "Alle Menschen fühlen sich in Ibbenbüren wohl. Egal woher sie kommen.",
        },
    },
    {
        "code": "gmf",
        "scale": "zustimmung4",
        "battery": "klima",
        "text": {
            "de": "In Ibbenbüren gibt es kaum gruppenbezogene Menschenfeindlichkeit.",
            "en": "There is hardly any group-focused enmity in Ibbenbüren.",
            "fr": "Il n'y a guère d'hostilité envers certains groupes à Ibbenbüren.",
            "ls": "In Ibbenbüren werden Menschen kaum wegen ihrer Gruppe abgelehnt.",
        },
    },
    {
        "code": "augenhoehe",
        "scale": "zustimmung4",
        "battery": "klima",
        "text": {
            "de": "In Ibbenbüren bewegen sich Eingewanderte und „Mehrheitsgesellschaft“ auf Augenhöhe.",
            "en": "In Ibbenbüren, immigrants and the 'majority society' meet as equals.",
            "fr": "À Ibbenbüren, les immigré·e·s et la « société majoritaire » se rencontrent d'égal à égal.",
            "ls": "In Ibbenbüren sind Eingewanderte und alle anderen gleich viel wert.",
        },
    },
    {
        "code": "verwaltung",
        "scale": "zustimmung4",
        "battery": "klima",
        "text": {
            "de": "Die Stadtverwaltung Ibbenbüren ist ein kompetenter und freundlicher Ansprechpartner.",
            "en": "The Ibbenbüren city administration is a competent and friendly point of contact.",
            "fr": "L'administration municipale d'Ibbenbüren est un interlocuteur compétent et aimable.",
            "ls": "Die Stadt-Verwaltung hilft gut und ist freundlich.",
        },
    },
]

SCALES = {
    "zustimmung4": {"type": "ordinal", "levels": AGREE4, "missing": [-9], "agree": [1, 2]},
    "alter": {
        "type": "ordinal",
        "levels": {
            1: "unter 18 Jahre",
            2: "18 bis 25 Jahre",
            3: "26 bis 40 Jahre",
            4: "41 bis 50 Jahre",
            5: "51 bis 64 Jahre",
            6: "65 Jahre und älter",
        },
        "missing": [-9],
    },
    "wohndauer": {
        "type": "ordinal",
        "levels": {
            1: "weniger als 1 Jahr",
            2: "1 bis unter 5 Jahre",
            3: "5 bis unter 10 Jahre",
            4: "10 Jahre und länger",
        },
        "missing": [-9],
    },
}

# --------------------------------------------------------------------------------------------
# published marginals (chapter 3.2); group order: [with background (25), without (203)]
# --------------------------------------------------------------------------------------------

N_WITH, N_WITHOUT = 25, 203
# counts per code 1..k, then number of missing (-9) / not answered (empty)
MARGINS = {
    "geschlecht": ({1: 13, 2: 11, 3: 1}, {1: 100, 2: 94, -9: 9}),
    "alter": (
        {2: 5, 3: 9, 4: 5, 5: 4, 6: 1, -9: 1},
        {1: 2, 2: 16, 3: 38, 4: 50, 5: 67, 6: 27, -9: 3},
    ),
    "geburtsland": ({1: 14, 2: 11}, {1: 201, -9: 2}),
    "pass": ({1: 20, 2: 4, -9: 1}, {1: 194, -9: 9}),
    "wohndauer": ({1: 3, 2: 6, 3: 5, 4: 11}, {1: 4, 2: 15, 3: 20, 4: 160, None: 4}),
    "wichtig_selbst": ({1: 18, 2: 6, 3: 1}, {1: 132, 2: 52, 3: 13, 4: 4, None: 2}),
    "wichtig_stadt": ({1: 17, 2: 7, 3: 1}, {1: 140, 2: 47, 3: 10, 4: 3, None: 3}),
    # Abbildung 11 (exact): with 2, 6, 14, 2; without 14, 57, 111, 14
    "wohl": ({1: 2, 2: 6, 3: 14, 4: 2, None: 1}, {1: 14, 2: 57, 3: 111, 4: 14, None: 7}),
    # text: 56 % vs 53 % agreement, "hiervon nur 6 % voll und ganz"
    "gmf": ({1: 1, 2: 13, 3: 8, 4: 3}, {1: 6, 2: 98, 3: 70, 4: 22, None: 7}),
    # Abbildung 13 (exact): with 2, 6, 13, 4; without 16, 53, 93, 29
    "augenhoehe": ({1: 2, 2: 6, 3: 13, 4: 4}, {1: 16, 2: 53, 3: 93, 4: 29, None: 12}),
    # text: 15 % voll und ganz, 49 % zu; with background more than two thirds
    "verwaltung": ({1: 4, 2: 13, 3: 5, 4: 2, None: 1}, {1: 29, 2: 94, 3: 55, 4: 16, None: 9}),
}
# questionnaire language: [with, without]
LANG_COUNTS = ({"de": 16, "en": 4, "fr": 3, "ls": 2}, {"de": 198, "en": 1, "fr": 0, "ls": 4})
N_OPEN = {"with": 18, "without": 150}  # answered the open question

# --------------------------------------------------------------------------------------------
# open answers: sentence fragments per theme (synthetic), and fake personal data
# --------------------------------------------------------------------------------------------

THEMES = {
    "teilhabe": [
        "die gleichen Chancen auf Bildung und Arbeit für alle",
        "dass man die deutsche Sprache lernt und einen Sprachkurs besuchen kann",
        "gute Deutschkenntnisse und Zugang zum Arbeitsmarkt",
        "Teilhabe am Berufsleben und an der Schulbildung",
        "dass Kinder in der Kita und Schule gefördert werden",
        "Anerkennung von Abschlüssen und eine faire Chance auf einen Ausbildungsplatz",
    ],
    "austausch": [
        "Offenheit und Toleranz gegenüber anderen Kulturen",
        "den Austausch zwischen Menschen unterschiedlicher Herkunft",
        "voneinander lernen und neugierig aufeinander sein",
        "Respekt vor anderen Religionen und kulturellen Traditionen",
        "Vielfalt als Bereicherung sehen",
    ],
    "gesellschaft": [
        "gemeinsam unsere Stadtgesellschaft zu gestalten",
        "dass alle dazugehören und mitmachen können",
        "ein Wir-Gefühl in Ibbenbüren",
        "Engagement im Verein und in der Nachbarschaft",
    ],
    "miteinander": [
        "ein friedliches Miteinander",
        "gute Nachbarschaft und gegenseitige Hilfe",
        "respektvolles Zusammenleben ohne Konflikte",
        "dass man sich im Alltag freundlich begegnet",
    ],
    "fdgo": [
        "die Achtung des Grundgesetzes und unserer demokratischen Werte",
        "die freiheitlich-demokratische Grundordnung anzuerkennen",
    ],
    "assimilation": [
        "dass sich die Zugezogenen an die deutsche Kultur anpassen",
        "Anpassung an unsere Sitten und Gebräuche",
    ],
}
THEME_WEIGHTS = {
    "teilhabe": 0.40,
    "austausch": 0.27,
    "gesellschaft": 0.14,
    "miteinander": 0.11,
    "fdgo": 0.06,
    "assimilation": 0.02,
}
OPENERS = [
    "Für mich bedeutet Integration{s}{a}.",
    "Integration heißt{s}{a}.",
    "{A}.",
    "Vor allem{s}{a}.",
    "Ich verstehe darunter{s}{a}.",
]
JOINERS = [" und ", ", aber auch ", " sowie "]
UNCLEAR = ["weiß nicht", "Kein Kommentar.", "???", "Schwer zu sagen.", "Das ist eine gute Frage"]
FAKE_PII = [
    " Mein Name ist Aylin Demir, Sie erreichen mich unter aylin.demir@example.org.",
    " Gerne Rückruf: 05451 9876543.",
    " Ich wohne in der Musterstraße 12 und helfe gern.",
    " Viele Grüße, Jonas Beckmann",
    " Kontakt: k.nguyen@example.net oder +49 170 1234567",
    " Ich heiße Mariam Haddad und wohne Am Beispielweg 3a.",
    " Schreiben Sie mir: integration.fan@example.com",
    " Frau Kowalski aus der Lindenallee 7 sieht das genauso.",
]


def _answer(rng: np.random.Generator) -> str:
    themes = list(THEME_WEIGHTS)
    p = np.array([THEME_WEIGHTS[t] for t in themes])
    k = 1 + int(rng.random() < 0.35)
    chosen = list(rng.choice(themes, size=k, replace=False, p=p))
    parts = [THEMES[t][int(rng.integers(len(THEMES[t])))] for t in chosen]
    body = parts[0] if k == 1 else parts[0] + JOINERS[int(rng.integers(len(JOINERS)))] + parts[1]
    opener = OPENERS[int(rng.integers(len(OPENERS)))]
    sep = ", " if body.startswith("dass") else " "
    return opener.format(a=body, A=body[0].upper() + body[1:], s=sep)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _column(rng: np.random.Generator, counts: dict, n: int) -> list:
    """A column of exactly these counts (None = not answered), shuffled."""
    vals: list = []
    for code, k in counts.items():
        vals += [code] * k
    if len(vals) != n:
        raise ValueError(f"counts sum to {len(vals)}, expected {n}")
    rng.shuffle(vals)
    return vals


def _csv(rows: list[list], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def _yaml(data: dict, comment: str) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return "".join(f"# {line}\n" for line in comment.strip().splitlines()) + body


def _write(out: Path, name: str, text: str) -> None:
    (out / name).write_text(text, encoding="utf-8", newline="")


# --------------------------------------------------------------------------------------------
# resident survey
# --------------------------------------------------------------------------------------------


def residents(rng: np.random.Generator) -> dict[str, list[dict]]:
    """Respondent records per questionnaire language."""
    groups = [("with", N_WITH, 1), ("without", N_WITHOUT, 2)]
    records: list[dict] = []
    for gi, (gname, n, mig) in enumerate(groups):
        cols = {code: _column(rng, MARGINS[code][gi], n) for code in MARGINS}
        langs = _column(rng, LANG_COUNTS[gi], n)
        open_idx = set(rng.choice(n, size=N_OPEN[gname], replace=False).tolist())
        for i in range(n):
            rec = {code: cols[code][i] for code in MARGINS}
            rec["migration"] = mig
            rec["_lang"] = langs[i]
            rec["bedeutung"] = None
            if i in open_idx:
                rec["bedeutung"] = "open"
            records.append(rec)
    order = rng.permutation(len(records))
    records = [records[i] for i in order]
    # open answers in respondent order, so that the fake personal data lands reproducibly
    n_open = sum(r["bedeutung"] is not None for r in records)
    unclear = set(rng.choice(n_open, size=6, replace=False).tolist())
    pii = rng.choice(sorted(set(range(n_open)) - unclear), size=len(FAKE_PII), replace=False)
    pii_map = {int(j): FAKE_PII[k] for k, j in enumerate(pii)}
    j = 0
    for i, r in enumerate(records):
        r["id"] = f"IBB-S-{i + 1:04d}"
        r["synthetisch"] = 1
        if r["bedeutung"] is not None:
            if j in unclear:
                r["bedeutung"] = UNCLEAR[int(rng.integers(len(UNCLEAR)))]
            else:
                r["bedeutung"] = _answer(rng) + pii_map.get(j, "")
            j += 1
    by_lang: dict[str, list[dict]] = {lang: [] for lang in LANGS}
    for r in records:
        by_lang[r.pop("_lang")].append(r)
    return by_lang


def resident_files(by_lang: dict[str, list[dict]]) -> dict[str, str]:
    codes = [it["code"] for it in ITEMS]
    files = {}
    for lang, recs in by_lang.items():
        # German export: code headers; other languages: question texts of that language
        header = []
        for it in ITEMS:
            t = it.get("text", {})
            header.append(it["code"] if lang == "de" or lang not in t else t[lang])
        rows = [[r.get(c) for c in codes] for r in recs]
        files[f"einwohner_synthetisch_{lang}.csv"] = _csv(rows, header)
    book = {
        "survey": "einwohner_ibbenbueren",
        "part": "einwohner",
        "municipality": MUNICIPALITY,
        "title": "Explorative Einwohner*innenbefragung Ibbenbüren (synthetische Beispieldaten)",
        "synthetic": True,
        "version": 1,
        "source": SOURCE,
        "languages": LANGS,
        "id": "id",
        "group": "migration",
        "files": {lang: f"einwohner_synthetisch_{lang}.csv" for lang in LANGS},
        "scales": SCALES,
        "items": ITEMS,
    }
    files["einwohner.codebook.yml"] = _yaml(
        book,
        "Codebuch der Einwohner*innenbefragung Ibbenbüren – SYNTHETISCHE Beispieldaten.\n"
        "Erzeugt von scripts/make_synthetic_survey.py (nicht von Hand ändern).\n"
        "Sprachen: de = Deutsch, en = Englisch, fr = Französisch, ls = Leichte Sprache.",
    )
    return files


# --------------------------------------------------------------------------------------------
# institution survey and offers
# --------------------------------------------------------------------------------------------

GRADES = {
    6: "sehr schlecht",
    5: "schlecht",
    4: "ausreichend",
    3: "befriedigend",
    2: "gut",
    1: "sehr gut",
}
INST_TYPES = {
    1: "Sportverein",
    2: "Schule/Erwachsenenbildung",
    3: "Kita",
    4: "Wohlfahrt/Beratung",
    5: "Kirchengemeinde",
    6: "Verwaltung/Behörde",
    7: "Sonstige",
}
INST_COUNTS = {1: 8, 2: 7, 3: 2, 4: 10, 5: 3, 6: 3, 7: 3}
# text: 51 % gut/sehr gut, 15 % befriedigend, 18 % ausreichend, 16 % schlecht/sehr schlecht
WAHRNEHMUNG = {1: 5, 2: 12, 3: 5, 4: 6, 5: 4, 6: 1, None: 3}
# Abbildung 18 (exact): sehr schlecht 1, schlecht 8, ausreichend 9, befriedigend 7, gut 7, sehr gut 1
VERNETZUNG = {6: 1, 5: 8, 4: 9, 3: 7, 2: 7, 1: 1, None: 3}
AUSBAU = {1: 25, 2: 5, None: 6}  # 83 % of those answering plan to extend networking
TARGETS = {
    "zg_vorschule": ("Kinder im Vorschulalter", 15),
    "zg_schulkinder": ("Schulkinder", 33),
    "zg_jugendliche": ("Jugendliche", 44),
    "zg_junge_erwachsene": ("junge Erwachsene", 58),
    "zg_erwachsene": ("Erwachsene", 40),
    "zg_senioren": ("Senior*innen", 20),
    "zg_frauen": ("Frauen", 54),
    "zg_maenner": ("Männer", 52),
    "zg_familien": ("Familien", 30),
    "zg_gefluechtete": ("Geflüchtete", 55),
}
N_OFFERS = 100
SPECIFIC = {
    "speziell_migration": ("speziell für Menschen mit Einwanderungshintergrund", 38),
    "speziell_schutzsuchende": ("speziell für Schutzsuchende", 27),
}


def institutions(rng: np.random.Generator) -> dict[str, str]:
    n = sum(INST_COUNTS.values())
    types = _column(rng, INST_COUNTS, n)
    wahr = _column(rng, WAHRNEHMUNG, n)
    netz = _column(rng, VERNETZUNG, n)
    ausbau = _column(rng, AUSBAU, n)
    ids = [f"INST-S-{i + 1:02d}" for i in range(n)]
    header = ["id", "synthetisch", "typ", "angebote_wahrnehmung", "vernetzung", "vernetzung_ausbau"]
    rows = [[ids[i], 1, types[i], wahr[i], netz[i], ausbau[i]] for i in range(n)]
    files = {"institutionen_synthetisch.csv": _csv(rows, header)}
    files["institutionen.codebook.yml"] = _yaml(
        {
            "survey": "institutionen_ibbenbueren",
            "part": "institutionen",
            "municipality": MUNICIPALITY,
            "title": "Explorative Befragung der Institutionen Ibbenbüren (synthetische Beispieldaten)",
            "synthetic": True,
            "version": 1,
            "source": "Befragung der Institutionen Ibbenbüren 2021/22 – synthetische Beispieldaten",
            "languages": ["de"],
            "id": "id",
            "files": {"de": "institutionen_synthetisch.csv"},
            "scales": {"note6": {"type": "ordinal", "levels": GRADES, "agree": [1, 2]}},
            "items": [
                {"code": "id", "type": "text"},
                {"code": "synthetisch", "type": "numeric"},
                {"code": "typ", "text": {"de": "Art der Institution"}, "labels": INST_TYPES},
                {
                    "code": "angebote_wahrnehmung",
                    "scale": "note6",
                    "battery": "bewertung",
                    "text": {"de": "Wie werden Ihre Angebote angenommen?"},
                },
                {
                    "code": "vernetzung",
                    "scale": "note6",
                    "battery": "bewertung",
                    "text": {"de": "Wie bewerten Sie die bestehenden Vernetzungsstrukturen?"},
                },
                {
                    "code": "vernetzung_ausbau",
                    "labels": {1: "ja", 2: "nein"},
                    "text": {"de": "Planen Sie eine Ausweitung Ihrer Vernetzung?"},
                },
            ],
        },
        "Codebuch der Institutionenbefragung Ibbenbüren – SYNTHETISCHE Beispieldaten.\n"
        "Noten wie in der Schule (1 = sehr gut … 6 = sehr schlecht); die Skala läuft in der\n"
        "Reihenfolge von Abbildung 18 (sehr schlecht … sehr gut).\n"
        "Erzeugt von scripts/make_synthetic_survey.py (nicht von Hand ändern).",
    )
    # offers: each institution runs 1–5 offers; target groups as multiple response (1/0)
    per_inst = np.ones(n, dtype=int)
    extra = rng.choice(n, size=N_OFFERS - n, replace=True)
    for i in extra:
        per_inst[i] += 1
    inst_of = [ids[i] for i in range(n) for _ in range(per_inst[i])]
    cols = {}
    for code, (_label, k) in {**TARGETS, **SPECIFIC}.items():
        col = np.zeros(N_OFFERS, dtype=int)
        col[rng.choice(N_OFFERS, size=k, replace=False)] = 1
        cols[code] = col
    header = ["angebot_id", "institution_id", "synthetisch", *TARGETS, *SPECIFIC]
    rows = [
        [f"ANG-S-{j + 1:03d}", inst_of[j], 1, *[int(cols[c][j]) for c in [*TARGETS, *SPECIFIC]]]
        for j in range(N_OFFERS)
    ]
    files["angebote_synthetisch.csv"] = _csv(rows, header)
    items = [
        {"code": "angebot_id", "type": "text"},
        {"code": "institution_id", "type": "text"},
        {"code": "synthetisch", "type": "numeric"},
    ]
    items += [
        {
            "code": c,
            "type": "multiple",
            "battery": "zielgruppen",
            "scale": "genannt",
            "text": {"de": label},
        }
        for c, (label, _k) in TARGETS.items()
    ]
    items += [
        {"code": c, "scale": "janein", "text": {"de": label}} for c, (label, _k) in SPECIFIC.items()
    ]
    files["angebote.codebook.yml"] = _yaml(
        {
            "survey": "angebote_ibbenbueren",
            "part": "angebote",
            "municipality": MUNICIPALITY,
            "title": "Angebote der befragten Institutionen (synthetische Beispieldaten)",
            "synthetic": True,
            "version": 1,
            "source": "Befragung der Institutionen Ibbenbüren 2021/22 – synthetische Beispieldaten",
            "languages": ["de"],
            "id": "angebot_id",
            "files": {"de": "angebote_synthetisch.csv"},
            "scales": {
                "genannt": {"type": "nominal", "levels": {1: "genannt", 0: "nicht genannt"}},
                "janein": {"type": "nominal", "levels": {1: "ja", 0: "nein"}},
            },
            "items": items,
        },
        "Codebuch der Angebote (Mehrfachnennung der Zielgruppen) – SYNTHETISCHE Beispieldaten.\n"
        "Erzeugt von scripts/make_synthetic_survey.py (nicht von Hand ändern).",
    )
    return files


# --------------------------------------------------------------------------------------------
# workshop dots (synthetic): phase 1, May 2022, one prioritisation per Handlungsfeld
# --------------------------------------------------------------------------------------------

WORKSHOPS_DIR = ROOT / "data" / "raw" / "workshops_ibbenbueren"
DOTS_PER_PERSON = 3
WEIGHTS = {"priorisiert": 6.0, "nachgeordnet": 3.0, "bearbeitet": 2.0, "sonst": 1.0}


def _status(ch: dict) -> str:
    for key in ("priorisiert", "nachgeordnet", "bearbeitet"):
        if ch.get(key):
            return key
    return "sonst"


def _consistent(dots: np.ndarray, status: list[str]) -> bool:
    """Prioritised challenges strictly above all others; 'nachgeordnet' above the rest."""
    st = np.array(status)
    pri, sub = dots[st == "priorisiert"], dots[st == "nachgeordnet"]
    rest = dots[(st != "priorisiert") & (st != "nachgeordnet")]
    if (
        len(pri)
        and (len(sub) or len(rest))
        and pri.min() <= max(sub.max(initial=-1), rest.max(initial=-1))
    ):
        return False
    return not (len(sub) and len(rest) and sub.min() <= rest.max())


def workshop_dots(challenges_yml: Path, rng: np.random.Generator) -> str:
    book = yaml.safe_load(challenges_yml.read_text(encoding="utf-8"))
    workshops = []
    for field in book["handlungsfelder"]:
        if not field.get("workshop"):
            continue
        chs = field["herausforderungen"]
        status = [_status(c) for c in chs]
        w = np.array([WEIGHTS[x] for x in status])
        n_people = int(rng.integers(30, 51))
        for _attempt in range(1000):
            dots = np.zeros(len(chs), dtype=int)
            for _person in range(n_people):
                pick = rng.choice(
                    len(chs), size=min(DOTS_PER_PERSON, len(chs)), replace=False, p=w / w.sum()
                )
                dots[pick] += 1
            if _consistent(dots, status):
                break
        else:  # pragma: no cover - the weights make this practically impossible
            raise RuntimeError(f"no consistent dot distribution for {field['id']}")
        workshops.append(
            {
                "handlungsfeld": field["id"],
                "workshop": f"Workshop „{field['name']}“ (Phase 1)",
                "datum": "2022-05",
                "teilnehmende": n_people,
                "punkte_je_person": DOTS_PER_PERSON,
                "punkte": {int(c["nr"]): int(d) for c, d in zip(chs, dots, strict=True)},
            }
        )
    data = {
        "synthetic": True,
        "quelle": "Workshopphase Integrationskonzept Ibbenbüren, Mai 2022 – synthetische Klebepunkte",
        "municipality": MUNICIPALITY,
        "workshops": workshops,
    }
    return _yaml(
        data,
        "SYNTHETISCHE Klebepunkte der Priorisierung in der ersten Workshopphase (Mai 2022).\n"
        "Die echten Punktzahlen sind nicht veröffentlicht. Erzeugt (seeded) von\n"
        "scripts/make_synthetic_survey.py so, dass die im Konzept (Kapitel 4) genannten priorisierten\n"
        "Herausforderungen vorn liegen. Teilnehmendenzahl 30–50 je Workshop wie im Konzept; drei\n"
        "Punkte je Person (Annahme). punkte: Nummer der Herausforderung -> Punkte.",
    )


def generate_dots(
    out: Path = WORKSHOPS_DIR, seed: int = SEED, challenges: Path | None = None
) -> Path:
    """Write punkte_synthetisch.yml next to the challenges (or into `out`)."""
    rng = np.random.default_rng(seed + 1)
    text = workshop_dots(challenges or WORKSHOPS_DIR / "herausforderungen.yml", rng)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write(out, "punkte_synthetisch.yml", text)
    return out / "punkte_synthetisch.yml"


def generate(out: Path = DEFAULT_OUT, seed: int = SEED) -> list[Path]:
    """Write all synthetic files into `out`; return their paths."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = resident_files(residents(rng))
    files.update(institutions(rng))
    for name, text in files.items():
        _write(out, name, text)
    return [out / n for n in files]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    for p in generate(target or DEFAULT_OUT):
        print(p)
    print(generate_dots(target or WORKSHOPS_DIR))
