"""`ibis data status`: per indicator and level, the newest period held locally, the newest the
service offers, and which tables to fetch to bring a report up to date."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .. import fmt
from ..errors import IbisError
from ..indicators.catalog import DELIVERY_TABLE, TableInfo, catalog, table_registry
from .client import SERVICES, Client

LEVEL_LABELS = {"gemeinde": "Gemeinde", "kreis": "Kreis", "land": "Land", "bund": "Deutschland"}
_LEVEL_LENGTH = {"gemeinde": 8, "kreis": 5, "land": 2}


@dataclass(frozen=True)
class Scope:
    """Which regions a status covers: one region per level, or every region of a level."""

    label: str
    regions: dict[str, str | None]  # level -> region code (None = every region of the level)
    cli: str  # the option that selects it, for the fetch hint


def scope_for(
    gemeinde: str | None = None,
    kreis: str | None = None,
    land: str | None = None,
    alle: bool = False,
) -> Scope:
    given = [x for x in (gemeinde, kreis, land) if x] + ([True] if alle else [])
    if len(given) != 1:
        raise IbisError(
            "Bitte genau eine Auswahl angeben: --gemeinde AGS, --kreis AGS, --land AGS oder --alle"
        )
    if alle:
        return Scope(
            "alle Gebiete", dict.fromkeys(("gemeinde", "kreis", "land")) | {"bund": "DG"}, "--alle"
        )
    code = str(gemeinde or kreis or land).strip()
    want = {8: "gemeinde", 5: "kreis", 2: "land"}
    level = "gemeinde" if gemeinde else "kreis" if kreis else "land"
    if not code.isdigit() or want.get(len(code)) != level:
        raise IbisError(
            f"'{code}' ist kein {LEVEL_LABELS[level]}-Schlüssel",
            hint=f"Ein {LEVEL_LABELS[level]}-AGS hat {_LEVEL_LENGTH[level]} Ziffern (z. B. "
            + {"gemeinde": "05566028", "kreis": "05566", "land": "05"}[level]
            + ").",
        )
    regions: dict[str, str | None] = {}
    for lv in ("gemeinde", "kreis", "land"):
        n = _LEVEL_LENGTH[lv]
        if n <= len(code):
            regions[lv] = code[:n]
    regions["bund"] = "DG"
    name = _name(code)
    return Scope(f"{LEVEL_LABELS[level]} {name}{code}", regions, f"--{level} {code}")


def _name(code: str) -> str:
    try:
        from ..regions import registry

        return registry().name_of(code) + " "
    except (IbisError, OSError, KeyError):
        return ""


def _period_key(p: str) -> str:
    """Sortable form: a year counts as its 31.12., a school year '2021/22' as its start year."""
    p = str(p)
    if len(p) == 4 and p.isdigit():
        return f"{p}-12-31"
    if len(p) == 7 and p[4] == "/":
        return f"{p[:4]}-12-31"
    return p


def _newest(periods) -> str | None:
    vals = [str(p) for p in periods if p is not None and str(p)]
    return max(vals, key=_period_key) if vals else None


def local_periods(store: pd.DataFrame) -> pd.DataFrame:
    """Newest period per (table, region) in the store."""
    if store.empty:
        return pd.DataFrame(columns=["table", "region", "period"])
    df = store[["table", "region", "period"]].astype(str).drop_duplicates()
    df["key"] = df["period"].map(_period_key)
    idx = df.groupby(["table", "region"])["key"].idxmax()
    return df.loc[idx, ["table", "region", "period"]].reset_index(drop=True)


@dataclass
class StatusRow:
    indicator: str
    title: str
    level: str
    local: str | None
    offered: str | None
    fetch: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Status:
    scope: Scope
    online: bool
    rows: list[StatusRow]
    offered: dict[str, str | None]  # table -> newest period offered (online only)
    local_table: dict[str, str | None]  # table -> newest period held anywhere
    errors: dict[str, str]  # table -> message when the service could not tell
    registry: dict[str, TableInfo]

    @property
    def to_fetch(self) -> list[str]:
        seen: list[str] = []
        for r in self.rows:
            for t in r.fetch:
                if t not in seen:
                    seen.append(t)
        return seen


def compute(
    scope: Scope,
    store: pd.DataFrame,
    online: bool = True,
    ids: list[str] | None = None,
    clients: dict[str, Client] | None = None,
) -> Status:
    """Status of every catalogue indicator (or `ids`) for `scope`."""
    cat = catalog()
    if ids:
        unknown = [i for i in ids if i not in cat]
        if unknown:
            raise IbisError(
                f"Unbekannte Indikator-ID(s): {', '.join(unknown)}",
                hint="Die IDs stehen in ibislib/indicators/catalog.yml.",
            )
        cat = {i: cat[i] for i in ids}
    registry = table_registry()
    local = local_periods(store)
    by_table = {t: g for t, g in local.groupby("table")} if not local.empty else {}
    local_table = {t: _newest(g["period"]) for t, g in by_table.items()}
    clients = clients if clients is not None else {}
    offered: dict[str, str | None] = {}
    errors: dict[str, str] = {}

    def offer(code: str) -> str | None:
        if code not in offered:
            info = registry[code]
            client = clients.setdefault(info.service, Client(SERVICES[info.service]))
            # a missing credential, a time-out or an unknown table stops here (FetchError)
            offered[code] = client.newest_period(code)
        return offered[code]

    rows: list[StatusRow] = []
    for ind in cat.values():
        # a table counts when its regional depth is wanted: no Gemeinde table for a Kreis
        official = [
            t
            for t in ind.tables
            if t != DELIVERY_TABLE
            and t in registry
            and (not registry[t].fetchable or _depth(registry[t]) in scope.regions)
        ]
        statistic_only = [t for t in official if not registry[t].fetchable]
        for level, region in scope.regions.items():
            tables = [t for t in official if level in registry[t].levels]
            if not tables:
                continue
            held = []
            for t in tables:
                g = by_table.get(t)
                if g is None:
                    continue
                if region is None:
                    g = g[g["region"].str.len() == _LEVEL_LENGTH[level]]
                else:
                    g = g[g["region"] == region]
                held.extend(g["period"])
            newest_local = _newest(held)
            row = StatusRow(ind.id, ind.title, level, newest_local, None)
            if online:
                offers = {t: offer(t) for t in tables}
                row.offered = _newest(offers.values())
                for t, p in offers.items():
                    # decided per table, not per region: a table held at its newest period is
                    # current even where a region is missing from it (fetching again won't help)
                    mine = local_table.get(t)
                    if p is not None and (mine is None or _period_key(p) > _period_key(mine)):
                        row.fetch.append(t)
                behind = row.offered and (
                    newest_local is None or _period_key(newest_local) < _period_key(row.offered)
                )
                if behind and not row.fetch:
                    row.note = "Tabelle(n) aktuell, diese Ebene fehlt darin"
                if any(offers[t] is None for t in tables):
                    row.note = "Dienst ohne Auskunft für " + ", ".join(
                        t for t in tables if offers[t] is None
                    )
            elif newest_local is None:
                row.fetch = list(tables)
            rows.append(row)
        if statistic_only and scope.regions:
            rows.append(
                StatusRow(
                    ind.id,
                    ind.title,
                    "–",
                    None,
                    None,
                    note="nur Statistik-Code "
                    + ", ".join(statistic_only)
                    + " im Katalog: bitte eine Tabelle wählen",
                )
            )
    return Status(scope, online, rows, offered, local_table, errors, registry)


def _depth(info: TableInfo) -> str:
    """The finest level a table's rows reach."""
    return max(info.levels, key=list(LEVEL_LABELS)[::-1].index)


