"""The indicator catalogue: ``catalog.yml`` loaded into typed entries and validated.

The catalogue is data. Each entry says what to count (numerator and denominator as
selections on the tidy store), how to present it (German title, unit, decimals,
Lesehilfe template) and where it comes from (statistic, table codes, method notes).
A broken entry raises :class:`CatalogError` naming the entry id and the problem.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import ValidationError
from ..tidy import DIMENSIONS, MEASURES, UNITS

CATALOG_PATH = Path(__file__).with_name("catalog.yml")

KINDS = {"count", "ratio", "change", "relative"}
CONCEPTS = {"Ausländer", "Einwanderungsgeschichte", "Zuwanderungsgeschichte", "Gesamtbevölkerung"}
INTEGRATION_DIMENSIONS = {"strukturell", "sozial", "kulturell", "identifikatorisch", "demografisch"}
#: Units an indicator may have: the tidy units plus a dimensionless index.
INDICATOR_UNITS = {*UNITS, "Index"}
PERIOD_RULES = {"same", "previous_year_end"}
BREAKDOWN_DIMS = set(DIMENSIONS)
#: Keys a selection may carry besides the dimension columns.
SELECTION_KEYS = {"measure", "age", "unit", *DIMENSIONS}

#: Placeholders every Lesehilfe template may use (see ibislib.text.lesehilfe).
PLACEHOLDERS = {
    "title",
    "region_name",
    "in_region",  # "in Ibbenbüren", "im Ilm-Kreis", "im Kreis Steinfurt"
    "period",  # formatted: 30.09.2022 / 2021 / 2021/22
    "zeit",  # "Zum 30.09.2022" / "Im Jahr 2021" / "Im Schuljahr 2021/22"
    "zeit_klein",  # the same, lower case at the start
    "value",  # formatted with unit and decimals (9,9 % / 53.363)
    "value_number",  # formatted without unit
    "numerator",
    "denominator",
    "denominator_period",
    "unit",
    *DIMENSIONS,
}


class CatalogError(ValidationError):
    """A catalogue entry is incomplete or inconsistent."""


@dataclass(frozen=True)
class Selection:
    """Rows of the store: a measure plus dimension filters.

    A scalar filter selects one value, a list sums the listed values, ``age: [lo, hi]``
    sums the age groups inside the bounds (upper bound exclusive, ``null`` = open).
    Dimensions not mentioned are taken at ``insgesamt`` unless the indicator breaks down by them.
    """

    measure: str
    filters: dict[str, Any] = field(default_factory=dict)
    age: tuple[Any, Any] | None = None
    unit: str = "Anzahl"

    def describe(self) -> str:
        """German description for notes: 'Bevölkerung (ausländisch, 18 bis unter 65 Jahre)'."""
        parts = []
        for val in self.filters.values():
            if isinstance(val, list):
                parts.append(" + ".join(str(v) for v in val))
            else:
                parts.append(str(val))
        if self.age is not None:
            lo, hi = self.age
            parts.append(
                f"{lo} bis unter {hi} Jahre" if hi is not None else f"{lo} Jahre und älter"
            )
        label = MEASURES.get(self.measure, self.measure)
        return f"{label} ({', '.join(parts)})" if parts else label


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry (see catalog.yml for the meaning of each field)."""

    id: str
    title: str
    definition: str
    kind: str
    unit: str
    decimals: int
    source: str
    tables: tuple[str, ...]
    concept: str
    dimension: str
    lesehilfe: str
    notes: str
    numerator: Selection | None
    denominator: Selection | None = None
    scale: float = 1.0
    breakdown: tuple[str, ...] = ()
    breakdown_filter: dict[str, str] = field(default_factory=dict)
    period_rule: str = "same"
    max_gap_days: int = 731
    fallback: Selection | None = None
    base_indicator: str | None = None
    base: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    topic: str = ""
    subject: str = ""

    @property
    def is_share(self) -> bool:
        return self.unit == "Prozent"


_REQUIRED = [
    "id",
    "title",
    "definition",
    "kind",
    "unit",
    "decimals",
    "source",
    "tables",
    "concept",
    "dimension",
    "lesehilfe",
    "notes",
]


def _fail(entry_id: str, problem: str, path: Path | None) -> CatalogError:
    return CatalogError(
        f"Indikator '{entry_id}': {problem}",
        path=path,
        hint="Bitte den Eintrag im Indikatorenkatalog korrigieren.",
    )


