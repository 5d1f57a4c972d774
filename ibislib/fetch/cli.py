"""`ibis fetch`: what to download (explicit codes or the status' list) and the report of it."""

from __future__ import annotations

import typer

from .. import paths, store
from ..errors import IbisError
from ..indicators.catalog import table_registry
from .client import fetch_tables


def run_fetch(
    tables: list[str],
    missing: bool,
    gemeinde: str | None,
    kreis: str | None,
    land: str | None,
    alle: bool,
    ids: str | None,
) -> None:
    """Download, write atomically, then bring the store up to date. Errors: IbisError (exit 2)."""
    registry = table_registry()
    raw = paths.raw_dir()
    if missing == bool(tables):
        raise IbisError(
            "Bitte entweder Tabellencodes nennen oder --missing mit einer Gebietsauswahl",
            hint="z. B. 'ibis fetch 12411-01-01-4' oder 'ibis fetch --missing --kreis 05566'.",
        )
    startyears: dict[str, str] = {}
    if missing:
        from .status import compute, scope_for

        scope = scope_for(gemeinde, kreis, land, alle)
        id_list = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
        status = compute(scope, store.load(), online=True, ids=id_list)
        tables = status.to_fetch
        for t in tables:
            have = status.local_table.get(t)
            # only the periods after the newest one held; nothing held: the service's default
            startyears[t] = str(int(str(have)[:4]) + 1) if have else ""
        if not tables:
            typer.echo("Alles aktuell: keine Tabelle abzurufen.", err=True)
            return
    for t in tables:
        info = registry.get(t)
        if info is not None and not info.fetchable:
            raise IbisError(
                f"'{t}' ist ein Statistik-Code, keine Tabelle",
                hint="Bitte eine Tabelle dieser Statistik wählen und im Katalog (tables:) eintragen.",
            )
    wanted = [
        (t, registry[t].service if t in registry else None, startyears.get(t, "")) for t in tables
    ]
    results = fetch_tables(wanted, raw, progress=lambda m: typer.echo(m, err=True))
    for d, what in results:
        rel = (
            d.target(raw).relative_to(raw.parent.parent)
            if raw.parent.parent in d.target(raw).parents
            else d.target(raw)
        )
        typer.echo(f"{d.table}: {rel} ({what}, sha256 {d.sha256[:12]}…)")
    res = store.build()
    for rel, msg in res.errors.items():
        typer.echo(f"FEHLER {rel}: {msg}", err=True)
    if not res.ok:
        raise typer.Exit(1)
