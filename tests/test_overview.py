"""The batch overview page and its downloads: escaping of every text from data (names,
`--municipalities` entries), formula-safe CSV/XLSX, Kreis total rows, filter box and sorting
hooks, links only to reports that exist. (The page in a real browser: tests/test_browser.py.)"""

from __future__ import annotations

import html.parser
from pathlib import Path

import openpyxl
import pytest

from ibislib.batch.overview import write_overview
from ibislib.batch.runner import BatchResult
from ibislib.batch.worker import Outcome

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://example.org/?leak","x")'


def make_result(out: Path, entries: dict[str, str | None], reports: list[str]) -> BatchResult:
    """A finished batch: `entries` maps AGS (or a bad list entry) to its error (None: done)."""
    res = BatchResult(out=out)
    for key, err in entries.items():
        res.outcomes[key] = Outcome(key, "failed" if err else "done", error=err)
    for ags in reports:
        (out / ags).mkdir(parents=True)
        (out / ags / "index.html").write_text("<html></html>", encoding="utf-8")
    return res


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.in_script = False
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.in_script = True
            self.scripts.append("")
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1] += data


@pytest.fixture
def page(tmp_path):
    entries = {
        "05566028": None,
        "05566008": None,
        SCRIPT: f"liste.txt, Zeile 3: Unbekannte Gebietseinheit '{SCRIPT}'",
        FORMULA: f"liste.txt, Zeile 4: Unbekannte Gebietseinheit '{FORMULA}'",
        "-1+2": "liste.txt, Zeile 5: kein AGS",
    }
    res = make_result(tmp_path, entries, ["05566028", "05566008"])
    return write_overview(tmp_path, res)


def test_list_entries_are_escaped_in_html(page):
    text = page.read_text(encoding="utf-8")
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    p = _Collect()
    p.feed(text)
    assert len(p.scripts) == 1 and "alert" not in p.scripts[0]  # only our own sorting script
    assert "05566028/index.html" in p.links and "05566008/index.html" in p.links
    assert not any("HYPERLINK" in link or "script" in link for link in p.links)


def test_downloads_write_formulas_as_text(page):
    csv = (page.parent / "uebersicht.csv").read_text(encoding="utf-8-sig")
    lines = csv.splitlines()
    assert all(not line.startswith(("=", "+", "-", "@")) for line in lines)
    assert any(line.startswith("'=HYPERLINK") or line.startswith("\"'=HYPERLINK") for line in lines)
    ws = openpyxl.load_workbook(page.parent / "uebersicht.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == [], f"live formulas in uebersicht.xlsx: {formulas}"
    texts = [str(c.value) for c in cells if c.value is not None]
    assert FORMULA in " ".join(texts)  # shown as typed, after the apostrophe
    assert "'-1+2" in texts


def test_kreis_total_row_filter_and_sort_hooks(page):
    text = page.read_text(encoding="utf-8")
    foot = text[text.index("<tfoot>") : text.index("</tfoot>")]
    assert "Kreis Steinfurt" in foot and "Kreis insgesamt" in foot
    assert 'id="filter"' in text and "Intl.Collator('de'" in text
    assert 'data-type="num"' in text and 'data-type="text"' in text
    assert 'class="scroll"' in text  # a wide table scrolls inside its box, not the page
    # the Kreis row carries the Kreis's own population (German thousands separator)
    import re

    nums = re.findall(r'<td class="num" data-sort="([0-9.e+]+)">([0-9.]+)</td>', foot)
    assert nums and float(nums[0][0]) > 400_000 and "." in nums[0][1]
    csv = (page.parent / "uebersicht.csv").read_text(encoding="utf-8-sig")
    assert "Kreis insgesamt" in csv.splitlines()[-1]
