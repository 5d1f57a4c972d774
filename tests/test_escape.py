"""The one escaping rule for HTML and spreadsheets (CSV/formula injection)."""

import pandas as pd

from ibislib import escape


def test_html_text_escapes_markup():
    assert escape.html_text("<script>alert('x')</script>") == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    )
    assert escape.html_text(None) == ""


def test_spreadsheet_cell_neutralises_formulas_but_keeps_numbers():
    assert escape.spreadsheet_cell('=HYPERLINK("http://x","x")') == '\'=HYPERLINK("http://x","x")'
    for start in "=+-@":
        assert escape.spreadsheet_cell(start + "1") == "'" + start + "1"
    assert escape.spreadsheet_cell(-3.5) == -3.5
    assert escape.spreadsheet_cell("Ibbenbüren") == "Ibbenbüren"


def test_spreadsheet_frame_covers_cells_labels_and_categoricals():
    df = pd.DataFrame(
        {"=A1": ["=1+1", "ok"], "n": [1, -2], "c": pd.Categorical(["@x", "y"])},
        index=["+i", "j"],
    )
    out = escape.spreadsheet_frame(df)
    assert list(out.columns) == ["'=A1", "n", "c"]
    assert out.iloc[0, 0] == "'=1+1" and out.iloc[1, 0] == "ok"
    assert out["n"].tolist() == [1, -2]
    assert out["c"].tolist() == ["'@x", "y"]
    assert list(out.index) == ["'+i", "j"]
    assert df.iloc[0, 0] == "=1+1"  # the input is not changed


def test_markdown_text_escapes_only_markdown_syntax():
    assert escape.markdown_text("Ibbenbüren-Dickenberg (Nord), 5. Bezirk") == (
        "Ibbenbüren-Dickenberg (Nord), 5. Bezirk"
    )
    assert escape.markdown_text("*a* _b_ [c](d) <e> `f` #g |h ~i &j !k \\l") == (
        "\\*a\\* \\_b\\_ \\[c\\](d) \\<e\\> \\`f\\` \\#g \\|h \\~i \\&j \\!k \\\\l"
    )
    assert escape.markdown_text(None) == ""
    assert escape.markdown_text("a\n\n## b") == "a \\#\\# b"  # a value never starts a block


def test_markdown_html_escapes_raw_html_and_renders_prose():
    out = escape.markdown_html("## Titel\n\nText mit <b>x</b> und *Betonung*.")
    assert "<h2>Titel</h2>" in out and "<em>Betonung</em>" in out
    assert "&lt;b&gt;x&lt;/b&gt;" in out


def test_xlsx_text_cells_turn_formulas_into_text():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(['=HYPERLINK("http://x","x")', "-Sprachkurse", "@a", "+b", "ok", -3])
    assert ws["A1"].data_type == "f"  # what openpyxl does with text starting with '='
    assert escape.xlsx_text_cells(ws) == 4
    assert [c.data_type for c in ws[1]] == ["s", "s", "s", "s", "s", "n"]
    assert ws["A1"].value == '=HYPERLINK("http://x","x")' and ws["A1"].quotePrefix