def _selection(raw: Any, entry_id: str, role: str, path: Path | None, params: dict) -> Selection:
    if not isinstance(raw, dict):
        raise _fail(entry_id, f"'{role}' muss eine Auswahl (measure + Filter) sein", path)
    unknown = set(raw) - SELECTION_KEYS
    if unknown:
        raise _fail(
            entry_id,
            f"unbekannte Dimension {sorted(unknown)} in '{role}' (erlaubt: {sorted(SELECTION_KEYS)})",
            path,
        )
    measure = raw.get("measure")
    if not measure:
        raise _fail(entry_id, f"'{role}' ohne 'measure'", path)
    if measure not in MEASURES:
        raise _fail(entry_id, f"unbekanntes Merkmal (measure) '{measure}' in '{role}'", path)
    unit = raw.get("unit", "Anzahl")
    if unit not in UNITS:
        raise _fail(entry_id, f"unbekannte Einheit '{unit}' in '{role}'", path)
    age = raw.get("age")
    if age is not None:
        if not (isinstance(age, list) and len(age) == 2):
            raise _fail(entry_id, f"'age' in '{role}' muss [untere, obere] Grenze sein", path)
        lo, hi = (_param(v, params, entry_id, path) for v in age)
        if not isinstance(lo, (int, float)) or not (hi is None or isinstance(hi, (int, float))):
            raise _fail(entry_id, f"Altersgrenzen in '{role}' müssen Zahlen sein: {age}", path)
        if hi is not None and hi <= lo:
            raise _fail(entry_id, f"obere Altersgrenze nicht größer als untere in '{role}'", path)
        age = (lo, hi)
    filters = {
        k: [str(x) for x in v] if isinstance(v, list) else str(_param(v, params, entry_id, path))
        for k, v in raw.items()
        if k in DIMENSIONS
    }
    return Selection(measure=measure, filters=filters, age=age, unit=unit)


def _param(value: Any, params: dict, entry_id: str, path: Path | None) -> Any:
    """'{lower_age}' -> params['lower_age']; other values unchanged."""
    if not isinstance(value, str) or "{" not in value:
        return value
    names = [f for _, f, _, _ in string.Formatter().parse(value) if f]
    missing = [n for n in names if n not in params]
    if missing:
        raise _fail(entry_id, f"Parameter {missing} ist nicht unter 'params' erklärt", path)
    if value.startswith("{") and value.endswith("}") and value[1:-1] in params:
        return params[value[1:-1]]  # keep numbers numeric (age bounds)
    return value.format(**params)


