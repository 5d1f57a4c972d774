"""Privacy scan: no respondent id, no verbatim free-text answer and no count of 1–4 in a
survey or workshop table, in any file of the exported example report.

The scan reads the report the suite already builds (``ibb`` in conftest.py: every chapter,
HTML + PDF + DOCX) and searches every output: HTML, SVG, JSON, PDF text (pypdf), DOCX
(python-docx), XLSX (openpyxl) and the executed notebooks (every string in cells and outputs).
What it looks for comes from the survey data files themselves (every codebook under
``data/raw``): all respondent/institution/offer ids and every free-text answer of 12 or more
characters. Text is compared squashed (lower case, letters and digits only), so that line
breaks, hyphenation in the PDF or HTML entities cannot hide a match.

``test_scan_finds_what_it_looks_for`` plants each kind of leak in every format and shows that
the scan reports it (the old "anonymisiert" quotes table is exactly such a leak).
"""

from __future__ import annotations

import html as _html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from ibislib.report.outline import outline
from ibislib.survey import frequencies as fq
from ibislib.survey.io import read_survey

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
#: Shorter answers ("weiß nicht", "???") are ordinary words that appear in any text.
MIN_ANSWER = 12
#: Headers of count columns in survey and workshop tables.
COUNT_HEADER = re.compile(
    r"Anzahl|Personen|Punkte|Angebote|Teilnehmende|Befragte|keine Angabe|\(n\)|^n$", re.I
)
#: Chapters whose tables are survey or workshop tables: `survey: true` in the report outline.
SURVEY = [e for e in outline().chapters if e.survey]
SURVEY_CHAPTERS = tuple(e.number for e in SURVEY)


# ----------------------------------------------------------------------------- what to find


def squash(text: str) -> str:
    return re.sub(r"[^0-9a-zäöüßéèçğış]+", "", _html.unescape(text).lower())


#: Words in a row that, found in an output, count as a quote from an answer.
WINDOW = 6


def word_windows(text: str, n: int = WINDOW) -> set[tuple[str, ...]]:
    """Every run of `n` words (squashed) of a text."""
    words = [w for w in (squash(x) for x in _html.unescape(text).split()) if w]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def survey_secrets(raw: Path = RAW) -> tuple[set[str], set[str], set[str]]:
    """(ids, free-text answers, scale labels) of every survey codebook under `raw`."""
    ids: set[str] = set()
    answers: set[str] = set()
    labels: set[str] = set()
    for path in sorted(raw.glob("*/*.codebook.yml")):
        df, book = read_survey(path)
        text_items = set(book.text_items())
        id_cols = {c for c in text_items | {book.id} if c and (c == "id" or c.endswith("_id"))}
        for c in id_cols & set(df.columns):
            ids |= set(df[c].dropna().astype(str))
        for c in (text_items - id_cols) & set(df.columns):
            answers |= {a for a in df[c].dropna().astype(str) if len(squash(a)) >= MIN_ANSWER}
        for it in book.items.values():
            if it.scale is not None:
                labels |= set(it.scale.labels())
    return ids, answers, labels


# ----------------------------------------------------------------------------- what is there


