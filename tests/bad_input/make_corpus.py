"""Write the bad-input corpus (run once; the files are committed, the script documents them).

    .venv/bin/python tests/bad_input/make_corpus.py

Every file is small and broken in exactly one way (see README.md in this folder). Snippets of
valid parts follow the real exports in data/raw/ (same headers, same quirks).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
BOM = "\ufeff"

# --------------------------------------------------------------------------- GENESIS classic table
TABLE_HEAD = [
    "GENESIS-Tabelle: 12411-01-01-4",
    "Bevölkerungsstand: Bevölkerung nach Geschlecht;;;;",
    "- Stichtag 31.12. -;;;;",
    "regionale Tiefe: Kreise und krfr. Städte;;;;",
    "Fortschreibung des Bevölkerungsstandes;;;;",
    "Bevölkerungsstand (Anzahl);;;;",
    ";;31.12.2015;31.12.2015;31.12.2015",
    ";;Insgesamt;männlich;weiblich",
]
TABLE_ROWS = [
    "DG;Deutschland;82175684;40514123;41661561",
    "05;  Nordrhein-Westfalen;17865516;8714017;9151499",
    "05566;      Steinfurt, Kreis;442968;220188;222780",
    "05770;      Minden-Lübbecke, Kreis;312088;153012;159076",
]
TABLE_FOOT = [
    "__________",
    '"© Statistische Ämter des Bundes und der Länder, Deutschland, 2017.',
    "Dieses Werk ist lizensiert unter der Datenlizenz Deutschland",
    '- Namensnennung - Version 2.0."',
    "Stand: 14.12.2017 / 15:51:18",
]


def table(
    rows: list[str] | None = None, head: list[str] | None = None, foot: list[str] | None = None
) -> str:
    rows = TABLE_ROWS if rows is None else rows
    return "\n".join((head or TABLE_HEAD) + rows + (TABLE_FOOT if foot is None else foot)) + "\n"


# --------------------------------------------------------------------------- GENESIS flat (ffcsv)
FLAT_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label"
)


def flat_row(region: str, name: str, nat: str, value: str, regvar: str = "KREISE") -> str:
    code, label = {
        "": ("", "Insgesamt"),
        "NATA": ("NATA", "ausländisch"),
        "NATD": ("NATD", "deutsch"),
    }[nat]
    return (
        f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31;{regvar};"
        f"Kreise und kreisfreie Städte;{region};{name};NAT;Nationalität;{code};{label};"
        f"{value};Anzahl;BEVSTD;Bevölkerungsstand"
    )


FLAT_OK = [
    flat_row("05566", "Steinfurt, Kreis", "", "453419"),
    flat_row("05566", "Steinfurt, Kreis", "NATA", "41237"),
    flat_row("05566", "Steinfurt, Kreis", "NATD", "412182"),
]


def flat(rows: list[str], header: str = FLAT_HEADER) -> str:
    return BOM + "\n".join([header, *rows]) + "\n"


# --------------------------------------------------------------------------- BA export
BA_HEAD = [
    '"Region";"Deutschland";"Regionsschlüssel:";"d"',
    '"Gebietsstand";"April 2025"',
    '"Berichtsjahr";"2024"',
    '"Datenstand";"April 2025"',
    '"Indikator";"Arbeitslose"',
    '"StaatsangehörigkeitEs werden Grafiken und Daten nur zu denjenigen Staatsangehörigkeiten '
    'angezeigt, bei denen eine ausreichend gesicherte Datenlage besteht.";"Ausländer"',
    '""',
    '"Hinweise:";"Bei den dargestellten Werten handelt es sich um Jahresdurchschnitte. "',
    '""',
]
BA_FOOT = [
    '""',
    '"Exportdatum: ";"21.05.2025";"18:32:46"',
    '"© Statistik der Bundesagentur für Arbeit"',
]


def ba(rows: list[str]) -> str:
    return BOM + "\r\n".join(BA_HEAD + rows + BA_FOOT) + "\r\n"


# --------------------------------------------------------------------------- GENESIS JSON
def json_pair(
    values: str, size: str = "[1,1,1,3,1]", status: str = '["e","e","e"]'
) -> tuple[str, str]:
    data = (
        '{"data":[{"code":"DS_001","id":["statistic","DINSG","content","NAT","STAG"],'
        f'"size":{size},"dimension":{{"statistic":{{"category":{{"index":{{"12411":0}}}}}},'
        '"DINSG":{"category":{"index":{"DG":0}}},"content":{"category":{"index":{"BEVSTD$QMU":0}}},'
        '"NAT":{"category":{"index":{"NATD":0,"NATA":1,"%TOTAL%":2}}},'
        '"STAG":{"category":{"index":{"2023-12-31":0}}}},'
        f'"value":{values},"status":{status}}}]}}'
    )
    structure = (
        '{"table":{"code":"12411-0002","label":{"de":"Bevölkerung: Deutschland, Stichtag, Nationalität"},'
        '"copyright":{"de":"© Statistisches Bundesamt (Destatis), 2025"}},'
        '"variables":{"NAT":{"variableType":"SUBJECT_CLASSIFYING","label":{"de":"Nationalität"}},'
        '"STAG":{"variableType":"TIME_IDENTIFYING_REFERENCE_DAY","label":{"de":"Stichtag"}},'
        '"DINSG":{"variableType":"REGION_CLASSIFYING","label":{"de":"Deutschland insgesamt"}}},'
        '"variableValues":{"DG":{"label":{"de":"Deutschland"}},"NATA":{"label":{"de":"Ausländer"}},'
        '"NATD":{"label":{"de":"Deutsche"}},"%TOTAL%":{"label":{"de":"Insgesamt"}}},'
        '"contents":{"BEVSTD":{"label":{"de":"Bevölkerungsstand"},"functions":{"QMU":{"label":{"de":"Anzahl"}}}}}}'
    )
    return data, structure


# --------------------------------------------------------------------------- delivery format
DELIVERY_HEADER = "ags;gebiet;stichtag;merkmal;stadtteil;nationalitaet;geschlecht;altersgruppe;schulform;kategorie;wert;einheit;zeichen;quelle;anmerkung"


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Region", "Bevölkerung"])
    ws.append(["Ibbenbüren", 53363])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def corpus() -> dict[str, bytes]:
    """File name -> bytes."""
    rnd = random.Random(20221)
    files: dict[str, str | bytes] = {}

    # general
    files["empty.csv"] = b""
    files["whitespace_only.csv"] = "   \n\t\n  \r\n"
    files["binary_garbage.csv"] = bytes(rnd.randrange(256) for _ in range(600)) + b"\x00\x00"
    files["utf16.csv"] = (FLAT_HEADER + "\n" + FLAT_OK[0] + "\n").encode("utf-16")
    files["xlsx_renamed.csv"] = xlsx_bytes()
    files["pdf_renamed.csv"] = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    files["random_text_one_line.csv"] = (
        "Die Zahlen kommen nächste Woche per Post, viele Grüße aus dem Rathaus\n"
    )

    # GENESIS classic table (loader: genesis_table)
    files["table_truncated.csv"] = (
        "\n".join(TABLE_HEAD + TABLE_ROWS[:2]) + "\n05566;      Steinfurt, Kreis;4429"
    )
    files["table_comma_separated.csv"] = table().replace(";", ",")
    files["table_header_only.csv"] = table(rows=[])
    files["table_unknown_symbol.csv"] = table(
        TABLE_ROWS[:3] + ["05770;      Minden-Lübbecke, Kreis;k.A.;153012;159076"]
    )
    files["table_duplicate_region.csv"] = table(TABLE_ROWS + [TABLE_ROWS[2]])
    files["table_negative_count.csv"] = table(
        TABLE_ROWS[:3] + ["05770;      Minden-Lübbecke, Kreis;312088;-153012;159076"]
    )
    files["table_part_larger_than_total.csv"] = table(
        TABLE_ROWS[:3] + ["05770;      Minden-Lübbecke, Kreis;312088;412088;159076"]
    )
    files["table_lost_leading_zero.csv"] = table(
        TABLE_ROWS[:3] + ["5566028;        Ibbenbüren, Stadt;51518;25537;25981"]
    )
    files["table_footer_in_the_middle.csv"] = table(
        TABLE_ROWS[:2] + ["__________"] + TABLE_ROWS[2:]
    )
    files["table_mixed_encoding.csv"] = (
        "\n".join(TABLE_HEAD[:3]).encode("latin-1")
        + b"\n"
        + "\n".join(TABLE_HEAD[3:] + TABLE_ROWS + TABLE_FOOT).encode("utf-8")
        + b"\n"
    )
    files["table_missing_value_cells.csv"] = table(
        TABLE_ROWS[:3] + ["05770;      Minden-Lübbecke, Kreis;312088"]
    )

    # GENESIS flat
    files["flat_missing_value_column.csv"] = flat(
        [";".join(c for i, c in enumerate(r.split(";")) if i != 13) for r in FLAT_OK],
        header=";".join(c for c in FLAT_HEADER.split(";") if c != "value"),
    )
    files["flat_non_numeric_value.csv"] = flat(
        FLAT_OK[:2] + [flat_row("05566", "Steinfurt, Kreis", "NATD", "vierhunderttausend")]
    )
    files["flat_unknown_symbol.csv"] = flat(
        FLAT_OK[:2] + [flat_row("05566", "Steinfurt, Kreis", "NATD", "?")]
    )
    files["flat_truncated.csv"] = flat(FLAT_OK[:2])[:-1] + "\n" + FLAT_OK[2][:60]
    files["flat_comma_separated.csv"] = flat(FLAT_OK).replace(";", ",")
    files["flat_header_only.csv"] = flat([])
    files["flat_duplicate_keys.csv"] = flat(FLAT_OK + [FLAT_OK[1]])
    files["flat_negative_count.csv"] = flat(
        FLAT_OK[:2] + [flat_row("05566", "Steinfurt, Kreis", "NATD", "-412182")]
    )
    files["flat_foreigners_exceed_total.csv"] = flat(
        [FLAT_OK[0], flat_row("05566", "Steinfurt, Kreis", "NATA", "541237"), FLAT_OK[2]]
    )
    files["flat_lost_leading_zero.csv"] = flat(
        [flat_row("5566028", "Ibbenbüren, Stadt", "", "51518", "GEMEIN")]
    )
    files["flat_footer_in_the_middle.csv"] = flat(FLAT_OK[:1] + ["__________"] + FLAT_OK[1:])
    files["flat_mixed_encoding.csv"] = (FLAT_HEADER + "\n" + FLAT_OK[0] + "\n").encode("utf-8") + (
        FLAT_OK[1].replace("Bevölkerungsstand", "Bevölkerungsstand (Fortschreibung)") + "\n"
    ).encode("latin-1")

    # GENESIS JSON: *_structure.json files are helpers, not test cases themselves
    d, s = json_pair("[71347057.0,12108988.0,83456045.0]")
    files["json_without_structure_data.json"] = d
    files["json_broken_data.json"] = d[: len(d) // 2]
    files["json_broken_structure.json"] = s
    d2, s2 = json_pair("[71347057.0,12108988.0]", status='["e","e"]')
    files["json_value_size_mismatch_data.json"] = d2
    files["json_value_size_mismatch_structure.json"] = s2
    d3, s3 = json_pair("[71347057.0,12108988.0,83456045.0]", status='["e","e","k"]')
    files["json_unknown_status_data.json"] = d3
    files["json_unknown_status_structure.json"] = s3
    files["json_structure_broken_data.json"] = d
    files["json_structure_broken_structure.json"] = s[:-40]

    # BA exports
    files["ba_no_data_block.csv"] = ba([])
    files["ba_text_in_number.csv"] = ba(
        [
            '"Merkmal ";"JD Arbeitslose ";"Anteil an Insgesamt in % "',
            '"unter 25 Jahre";"94.093";"9"',
            '"25 bis unter 55 Jahre ";"etwa 784.000";"75"',
        ]
    )
    files["ba_truncated_row.csv"] = ba(
        [
            '"Merkmal ";"JD Arbeitslose ";"Anteil an Insgesamt in % "',
            '"unter 25 Jahre";"94.093";"9"',
            '"55 Jahre und älter";"162.537"',
        ]
    )
    files["ba_unknown_land_20250605111436.csv"] = (
        BOM + '"Region ";"Beschäftigungsquote "\r\n"Bayern";"37,4"\r\n"Atlantis";"12,0"\r\n'
    )

    # municipal delivery format (loader: delivery)
    files["delivery_unknown_measure.csv"] = (
        DELIVERY_HEADER
        + "\n05566028;Ibbenbüren;30.09.2022;gluecksindex;;;;;;;7,5;Anzahl;;Stadt Ibbenbüren;\n"
    )
    files["delivery_text_value.csv"] = (
        DELIVERY_HEADER
        + "\n05566028;Ibbenbüren;30.09.2022;bevoelkerung;;;;;;;viele;Anzahl;;Stadt Ibbenbüren;\n"
    )
    return {k: v if isinstance(v, bytes) else v.encode("utf-8") for k, v in files.items()}


def main() -> None:
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
    print(f"{len(corpus())} Dateien in {HERE}")


if __name__ == "__main__":
    main()