def _p(p: str | None) -> str:
    return fmt.period(p) if p else "–"


def render(status: Status) -> str:
    """German plain-text table."""
    head = f"Datenstand für {status.scope.label} – " + (
        "Dienste abgefragt" if status.online else "ohne Abfrage der Dienste (--offline)"
    )
    cols = ["Indikator", "Ebene", "lokal", "Dienst", "abrufen"]
    data = [
        [
            r.indicator,
            LEVEL_LABELS.get(r.level, r.level),
            _p(r.local),
            _p(r.offered) if status.online else "?",
            ", ".join(r.fetch) or ("–" if not r.note else r.note),
        ]
        for r in status.rows
    ]
    widths = [
        max(len(c), *(len(row[i]) for row in data)) if data else len(c) for i, c in enumerate(cols)
    ]
    lines = [head, ""]
    lines.append("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for row in data:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    todo = status.to_fetch
    if todo:
        lines.append("Abzurufen:")
        for t in todo:
            info = status.registry[t]
            have = status.local_table.get(t)
            lines.append(
                f"  {t} ({SERVICES[info.service].name}): {info.title}; "
                f"lokal {_p(have)}"
                + (f", Dienst {_p(status.offered.get(t))}" if status.online else "")
            )
        lines.append(f"→ ibis fetch --missing {status.scope.cli}")
    elif status.online:
        lines.append("Alles aktuell: keine Tabelle abzurufen.")
    else:
        lines.append(
            "Ohne Abfrage der Dienste ist offen, ob es neuere Zeiträume gibt "
            f"('ibis data status {status.scope.cli}' fragt sie ab)."
        )
    for t, msg in status.errors.items():
        lines.append(f"Hinweis {t}: {msg}")
    return "\n".join(lines)
