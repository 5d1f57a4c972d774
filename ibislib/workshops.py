"""Workshops: challenges per Handlungsfeld, their prioritisation by sticky dots, and the
challenge and measures matrices that form the appendix of an Integrationskonzept.

Input files (YAML, one folder per municipality under data/raw/, e.g. ``workshops_ibbenbueren/``):

``herausforderungen.yml``
    ``handlungsfelder: [{id, name, workshop: bool, herausforderungen: [{nr, herausforderung,
    ziel, zielgruppe, bereich?, priorisiert?, nachgeordnet?, bearbeitet?, anmerkung?}]}]``;
    ``ziel``/``zielgruppe`` may be lists (several table rows for one challenge).
``punkte*.yml``
    ``workshops: [{handlungsfeld, workshop, datum, teilnehmende, punkte_je_person,
    punkte: {nr: dots}}]``; ``synthetic: true`` when the dots are synthetic.
``massnahmen.yml``
    ``massnahmen: [{kapitel, handlungsfeld, herausforderung_nr: [..], massnahme,
    herausforderung, ziel, zielgruppe, sozialraumbezug, stakeholder, ressourcen, schritte: [..]}]``.

Each file names the ``municipality`` (AGS) it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import fmt, paths
from .atomic import atomic_path
from .errors import DataMissingError, FormatError, yaml_error
from .escape import xlsx_text_cells

TOP = 5


@dataclass
class Workshops:
    folder: Path
    fields: list[dict]
    dots: list[dict]
    measures: list[dict]
    synthetic_dots: bool
    source_challenges: str
    source_dots: str
    source_measures: str

    def field_names(self) -> dict[str, str]:
        return {f["id"]: f["name"] for f in self.fields}


def _yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path) from None
    if not isinstance(data, dict):
        raise FormatError("Unerwarteter Aufbau (erwartet: Schlüssel/Wert-Paare)", path=path)
    return data


def find_folder(municipality: str, raw: Path | None = None) -> Path | None:
    """The data/raw subfolder whose herausforderungen.yml names this municipality."""
    raw = Path(raw or paths.raw_dir())
    files = []
    for f in sorted(raw.glob("*/herausforderungen.yml")):
        try:
            st = f.stat()
        except OSError:
            continue
        files.append((str(f), st.st_mtime_ns, st.st_size))
    for path, owner in _owners(tuple(files)):
        if owner == str(municipality):
            return Path(path).parent
    return None


@lru_cache(maxsize=4)
def _owners(files: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, str], ...]:
    """(file, municipality it names) for each workshop file, parsed once per state of the
    files (a report looked twice, parsing every folder's file each time)."""
    out = []
    for path, _, _ in files:
        try:
            head = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        if isinstance(head, dict):
            out.append((path, str(head.get("municipality", ""))))
    return tuple(out)


def load(folder_or_municipality: str | Path) -> Workshops:
    """Load the workshop files of a folder (or of the municipality's folder)."""
    folder = Path(folder_or_municipality)
    if not (folder / "herausforderungen.yml").is_file():
        found = find_folder(str(folder_or_municipality))
        if found is None:
            raise DataMissingError(f"Für {folder_or_municipality} liegen keine Workshopdaten vor")
        folder = found
    ch = _yaml(folder / "herausforderungen.yml")
    fields = ch.get("handlungsfelder")
    if not isinstance(fields, list):
        raise FormatError(
            "Abschnitt 'handlungsfelder' fehlt", path=folder / "herausforderungen.yml"
        )
    for f in fields:
        for i, c in enumerate(f.get("herausforderungen", [])):
            for key in ("nr", "herausforderung"):
                if key not in c:
                    raise FormatError(
                        f"Handlungsfeld '{f.get('name')}', Eintrag {i + 1}: '{key}' fehlt",
                        path=folder / "herausforderungen.yml",
                    )
    dots: list[dict] = []
    synthetic = False
    src_dots = ""
    for pf in sorted(folder.glob("punkte*.yml")):
        d = _yaml(pf)
        dots += d.get("workshops", [])
        synthetic = synthetic or bool(d.get("synthetic"))
        src_dots = str(d.get("quelle", ""))
    measures: list[dict] = []
    src_m = ""
    if (folder / "massnahmen.yml").is_file():
        m = _yaml(folder / "massnahmen.yml")
        measures = m.get("massnahmen", [])
        src_m = str(m.get("quelle", ""))
    return Workshops(
        folder, fields, dots, measures, synthetic, str(ch.get("quelle", "")), src_dots, src_m
    )


def _join(v) -> str:
    if isinstance(v, list):
        return "\n".join(str(x) for x in v)
    return "" if v is None else str(v)


def ranking(ws: Workshops, top: int = TOP) -> pd.DataFrame:
    """Dots per challenge and rank within its Handlungsfeld; top `top` marked (ties at the
    boundary are all marked). Fields without a workshop are left out."""
    names = ws.field_names()
    texts = {
        (f["id"], int(c["nr"])): c["herausforderung"]
        for f in ws.fields
        for c in f["herausforderungen"]
    }
    rows = []
    for w in ws.dots:
        fid = w["handlungsfeld"]
        if fid not in names:
            raise FormatError(f"Unbekanntes Handlungsfeld '{fid}' in den Punkten", path=ws.folder)
        for nr, k in w["punkte"].items():
            key = (fid, int(nr))
            if key not in texts:
                raise FormatError(
                    f"Herausforderung {nr} gibt es im Handlungsfeld '{names[fid]}' nicht",
                    path=ws.folder,
                )
            rows.append(
                {
                    "handlungsfeld": names[fid],
                    "nr": int(nr),
                    "herausforderung": texts[key],
                    "punkte": int(k),
                    "teilnehmende": int(w.get("teilnehmende", 0)),
                }
            )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df["punkte_anteil"] = (
        100 * df["punkte"] / df.groupby("handlungsfeld")["punkte"].transform("sum")
    )
    df["rang"] = (
        df.groupby("handlungsfeld")["punkte"].rank(method="min", ascending=False).astype(int)
    )
    df["top"] = df["rang"] <= top
    order = {n: i for i, n in enumerate(names.values())}
    df = df.sort_values(
        ["handlungsfeld", "rang", "nr"],
        key=lambda s: s.map(order) if s.name == "handlungsfeld" else s,
    )
    return df.reset_index(drop=True)


def ranking_table(rank: pd.DataFrame, field: str) -> pd.DataFrame:
    """German table of one field's ranking for the report. Dot counts under 5 (and their
    shares) are suppressed like survey counts, with secondary suppression since the shares
    add up to 100 %: a few dots can be one participant's."""
    from .survey.frequencies import SUPPRESSED, hidden

    sub = rank[rank["handlungsfeld"] == field]
    hide = hidden(sub["punkte"])
    return pd.DataFrame(
        {
            "Rang": sub["rang"].to_numpy(),
            "Nr.": sub["nr"].to_numpy(),
            "Herausforderung": sub["herausforderung"].to_numpy(),
            "Punkte": [
                SUPPRESSED if h else int(k) for k, h in zip(sub["punkte"], hide, strict=True)
            ],
            "Anteil (%)": [
                SUPPRESSED if h else fmt.number(v, 1)
                for v, h in zip(sub["punkte_anteil"], hide, strict=True)
            ],
            "Top 5": ["✓" if t else "" for t in sub["top"]],
        }
    )


def challenge_matrix(ws: Workshops) -> pd.DataFrame:
    """Appendix matrix: Handlungsfeld, Nr., Herausforderung, Ziel, Zielgruppe, Priorisierung."""
    rows = []
    for f in ws.fields:
        for c in f["herausforderungen"]:
            status = (
                "priorisiert"
                if c.get("priorisiert")
                else "nachgeordnet priorisiert"
                if c.get("nachgeordnet")
                else "mit Maßnahmeideen bearbeitet"
                if c.get("bearbeitet")
                else ""
            )
            if not f.get("workshop"):
                status = "an Politik und Verwaltung weitergegeben"
            rows.append(
                {
                    "Handlungsfeld": f["name"],
                    "Nr.": int(c["nr"]),
                    "Bereich": c.get("bereich", ""),
                    "Herausforderung": c["herausforderung"],
                    "Ziel": _join(c.get("ziel")),
                    "Zielgruppe": _join(c.get("zielgruppe")),
                    "Workshop": status,
                }
            )
    out = pd.DataFrame(rows)
    if not out["Bereich"].astype(bool).any():
        out = out.drop(columns="Bereich")
    return out


MEASURE_COLUMNS = {
    "handlungsfeld": "Handlungsfeld",
    "massnahme": "Maßnahme",
    "herausforderung": "Herausforderung",
    "ziel": "Ziel",
    "zielgruppe": "Zielgruppe",
    "sozialraumbezug": "Sozialraumbezug",
    "schritte": "Schritte zur Umsetzung",
    "stakeholder": "Stakeholder*innen",
    "ressourcen": "Ressourcen/Finanzierung",
}


def measures_matrix(ws: Workshops, steps: bool = True) -> pd.DataFrame:
    """Appendix matrix of the measures (one row per measure)."""
    names = ws.field_names()
    rows = []
    for m in ws.measures:
        missing = [k for k in ("massnahme", "herausforderung", "handlungsfeld") if not m.get(k)]
        if missing:
            raise FormatError(
                f"Maßnahme {m.get('kapitel', '?')}: {', '.join(missing)} fehlt",
                path=ws.folder / "massnahmen.yml",
            )
        row = {"Nr.": str(m.get("kapitel", ""))}
        for key, label in MEASURE_COLUMNS.items():
            if key == "schritte" and not steps:
                continue
            v = m.get(key)
            if key == "handlungsfeld":
                v = names.get(v, v)
            if key == "schritte":
                v = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(v or []))
            row[label] = _join(v)
        rows.append(row)
    return pd.DataFrame(rows)


def write_xlsx(
    target: str | Path, sheets: dict[str, pd.DataFrame], title: str = "", source: str = ""
) -> Path:
    """Write matrices to one XLSX (atomically), one sheet each, wrapped text, widths set."""
    from openpyxl.styles import Alignment, Font

    target = Path(target)
    with atomic_path(target, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, df in sheets.items():
                df.to_excel(xw, sheet_name=name[:31], index=False, startrow=2)
                ws = xw.sheets[name[:31]]
                ws.cell(row=1, column=1, value=f"{title} – {name}" if title else name).font = Font(
                    bold=True
                )
                for col_cells in ws.iter_cols(min_row=3, max_row=ws.max_row):
                    letter = col_cells[0].column_letter
                    longest = max(len(str(c.value or "")) for c in col_cells)
                    ws.column_dimensions[letter].width = min(60, max(8, longest + 2))
                    for c in col_cells:
                        c.alignment = Alignment(wrap_text=True, vertical="top")
                if source:
                    ws.cell(row=ws.max_row + 2, column=1, value=f"Quelle: {source}")
                xlsx_text_cells(ws)  # entries like '=HYPERLINK(…)' or '- Punkt' stay text
    return target
