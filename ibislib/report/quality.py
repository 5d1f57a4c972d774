"""Report-quality gate: inspect a built report folder (index.html, bericht PDF, manifest.json).

:func:`check_report` returns :class:`Finding` s (unit, chapter, kind, short German message).
The checks and their rules:

``unvollstaendig``
    manifest.json says ``"complete": false``; one finding per failed chapter (``"failed"``).
``fehlerkasten``
    a red error box (``div.ibis-error``) in the HTML.
``englisch``
    a tell-tale English word or pandas/Python error name in reader-facing text
    (:data:`ENGLISH`; whole words, case-sensitive; code inside error boxes is not counted
    twice). Standalone "Index" is German too (Repräsentationsindex, "Index 2015 = 100"), so
    only pandas' ``Index(…)``, ``RangeIndex``, ``MultiIndex`` and "Index objects" count.
``satz_doppelt``
    the same sentence (at least :data:`MIN_SENTENCE` characters, whitespace normalised) twice or
    more in the prose of one chapter (paragraphs and list items; captions, tables and source
    lines are not prose).
``tabelle_breit``
    PDF: characters or table rules/backgrounds (pdfplumber chars and rects) beyond the text
    block, i.e. further right/left than the ``@page`` margins of the report's stylesheet allow
    (tolerance :data:`TOLERANCE_PT`).
``quelle_fehlt``
    a figure (``figure.ibis-figure``) or table (``div.ibis-table``) without a non-empty source
    line (``p.ibis-source`` with more than "Quelle:").
``ueberschrift_leer``
    a heading (h1–h4 of a chapter) followed by the next heading of the same or a higher level,
    or by the end of the chapter, with no text, figure, table or note in between.
``zeitraum_gemischt``
    a table column mixes periods without labelling each cell. Rule: a *label column* (header
    "Stand", "Stichtag", "Jahr", "Zeitraum", "Schuljahr", "Datum", or cells that are periods
    only) labels its rows and may hold any periods. Another column is flagged when (a) its header
    names a period (year, date, school year) while a label column of the same table gives rows a
    period of another year (the header claims one date for values of other dates), or (b) some
    but not all of its cells carry their own period and the periods shown differ.
``sprache``
    region names without their article ("in Ilm-Kreis", "Für Kreis Steinfurt"), doubled
    designations ("Kreis Regionalverband Saarbrücken", "Kreis Landkreis …") and gender
    brackets of articles ("ein(e)") in prose, captions and table cells (:data:`GRAMMAR`).
``alter_stand``
    a sentence that states a Stichtag ("Zum 31.12.2015 …", "Am …", "Im Jahr …", "Im
    Schuljahr …", "Ende …", "Mitte …") whose year is two or more years before the report's
    reference year, unless its paragraph, or an earlier one of the chapter naming the same
    Stichtag, says "neuester verfügbarer Stand" (or "neueste verfügbare Daten"). The reference
    year is the report's Berichtszeitraum or edition (manifest), else the newest of the
    Bezugsjahr the report states ("Bezugsjahr des Berichts: 2025") and the years of all such
    sentences: data two years older than what the same report shows as current must say so.
    The report side is ``ibislib.report.blocks.reference_year`` / ``stale_note`` (same rule).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

KINDS: dict[str, str] = {
    "unvollstaendig": "Bericht unvollständig / Kapitel fehlgeschlagen",
    "fehlerkasten": "Fehlerkasten im Bericht",
    "englisch": "Englische Wörter / Fehlernamen",
    "satz_doppelt": "Satz mehrfach im Kapitel",
    "tabelle_breit": "Tabelle/Text über den Satzspiegel",
    "quelle_fehlt": "Abbildung/Tabelle ohne Quelle",
    "ueberschrift_leer": "Überschrift ohne Inhalt",
    "zeitraum_gemischt": "Zeiträume in einer Spalte gemischt",
    "alter_stand": "Alter Stand als aktuell dargestellt",
    "sprache": "Grammatik: Artikel/Präposition, Doppelbezeichnung",
}

# tell-tale English words and Python/pandas error names (regex, label); none is a German word
ENGLISH: list[tuple[str, str]] = [
    (r"\bTraceback\b", "Traceback"),
    (r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b", "Fehlername (…Error)"),
    (r"\bError\b", "Error"),
    (r"\bException\b", "Exception"),
    (r"\b(?:Range|Multi|Datetime|Period)Index\b|\bIndex\(|\bIndex objects\b", "pandas-Index"),
    (r"\bNone\b", "None"),
    (r"\bNaN\b|\bnan\b|\bNaT\b|<NA>", "NaN"),
    (r"\bdtype\b|\bfloat64\b|\bint64\b", "dtype"),
    (r"\bTrue\b|\bFalse\b", "True/False"),
    (r"\bTable of Contents\b|\bContents\b", "Table of Contents"),
    (r"\bFigure\s+\d+\b|\bTable\s+\d+\b", "Figure/Table"),
    (r"\bSource:", "Source:"),
    (r"\bUnknown\b|\bunknown\b", "unknown"),
    (r"\bnot available\b|\bno data\b|\bmissing\b", "no data/missing"),
]
_ENGLISH = [(re.compile(p), label) for p, label in ENGLISH]

# (regex, German message): mistakes a generated sentence makes with region names
GRAMMAR: list[tuple[str, str]] = [
    (
        r"\b[Ii]n (?:[A-ZÄÖÜ][\w-]*-Kreis|Kreis|Landkreis|Regionalverband|Städteregion|Stadtkreis)\b",
        "„in“ vor einem Kreisnamen (richtig: „im …“)",
    ),
    (
        r"\b[Ff]ür (?:[A-ZÄÖÜ][\w-]*-Kreis|Kreis|Landkreis|Regionalverband|Städteregion)\b",
        "„für“ ohne Artikel vor einem Kreisnamen (richtig: „für den …“)",
    ),
    (
        r"\b(?:Kreis|Landkreis) (?:Regionalverband|Städteregion|Region|Landkreis|Kreis)\b",
        "doppelte Bezeichnung (z. B. „Kreis Regionalverband …“)",
    ),
    (r"\b[Ee]in\(e\)|\b[Ee]ine?\(r\)", "Artikel mit Klammer („ein(e)“)"),
    (
        r"\b(?:[Ii]n|[Ff]ür|[Vv]on) (?:Stadt|Hansestadt|Landeshauptstadt|Samtgemeinde|"
        r"Verbandsgemeinde|Städteregion|Region|Saarland)\b",
        "Präposition ohne Artikel vor „Stadt …“, „Samtgemeinde …“, „Region …“, „Saarland“ "
        "(richtig: „in der Stadt …“, „im Saarland“)",
    ),
    (
        r"\b[Vv]on (?:[A-ZÄÖÜ][\w-]*-Kreis|Kreis|Landkreis|Regionalverband)\b",
        "„von“ ohne Artikel vor einem Kreisnamen (richtig: „vom …“)",
    ),
]
_GRAMMAR = [(re.compile(p), msg) for p, msg in GRAMMAR]

MIN_SENTENCE = 30
TOLERANCE_PT = 2.0
CM = 72 / 2.54

_DATE = r"\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}"
_SCHOOL = r"(?:19|20)\d{2}/\d{2}\b"
_YEAR = r"(?<![\d.,/])(?:19|20)\d{2}(?![\d,]|\.\d)"
PERIOD = re.compile(rf"{_DATE}|{_SCHOOL}|{_YEAR}")
_LABEL_HEADER = re.compile(
    r"^\s*(Stand|Stichtag|Jahr|Zeitraum|Schuljahr|Datum|Periode|Berichtsjahr)\b", re.I
)
_STICHTAG = re.compile(
    rf"^\s*(?:Zum|Am|Im Jahr|Im Schuljahr|Ende|Mitte|Seit dem|Stand)\s+(?:{_DATE}|{_SCHOOL}|{_YEAR})"
)
_MARKER = re.compile(r"neuester verfügbarer Stand|neueste verfügbare", re.I)
_ABBREV = re.compile(
    r"(?:(?<![\w.])[A-Za-zÄÖÜäöü]\.|\b(?:ggf|bzw|Nr|ca|vgl|Abb|Tab|Abs|inkl|ggü|u\.a|bspw|usw|etc)\.|(?<![\d.,])\d{1,2}\.)$"
)


@dataclass(frozen=True)
class Finding:
    unit: str
    chapter: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


# ----------------------------------------------------------------------------- helpers


def _soup(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()


def _chapters(soup) -> list[tuple[str, object]]:
    """(title, section) of each chapter; the sources list and the appendix are not chapters."""
    out = []
    for sec in soup.select("section.chapter"):
        classes = sec.get("class") or []
        if "sources" in classes or "appendix" in classes:
            continue
        h1 = sec.find("h1")
        title = _text(h1) if h1 else sec.get("id", "")
        out.append((title, sec))
    return out


def years_of(text: str) -> set[int]:
    """Years a period string names: '31.12.2015' -> {2015}; '2021/22' -> {2021, 2022}."""
    years: set[int] = set()
    for tok in PERIOD.findall(text):
        if "/" in tok:
            y = int(tok[:4])
            years |= {y, y + 1}
        else:
            years.add(int(tok[-4:]))
    return years


def sentences(text: str) -> list[str]:
    """Split German prose into sentences; abbreviations (z. B., Nr.) and ordinals don't end one."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"(0-9])", text)
    out: list[str] = []
    for p in parts:
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return [s.strip() for s in out if s.strip()]


