"""publish.figure(data=…): the figure's data travels with it (JSON in the notebook metadata, a
German HTML table with column headers marked) and gives the one-sentence alt-text summary."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd

from ibislib import publish

matplotlib.use("Agg")


def test_summary_names_range_and_where():
    df = pd.DataFrame(
        {"Gebiet": ["Ibbenbüren", "NRW", "Deutschland"], "Anteil (%)": [9.86, 15.1, 13.8]}
    )
    assert publish.summarize(df, 1) == ("Anteil (%): 3 Werte von 9,9 (Ibbenbüren) bis 15,1 (NRW).")
    wide = pd.DataFrame({"Zeitraum": ["2014", "2015"], "A": [1.0, np.nan], "B": [3.0, 2.0]})
    s = publish.summarize(wide, 0)
    assert s.startswith("2 Reihen (A, B): 3 Werte von 1 (2014, A) bis 3 (2014, B)")
    assert publish.summarize(pd.DataFrame({"x": ["a"]})) == ""


def test_figure_records_its_data(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(publish, "_display", lambda bundle, meta: shown.append((bundle, meta)))
    publish.configure(out_dir=tmp_path, chapter="01")
    fig, ax = plt.subplots()
    ax.bar(["Innenstadt", "Laggenbeck"], [2443, 510])
    data = pd.DataFrame({"Stadtteil": ["Innenstadt", "Laggenbeck"], "Anzahl": [2443, 510]})
    publish.figure(fig, name="t", caption="Ausländer*innen nach Stadtteilen", source="X", data=data)
    bundle, meta = shown[0]
    json.dumps(meta)  # notebook metadata must be JSON
    assert meta["data"] == {
        "columns": ["Stadtteil", "Anzahl"],
        "rows": [["Innenstadt", 2443], ["Laggenbeck", 510]],
    }
    assert '<th scope="col"' in meta["data_html"] and ">2.443<" in meta["data_html"]
    assert meta["summary"] == "Anzahl: 2 Werte von 510 (Laggenbeck) bis 2.443 (Innenstadt)."
    assert 'alt="Ausländer*innen nach Stadtteilen. Anzahl: 2 Werte' in bundle["text/html"]
