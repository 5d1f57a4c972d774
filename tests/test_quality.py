"""The report-quality gate's checks on tiny hand-made HTML and PDF inputs (each able to fail)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ibislib.report import quality as q


def chapter(body: str, title: str = "Demografie") -> str:
    return (
        '<html lang="de"><body><section class="chapter" id="k1">'
        f'<h1><span class="num">1</span> {title}</h1>{body}</section>'
        '<section class="chapter sources" id="quellen"><h1>Quellenverzeichnis</h1>'
        "<ul><li>IT.NRW</li></ul></section></body></html>"
    )


def kinds(html: str, manifest: dict | None = None) -> list[str]:
    return [f.kind for f in q.check_html(html, "Testort", manifest)]


GOOD = chapter(
    "<h2>1.1 Bevölkerung</h2><p>Zum 30.09.2022 lebten in Ibbenbüren insgesamt 53.363 Menschen; "
    "9,9 % davon (5.263 Personen) ohne deutsche Staatsangehörigkeit.</p>"
    '<figure class="ibis-figure"><img src="a.svg" alt="Anteil 2022"><figcaption>'
    '<span class="ibis-label">Abbildung 1:</span> Anteil</figcaption>'
    '<p class="ibis-source">Quelle: IT.NRW, eigene Berechnungen</p></figure>'
    "<h2>1.2 Index und Repräsentationsindex</h2><p>Der Repräsentationsindex (Index 2015 = 100) "
    "liegt bei 1,2; keine Angabe für None-Schulen gibt es nicht.</p>"
)


def test_good_report_has_no_findings() -> None:
    html = GOOD.replace("None-Schulen", "andere Schulen")
    assert kinds(html) == []


def test_error_box_and_its_english_counted_once() -> None:
    html = chapter(
        '<div class="ibis-error"><strong>Dieses Kapitel …</strong> Fehler: '
        "<code>InvalidIndexError: Reindexing only valid</code></div><p>Text folgt hier.</p>"
    )
    assert kinds(html) == ["fehlerkasten"]


@pytest.mark.parametrize(
    "text",
    [
        "Der Wert ist nan Prozent.",
        "Keine Angabe: None",
        "Traceback (most recent call last)",
        "KeyError: 'ausl_anzahl'",
        "Index(['a'], dtype='object')",
        "Table of Contents",
    ],
)
def test_english_words(text: str) -> None:
    assert "englisch" in kinds(chapter(f"<p>{text}</p>"))


@pytest.mark.parametrize(
    "text",
    [
        "Der Repräsentationsindex liegt bei 1,2 (Index 2015 = 100).",
        "Nanette und Nana wohnen in der Fehlerstraße (Stand: 2023).",
        "Die Zahl der Einbürgerungen stieg von 2015 bis 2022 um 12,5 %.",
        "Personen mit Einwanderungsgeschichte (Zensus 2022); Sonstige und Unbekannt.",
    ],
)
def test_no_english_false_positives_on_german(text: str) -> None:
    assert "englisch" not in kinds(chapter(f"<p>{text}</p>"))


def test_repeated_sentence_in_one_chapter() -> None:
    s = "Im Schuljahr 2021/22 hatten in Ibbenbüren 12,3 % der Schülerinnen und Schüler keinen deutschen Pass."
    found = q.check_html(chapter(f"<p>{s} Danach folgt anderes.</p><ul><li>{s}</li></ul>"), "X")
    rep = [f for f in found if f.kind == "satz_doppelt"]
    assert len(rep) == 1 and "2× derselbe Satz" in rep[0].message
    # once in each of two chapters is not a repetition within a chapter
    two = chapter(f"<p>{s}</p>").replace(
        "</section>", f'</section><section class="chapter"><h1>2 B</h1><p>{s}</p></section>', 1
    )
    assert "satz_doppelt" not in kinds(two)


def test_sentences_keep_abbreviations_and_dates_together() -> None:
    text = "Zum 31.12.2022 lebten z. B. 5.263 Personen hier. Das sind 9,9 %. Nr. 3 folgt."
    assert q.sentences(text) == [
        "Zum 31.12.2022 lebten z. B. 5.263 Personen hier.",
        "Das sind 9,9 %.",
        "Nr. 3 folgt.",
    ]


def test_figure_and_table_without_source() -> None:
    html = chapter(
        '<figure class="ibis-figure"><img src="a.svg" alt="x"><figcaption>Abbildung 1: A'
        '</figcaption><p class="ibis-source">Quelle: </p></figure>'
        '<div class="ibis-table"><p class="ibis-caption">Tabelle 1: T</p><table><tr><td>1</td>'
        "</tr></table></div>"
    )
    assert kinds(html) == ["quelle_fehlt", "quelle_fehlt"]


def test_heading_without_content() -> None:
    html = chapter(
        "<h2>1.1 Leer</h2><h2>1.2 Voll</h2><h3>Unterpunkt</h3><p>Inhalt.</p><h2>1.3 Am Ende</h2>"
    )
    found = q.check_html(html, "X")
    assert [f.message for f in found if f.kind == "ueberschrift_leer"] == [
        "Überschrift ohne Inhalt: 1.1 Leer",
        "Überschrift ohne Inhalt: 1.3 Am Ende",
    ]
    note = chapter('<h2>1.1 Ohne Daten</h2><p class="ibis-note">Keine Daten: Grund.</p>')
    assert "ueberschrift_leer" not in kinds(note)


def _table(header: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (
        '<div class="ibis-table"><p class="ibis-caption">Tabelle 1: Kennzahlen</p>'
        f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"
        '<p class="ibis-source">Quelle: IT.NRW</p></div>'
    )


def test_stand_column_with_different_stichtage_is_fine() -> None:
    html = chapter(
        _table(
            ["Kennzahl", "Stand", "Minden", "Land"],
            [
                ["Bevölkerung", "31.12.2021", "83.743", "17.924.591"],
                ["Ausländer", "30.06.2015", "9.812", "2.100.000"],
            ],
        )
    )
    assert "zeitraum_gemischt" not in kinds(html)


def test_value_column_naming_one_date_for_other_periods() -> None:
    html = chapter(
        _table(
            ["Kennzahl", "Stand", "Anteil 31.12.2021 (%)"],
            [["Ausländer", "31.12.2021", "9,9"], ["Schutzsuchende", "30.06.2015", "1,2"]],
        )
    )
    found = [f for f in q.check_html(html, "X") if f.kind == "zeitraum_gemischt"]
    assert len(found) == 1 and "2015" in found[0].message


def test_value_column_with_some_cells_labelled() -> None:
    html = chapter(_table(["Region", "Anteil (%)"], [["Minden", "9,9 (2015)"], ["Land", "14,2"]]))
    assert "zeitraum_gemischt" in kinds(html)
    every = chapter(
        _table(["Region", "Anteil (%)"], [["Minden", "9,9 (2015)"], ["Land", "14,2 (2022)"]])
    )
    assert "zeitraum_gemischt" not in kinds(every)


def test_old_data_presented_as_current() -> None:
    old = "<p>Zum 31.12.2015 lebten in Minden 83.743 Menschen.</p>"
    new = "<p>Zum 30.09.2022 waren 1.200 Menschen arbeitslos gemeldet.</p>"
    found = [f for f in q.check_html(chapter(old + new), "Minden") if f.kind == "alter_stand"]
    assert len(found) == 1 and "2015" in found[0].message and "2022" in found[0].message
    marked = "<p>Zum 31.12.2015 (neuester verfügbarer Stand) lebten in Minden 83.743 Menschen.</p>"
    assert "alter_stand" not in kinds(chapter(marked + new))
    # said once in the chapter for that Stichtag covers the later sentences of the same Stichtag
    once = "<p>Neuester verfügbarer Stand für Minden: 31.12.2015.</p>"
    assert "alter_stand" not in kinds(chapter(once + old + new))
    assert "alter_stand" in kinds(chapter(old + once + new))  # said only after it
    # the manifest's Berichtszeitraum is the reference year when given
    assert "alter_stand" in kinds(chapter(old), {"parameters": {"period": "2017"}})
    assert "alter_stand" not in kinds(chapter(old), {"parameters": {"period": "2016"}})


def test_manifest_failed_chapters() -> None:
    found = q.check_manifest(
        {
            "complete": False,
            "failed": {"01_demografie": "KeyError: x"},
            "chapters": {"01_demografie": {"title": "Demografie"}},
        },
        "Münster",
    )
    assert [(f.chapter, f.kind) for f in found] == [("Demografie", "unvollstaendig")]
    assert q.check_manifest({"complete": True, "failed": {}}, "Münster") == []


def test_page_margins_from_css() -> None:
    css = "@page {\n  size: A4;\n  margin: 2.2cm 2.5cm 2.4cm 3cm; }"
    assert q.page_margins_cm(css) == (3.0, 2.5)
    assert q.page_margins_cm("@page { margin: 2cm; }") == (2.0, 2.0)


def _pdf(tmp_path: Path, body: str) -> Path:
    from weasyprint import HTML

    css = "@page { size: A4; margin: 2.2cm 2.5cm 2.4cm 2.5cm; } body { font-size: 9pt; }"
    target = tmp_path / "bericht.pdf"
    HTML(string=f"<html lang='de'><style>{css}</style><body>{body}</body></html>").write_pdf(target)
    return target


def test_pdf_table_wider_than_text_block(tmp_path: Path) -> None:
    wide = (
        "<table style='width:22cm;border:1px solid black'><tr>"
        + "".join(f"<td>Spalte{i}</td>" for i in range(14))
        + "</tr></table><p>Tabelle 14: breit</p>"
    )
    found = q.check_pdf_overflow(_pdf(tmp_path, wide), "Ibbenbüren")
    assert len(found) == 1 and found[0].kind == "tabelle_breit"
    assert "Tabelle 14" in found[0].message and found[0].chapter == "PDF S. 1"
    narrow = (
        "<table style='width:15cm;border:1px solid black'><tr><td>a</td><td>b</td></tr></table>"
    )
    assert q.check_pdf_overflow(_pdf(tmp_path, narrow), "Ibbenbüren") == []


def test_check_report_folder_and_table(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(chapter("<h2>1.1 Leer</h2>"), encoding="utf-8")
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {"complete": True, "failed": {}, "parameters": {"name": "Testort", "municipality": "1"}}
        ),
        encoding="utf-8",
    )
    found = q.check_report(tmp_path, pdf=True)
    # the chapter heading and 1.1 are both empty; no PDF in the folder
    assert sorted(f.kind for f in found) == [
        "ueberschrift_leer",
        "ueberschrift_leer",
        "unvollstaendig",
    ]
    text = q.table([("1", "Testort", 0, found)])
    assert "Testort" in text and "Summe (1 Einheiten, 1 mit Befund)" in text


def test_sample_is_stratified() -> None:
    from ibislib.regions import registry

    units, quick = q.load_sample()
    reg = registry()
    regions = [reg.get(u.ags) for u in units]
    assert len(units) >= 30 and None not in regions
    lands = {r.land or r.ags for r in regions}
    assert len(lands) == 16  # every Land
    # kreisfreie Städte: a Gemeinde that is its own Kreis (Stadtstaaten not counted)
    kreisfrei = [
        r
        for r in regions
        if r.level == "gemeinde"
        and len(reg.municipalities(kreis=r.kreis)) == 1
        and r.land not in ("02", "11", "04")
    ]
    assert len(kreisfrei) >= 5
    assert {"11000000", "02000000", "04011000", "04012000"} <= {u.ags for u in units}
    assert sum(r.level == "kreis" for r in regions) >= 2
    assert {"05566028", "05770024", "10041519", "16070"} <= {u.ags for u in units}
    assert any(r.bevoelkerung and r.bevoelkerung < 2000 for r in regions)
    assert set(quick) <= {u.ags for u in units}


@pytest.mark.parametrize(
    "text",
    [
        "Zum 31.12.2022 lebten in Ilm-Kreis 1.000 Menschen.",
        "Für Ilm-Kreis liegen keine Daten vor.",
        "Vergleich mit Kreis Regionalverband Saarbrücken",
        "Hier lebt ein(e) Kreis.",
    ],
)
def test_grammar_of_region_names(text: str) -> None:
    assert "sprache" in kinds(chapter(f"<p>{text}</p>"))


@pytest.mark.parametrize(
    "text",
    [
        "Zum 31.12.2022 lebten im Ilm-Kreis 1.000 Menschen, im Kreis Steinfurt mehr.",
        "Für den Ilm-Kreis liegen keine Daten vor; in Kreisen des Landes schon.",
        "Vergleich mit dem Regionalverband Saarbrücken und dem Kreis Steinfurt",
    ],
)
def test_grammar_no_false_positives(text: str) -> None:
    assert "sprache" not in kinds(chapter(f"<p>{text}</p>"))