def _visible(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return _html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _strings(obj) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _docx(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for s in doc.sections:
        parts += [p.text for p in s.header.paragraphs + s.footer.paragraphs]
    return "\n".join(parts)


def _xlsx(path: Path) -> str:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def exported_texts(root: Path) -> dict[str, str]:
    """Text of every output file under `root`, by path (all formats the report writes)."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        suffix = p.suffix.lower()
        if suffix in {".html", ".svg"}:
            out[str(p)] = _visible(p.read_text(encoding="utf-8", errors="ignore"))
        elif suffix == ".ipynb":
            out[str(p)] = "\n".join(_strings(json.loads(p.read_text(encoding="utf-8"))))
        elif suffix in {".json", ".md", ".txt", ".csv"}:
            out[str(p)] = p.read_text(encoding="utf-8", errors="ignore")
        elif suffix == ".docx":
            out[str(p)] = _docx(p)
        elif suffix == ".xlsx":
            out[str(p)] = _xlsx(p)
        elif suffix == ".pdf":
            out[str(p)] = _pdf(p)
    return out


# ----------------------------------------------------------------------------- count tables


def small_counts(
    caption: str, header: list[str], rows: list[list], scale_labels: set[str]
) -> list[str]:
    """Cells 1–4 in the count columns of one table: headers naming a count, answer categories
    of a scale, or every column but the first when the caption says '(Anzahl)'."""
    all_counts = "(Anzahl)" in caption
    cols = [
        i
        for i, h in enumerate(header)
        if COUNT_HEADER.search(str(h)) or str(h).strip() in scale_labels or (all_counts and i > 0)
    ]
    found = []
    for row in rows:
        for i in cols:
            if i < len(row) and re.fullmatch(
                r"\s*[1-4]\s*", str(row[i] if row[i] is not None else "")
            ):
                found.append(f"{caption[:60]!r}: {header[i]} = {row[i]}")
    return found


def _cell_texts(row_html: str, tag: str) -> list[str]:
    return [
        _visible(c).strip() for c in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", row_html, re.S)
    ]


def html_tables(page: str, chapters=SURVEY_CHAPTERS) -> list[tuple[str, list[str], list[list]]]:
    """(caption, header, rows) of every table in the survey/workshop chapters of a report page."""
    out = []
    for m in re.finditer(
        r'<section class="chapter" id="kap-(\d\d)[^"]*">(.*?)</section>', page, re.S
    ):
        if m.group(1) not in chapters:
            continue
        for t in re.finditer(r'<div class="ibis-table"[^>]*>(.*?)</table>', m.group(2), re.S):
            block = t.group(1)
            cap = re.search(r'<p class="ibis-caption">(.*?)</p>', block, re.S)
            head = re.search(r"<thead>(.*?)</thead>", block, re.S)
            body = re.search(r"<tbody>(.*?)</tbody>", block, re.S)
            rows = [
                _cell_texts(r, "td")
                for r in re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S)
            ]
            out.append(
                (
                    _visible(cap.group(1)) if cap else "",
                    _cell_texts(head.group(1), "th") if head else [],
                    rows,
                )
            )
    return out


def docx_tables(path: Path, start: str = SURVEY[0].title) -> list[tuple]:
    """(caption, header, rows) of the DOCX tables after the heading `start` (its chapter and
    the appendix after it); the caption is the paragraph before each table."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = docx.Document(str(path))
    out, on, last = [], False, ""
    for el in doc.element.body.iterchildren():
        if el.tag.endswith("}p"):
            p = Paragraph(el, doc)
            if p.style is not None and p.style.name.startswith("Heading") and start in p.text:
                on = True
            if p.text.strip():
                last = p.text
        elif el.tag.endswith("}tbl") and on:
            t = Table(el, doc)
            rows = [[c.text for c in r.cells] for r in t.rows]
            if rows:
                out.append((last, rows[0], rows[1:]))
    return out


def xlsx_tables(folder: Path, chapters=SURVEY_CHAPTERS) -> list[tuple]:
    """(caption, header, rows) of the survey/workshop XLSX tables (caption A1, header row 3)."""
    import openpyxl

    out = []
    for p in sorted(folder.glob("*.xlsx")):
        if not (p.name[:2] in chapters or p.name.startswith("anhang")):
            continue
        wb = openpyxl.load_workbook(p, read_only=True)
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            if len(rows) >= 3:
                out.append((str(rows[0][0] or ""), [str(h) for h in rows[2]], rows[3:]))
    return out


# ----------------------------------------------------------------------------- differencing


def survey_n_secrets(raw: Path = RAW) -> list[tuple[tuple[str, ...], int]]:
    """(labels, n) pairs that must never be published: the valid answers n of a group (or of
    all respondents) to an item where 1–4 of the group's members gave no answer. The group
    sizes are published (sample tables), so "n = 24" next to a group of 25 tells that one
    person skipped the question. Labels: the group's names as the chapter writes them (full,
    short, abbreviated) and, for all respondents, the item's question."""
    from ibislib.survey import chapter

    out: list[tuple[tuple[str, ...], int]] = []
    for path in sorted(raw.glob("*/*.codebook.yml")):
        df, book = read_survey(path)
        if chapter.GROUP not in df:
            continue
        for name, it in book.items.items():
            s = df.get(name)
            if s is None or not isinstance(s.dtype, pd.CategoricalDtype) or not s.cat.ordered:
                continue
            answered = s.notna()
            if 0 < len(df) - int(answered.sum()) < fq.MIN_CELL:
                out.append(((it.question(),), int(answered.sum())))
            for g, members in df.groupby(chapter.GROUP, observed=True):
                n = int(members[name].notna().sum())
                if 0 < len(members) - n < fq.MIN_CELL:
                    names = (str(g), chapter.SHORT.get(g, g), chapter.ABBR.get(g, g))
                    out.append((tuple(dict.fromkeys(names)), n))
    return out


def _n_re(n: int) -> str:
    from ibislib import fmt

    return r"(?<![\d.])" + re.escape(fmt.number(n)) + r"(?![\d.,])"


def n_leaks(name: str, text: str, secrets) -> list[str]:
    """'Gruppe … (n = 24)' (sentences, chart labels, data headers) with a secret n."""
    found = []
    for labels, n in secrets:
        for label in labels:
            rx = re.escape(label) + r"[^\n]{0,40}?\bn\s*=\s*" + _n_re(n)
            if re.search(rx, text):
                found.append(f"n = {n} für {label!r} (1–4 ohne Angabe) in {name}")
                break
    return found


def n_pair_leaks(caption: str, header: list[str], rows: list[list], secrets) -> list[str]:
    """A column 'n (mit EH / ohne EH)' whose cell 'a / b' holds a secret n of either group."""
    found = []
    for i, h in enumerate(header):
        m = re.fullmatch(r"\s*n \((.+) / (.+)\)\s*", str(h))
        if not m:
            continue
        for row in rows:
            cell = str(row[i] if i < len(row) and row[i] is not None else "")
            parts = [p.strip() for p in cell.split("/")]
            for label, part in zip(m.groups(), parts, strict=False):
                for labels, n in secrets:
                    if label.strip() in labels and re.fullmatch(_n_re(n), part):
                        found.append(f"{caption[:60]!r}: {h} = {cell} ({label}: n = {n})")
    return found


# ----------------------------------------------------------------------------- the scan


def scan(root: Path, raw: Path = RAW) -> list[str]:
    """Every privacy finding in the report folder `root` (empty: nothing leaks)."""
    ids, answers, labels = survey_secrets(raw)
    n_secrets = survey_n_secrets(raw)
    id_re = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(ids))) + r")(?![\w-])")
    squashed = {squash(a): a for a in answers}
    windows = {w: a for a in answers for w in word_windows(a)}
    findings = []
    for name, text in exported_texts(root).items():
        m = id_re.search(text)
        if m:
            findings.append(f"Befragten-ID {m.group()} in {name}")
        flat = squash(text)
        hits = {answer for key, answer in squashed.items() if key in flat}
        # a quote with a name or number cut out still has runs of the answer's own words
        hits |= {windows[w] for w in word_windows(text) if w in windows}
        findings += [f"Freitextantwort {a!r} in {name}" for a in sorted(hits)]
        findings += n_leaks(name, text, n_secrets)

    def in_table(cap, head, rows) -> list[str]:
        return small_counts(cap, head, rows, labels) + n_pair_leaks(cap, head, rows, n_secrets)

    for p in root.rglob("*.html"):
        for cap, head, rows in html_tables(p.read_text(encoding="utf-8")):
            findings += [f"{p.name}: {f}" for f in in_table(cap, head, rows)]
    for p in root.rglob("*.docx"):
        for cap, head, rows in docx_tables(p):
            findings += [f"{p.name}: {f}" for f in in_table(cap, head, rows)]
    for folder in {p.parent for p in root.rglob("*.xlsx")}:
        for cap, head, rows in xlsx_tables(folder):
            findings += [f"{folder.name}/xlsx: {f}" for f in in_table(cap, head, rows)]
    return findings


