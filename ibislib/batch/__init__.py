"""`ibis batch`: reports for many municipalities (see :mod:`.runner`)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import IbisError
from .runner import BatchResult, run_batch, summary

__all__ = ["BatchResult", "exit_code", "municipalities_from", "run_batch", "run_cli", "summary"]


def municipalities_from(
    kreis: str | None = None,
    land: str | None = None,
    municipalities_file: Path | None = None,
    all_: bool = False,
) -> tuple[list[str], dict[str, str]]:
    """The AGS list of a batch, plus entries that could not be resolved (entry -> error)."""
    chosen = [x for x in (kreis, land, municipalities_file) if x] + ([True] if all_ else [])
    if len(chosen) != 1:
        raise IbisError(
            "Bitte genau eine Auswahl angeben",
            hint="--kreis 05566, --land 05, --municipalities DATEI oder --all",
        )
    from ..regions import registry

    reg = registry()
    if kreis or land:
        return [r.ags for r in reg.municipalities(kreis=kreis, land=land)], {}
    if all_:
        from .. import store

        regions = store.load()["region"].astype(str).unique()
        return sorted(r for r in regions if len(r) == 8 and r.isdigit() and r in reg), {}
    return _read_list(Path(municipalities_file), reg)


def _read_list(path: Path, reg) -> tuple[list[str], dict[str, str]]:
    """One AGS (or name) per line; '#' starts a comment. Unknown entries are collected."""
    from ..sources import read_text

    if not path.exists():
        raise IbisError("Gemeindeliste nicht gefunden", path=str(path))
    ags: list[str] = []
    invalid: dict[str, str] = {}
    text, _encoding = read_text(path)
    for lineno, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip().strip(";,")
        if not entry:
            continue
        try:
            ags.append(reg.resolve(entry).ags)
        except IbisError as exc:
            invalid[entry] = f"{path.name}, Zeile {lineno}: {exc.message}"
    return ags, invalid


def exit_code(res: BatchResult) -> int:
    """0 all built, 1 something failed, 128+signal when a signal stopped the batch."""
    if res.interrupted:
        return 128 + int(res.interrupted)
    return 0 if res.ok else 1


def run_cli(
    kreis: str | None,
    land: str | None,
    municipalities_file: Path | None,
    all_: bool,
    chapters: str | None,
    jobs: int,
    out: Path | None,
    scheduler: str | None,
    formats: str,
    edition: int | None = None,
    max_kernel_mib: float | None = 2048,
) -> int:
    """`ibis batch`: run, print the summary to stderr; exit 1 if anything failed, 130/143 when
    stopped by SIGINT/SIGTERM (the summary says what finished)."""
    from ..lean_imports import skip_slow_iri_checker

    skip_slow_iri_checker()  # this process is the batch's own: no nbformat validation of IRIs
    if out is not None:  # a refused --out is said before the selection is even looked at
        from ..outdirs import check_batch_dir

        check_batch_dir(out, mark=False)
    ags, invalid = municipalities_from(kreis, land, municipalities_file, all_)
    if not ags and not invalid:
        raise IbisError("Die Auswahl enthält keine Gemeinden")
    chs = [c.strip() for c in chapters.split(",") if c.strip()] if chapters else None
    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    res = run_batch(
        ags,
        out=out,
        chapters=chs,
        formats=fmts,
        jobs=jobs,
        scheduler=scheduler,
        invalid=invalid,
        progress=True,
        edition=edition,
        max_kernel_mib=max_kernel_mib or None,
    )
    from ..regions import registry

    reg = registry()
    names = {a: reg.name_of(a, default="") for a in res.outcomes}
    print(summary(res, names), file=sys.stderr)
    return exit_code(res)
