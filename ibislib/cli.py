"""The `ibis` command line. Errors print one German message to stderr and exit non-zero."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from . import cli_de
from .errors import IbisError
from .lean_imports import skip_slow_iri_checker

cli_de.install()  # the parser's own texts (usage errors, help headings) in German

app = typer.Typer(
    help="ibis – Werkbank für kommunales Integrationsmonitoring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
store_app = typer.Typer(
    help="Datenspeicher (data/processed) aufbauen und ansehen.", no_args_is_help=True
)
regions_app = typer.Typer(
    help="Gebietseinheiten (AGS, Namen, Kreise, Länder).", no_args_is_help=True
)
app.add_typer(store_app, name="store")
app.add_typer(regions_app, name="regions")


@app.command("read")
def read_cmd(
    path: Annotated[
        Path, typer.Argument(help="Datei (GENESIS-CSV/-JSON, BA-Export, Lieferung, Umfrage …)")
    ],
    format: Annotated[str, typer.Option("--format", help="Ausgabe: csv oder parquet")] = "csv",
    input_format: Annotated[
        str | None, typer.Option("--input-format", help="Eingabeformat erzwingen (sonst erkannt)")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Datei statt Standardausgabe")] = None,
) -> None:
    """Eine Datei laden und als tidy Tabelle ausgeben (CSV auf stdout)."""
    from .sources import read

    if out:  # before reading: never into data/raw, never over the input itself
        from .outdirs import check_file_target

        out = check_file_target(out, [path])
    df = read(path, input_format)
    for msg in df.attrs.get("warnings", []):  # plausibility and vocabulary notes, not errors
        typer.echo(f"Hinweis: {msg}", err=True)
    if format == "csv":
        if out:
            from .atomic import atomic_path

            with atomic_path(out) as tmp:
                df.to_csv(tmp, index=False)
        else:
            df.to_csv(sys.stdout, index=False)
    elif format == "parquet":
        if not out:
            raise IbisError("Für --format parquet bitte --out DATEI angeben")
        from .atomic import atomic_path

        with atomic_path(out) as tmp:
            df.to_parquet(tmp, index=False)
    else:
        raise IbisError(
            f"Unbekanntes Ausgabeformat '{format}'", hint="Möglich sind csv und parquet."
        )


@store_app.command("build")
def store_build(
    force: Annotated[bool, typer.Option("--force", help="Alles neu einlesen")] = False,
) -> None:
    """data/raw/ einlesen, prüfen und als Parquet nach data/processed/ schreiben."""
    from . import store

    res = store.build(force=force, progress=sys.stderr.isatty())
    typer.echo(
        f"Datenspeicher: {len(res.built)} neu eingelesen, {len(res.unchanged)} unverändert, "
        f"{len(res.skipped)} keine Beobachtungsdaten, {len(res.removed)} entfernt.",
        err=True,
    )
    for rel, msg in res.errors.items():
        typer.echo(f"FEHLER {rel}: {msg}", err=True)
    for rel, msgs in res.warnings.items():
        for msg in msgs:
            typer.echo(f"Hinweis {rel}: {msg}", err=True)
    if res.readonly:
        typer.echo(f"Hinweis: {res.readonly}", err=True)
    else:  # the prepared store too, so that the next command, report or kernel just reads it
        from .indicators.engine import prepare

        prepare()
    if not res.ok:
        raise typer.Exit(1)


@store_app.command("info")
def store_info() -> None:
    """Inhalt des Datenspeichers: Dateien, Zeilen, Merkmale."""
    from . import store

    df = store.load()
    summary = (
        df.groupby(["table", "measure"], observed=True)
        .agg(
            regionen=("region", "nunique"),
            zeitraeume=("period", "nunique"),
            zeilen=("value", "size"),
        )
        .reset_index()
    )
    typer.echo(summary.to_string(index=False))


@regions_app.command("resolve")
def regions_resolve(
    name: Annotated[str, typer.Argument(help="Name, AGS oder Kurzname (Slug)")],
) -> None:
    """Name → AGS (z. B. 'Ibbenbüren' → 05566028). Unklare Namen zeigen Vorschläge."""
    from .regions import registry

    typer.echo(registry().resolve(name).ags)


@regions_app.command("show")
def regions_show(name: Annotated[str, typer.Argument(help="Name oder AGS")]) -> None:
    """Eine Gebietseinheit mit Kreis und Land anzeigen."""
    from .regions import registry

    reg = registry()
    r = reg.resolve(name)
    for key, val in reg.describe(r.ags).items():
        typer.echo(f"{key}: {val}")


@regions_app.command("peers")
def regions_peers(
    name: Annotated[str, typer.Argument(help="Name oder AGS einer Gemeinde oder eines Kreises")],
    k: Annotated[int, typer.Option("--k", help="Größe des Vergleichsrings")] = 10,
    method: Annotated[bool, typer.Option("--method", help="Methodenhinweis ausgeben")] = False,
) -> None:
    """Vergleichsring: die k ähnlichsten Einheiten derselben Ebene mit ihren Merkmalen."""
    from .peers import format_ring

    typer.echo(format_ring(name, k=k, method=method))


@app.command("indicators")
def indicators_cmd(
    municipality: Annotated[
        str | None, typer.Option("--municipality", "-m", help="AGS oder Name (Gemeinde oder Kreis)")
    ] = None,
    period: Annotated[str | None, typer.Option("--period", help="Nur dieser Zeitraum")] = None,
    ids: Annotated[str | None, typer.Option("--ids", help="Kommagetrennte Indikator-IDs")] = None,
    format: Annotated[str, typer.Option("--format", help="csv, xlsx oder md")] = "csv",
    all_: Annotated[bool, typer.Option("--all", help="Alle Gebietseinheiten im Speicher")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Datei (für xlsx nötig)")] = None,
    maschinenlesbar: Annotated[
        bool,
        typer.Option(
            "--maschinenlesbar",
            help="CSV für Programme: tidy, volle Genauigkeit, englische Spaltennamen, Komma",
        ),
    ] = False,
) -> None:
    """Indikatoren einer Gemeinde oder eines Kreises ausgeben (CSV auf stdout).

    Die CSV ist für Excel und LibreOffice gemacht: Semikolon, Dezimalkomma, gerundete Werte, deutsche Spaltennamen, UTF-8 mit BOM.
    """
    from .indicators.export import run_cli

    raise typer.Exit(run_cli(municipality, period, ids, format, all_, out, maschinenlesbar))


@app.command("report")
def report_cmd(
    municipality: Annotated[str, typer.Option("--municipality", "-m", help="AGS oder Name")],
    period: Annotated[str | None, typer.Option("--period", help="Berichtszeitraum")] = None,
    formats: Annotated[str, typer.Option("--formats", help="html,pdf,docx")] = "html,pdf,docx",
    out: Annotated[Path | None, typer.Option("--out", help="Zielordner")] = None,
    chapters: Annotated[str | None, typer.Option("--chapters", help="z. B. 01,03")] = None,
    ohne_datentabellen: Annotated[
        bool,
        typer.Option(
            "--ohne-datentabellen",
            help="Keine Datentabellen zu den Abbildungen (HTML: unter der Abbildung, PDF: Anhang)",
        ),
    ] = False,
    edition: Annotated[
        int | None,
        typer.Option("--edition", help="Ausgabe (Jahr) des Monitorings, z. B. 2024"),
    ] = None,
) -> None:
    """Kapitel-Notebooks ausführen und den Bericht (HTML, PDF, DOCX) bauen."""
    from .report.build import run_cli

    raise typer.Exit(
        run_cli(
            municipality,
            period,
            formats,
            out,
            chapters,
            edition,
            data_tables=not ohne_datentabellen,
        )
    )


@app.command("batch")
def batch_cmd(
    kreis: Annotated[
        str | None, typer.Option("--kreis", help="Alle Gemeinden eines Kreises")
    ] = None,
    land: Annotated[str | None, typer.Option("--land", help="Alle Gemeinden eines Landes")] = None,
    municipalities: Annotated[
        Path | None, typer.Option("--municipalities", help="Datei mit einem AGS je Zeile")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Alle Gemeinden im Speicher")] = False,
    chapters: Annotated[str | None, typer.Option("--chapters", help="z. B. 01,03")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parallele Worker")] = 2,
    out: Annotated[Path | None, typer.Option("--out", help="Zielordner")] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask-Scheduler, z. B. tcp://host:8786")
    ] = None,
    formats: Annotated[str, typer.Option("--formats", help="html,pdf,docx")] = "html",
    edition: Annotated[
        int | None,
        typer.Option("--edition", help="Ausgabe (Jahr); Berichte unter reports/<Jahr>/<AGS>/"),
    ] = None,
    kernel_max_mib: Annotated[
        float,
        typer.Option(
            "--kernel-max-mib", help="Kernel neu starten, wenn er mehr Speicher belegt (0 = nie)"
        ),
    ] = 2048,
) -> None:
    """Berichte für viele Gemeinden: parallel, inkrementell, fortsetzbar.

    Strg-C oder SIGTERM beenden den Lauf binnen Sekunden mit Zusammenfassung; der nächste
    Aufruf setzt fort. Vorhandene PDF/DOCX eines Berichts werden mit erneuert."""
    from .batch import run_cli

    raise typer.Exit(
        run_cli(
            kreis,
            land,
            municipalities,
            all_,
            chapters,
            jobs,
            out,
            scheduler,
            formats,
            edition=edition,
            max_kernel_mib=kernel_max_mib,
        )
    )


@app.command("check")
def check_cmd(
    berichtsordner: Annotated[
        list[Path] | None, typer.Argument(help="Gebaute Berichtsordner (mit index.html)")
    ] = None,
    sample: Annotated[
        bool,
        typer.Option("--sample", help="Die feste Stichprobe (≥ 30 Einheiten) bauen und prüfen"),
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Nur die kleine Teilstichprobe der Stichprobe")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Nur die ersten N Einheiten der Stichprobe")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Zielordner der Stichprobe")] = None,
    chapters: Annotated[str | None, typer.Option("--chapters", help="z. B. 01,03")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parallele Worker")] = 2,
    no_pdf: Annotated[bool, typer.Option("--ohne-pdf", help="Nur HTML bauen und prüfen")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Befunde als JSON-Datei")] = None,
) -> None:
    """Qualitätsprüfung gebauter Berichte: Fehlerkästen, englische Wörter, doppelte Sätze,
    zu breite Tabellen (PDF), fehlende Quellen, leere Überschriften, gemischte Zeiträume,
    alter Stand. Exit 1, wenn es Befunde gibt."""
    from .report.quality import run_cli

    raise typer.Exit(
        run_cli(berichtsordner or [], sample, limit, quick, out, chapters, jobs, no_pdf, json_out)
    )


@app.command("explore")
def explore_cmd(
    port: Annotated[int, typer.Option("--port", help="Port auf localhost (0: ein freier)")] = 0,
    notebook: Annotated[
        Path | None, typer.Option("--notebook", help="Notebook (Standard: 00_explorer)")
    ] = None,
) -> None:
    """Den Explorer als App im Browser starten (Voilà, ohne Code); Strg+C beendet ihn."""
    from .explore_app import run_cli

    raise typer.Exit(run_cli(port, notebook))


data_app = typer.Typer(
    help="Datenstand: lokal gehaltene und angebotene Zeiträume.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

_GEMEINDE = typer.Option(
    "--gemeinde", help="Gemeinde-AGS (8 Ziffern), prüft auch Kreis, Land, Bund"
)
_KREIS = typer.Option("--kreis", help="Kreis-AGS (5 Ziffern), prüft auch Land und Bund")
_LAND = typer.Option("--land", help="Land (2 Ziffern), prüft auch Bund")
_ALLE = typer.Option("--alle", help="Alle Gebiete jeder Ebene")
_IDS = typer.Option("--ids", help="Nur diese Indikatoren (kommagetrennt)")


@data_app.command("status")
def data_status_cmd(
    gemeinde: Annotated[str | None, _GEMEINDE] = None,
    kreis: Annotated[str | None, _KREIS] = None,
    land: Annotated[str | None, _LAND] = None,
    alle: Annotated[bool, _ALLE] = False,
    ids: Annotated[str | None, _IDS] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Dienste nicht abfragen (nur lokaler Stand)")
    ] = False,
) -> None:
    """Je Indikator und Ebene: neuester Zeitraum lokal, beim Dienst, und was abzurufen ist."""
    from . import store
    from .fetch.status import compute, render, scope_for

    scope = scope_for(gemeinde, kreis, land, alle)
    id_list = [i.strip() for i in ids.split(",") if i.strip()] if ids else None
    status = compute(scope, store.load(), online=not offline, ids=id_list)
    typer.echo(render(status))


@app.command("fetch")
def fetch_cmd(
    tables: Annotated[
        list[str] | None, typer.Argument(help="Tabellencodes, z. B. 12411-01-01-4")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="Genau das abrufen, was 'ibis data status' nennt")
    ] = False,
    gemeinde: Annotated[str | None, _GEMEINDE] = None,
    kreis: Annotated[str | None, _KREIS] = None,
    land: Annotated[str | None, _LAND] = None,
    alle: Annotated[bool, _ALLE] = False,
    ids: Annotated[str | None, _IDS] = None,
) -> None:
    """Amtliche Tabellen (ffcsv) von GENESIS-Online, regionalstatistik.de oder der
    Zensus-Datenbank nach data/raw/<dienst>/ laden, mit Herkunftsnachweis je Datei."""
    from .fetch.cli import run_fetch

    run_fetch(tables or [], missing, gemeinde, kreis, land, alle, ids)


def _german_warnings() -> None:
    """ibis' own warnings (a damaged cache file rebuilt …) as one line 'Hinweis: …' on stderr,
    not Python's 'file:line: UserWarning' with a source line."""
    import warnings

    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if category.__module__.startswith("ibislib."):
            typer.echo(f"Hinweis: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def main() -> None:
    # headless by default: the ibis command and the report/batch kernels it starts never draw
    # on screen (JupyterLab and `ibis explore` keep their own inline backend)
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    skip_slow_iri_checker()  # `ibis report`/`batch` import nbformat: 1 CPU-s saved
    _german_warnings()
    try:
        app()
    except IbisError as exc:
        typer.echo(f"Fehler: {exc.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("Abgebrochen.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