def _prose(section) -> list:
    """Paragraphs and list items of a chapter that are prose (not captions, tables, sources)."""
    out = []
    for el in section.find_all(["p", "li"]):
        classes = set(el.get("class") or [])
        if classes & {"ibis-source", "ibis-caption"}:
            continue
        if el.find_parent(["figure", "table", "details", "nav"]) is not None:
            continue
        if el.find_parent("div", class_="ibis-error") is not None:
            continue
        if el.name == "li" and el.find(["p", "li"]):
            continue  # its paragraphs are taken one by one
        out.append(el)
    return out


# ----------------------------------------------------------------------------- HTML checks


def check_manifest(manifest: dict | None, unit: str) -> list[Finding]:
    if manifest is None:
        return [Finding(unit, "", "unvollstaendig", "manifest.json fehlt: kein fertiger Bericht")]
    found = []
    failed = manifest.get("failed") or {}
    chapters = manifest.get("chapters") or {}
    for key, err in failed.items():
        title = (chapters.get(key) or {}).get("title", key)
        found.append(
            Finding(unit, title, "unvollstaendig", f"Kapitel fehlgeschlagen: {str(err)[:120]}")
        )
    if manifest.get("complete") is False and not failed:
        found.append(Finding(unit, "", "unvollstaendig", "Bericht als unvollständig markiert"))
    return found