@pytest.mark.slow
def test_privacy_scan_of_the_example_report_is_clean(ibb):
    root = ibb.out_dir
    kinds = {p.suffix for p in root.rglob("*") if p.is_file()}
    assert {".html", ".pdf", ".docx", ".xlsx", ".svg", ".ipynb"} <= kinds
    # the scan has something to look at: survey chapters and their tables are there
    page = ibb.files["html"].read_text(encoding="utf-8")
    tables = html_tables(page)
    assert len(tables) >= 8 and any("Bewertungen der Institutionen" in t[0] for t in tables)
    assert docx_tables(ibb.files["docx"])
    assert scan(root) == []


@pytest.mark.slow
def test_every_figure_and_table_cites_synthetic_source(ibb):
    html = ibb.files["html"].read_text(encoding="utf-8")
    chapter05 = html[html.find(SURVEY[0].title, html.find("</nav>") if "</nav>" in html else 0) :]
    sources = re.findall(r'class="ibis-source">([^<]*)<', chapter05)
    survey_sources = [s for s in sources if "befragung" in s.lower()]
    assert survey_sources and all("synthetische Beispieldaten" in s for s in survey_sources)
    assert "Anhang" in html and "Stakeholder*innen" in html


def _planted_report(root: Path, answer: str, rid: str) -> None:
    """A tiny report folder with one leak of each kind in each format."""
    import docx
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "pdf.fonttype": 42})  # as ibis saves figures
    import nbformat
    import openpyxl

    (root / "figures").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "index.html").write_text(
        '<html><body><section class="chapter" id="kap-05_befragung"><h1>Befragungen</h1>'
        '<div class="ibis-table" id="tab-1"><p class="ibis-caption">Tabelle 1: Bewertungen der '
        "Institutionen (Anzahl)</p><table><thead><tr><th>Frage</th><th>gut</th>"
        "<th>keine Angabe</th></tr></thead><tbody><tr><td>Wie?</td><td>4</td><td>3</td></tr>"
        "</tbody></table></div></section></body></html>",
        encoding="utf-8",
    )
    (root / "quotes.html").write_text(f"<p>„{_html.escape(answer)}“</p>", encoding="utf-8")
    d = docx.Document()
    d.add_paragraph(f"Beispiel (anonymisiert): {answer}")
    d.save(str(root / "bericht.docx"))
    wb = openpyxl.Workbook()
    wb.active["A1"] = rid
    wb.save(root / "figures" / "01_x.xlsx")
    fig, ax = plt.subplots()
    ax.set_title(answer)
    fig.savefig(root / "figures" / "01_y.pdf")
    fig.savefig(root / "figures" / "01_y.svg")
    plt.close(fig)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(x)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{rid}: {answer}\n")]
    nb.cells = [cell]
    nbformat.write(nb, str(root / "notebooks" / "05_befragung.ipynb"))