def parse_entry(raw: dict, path: Path | None = None, params: dict | None = None) -> Indicator:
    """One YAML mapping -> :class:`Indicator`; raises :class:`CatalogError` naming the entry."""
    if not isinstance(raw, dict):
        raise CatalogError("Ein Katalogeintrag ist keine Zuordnung (id: …)", path=path)
    entry_id = str(raw.get("id") or "?")
    missing = [k for k in _REQUIRED if raw.get(k) in (None, "", [])]
    if missing:
        raise _fail(entry_id, f"Pflichtfeld(er) fehlen: {', '.join(missing)}", path)
    merged = {**(raw.get("params") or {}), **(params or {})}
    kind = raw["kind"]
    if kind not in KINDS:
        raise _fail(entry_id, f"unbekannte Art '{kind}' (erlaubt: {sorted(KINDS)})", path)
    unit = raw["unit"]
    if unit not in INDICATOR_UNITS:
        raise _fail(
            entry_id, f"unbekannte Einheit '{unit}' (erlaubt: {sorted(INDICATOR_UNITS)})", path
        )
    if not isinstance(raw["decimals"], int) or not 0 <= raw["decimals"] <= 4:
        raise _fail(entry_id, "'decimals' muss eine ganze Zahl von 0 bis 4 sein", path)
    if raw["concept"] not in CONCEPTS:
        raise _fail(entry_id, f"unbekanntes Migrationskonzept '{raw['concept']}'", path)
    if raw["dimension"] not in INTEGRATION_DIMENSIONS:
        raise _fail(entry_id, f"unbekannte Integrationsdimension '{raw['dimension']}'", path)
    rule = raw.get("period_rule", "same")
    if rule not in PERIOD_RULES:
        raise _fail(entry_id, f"unbekannte Stichtagsregel '{rule}'", path)
    breakdown_raw = raw.get("breakdown") or []
    breakdown: list[str] = []
    bfilter: dict[str, str] = {}
    for b in breakdown_raw:
        name, _, pattern = str(b).partition(":")
        if name not in BREAKDOWN_DIMS:
            raise _fail(entry_id, f"unbekannte Dimension '{name}' in 'breakdown'", path)
        breakdown.append(name)
        if pattern:
            bfilter[name] = pattern.strip()

    def sel(key: str) -> Selection | None:
        return _selection(raw[key], entry_id, key, path, merged) if raw.get(key) else None

    numerator = sel("numerator")
    denominator = sel("denominator")
    fallback = sel("fallback")
    if kind in {"count", "ratio", "change"} and numerator is None:
        raise _fail(entry_id, "Pflichtfeld fehlt: numerator", path)
    if kind == "ratio" and denominator is None:
        raise _fail(entry_id, "Pflichtfeld fehlt: denominator (Art 'ratio')", path)
    if kind == "relative" and not raw.get("base_indicator"):
        raise _fail(entry_id, "Pflichtfeld fehlt: base_indicator (Art 'relative')", path)
    for s, role in ((numerator, "numerator"), (denominator, "denominator")):
        if s is not None:
            clash = set(s.filters) & set(breakdown) - set(bfilter)
            if role == "numerator" and clash:
                raise _fail(
                    entry_id,
                    f"Dimension {sorted(clash)} ist zugleich fester Filter und Gliederung",
                    path,
                )
    _check_template(raw["lesehilfe"], entry_id, path)
    tables = raw["tables"]
    if isinstance(tables, str):
        tables = [tables]
    return Indicator(
        id=entry_id,
        title=str(raw["title"]).strip(),
        definition=" ".join(str(_param(raw["definition"], merged, entry_id, path)).split()),
        kind=kind,
        unit=unit,
        decimals=int(raw["decimals"]),
        source=str(raw["source"]).strip(),
        tables=tuple(str(t) for t in tables),
        concept=raw["concept"],
        dimension=raw["dimension"],
        lesehilfe=" ".join(str(raw["lesehilfe"]).split()),
        notes=" ".join(str(raw["notes"]).split()),
        numerator=numerator,
        denominator=denominator,
        scale=float(raw.get("scale", 100.0 if unit == "Prozent" and kind == "ratio" else 1.0)),
        breakdown=tuple(breakdown),
        breakdown_filter=bfilter,
        period_rule=rule,
        max_gap_days=int(raw.get("max_gap_days", 731)),
        fallback=fallback,
        base_indicator=raw.get("base_indicator"),
        base={str(k): str(v) for k, v in (raw.get("base") or {}).items()},
        params=merged,
        topic=str(raw.get("topic", "")),
        subject=str(raw.get("subject") or f"Der Wert „{raw['title']}“"),
    )


def _check_template(template: str, entry_id: str, path: Path | None) -> None:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise _fail(entry_id, f"Lesehilfe-Vorlage fehlerhaft ({exc})", path) from None
    bad = sorted(n for n in names if n.split(".")[0].split("[")[0] not in PLACEHOLDERS)
    if bad:
        raise _fail(
            entry_id,
            f"Platzhalter {bad} in der Lesehilfe gibt es nicht (verfügbar: {sorted(PLACEHOLDERS)})",
            path,
        )


def load_catalog(
    path: str | Path | None = None, params: dict | None = None
) -> dict[str, Indicator]:
    """Read and validate a catalogue file; returns id -> :class:`Indicator` in file order.

    ``params`` overrides entry parameters (e.g. ``{"lower_age": 15}``) for every entry
    that declares them.
    """
    p = Path(path) if path else CATALOG_PATH
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise CatalogError(
            f"Der Indikatorenkatalog ist kein gültiges YAML ({exc.__class__.__name__})",
            path=p,
            line=line + 1 if line is not None else None,
        ) from None
    entries = doc.get("indicators") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise CatalogError("Der Katalog braucht eine Liste 'indicators:'", path=p)
    registry = parse_tables(doc.get("tables"), p) if "tables" in doc else None
    out: dict[str, Indicator] = {}
    for raw in entries:
        ind = parse_entry(raw, p, params)
        if ind.id in out:
            raise _fail(ind.id, "die id kommt doppelt vor", p)
        if registry is not None:
            unknown = [t for t in ind.tables if t != DELIVERY_TABLE and t not in registry]
            if unknown:
                raise _fail(
                    ind.id,
                    f"Tabelle(n) {unknown} fehlen im Tabellenverzeichnis 'tables:' des Katalogs",
                    p,
                )
        out[ind.id] = ind
    for ind in out.values():
        if ind.kind == "relative" and ind.base_indicator not in out:
            raise _fail(ind.id, f"base_indicator '{ind.base_indicator}' gibt es nicht", p)
    return out