def check_error_boxes(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        for box in sec.select("div.ibis-error"):
            code = box.find("code")
            found.append(
                Finding(unit, title, "fehlerkasten", f"Fehlerkasten: {_text(code or box)[:120]}")
            )
    return found


def english_words(text: str) -> list[str]:
    """Labels of the tell-tale English words found in `text`."""
    return [label for rx, label in _ENGLISH if rx.search(text)]


def check_english(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        hits: Counter[str] = Counter()
        examples: dict[str, str] = {}
        for node in sec.find_all(string=True):
            if node.find_parent(["code", "style", "script"]) is not None:
                continue
            if node.find_parent("div", class_="ibis-error") is not None:
                continue  # reported as fehlerkasten
            text = str(node).strip()
            for rx, label in _ENGLISH:
                m = rx.search(text)
                if m:
                    hits[label] += 1
                    examples.setdefault(label, text[max(0, m.start() - 30) : m.end() + 30])
        for node in sec.find_all("img"):
            for label in english_words(node.get("alt", "")):
                hits[label] += 1
                examples.setdefault(label, node.get("alt", "")[:80])
        for label, n in hits.items():
            found.append(
                Finding(unit, title, "englisch", f"„{label}“ {n}× (z. B. „{examples[label]}“)")
            )
    return found


def check_grammar(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        seen: Counter[str] = Counter()
        example: dict[str, str] = {}
        for node in sec.find_all(string=True):
            if node.find_parent(["code", "style", "script"]) is not None:
                continue
            text = str(node)
            for rx, msg in _GRAMMAR:
                m = rx.search(text)
                if m:
                    seen[msg] += 1
                    example.setdefault(msg, text[max(0, m.start() - 20) : m.end() + 25].strip())
        for msg, n in seen.items():
            found.append(Finding(unit, title, "sprache", f"{msg} {n}× (z. B. „{example[msg]}“)"))
    return found


def check_repeated(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        counts: Counter[str] = Counter()
        for el in _prose(sec):
            for s in sentences(_text(el)):
                if len(s) >= MIN_SENTENCE:
                    counts[s] += 1
        for s, n in counts.items():
            if n > 1:
                short = s if len(s) <= 90 else s[:87] + "…"
                found.append(Finding(unit, title, "satz_doppelt", f"{n}× derselbe Satz: „{short}“"))
    return found


def check_sources(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        for el in sec.select("figure.ibis-figure, div.ibis-table"):
            src = el.find("p", class_="ibis-source")
            text = _text(src) if src else ""
            if len(re.sub(r"^Quellen?:", "", text).strip()) < 3:
                cap = el.find(["figcaption"]) or el.find("p", class_="ibis-caption")
                what = _text(cap)[:70] if cap else el.get("id", "")
                found.append(Finding(unit, title, "quelle_fehlt", f"ohne Quellenangabe: {what}"))
    return found


_HEADING = re.compile(r"^h([1-4])$")


def empty_headings(section) -> list[str]:
    """Texts of the headings in `section` with nothing before the next heading of the same or a
    higher level (or the end)."""
    from bs4 import Comment, NavigableString, Tag

    empty: list[str] = []
    pending: list[list] = []  # [level, text, has content]

    def close(level: int) -> None:
        while pending and pending[-1][0] >= level:
            _, text, has = pending.pop()
            if not has:
                empty.append(text)

    for el in section.descendants:
        if isinstance(el, Tag):
            m = _HEADING.match(el.name)
            if m:
                close(int(m[1]))
                pending.append([int(m[1]), _text(el), False])
            elif el.name in ("img", "table", "figure", "svg"):
                for p in pending:
                    p[2] = True
        elif isinstance(el, NavigableString) and not isinstance(el, Comment) and str(el).strip():
            if el.find_parent(re.compile(r"^h[1-6]$")) is None:
                for p in pending:
                    p[2] = True
    close(0)
    return empty


def check_empty_headings(soup, unit: str) -> list[Finding]:
    return [
        Finding(unit, title, "ueberschrift_leer", f"Überschrift ohne Inhalt: {text}")
        for title, sec in _chapters(soup)
        for text in empty_headings(sec)
    ]


def _table_rows(table) -> tuple[list[str], list[list[str]]]:
    header: list[str] = []
    head = table.find("thead")
    if head is not None:
        rows = head.find_all("tr")
        if rows:
            header = [_text(c) for c in rows[-1].find_all(["th", "td"])]
    body_rows = table.find("tbody").find_all("tr") if table.find("tbody") else table.find_all("tr")
    body = []
    for tr in body_rows:
        if tr.find_parent("thead") is not None:
            continue
        cells = [_text(c) for c in tr.find_all(["th", "td"])]
        if not header and all(c.name == "th" for c in tr.find_all(["th", "td"])):
            header = cells
            continue
        body.append(cells)
    return header, body


def _only_period(cell: str) -> bool:
    rest = PERIOD.sub("", cell)
    return bool(PERIOD.search(cell)) and not re.search(r"\d", rest)


def mixed_period_columns(header: list[str], body: list[list[str]]) -> list[str]:
    """German messages for the columns that break the mixed-period rule (module docstring)."""
    ncol = max([len(header), *(len(r) for r in body)], default=0)
    col = [[r[i] if i < len(r) else "" for r in body] for i in range(ncol)]
    head = [header[i] if i < len(header) else "" for i in range(ncol)]
    label_cols = []
    for i in range(ncol):
        cells = [c for c in col[i] if c]
        if _LABEL_HEADER.match(head[i]) or (
            cells and sum(_only_period(c) for c in cells) >= 0.8 * len(cells)
        ):
            label_cols.append(i)
    row_years: list[set[int]] = [set() for _ in body]
    for i in label_cols:
        for r, c in enumerate(col[i]):
            row_years[r] |= years_of(c)
    out = []
    for i in range(ncol):
        if i in label_cols:
            continue
        hy = years_of(head[i])
        cells = [(r, c) for r, c in enumerate(col[i]) if c]
        if hy and any(ry and not (ry & hy) for ry in row_years):
            other = sorted({y for ry in row_years if ry and not (ry & hy) for y in ry})
            out.append(
                f"Spalte „{head[i]}“ nennt {', '.join(map(str, sorted(hy)))}, "
                f"Zeilen stehen für {', '.join(map(str, other))}"
            )
            continue
        labelled = [years_of(c) for _, c in cells if PERIOD.search(c)]
        if labelled and len(labelled) < len(cells):
            shown = set().union(hy, *labelled)
            if len(shown) > 1 or (not hy and labelled):
                out.append(
                    f"Spalte „{head[i] or i + 1}“: {len(labelled)} von {len(cells)} Zellen mit "
                    f"eigenem Zeitraum ({', '.join(map(str, sorted(shown)))}), die übrigen ohne"
                )
    return out


def check_mixed_periods(soup, unit: str) -> list[Finding]:
    found = []
    for title, sec in _chapters(soup):
        for t in sec.find_all("table"):
            wrap = t.find_parent("div", class_="ibis-table") or t.find_parent("details")
            cap = ""
            if wrap is not None:
                c = wrap.find("p", class_="ibis-caption") or wrap.find("summary")
                cap = _text(c) if c else ""
            header, body = _table_rows(t)
            for msg in mixed_period_columns(header, body):
                found.append(
                    Finding(unit, title, "zeitraum_gemischt", f"{cap[:50]}: {msg}".lstrip(": "))
                )
    return found


_BEZUGSJAHR = re.compile(r"Bezugsjahr des Berichts:?\s+((?:19|20)\d{2})")


def reference_year(soup, manifest: dict | None) -> int | None:
    """The Berichtszeitraum or edition of the manifest; else the newest of the years the report
    states as current: its stated Bezugsjahr ("Bezugsjahr des Berichts: 2025", the chapters'
    data status) and every Stichtag sentence."""
    params = (manifest or {}).get("parameters") or {}
    for key in ("edition", "period"):
        ys = years_of(str(params.get(key) or ""))
        if ys:
            return max(ys)
    if (manifest or {}).get("edition"):
        return int(manifest["edition"])
    years = [
        max(years_of(s))
        for _, sec in _chapters(soup)
        for el in _prose(sec)
        for s in sentences(_text(el))
        if _STICHTAG.match(s) and years_of(s)
    ]
    years += [
        int(m)
        for _, sec in _chapters(soup)
        for el in _prose(sec)
        for m in _BEZUGSJAHR.findall(_text(el))
    ]
    return max(years) if years else None


def check_old_data(soup, unit: str, manifest: dict | None = None) -> list[Finding]:
    ref = reference_year(soup, manifest)
    if ref is None:
        return []
    found = []
    for title, sec in _chapters(soup):
        covered: set[str] = set()  # Stichtage a paragraph of this chapter said are the newest
        for el in _prose(sec):
            para = _text(el)
            if _MARKER.search(para):
                covered |= set(PERIOD.findall(para))
                continue
            for s in sentences(para):
                if not _STICHTAG.match(s):
                    continue
                token = PERIOD.search(s)[0]
                year = max(years_of(token))
                if ref - year >= 2 and token not in covered:
                    short = s if len(s) <= 80 else s[:77] + "…"
                    found.append(
                        Finding(
                            unit,
                            title,
                            "alter_stand",
                            f"Stand {year} bei Bezugsjahr {ref} ohne „neuester verfügbarer "
                            f"Stand“: „{short}“",
                        )
                    )
    return found


# ----------------------------------------------------------------------------- PDF check


def page_margins_cm(css: str) -> tuple[float, float]:
    """(left, right) margin in cm from the ``@page { margin: … }`` rule (default 2.5 cm)."""
    m = re.search(r"@page\s*\{[^}]*?margin:\s*([^;]+);", css)
    if not m:
        return 2.5, 2.5
    vals = [float(v) for v in re.findall(r"([\d.]+)cm", m[1])]
    if len(vals) == 1:
        return vals[0], vals[0]
    if len(vals) in (2, 3):
        return vals[1], vals[1]
    if len(vals) == 4:
        return vals[3], vals[1]
    return 2.5, 2.5


def check_pdf_overflow(
    pdf: Path, unit: str, margins_cm: tuple[float, float] = (2.5, 2.5)
) -> list[Finding]:
    """Pages where chars or rects lie outside the text block (left/right margins)."""
    import pdfplumber

    found = []
    left_cm, right_cm = margins_cm
    with pdfplumber.open(str(pdf)) as doc:
        for n, page in enumerate(doc.pages, start=1):
            left = left_cm * CM - TOLERANCE_PT
            right = float(page.width) - right_cm * CM + TOLERANCE_PT
            over = [
                o
                for o in [*page.chars, *page.rects]
                if (o["x1"] > right or o["x0"] < left) and o["x1"] - o["x0"] < page.width
            ]
            if not over:
                continue
            worst = max(max(o["x1"] - right, left - o["x0"]) for o in over) + TOLERANCE_PT
            text = page.extract_text() or ""
            tabs = re.findall(r"Tabelle \d+", text)
            where = f" ({', '.join(dict.fromkeys(tabs))})" if tabs else ""
            found.append(
                Finding(
                    unit,
                    f"PDF S. {n}",
                    "tabelle_breit",
                    f"Inhalt ragt {worst / CM:.1f} cm über den Satzspiegel{where}".replace(
                        ".", ",", 1
                    ),
                )
            )
    return found


# ----------------------------------------------------------------------------- report


HTML_CHECKS = (
    check_error_boxes,
    check_english,
    check_repeated,
    check_sources,
    check_empty_headings,
    check_mixed_periods,
    check_grammar,
)


def check_html(html: str, unit: str, manifest: dict | None = None) -> list[Finding]:
    soup = _soup(html)
    found = [f for check in HTML_CHECKS for f in check(soup, unit)]
    return found + check_old_data(soup, unit, manifest)


def _pdf_of(folder: Path, manifest: dict | None) -> Path | None:
    files = (manifest or {}).get("files") or {}
    if isinstance(files, dict) and files.get("pdf"):
        p = folder / files["pdf"]
        if p.exists():
            return p
    pdfs = sorted(p for p in folder.glob("*.pdf") if p.is_file())
    return pdfs[0] if pdfs else None


def check_report(folder: Path, unit: str | None = None, pdf: bool = True) -> list[Finding]:
    """All findings for the report in `folder` (index.html, manifest.json, the PDF if any)."""
    folder = Path(folder)
    manifest = None
    mpath = folder / "manifest.json"
    if mpath.exists():
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    unit = unit or ((manifest or {}).get("parameters") or {}).get("name") or folder.name
    found = check_manifest(manifest, unit)
    index = folder / "index.html"
    if not index.exists():
        return [*found, Finding(unit, "", "unvollstaendig", "index.html fehlt")]
    html = index.read_text(encoding="utf-8")
    found += check_html(html, unit, manifest)
    if pdf:
        p = _pdf_of(folder, manifest)
        if p is None:
            found.append(Finding(unit, "", "unvollstaendig", "PDF fehlt"))
        else:
            style = re.search(r"<style>(.*?)</style>", html, re.S)
            found += check_pdf_overflow(p, unit, page_margins_cm(style[1] if style else ""))
    return found


# ----------------------------------------------------------------------------- output


def table(rows: Iterable[tuple[str, str, int, list[Finding]]]) -> str:
    """German summary: one line per unit (AGS, name, exit code, counts per kind), then totals."""
    rows = list(rows)
    kinds = list(KINDS)
    short = {
        "unvollstaendig": "Unvollst.",
        "fehlerkasten": "Fehler",
        "englisch": "Englisch",
        "satz_doppelt": "Doppelt",
        "tabelle_breit": "Breit",
        "quelle_fehlt": "o. Quelle",
        "ueberschrift_leer": "Leer",
        "zeitraum_gemischt": "Zeitr.",
        "alter_stand": "Alt",
        "sprache": "Sprache",
    }
    head = ["AGS", "Einheit", "Exit", *[short[k] for k in kinds], "Summe"]
    lines = [head]
    totals = Counter()
    for ags, name, code, found in rows:
        c = Counter(f.kind for f in found)
        totals.update(c)
        lines.append([ags, name, str(code), *[str(c[k]) for k in kinds], str(len(found))])
    n_bad = sum(1 for *_, code, found in rows if found or code)
    lines.append(
        [
            "",
            f"Summe ({len(rows)} Einheiten, {n_bad} mit Befund)",
            str(sum(1 for _, _, code, _ in rows if code)),
            *[str(totals[k]) for k in kinds],
            str(sum(totals.values())),
        ]
    )
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    out = []
    for j, r in enumerate(lines):
        cells = [r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(len(r))]
        out.append("  ".join(cells).rstrip())
        if j == 0 or j == len(lines) - 2:
            out.append("  ".join("-" * w for w in widths))
    legend = "; ".join(f"{short[k]} = {v}" for k, v in KINDS.items())
    return "\n".join(out) + f"\n\nSpalten: {legend}."


def markdown_table(rows: Iterable[tuple[str, str, int, list[Finding]]]) -> str:
    """The same summary as a Markdown table (for the README)."""
    rows = list(rows)
    kinds = list(KINDS)
    out = [
        "| AGS | Einheit | Exit | " + " | ".join(KINDS[k] for k in kinds) + " |",
        "|---|---|---:|" + "---:|" * len(kinds),
    ]
    totals = Counter()
    for ags, name, code, found in rows:
        c = Counter(f.kind for f in found)
        totals.update(c)
        out.append(f"| {ags} | {name} | {code} | " + " | ".join(str(c[k]) for k in kinds) + " |")
    out.append(
        f"| | **Summe ({len(rows)})** | {sum(1 for r in rows if r[2])} | "
        + " | ".join(f"**{totals[k]}**" for k in kinds)
        + " |"
    )
    return "\n".join(out)


# ----------------------------------------------------------------------------- the sample


@dataclass(frozen=True)
class SampleUnit:
    ags: str
    name: str
    stratum: str


def load_sample(path: Path | None = None) -> tuple[list[SampleUnit], list[str]]:
    """The gate's fixed sample (quality_sample.yml) and the AGS of its quick subset."""
    import yaml

    if path is None:
        from importlib import resources

        text = resources.files("ibislib.report").joinpath("quality_sample.yml").read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    units = [
        SampleUnit(str(u["ags"]), str(u["name"]), str(u.get("stratum", ""))) for u in data["units"]
    ]
    return units, [str(a) for a in data.get("quick", [])]


@dataclass
class GateResult:
    rows: list[tuple[str, str, int, list[Finding]]]

    @property
    def findings(self) -> list[Finding]:
        return [f for *_, found in self.rows for f in found]

    @property
    def ok(self) -> bool:
        return not self.findings and not any(code for _, _, code, _ in self.rows)


def run_sample(
    units: list[SampleUnit],
    out: Path,
    *,
    chapters: list[str] | None = None,
    formats: tuple[str, ...] = ("html", "pdf"),
    jobs: int = 2,
    progress: bool = True,
    build_store: bool = True,
    notebooks_dir: Path | None = None,
) -> GateResult:
    """Build `units` with the batch runner into ``out/<AGS>/`` (incremental) and check each."""
    from ..batch.runner import run_batch

    res = run_batch(
        [u.ags for u in units],
        out=out,
        chapters=chapters,
        formats=formats,
        jobs=jobs,
        progress=progress,
        overview=False,
        build_store=build_store,
        notebooks_dir=notebooks_dir,
    )
    rows = []
    for u in units:
        o = res.outcomes.get(u.ags)
        found: list[Finding] = []
        code = 0
        if o is None or o.status == "failed":
            code = 1
            why = (o.error if o else "nicht gebaut") or "Fehler"
            found.append(Finding(u.name, "", "unvollstaendig", f"Bau fehlgeschlagen: {why[:120]}"))
        folder = res.out / u.ags
        if folder.exists():
            found += check_report(folder, u.name, pdf="pdf" in formats)
        rows.append((u.ags, u.name, code, found))
    return GateResult(rows)


def check_folders(folders: list[Path], pdf: bool = True) -> GateResult:
    """`ibis check DIR…`: check already built reports (exit code from their manifest)."""
    from ..errors import IbisError

    rows = []
    for folder in folders:
        folder = Path(folder)
        if not (folder / "index.html").is_file():
            raise IbisError(
                "Kein gebauter Bericht (index.html fehlt)",
                path=str(folder),
                hint="Einen Ordner angeben, den ibis report oder ibis batch geschrieben hat.",
            )
        found = check_report(folder, pdf=pdf)
        manifest = {}
        if (folder / "manifest.json").exists():
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        params = manifest.get("parameters") or {}
        code = 0 if manifest.get("complete") else 1
        rows.append((params.get("municipality", folder.name), params.get("name", ""), code, found))
    return GateResult(rows)


def findings_text(found: list[Finding]) -> str:
    """Findings grouped by kind, one line each (German)."""
    out = []
    for kind, label in KINDS.items():
        these = [f for f in found if f.kind == kind]
        if not these:
            continue
        out.append(f"{label} ({len(these)}):")
        out += [f"  {f.unit} – {f.chapter or '–'}: {f.message}" for f in these]
    return "\n".join(out)


def run_cli(
    folders: list[Path],
    sample: bool,
    limit: int | None,
    quick: bool,
    out: Path | None,
    chapters: str | None,
    jobs: int,
    no_pdf: bool,
    as_json: Path | None,
) -> int:
    """`ibis check`: print the table per unit and the findings; 1 when anything was found."""
    import sys

    from .. import paths
    from ..errors import IbisError

    formats = ("html",) if no_pdf else ("html", "pdf")
    if sample or quick:
        units, quick_ags = load_sample()
        if quick:
            units = [u for u in units if u.ags in quick_ags]
        if limit:
            units = units[:limit]
        chs = [c.strip() for c in chapters.split(",") if c.strip()] if chapters else None
        target = Path(out or paths.reports_dir() / "qualitaetspruefung")
        result = run_sample(units, target, chapters=chs, formats=formats, jobs=jobs)
    elif folders:
        result = check_folders(folders, pdf=not no_pdf)
    else:
        raise IbisError(
            "Nichts zu prüfen",
            hint="Berichtsordner angeben (ibis check reports/05566028) oder --sample.",
        )
    print(table(result.rows))
    if result.findings:
        print("\nBefunde nach Art:\n" + findings_text(result.findings))
    if as_json:
        from ..atomic import write_text

        write_text(
            Path(as_json),
            json.dumps(
                [
                    {"ags": a, "name": n, "exit": c, "findings": [f.to_dict() for f in fs]}
                    for a, n, c, fs in result.rows
                ],
                ensure_ascii=False,
                indent=1,
            ),
        )
    print(
        "\nErgebnis: " + ("keine Befunde." if result.ok else f"{len(result.findings)} Befunde."),
        file=sys.stderr,
    )
    return 0 if result.ok else 1