def test_scan_finds_what_it_looks_for(tmp_path):
    """Each leak planted in each format is reported: the scan can fail."""
    ids, answers, _ = survey_secrets()
    assert len(ids) >= 300 and len(answers) >= 100
    answer = next(a for a in sorted(answers) if len(a) > 40 and "$" not in a)
    rid = sorted(ids)[0]
    _planted_report(tmp_path, answer, rid)
    findings = scan(tmp_path)
    for f in ("quotes.html", "bericht.docx", "01_y.pdf", "01_y.svg", "05_befragung.ipynb"):
        assert any(f in x and "Freitextantwort" in x for x in findings), f
    assert any("Befragten-ID" in x and "01_x.xlsx" in x for x in findings)
    assert any("Befragten-ID" in x and "05_befragung.ipynb" in x for x in findings)
    assert any("gut = 4" in x for x in findings) and any("keine Angabe = 3" in x for x in findings)


@pytest.fixture
def published(monkeypatch, tmp_path):
    """Everything the chapter functions publish (HTML bodies and metadata), in order."""
    from ibislib import publish

    shown: list[tuple[dict, dict]] = []
    monkeypatch.setattr(publish, "_display", lambda bundle, meta: shown.append((bundle, meta)))
    publish.configure(out_dir=tmp_path, chapter="05")
    return shown