#: The city's own delivery in an indicator's `tables` list (not an official table).
DELIVERY_TABLE = "Lieferung"
TABLE_SERVICES = {"genesis", "regio", "zensus"}
TABLE_LEVELS = ("bund", "land", "kreis", "gemeinde")
TABLE_KINDS = {"tabelle", "statistik"}


@dataclass(frozen=True)
class TableInfo:
    """One entry of the catalogue's table registry (`tables:`)."""

    code: str
    service: str
    title: str
    kind: str = "tabelle"
    levels: tuple[str, ...] = ()

    @property
    def fetchable(self) -> bool:
        return self.kind == "tabelle"


def parse_tables(raw: Any, path: Path | None = None) -> dict[str, TableInfo]:
    """Validate the `tables:` registry; CatalogError names the table and the problem."""
    if not isinstance(raw, dict) or not raw:
        raise CatalogError("'tables:' muss eine Zuordnung Tabellencode → Angaben sein", path=path)
    out: dict[str, TableInfo] = {}
    for code, entry in raw.items():
        code = str(code)
        where = f"Tabelle '{code}' im Tabellenverzeichnis"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: Angaben fehlen", path=path)
        service = entry.get("service")
        if service not in TABLE_SERVICES:
            raise CatalogError(
                f"{where}: unbekannter Dienst '{service}' (erlaubt: {sorted(TABLE_SERVICES)})",
                path=path,
            )
        kind = entry.get("kind", "tabelle")
        if kind not in TABLE_KINDS:
            raise CatalogError(f"{where}: unbekannte Art '{kind}'", path=path)
        levels = entry.get("levels") or []
        bad = [lv for lv in levels if lv not in TABLE_LEVELS]
        if bad:
            raise CatalogError(
                f"{where}: unbekannte Ebene(n) {bad} (erlaubt: {list(TABLE_LEVELS)})", path=path
            )
        if kind == "tabelle" and not levels:
            raise CatalogError(f"{where}: 'levels' fehlt", path=path)
        if not entry.get("title"):
            raise CatalogError(f"{where}: 'title' fehlt", path=path)
        if kind == "tabelle":
            from ..fetch.client import CODE_PATTERNS

            if not CODE_PATTERNS[service].match(code):
                raise CatalogError(
                    f"{where}: Der Code passt nicht zum Dienst '{service}'", path=path
                )
        out[code] = TableInfo(code, service, str(entry["title"]), kind, tuple(levels))
    return out


def table_registry(path: str | Path | None = None) -> dict[str, TableInfo]:
    """The catalogue's table registry: code -> :class:`TableInfo` (cached per file state: a
    report asked for it once per missing topic, each time parsing the whole catalogue)."""
    p = Path(path) if path else CATALOG_PATH
    return dict(_tables_cached(str(p), file_state(p)))


@lru_cache(maxsize=4)
def _tables_cached(path: str, state: tuple | None) -> dict[str, TableInfo]:
    p = Path(path)
    doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    return parse_tables(doc.get("tables") if isinstance(doc, dict) else None, p)


def file_state(path: Path) -> tuple | None:
    """(mtime, size) of a shipped file: the key its parsed form is cached under, so an edited
    catalogue is read again in a running kernel (a stat call, cheap on every access)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _cached(path: str, state: tuple | None, params_key: tuple) -> dict[str, Indicator]:
    return load_catalog(path, dict(params_key) or None)


def catalog(params: dict | None = None) -> dict[str, Indicator]:
    """The shipped catalogue (cached per file state): id -> entry with .title, .unit,
    .decimals, .definition, .source, .lesehilfe, .dimension, .concept, .notes (and the
    selections). The same dict object while the file is unchanged (the engine's results
    cache is tied to it)."""
    flat = {k: v for k, v in (params or {}).items() if not isinstance(v, dict)}
    return _cached(str(CATALOG_PATH), file_state(CATALOG_PATH), tuple(sorted(flat.items())))
