"""Maßnahmen-Controlling: the implementation status of the measures of chapter 4.

The city fills in one YAML file per year (template ``data/templates/massnahmen_stand_vorlage.yml``,
documented in ``docs/massnahmen_controlling.md``), e.g. ``data/raw/<stadt>/massnahmen_stand_2024.yml``::

    municipality: "05566028"
    stand: 30.06.2024
    massnahmen:
      - nr: "4.1.1"                 # number of the measure in massnahmen.yml (Kapitel 4)
        verantwortlich: Schulamt
        zeitraum: 2023-2025
        status: begonnen            # geplant | begonnen | umgesetzt | verworfen
        indikatoren:
          - id: schueler_ausl_anteil
            basis: {wert: 34.4, stichtag: 2021/22}
            ziel: {wert: 30.0}        # or {richtung: sinken} / {richtung: steigen}

Every problem (unknown measure, unknown indicator, target without baseline, status outside the
list, missing fields) raises :class:`~ibislib.errors.FormatError` with file and line.

Traffic light (Ampel) of a linked indicator, documented in the report and in the docs:

* grau – keine Bewertung: no value newer than the baseline's Stichtag, or the unit differs;
* grün – Ziel erreicht: the current value reached the target value (in the target's direction),
  or, for a direction target, moved in that direction by at least one shown decimal;
* gelb – in Zielrichtung: moved towards the target value but has not reached it, or (direction
  target) unchanged within the shown decimals;
* rot – entgegen der Zielrichtung: no movement towards the target value, or (direction target)
  moved the other way.

The light shows how the indicator moved against the target, never the effect of the measure
alone; a measure's own status is reported as the city states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import fmt, paths
from .errors import DataMissingError, FormatError, yaml_error

STATUSES = ("geplant", "begonnen", "umgesetzt", "verworfen")
DIRECTIONS = ("steigen", "sinken")
FILE_RE = re.compile(r"^massnahmen_stand_(\d{4})\.ya?ml$")

LIGHTS = {
    "grün": "Ziel erreicht",
    "gelb": "in Zielrichtung",
    "rot": "entgegen der Zielrichtung",
    "grau": "keine Bewertung",
}


# ------------------------------------------------------------------------- YAML with lines


def _plain(node: yaml.Node):
    """A composed YAML node -> Python objects; mappings get their line under '__line__'."""
    if isinstance(node, yaml.MappingNode):
        out = {"__line__": node.start_mark.line + 1}
        for k, v in node.value:
            out[str(_plain(k))] = _plain(v)
            out.setdefault("__lines__", {})[str(_plain(k))] = k.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    return yaml.safe_load(yaml.serialize(node)) if node.value != "" else None


def _load(path: Path) -> dict:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path) from None
    doc = _plain(node) if node is not None else None
    if not isinstance(doc, dict):
        raise FormatError("Unerwarteter Aufbau (erwartet: Schlüssel/Wert-Paare)", path=path)
    return doc


def _line(obj: dict, key: str | None = None) -> int | None:
    if key and key in obj.get("__lines__", {}):
        return obj["__lines__"][key]
    return obj.get("__line__")


# --------------------------------------------------------------------------------- model


@dataclass
class Link:
    indicator: str
    baseline_value: float
    baseline_period: str
    target_value: float | None = None
    direction: str | None = None  # steigen | sinken (from the target value when given)


@dataclass
class MeasureStatus:
    nr: str
    status: str
    responsible: str = ""
    timeframe: str = ""
    remark: str = ""
    links: list[Link] = field(default_factory=list)


@dataclass
class StatusFile:
    path: Path
    municipality: str
    stand: str
    year: int
    synthetic: bool
    measures: dict[str, MeasureStatus]


def _number(v, path: Path, line: int | None, what: str) -> float:
    if isinstance(v, bool) or v is None:
        raise FormatError(f"{what}: Zahl erwartet", path=path, line=line)
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v).replace(".", "").replace(",", ".")) if "," in str(v) else float(v)
    except ValueError:
        raise FormatError(
            f"{what}: '{v}' ist keine Zahl", path=path, line=line, hint="z. B. 34,4 oder 34.4"
        ) from None


def parse(path: Path, measure_numbers: set[str], catalog: dict) -> StatusFile:
    """Read and check one status file against the measures of chapter 4 and the catalogue."""
    path = Path(path)
    m = FILE_RE.match(path.name)
    doc = _load(path)
    items = doc.get("massnahmen")
    if not isinstance(items, list):
        raise FormatError("Abschnitt 'massnahmen:' fehlt oder ist keine Liste", path=path)
    year = int(m[1]) if m else None
    if year is None:
        raise FormatError(
            "Dateiname muss massnahmen_stand_JJJJ.yml lauten", path=path, hint="z. B. 2024"
        )
    out: dict[str, MeasureStatus] = {}
    for item in items:
        if not isinstance(item, dict):
            raise FormatError("Eintrag ist keine Zuordnung (nr:, status: …)", path=path)
        line = _line(item)
        nr = str(item.get("nr") or "").strip()
        if not nr:
            raise FormatError("'nr' fehlt", path=path, line=line)
        if nr not in measure_numbers:
            raise FormatError(
                f"Unbekannte Maßnahme '{nr}'",
                path=path,
                line=_line(item, "nr"),
                hint="Vorhanden: " + ", ".join(sorted(measure_numbers)),
            )
        if nr in out:
            raise FormatError(f"Maßnahme '{nr}' kommt doppelt vor", path=path, line=line)
        status = str(item.get("status") or "").strip()
        if status not in STATUSES:
            raise FormatError(
                f"Maßnahme {nr}: Status '{status}' ist nicht erlaubt",
                path=path,
                line=_line(item, "status"),
                hint="Erlaubt: " + ", ".join(STATUSES),
            )
        links = []
        for ind in item.get("indikatoren") or []:
            if not isinstance(ind, dict):
                raise FormatError(
                    f"Maßnahme {nr}: Indikator-Eintrag ungültig", path=path, line=line
                )
            iline = _line(ind)
            iid = str(ind.get("id") or "").strip()
            if iid not in catalog:
                raise FormatError(
                    f"Maßnahme {nr}: Indikator '{iid}' gibt es im Katalog nicht",
                    path=path,
                    line=_line(ind, "id"),
                    hint="Die IDs stehen in ibislib/indicators/catalog.yml.",
                )
            base, target = ind.get("basis"), ind.get("ziel")
            if target and not base:
                raise FormatError(
                    f"Maßnahme {nr}, Indikator {iid}: Ziel ohne Basiswert",
                    path=path,
                    line=_line(ind, "ziel"),
                    hint="Bitte 'basis: {wert: …, stichtag: …}' angeben.",
                )
            if not base:
                raise FormatError(
                    f"Maßnahme {nr}, Indikator {iid}: 'basis' fehlt", path=path, line=iline
                )
            if not isinstance(base, dict) or "wert" not in base or not base.get("stichtag"):
                raise FormatError(
                    f"Maßnahme {nr}, Indikator {iid}: 'basis' braucht wert und stichtag",
                    path=path,
                    line=_line(ind, "basis"),
                )
            link = Link(
                iid,
                _number(base["wert"], path, _line(base, "wert"), f"Maßnahme {nr}, Basiswert"),
                _iso_period(str(base["stichtag"]), path, _line(base, "stichtag")),
            )
            if target is not None:
                if not isinstance(target, dict) or not ({"wert", "richtung"} & set(target)):
                    raise FormatError(
                        f"Maßnahme {nr}, Indikator {iid}: 'ziel' braucht wert oder richtung",
                        path=path,
                        line=_line(ind, "ziel"),
                    )
                if "wert" in target:
                    link.target_value = _number(
                        target["wert"], path, _line(target, "wert"), f"Maßnahme {nr}, Zielwert"
                    )
                    if link.target_value == link.baseline_value:
                        raise FormatError(
                            f"Maßnahme {nr}, Indikator {iid}: Zielwert gleich Basiswert",
                            path=path,
                            line=_line(target, "wert"),
                        )
                    link.direction = (
                        "steigen" if link.target_value > link.baseline_value else "sinken"
                    )
                else:
                    d = str(target["richtung"]).strip()
                    if d not in DIRECTIONS:
                        raise FormatError(
                            f"Maßnahme {nr}, Indikator {iid}: Richtung '{d}' ist nicht erlaubt",
                            path=path,
                            line=_line(target, "richtung"),
                            hint="Erlaubt: steigen, sinken",
                        )
                    link.direction = d
            links.append(link)
        out[nr] = MeasureStatus(
            nr,
            status,
            str(item.get("verantwortlich") or ""),
            str(item.get("zeitraum") or ""),
            str(item.get("bemerkung") or ""),
            links,
        )
    return StatusFile(
        path,
        str(doc.get("municipality", "")),
        str(doc.get("stand", "")),
        year,
        bool(doc.get("synthetic")),
        out,
    )


def _iso_period(text: str, path: Path, line: int | None) -> str:
    text = text.strip()
    if m := re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", text):
        return f"{m[3]}-{m[2]}-{m[1]}"
    if re.fullmatch(r"\d{4}(-\d{2}-\d{2})?|\d{4}/\d{2}", text):
        return text
    raise FormatError(
        f"Stichtag '{text}' nicht lesbar",
        path=path,
        line=line,
        hint="z. B. 31.12.2022, 2022 oder 2021/22",
    )


def find(ags: str, year: int | None = None) -> Path | None:
    """The newest status file of `ags` up to `year`; data/raw/ wins over data/synthetic/.

    Synthetic examples are only used for an edition (`year` given), never in a default report.
    """
    best: tuple[int, int, Path] | None = None
    bases = [(paths.raw_dir(), 1)]
    if year is not None:
        bases.append((paths.project_root() / "data" / "synthetic", 0))
    for base, rank in bases:
        if not base.is_dir():
            continue
        for p in base.rglob("massnahmen_stand_*.y*ml"):
            m = FILE_RE.match(p.name)
            if not m or (year is not None and int(m[1]) > year):
                continue
            try:
                head = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                head = {"municipality": ags}  # parse() reports the error with its line
            if str(head.get("municipality", "")) != ags:
                continue
            key = (int(m[1]), rank, p)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def load(ags: str, year: int | None = None) -> StatusFile | None:
    """The checked status file of `ags` (None when the city has none)."""
    from . import workshops
    from .indicators import catalog

    path = find(ags, year)
    if path is None:
        return None
    ws = workshops.load(ags)
    numbers = {str(m.get("kapitel")) for m in ws.measures}
    return parse(path, numbers, catalog())


# ---------------------------------------------------------------------------- traffic light


def light(link: Link, current: dict | None, decimals: int) -> tuple[str, str]:
    """(colour, German reason) for one linked indicator; see the module docstring."""
    from .indicators.engine import period_date

    if link.direction is None:
        return "grau", "kein Ziel angegeben"
    if current is None or current.get("value") is None or pd.isna(current["value"]):
        return "grau", "kein aktueller Wert"
    if period_date(str(current["period"])) <= period_date(link.baseline_period):
        return "grau", "kein Wert nach dem Basis-Stichtag"
    c, b = float(current["value"]), link.baseline_value
    step = 10 ** (-decimals)
    sign = 1 if link.direction == "steigen" else -1
    moved = (c - b) * sign
    if link.target_value is not None:
        if (c - link.target_value) * sign >= 0:
            return "grün", LIGHTS["grün"]
        if moved > 0:
            return "gelb", LIGHTS["gelb"]
        return "rot", LIGHTS["rot"]
    if abs(c - b) < step:
        return "gelb", "unverändert"
    return ("grün", "in Zielrichtung bewegt") if moved > 0 else ("rot", LIGHTS["rot"])


def status_summary(sf: StatusFile, total: int) -> str:
    counts = {s: sum(1 for m in sf.measures.values() if m.status == s) for s in STATUSES}
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    missing = total - len(sf.measures)
    text = f"Stand {fmt.date(sf.stand) if sf.stand else sf.year}: von {total} Maßnahmen sind " + (
        ", ".join(parts) or "keine bewertet"
    )
    if missing:
        text += f"; zu {missing} liegt keine Angabe vor"
    return text + "."


def with_status(matrix: pd.DataFrame, ags: str, year: int | None = None) -> pd.DataFrame:
    """The appendix measures matrix with a column 'Umsetzungsstand' (when a status file exists)."""
    sf = load(ags, year)
    if sf is None or "Nr." not in matrix:
        return matrix
    label = {nr: m.status for nr, m in sf.measures.items()}
    out = matrix.copy()
    out["Umsetzungsstand"] = [
        label.get(str(nr), "keine Angabe") + (" (synthetisch)" if sf.synthetic else "")
        for nr in out["Nr."]
    ]
    return out


# -------------------------------------------------------------------------------- chapter


def chapter(municipality: str, edition: int | None = None) -> None:
    """Publish "Umsetzungsstand der Maßnahmen": per Handlungsfeld status and indicator lights."""
    from . import publish, workshops
    from .indicators import catalog
    from .report.blocks import unit_of

    unit = unit_of(municipality)
    sf = load(unit.ags, edition)
    if sf is None:
        publish.note(
            f"Für {unit.name} liegt kein Umsetzungsstand der Maßnahmen vor "
            "(Vorlage: data/templates/massnahmen_stand_vorlage.yml)."
        )
        return
    ws = workshops.load(unit.ags)
    cat = catalog()
    names = ws.field_names()
    current = _current_values(unit.ags, edition, sf)
    if sf.synthetic:
        publish.note(
            f"Achtung: Der Umsetzungsstand in {sf.path.name} ist ein synthetisches Beispiel "
            "(keine Angaben der Stadt)."
        )
    publish.text(status_summary(sf, len(ws.measures)))
    publish.text(
        "**Ampelregel.** Für jede Maßnahme mit verknüpftem Indikator wird der aktuelle Wert mit "
        "Basis und Ziel verglichen: *grün* – Ziel erreicht (bei einer Zielrichtung: in diese "
        "Richtung bewegt); *gelb* – in Zielrichtung, Ziel noch nicht erreicht (bei einer "
        "Zielrichtung: unverändert); *rot* – keine Bewegung zum Ziel oder entgegen der "
        "Zielrichtung; *grau* – keine Bewertung, weil kein Wert nach dem Basis-Stichtag "
        "vorliegt. Die Ampel beschreibt die Entwicklung des Indikators, nicht die Wirkung der "
        "Maßnahme allein."
    )
    source = (sf.path.name + (" (synthetisch)" if sf.synthetic else "")) + "; " + ws.source_measures
    for fid, group in _by_field(ws.measures):
        rows, lights = [], []
        for m in group:
            nr = str(m.get("kapitel"))
            st = sf.measures.get(nr)
            rows.append(
                {
                    "Nr.": nr,
                    "Maßnahme": _short(str(m.get("massnahme", ""))),
                    "Verantwortlich": st.responsible if st else "",
                    "Zeitraum": st.timeframe if st else "",
                    "Status": st.status if st else "keine Angabe",
                }
            )
            for link in st.links if st else []:
                ind = cat[link.indicator]
                cur = current.get(link.indicator)
                colour, why = light(link, cur, ind.decimals)
                lights.append(
                    {
                        "Nr.": nr,
                        "Indikator": ind.title,
                        "Basis": f"{_val(link.baseline_value, ind)} ({fmt.period(link.baseline_period)})",
                        "Ziel": _val(link.target_value, ind)
                        if link.target_value is not None
                        else (link.direction or "–"),
                        "aktuell": f"{_val(cur['value'], ind)} ({fmt.period(cur['period'])})"
                        if cur
                        else "–",
                        "Ampel": f"{colour} – {why}",
                    }
                )
        publish.text(f"## {names.get(fid, fid)}")
        publish.table(
            pd.DataFrame(rows),
            name=f"massnahmen_stand_{fid}",
            caption=f"Umsetzungsstand der Maßnahmen im Handlungsfeld „{names.get(fid, fid)}“",
            source=source,
        )
        if lights:
            publish.table(
                pd.DataFrame(lights),
                name=f"massnahmen_ampel_{fid}",
                caption=f"Indikatoren zu den Maßnahmen im Handlungsfeld „{names.get(fid, fid)}“",
                source=source + "; Indikatoren: ibis, eigene Berechnungen",
            )


def _by_field(measures: list[dict]):
    order: dict[str, list[dict]] = {}
    for m in measures:
        order.setdefault(str(m.get("handlungsfeld")), []).append(m)
    return order.items()


def _short(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + " …"


def _val(v, ind) -> str:
    if v is None:
        return "–"
    return fmt.percent(v, ind.decimals) if ind.unit == "Prozent" else fmt.number(v, ind.decimals)


def _current_values(ags: str, edition: int | None, sf: StatusFile) -> dict[str, dict]:
    """Current value per linked indicator: the edition's values, else the newest in the store."""
    wanted = {lk.indicator for m in sf.measures.values() for lk in m.links}
    if not wanted:
        return {}
    if edition is not None:
        from . import editions

        try:
            snap = editions.stored(ags, edition) or editions.snapshot(ags, edition)
            return {k: v for k, v in snap["indicators"].items() if k in wanted}
        except DataMissingError:  # no delivery for this edition: the store's newest values
            pass
    from .indicators import latest

    out = {}
    for iid in sorted(wanted):
        row = latest(iid, ags)
        if row is not None and pd.notna(row["value"]):
            out[iid] = {"value": float(row["value"]), "period": str(row["period"])}
    return out