def test_open_answers_publish_themes_never_wording(published):
    """The names the old scrubber kept ('Familie Nowak', 'Dawit Tesfaye') cannot leak: no
    answer's wording is published at all, only themes named by at least 5 persons."""
    from ibislib.survey import chapter
    from ibislib.survey.io import example

    df, book = example("05566028")
    leaks = [
        "Familie Nowak aus der Nachbarschaft hat uns beim Ankommen und mit der Sprache geholfen",
        "Dawit Tesfaye sagt: Integration heißt Arbeit und Sprache für alle",
        "<script>alert('x')</script> Toleranz und Offenheit",
    ]
    idx = df["bedeutung"].dropna().index[: len(leaks)]
    df.loc[idx, "bedeutung"] = leaks
    chapter.open_answers_section(
        chapter.Context(ags="05566028", name="Ibbenbüren", residents=df, book=book)
    )
    out = json.dumps(published, ensure_ascii=False)
    for token in ("Nowak", "Tesfaye", "Nachbarschaft hat uns", "<script>", "anonymisiert"):
        assert token not in out, token
    tables = [m for _, m in published if m["kind"] == "table"]
    assert [t["caption"] for t in tables] == [
        "Themen der Antworten auf „Integration bedeutet für Sie …“ (Mehrfachzuordnung)"
    ]
    counts = re.findall(r'<td class="num">(\d+)</td>', tables[0]["html"])
    assert counts and all(int(c) >= 5 for c in counts)


def test_frequency_tables_suppress_cells_below_five():
    df = pd.DataFrame(
        {"g": ["a"] * 12 + ["b"] * 30, "x": ["ja"] * 3 + ["nein"] * 9 + ["ja"] * 20 + ["nein"] * 10}
    )
    df["x"] = pd.Categorical(df["x"], categories=["ja", "nein"])
    f = fq.frequencies(df, "x", "g")
    shown = fq.display_table(f)
    cells = shown.drop(columns="Antwort")
    # the 3 of group a is hidden, and so is its complement in the same column (9 = 12 - 3)
    assert "3" not in cells["a: Anzahl"].tolist()
    assert "9" not in cells["a: Anzahl"].tolist()
    assert (cells == fq.SUPPRESSED).to_numpy().sum() >= 4
    visible = [
        int(v.replace(".", ""))
        for v in cells.filter(like="Anzahl").to_numpy().ravel()
        if v not in {fq.SUPPRESSED, ""}
    ]
    assert all(v == 0 or v >= 5 for v in visible)


