"""Where ibis may write: only into folders it created itself, never into data/raw.

A report folder is recognised by its ``manifest.json`` (``"generator": "ibis"``, which also lists
every file the report consists of), a batch folder by its ``.batch/`` folder (or by holding
nothing but ibis report folders, like ``reports/`` after ``make report``). An existing folder
that is neither (and not empty), the project root, ``data/raw``, anything inside ``data/raw`` and
every folder above them are refused with a message that names the folder and the flag to use.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import paths
from .errors import IbisError

MANIFEST = "manifest.json"
BATCH_MARK = ".batch"
#: Subfolder of a finished report that receives a failed attempt (see report/build.py).
INCOMPLETE = "unvollstaendig"
#: Files a report folder may hold besides those its manifest lists (written after it).
_REPORT_EXTRA = {MANIFEST, "batch.json"}


def _inside(p: Path, parent: Path) -> bool:
    return p == parent or parent in p.parents


def _protected(p: Path) -> str | None:
    """Why `p` must never be written to (or replaced), or None."""
    root = paths.project_root().resolve()
    raw = paths.raw_dir().resolve()
    if _inside(p, raw):
        return "das sind die Rohdaten, data/raw wird nie verändert"
    if p == root:
        return "das ist der Projektordner"
    if _inside(root, p) or _inside(raw, p):
        return "er enthält den Projektordner bzw. data/raw"
    return None


def _refuse(p: Path, why: str, flag: str, example: str) -> IbisError:
    return IbisError(
        f"In den Ordner '{p}' schreibt ibis nicht: {why}",
        hint=f"Bitte mit {flag} einen neuen Ordner oder einen von ibis erstellten angeben, "
        f"z. B. {flag} {example}.",
    )


def read_manifest(folder: Path) -> dict | None:
    """The report manifest of an ibis report folder (older versions included), else None."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    legacy = "report" in data and "ibislib" in (data.get("versions") or {})
    return data if data.get("generator") == "ibis" or legacy else None


def report_complete(manifest: dict | None) -> bool:
    if not manifest:
        return False
    return bool(manifest.get("complete", not manifest.get("failed")))


def _foreign_files(folder: Path, manifest: dict) -> list[str]:
    """Files in a report folder that the report did not write (a user's notes, say)."""
    listed = manifest.get("files")
    found = []
    for f in sorted(folder.rglob("*")):
        if f.is_dir():
            continue
        rel = f.relative_to(folder).as_posix()
        if rel in _REPORT_EXTRA or rel.startswith(f"{INCOMPLETE}/"):
            continue
        if listed is not None:
            if rel not in listed:
                found.append(rel)
        elif not (  # manifests of older versions list no files: their fixed layout
            rel == "index.html"
            or rel.startswith(("figures/", "notebooks/"))
            or (rel.startswith("integrationsmonitoring_") and rel.endswith((".pdf", ".docx")))
        ):
            found.append(rel)
    return found


def _holds_reports(folder: Path) -> bool:
    """Ibis report folders and nothing else in it (hidden files aside)?"""
    children = [c for c in folder.iterdir() if not c.name.startswith(".")]
    return bool(children) and all(c.is_dir() and read_manifest(c) is not None for c in children)


def check_report_dir(out: Path, flag: str = "--out") -> dict | None:
    """May a report be written to (and replace) `out`? Returns the previous manifest, if any."""
    out = Path(out).resolve()
    example = f"reports/{out.name if out.name.isdigit() else '05566028'}"
    why = _protected(out)
    if why:
        raise _refuse(out, why, flag, example)
    if out.exists() and not out.is_dir():
        raise _refuse(out, "das ist eine Datei, kein Ordner", flag, example)
    if not out.is_dir() or not any(out.iterdir()):
        return None
    manifest = read_manifest(out)
    if manifest is None:
        what = (
            "das ist ein Ordner mit mehreren Berichten (Batch-Ordner)"
            if (out / BATCH_MARK).is_dir() or _holds_reports(out)
            else "er ist nicht leer und kein von ibis erstellter Bericht"
        )
        raise _refuse(out, what, flag, example)
    foreign = _foreign_files(out, manifest)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        raise IbisError(
            f"Ordner '{out}' enthält Dateien, die nicht zum Bericht gehören ({shown}); "
            "ibis ersetzt einen Bericht nur als Ganzes und würde sie löschen",
            hint=f"Bitte die Dateien verschieben oder mit {flag} einen anderen Ordner angeben.",
        )
    return manifest


def check_batch_dir(out: Path, flag: str = "--out", mark: bool = True) -> Path:
    """May a batch write its report folders and overview into `out`? `mark`: claim it for ibis."""
    out = Path(out).resolve()
    why = _protected(out)
    if why:
        raise _refuse(out, why, flag, "reports")
    if out.exists() and not out.is_dir():
        raise _refuse(out, "das ist eine Datei, kein Ordner", flag, "reports")
    marked = (out / BATCH_MARK).is_dir() or (out / ".batch.lock").is_file()  # or older ibis
    if out.is_dir() and any(out.iterdir()) and not marked:
        if read_manifest(out) is not None:
            raise _refuse(out, "das ist ein einzelner Bericht, kein Batch-Ordner", flag, "reports")
        # reports/ is ibis's by design; so is the parent of `ibis report --out X/05566028`
        if out != paths.reports_dir().resolve() and not _holds_reports(out):
            raise _refuse(
                out, "er ist nicht leer und wurde nicht von ibis erstellt", flag, "reports"
            )
    if mark:
        (out / BATCH_MARK).mkdir(parents=True, exist_ok=True)
    return out


def check_file_target(out: Path, inputs: list[Path], flag: str = "--out") -> Path:
    """May a single output file be written to `out` (never into data/raw, never an input)?"""
    out = Path(out).resolve()
    raw = paths.raw_dir().resolve()
    hint = f"Bitte mit {flag} eine Datei außerhalb von data/raw angeben, z. B. {flag} tidy.csv."
    if _inside(out, raw):
        raise IbisError(
            f"'{out}' liegt in den Rohdaten (data/raw); dorthin schreibt ibis nie", hint=hint
        )
    if out.is_dir():
        raise IbisError(f"'{out}' ist ein Ordner, keine Datei", hint=hint)
    for src in inputs:
        if out.exists() and Path(src).exists() and out.samefile(src):
            raise IbisError(
                f"'{out}' ist die Eingabedatei selbst und würde überschrieben", hint=hint
            )
    return out


def check_own_file(out: Path, ours, what: str, flag: str = "--out") -> None:
    """An existing file at `out` is replaced only when `ours(path)` recognises it as one ibis
    wrote (`what` names such files in the message); anything else is the user's and stays."""
    if out.exists() and not ours(out):
        raise IbisError(
            f"'{out}' gibt es schon, und es ist keine von ibis geschriebene Datei ({what}); "
            "ibis überschreibt sie nicht",
            hint=f"Bitte mit {flag} einen neuen Dateinamen angeben oder die Datei selbst "
            "löschen bzw. umbenennen.",
        )
