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