def test_scan_finds_n_that_reveal_one_to_four_skipped_answers(tmp_path):
    """Differencing: the example survey's group 'mit Einwanderungshintergrund' has 25 members,
    and 1 of them skipped some items; 'n = 24' in a sentence, chart label or the n column of
    the comparison table tells exactly that. Each planted form is reported."""
    secrets = survey_n_secrets()
    labels, n = next((lab, n) for lab, n in secrets if "mit Einwanderungshintergrund" in lab)
    assert n == 24  # the example data: 25 members, one without an answer
    (tmp_path / "satz.html").write_text(
        f"<p>… 56,0 % der Befragten mit Einwanderungshintergrund (n = {n}) und …</p>",
        encoding="utf-8",
    )
    (tmp_path / "abb.svg").write_text(
        f"<svg><text>mit Einwanderungshintergrund</text><text>(n = {n})</text></svg>",
        encoding="utf-8",
    )
    (tmp_path / "index.html").write_text(
        '<html><body><section class="chapter" id="kap-05_befragung">'
        '<div class="ibis-table" id="tab-1"><p class="ibis-caption">Tabelle 1: Vergleich</p>'
        "<table><thead><tr><th>Aussage</th><th>n (mit EH / ohne EH)</th></tr></thead><tbody>"
        f"<tr><td>Wie?</td><td>{n} / 196</td></tr></tbody></table></div></section></body></html>",
        encoding="utf-8",
    )
    findings = scan(tmp_path)
    for f in ("satz.html", "abb.svg"):
        assert any(f in x and f"n = {n}" in x for x in findings), (f, findings)
    assert any("n (mit EH / ohne EH)" in x for x in findings), findings
    # the group's own size and an n that differs by 5 or more are no leak
    (tmp_path / "satz.html").write_text(
        "<p>Befragte mit Einwanderungshintergrund (n = 25); ohne Einwanderungshintergrund "
        "(n = 196)</p>",
        encoding="utf-8",
    )
    (tmp_path / "abb.svg").unlink()
    (tmp_path / "index.html").unlink()
    assert scan(tmp_path) == []


def test_attitudes_publish_no_n_that_reveals_skipped_answers(published):
    """The comparison sentences, tables, charts and chart data of the resident survey, as the
    chapter publishes them, hold no n that differs from its group's size by 1–4."""
    from ibislib.survey import chapter
    from ibislib.survey.io import example

    df, book = example("05566028")
    chapter.attitudes(chapter.Context(ags="05566028", name="Ibbenbüren", residents=df, book=book))
    secrets = survey_n_secrets()
    assert secrets  # the example has such items: the test can fail
    texts = []
    for bundle, meta in published:
        texts += _strings(bundle) + _strings(meta)
    text = _visible("\n".join(texts))
    assert n_leaks("Kapitel 05", text, secrets) == []
    for _, meta in published:
        if meta.get("kind") == "table":
            for cap, head, rows in html_tables(
                f'<section class="chapter" id="kap-05_x">{meta["html"]}</section>', ("05",)
            ):
                assert n_pair_leaks(cap, head, rows, secrets) == []


def test_comparison_prints_n_only_where_it_reveals_no_skipped_answers():
    """n per group: shown when equal to the group size or 5 and more below it, else '•'."""
    from ibislib.survey import compare as cmp

    cats = ["stimme zu", "teils", "stimme nicht zu"]
    answers = (["stimme zu"] * 10 + ["teils"] * 7 + ["stimme nicht zu"] * 7 + [None]) + (
        ["stimme zu"] * 12 + ["teils"] * 8 + ["stimme nicht zu"] * 5 + [None] * 5
    )
    df = pd.DataFrame({"g": ["a"] * 25 + ["b"] * 30, "x": answers})
    df["x"] = pd.Categorical(df["x"], categories=cats, ordered=True)
    res = cmp.compare(df, "x", "g", n_resamples=99)
    assert res.n == {"a": 24, "b": 25} and res.n_missing == {"a": 1, "b": 5}
    assert res.n_text("a") == fq.SUPPRESSED and res.n_text("b") == "25" and res.n_suppressed
    assert "(n = •)" in res.sentence() and "(n = 24)" not in res.sentence()
    assert "(n = 25)" in res.sentence()
    assert res.compact()["n (a / b)"] == "• / 25"
    assert [fq.n_hidden(n, 25) for n in (25, 24, 21, 20, 3)] == [False, True, True, False, False]
