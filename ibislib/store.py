"""The tidy store: every observation file under data/raw/ as Parquet under data/processed/.

``build()`` rebuilds only what changed (by sha256 and loader version), writes atomically and
never touches data/raw/. ``load()`` returns all observations as one tidy frame.
"""

from __future__ import annotations

import hashlib
import json
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, cache, paths, plausibility
from .atomic import atomic_path, write_text
from .errors import FormatError, IbisError, RegionError
from .ingest import normalise
from .regions import KREISFREI_NOTE, kreisfrei_aliases, registry
from .tidy import COLUMNS, KEY

#: What the loaders return depends on the vocabulary and the ingest/loader code: a hash of both
#: (nobody bumps it by hand). When it changes, every file is read again.
LOADER_VERSION = f"{__version__}+{normalise.digest()}"

__all__ = ["KREISFREI_NOTE", "LOADER_VERSION", "build", "load", "warnings"]

#: Files under data/raw/ that are documentation, codebooks or geometry, not observations.
SKIP_SUFFIXES = {
    ".md",
    ".txt.license",
    ".yml",
    ".yaml",
    ".prj",
    ".cpg",
    ".shp",
    ".shx",
    ".dbf",
    ".geojson",  # delivered Stadtteil boundaries (ibislib.maps), not observations
    ".gpkg",
    ".pdf",
    ".R",
}
SKIP_NAMES = {
    "README",
    "LICENSE",
    "SOURCES",
    "quellenvermerk_datenlizenz_deutschland.txt",
    "aktualitaet.txt",
}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _candidates(raw: Path) -> tuple[list[Path], dict[str, str]]:
    """Input files under `raw`, and the entries refused without being opened.

    Refused: entries that resolve outside `raw` (symlinks – nothing of their content is read or
    shown) and anything that is not a regular file (FIFOs, sockets, devices would block).
    """
    out: list[Path] = []
    refused: dict[str, str] = {}
    root = raw.resolve()
    for p in sorted(raw.rglob("*")):
        rel = p.relative_to(raw)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.is_symlink() or not p.resolve().is_relative_to(root):
            target = p.resolve()
            if not target.is_relative_to(root):
                refused[rel.as_posix()] = (
                    f"Datei '{rel.as_posix()}': Verweis (Symlink) auf einen Ort außerhalb von "
                    "data/raw; nicht gelesen – Eingabedateien bitte als Kopie in data/raw ablegen."
                )
                continue
        if p.is_dir():
            continue
        if p.suffix in SKIP_SUFFIXES or p.stem in SKIP_NAMES or p.name in SKIP_NAMES:
            continue
        try:
            mode = p.stat().st_mode
        except OSError:
            mode = 0
        if not stat.S_ISREG(mode):
            refused[rel.as_posix()] = (
                f"Datei '{rel.as_posix()}': keine gewöhnliche Datei (Pipe, Gerät oder Socket); "
                "nicht gelesen."
            )
            continue
        if p.name.endswith("_structure.json"):  # read together with its *_data.json
            continue
        out.append(p)
    return out, refused


@dataclass
class BuildResult:
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not observation data (surveys, registry)
    errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    #: plausibility warnings by file (rules real files legitimately break), for the methods page
    warnings: dict[str, list[str]] = field(default_factory=dict)
    #: set when data/processed cannot be written: the existing store is used as it is
    readonly: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def manifest_path(processed: Path | None = None) -> Path:
    return (processed or paths.processed_dir()) / "manifest.json"


def read_manifest(processed: Path | None = None) -> dict:
    mp = manifest_path(processed)
    if mp.exists():
        try:
            return json.loads(mp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged manifest means: rebuild everything
    return {"loader_version": LOADER_VERSION, "files": {}, "errors": {}}


def warnings(processed: Path | None = None) -> list[str]:
    """All recorded plausibility warnings of the store, one German line each (methods page)."""
    manifest = read_manifest(processed)
    return [f"{rel}: {w}" for rel, ws in sorted(manifest.get("warnings", {}).items()) for w in ws]


class _ReadOnly(Exception):
    pass


def _write(fn, *args, **kwargs) -> None:
    try:
        fn(*args, **kwargs)
    except OSError as exc:
        raise _ReadOnly(exc.strerror or type(exc).__name__) from None


def _write_parquet(df: pd.DataFrame, target: Path) -> None:
    with atomic_path(target, suffix=".parquet") as tmp:
        df.to_parquet(tmp, index=False)


def _region_warnings(df: pd.DataFrame, raw: Path) -> list[str]:
    """Region keys unknown to the registry, as one warning (None when there is no registry)."""
    try:
        reg = registry(raw)
    except IbisError as exc:
        if isinstance(exc, RegionError):
            return []  # no Gebietsverzeichnis at all: nothing to check against
        return [f"Regel 'regions': Regionalschlüssel nicht geprüft – {exc.message}"]
    out = [
        f"Regel 'regions': Gebietsverzeichnis unvollständig – {msg}"
        for msg in getattr(reg, "problems", [])
    ]
    unknown = plausibility.unknown_regions(df, reg)
    if not unknown:
        return out
    return out + [
        f"Regel 'regions': {len(unknown)} Regionalschlüssel nicht im Gebietsverzeichnis "
        f"({', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''}) – aufgelöste oder "
        "umbenannte Gebiete älterer Gebietsstände, Ebenen ohne Verzeichnis (Regierungsbezirke, "
        "Berliner Bezirke) oder Tippfehler; ihre Zahlen bleiben im Speicher, erscheinen aber "
        "unter keiner Region des Verzeichnisses"
    ]


def _check_regions_file(path: Path, fmt: str) -> None:
    """Read a region directory once so that a broken line is reported, not silently skipped."""
    from .sources import loaders

    try:
        loaders()[fmt].read(path)
    except IbisError:
        raise
    except Exception as exc:  # a parser failure, like sources.read does at the boundary
        raise FormatError(
            f"Das Gebietsverzeichnis lässt sich nicht lesen ({type(exc).__name__})", path=path
        ) from None


def _conflicts(processed: Path, files: dict[str, dict]) -> dict[str, list[str]]:
    """Keys two files give different values: a warning on the later file naming both."""
    cols = [*KEY, "value"]
    frames = {}
    for rel, e in files.items():
        try:
            frames[rel] = pd.read_parquet(processed / e["parquet"], columns=cols)
        except (OSError, ValueError):
            continue
    out: dict[str, list[str]] = {}
    for c in plausibility.conflicts(frames):
        a, b = c["files"]
        out.setdefault(b, []).append(
            f"Regel 'agree': {c['count']} Werte weichen von '{a}' ab (z. B. {c['example']}) – "
            "beide Dateien bleiben im Speicher; bitte prüfen, welche Fassung gilt "
            "(Stand, Revision, Abgrenzung)"
        )
    return out


def build(
    raw: Path | None = None,
    processed: Path | None = None,
    force: bool = False,
    progress: bool = False,
) -> BuildResult:
    """Turn data/raw/ into Parquet + manifest. A bad file is reported and left out.

    When data/processed cannot be written, the existing store stays as it is and
    ``result.readonly`` says why; nothing is written when nothing changed.
    """
    raw = Path(raw or paths.raw_dir())
    processed = Path(processed or paths.processed_dir())
    result = BuildResult()
    manifest = read_manifest(processed)
    if manifest.get("loader_version") != LOADER_VERSION:
        force = True
    files: dict[str, dict] = {} if force else dict(manifest.get("files", {}))
    checked: dict[str, str] = {} if force else dict(manifest.get("checked", {}))
    seen: set[str] = set()
    candidates, refused = _candidates(raw)
    result.errors.update(refused)
    iterator = candidates
    if progress:
        from tqdm import tqdm

        iterator = tqdm(candidates, desc="Datenspeicher", unit="Datei")
    try:
        for path in iterator:
            _build_one(path, raw, processed, files, checked, seen, result)
        for rel in list(files):
            if rel not in seen:
                old = processed / files.pop(rel)["parquet"]
                _write(old.unlink, missing_ok=True)
                result.removed.append(rel)
        conflicts = manifest.get("conflicts", {})
        if result.built or result.removed or "conflicts" not in manifest:
            conflicts = _conflicts(processed, files)
        for rel, e in files.items():
            ws = list(e.get("warnings", [])) + conflicts.get(rel, [])
            if ws:
                result.warnings[rel] = ws
        new = {
            "loader_version": LOADER_VERSION,
            "ibislib_version": __version__,
            "raw_dir": str(raw),
            "files": dict(sorted(files.items())),
            "checked": dict(sorted(checked.items())),
            "errors": result.errors,
            "warnings": dict(sorted(result.warnings.items())),
            "conflicts": conflicts,
        }
        if new != manifest or not manifest_path(processed).exists():
            _write(
                write_text,
                manifest_path(processed),
                json.dumps(new, indent=2, ensure_ascii=False),
            )
    except _ReadOnly as exc:
        result.readonly = (
            f"Der Datenspeicher '{processed}' ist nicht beschreibbar ({exc}); der vorhandene "
            "Stand wird unverändert (nur lesend) genutzt."
        )
        return result
    cache.clear()
    return result


def _build_one(
    path: Path,
    raw: Path,
    processed: Path,
    files: dict[str, dict],
    checked: dict[str, str],
    seen: set[str],
    result: BuildResult,
) -> None:
    # the loaders (and pandera) only when files are read: loading the store needs none of them
    from .sources import kind_of, read, sniff_format

    rel = path.relative_to(raw).as_posix()
    try:
        digest = sha256(path)
    except OSError as exc:
        result.errors[rel] = f"Datei '{rel}': nicht lesbar ({exc.strerror})"
        files.pop(rel, None)
        return
    entry = files.get(rel)
    if entry and entry["sha256"] == digest and (processed / entry.get("parquet", "")).is_file():
        seen.add(rel)
        result.unchanged.append(rel)
        return
    try:
        fmt = sniff_format(path)
        kind = kind_of(fmt)
        if kind != "observations":
            if kind == "regions" and checked.get(rel) != digest:
                _check_regions_file(path, fmt)
                checked[rel] = digest
            result.skipped.append(rel)
            files.pop(rel, None)
            return
        df = read(path, fmt)
    except IbisError as exc:
        result.errors[rel] = exc.message
        files.pop(rel, None)
        checked.pop(rel, None)
        return
    except Exception as exc:  # noqa: BLE001 - no single file stops the store build
        result.errors[rel] = (
            f"Datei '{rel}': unerwarteter Fehler beim Einlesen ({type(exc).__name__}); "
            "die Datei wird übersprungen – bitte mit der Datei als Fehler melden."
        )
        files.pop(rel, None)
        checked.pop(rel, None)
        return
    found = list(df.attrs.get("warnings", [])) + _region_warnings(df, raw)
    target = processed / "observations" / (rel.replace("/", "__") + ".parquet")
    df.attrs = {}
    _write(_write_parquet, df, target)
    files[rel] = {
        "sha256": digest,
        "format": fmt,
        "rows": len(df),
        "parquet": target.relative_to(processed).as_posix(),
        "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "warnings": found,
    }
    seen.add(rel)
    result.built.append(rel)


#: All observations in one file with categorical text columns: one fast read for every notebook.
CONSOLIDATED = "observations.parquet"
_TEXT_COLUMNS = [c for c in COLUMNS if c != "value"]


def files_digest(manifest: dict) -> str:
    """What the consolidated store is made of: the loader version, every observation file's
    hash and the region directories' hashes (the kreisfrei aliases come from them)."""
    entries = sorted((rel, e["sha256"]) for rel, e in manifest.get("files", {}).items())
    regions = sorted(manifest.get("checked", {}).items())
    return hashlib.sha256(json.dumps([LOADER_VERSION, entries, regions]).encode()).hexdigest()


def _kreisfrei_aliases(df: pd.DataFrame, raw: Path | None) -> pd.DataFrame:
    """Rows of kreisfreie Städte copied to their Gemeinde AGS (:func:`regions.kreisfrei_aliases`)."""
    try:
        reg = registry(raw) if raw else registry()
    except (IbisError, OSError):
        return df.iloc[0:0]
    return kreisfrei_aliases(df, reg, KEY)


def _consolidate(processed: Path, manifest: dict) -> pd.DataFrame:
    frames = [pd.read_parquet(processed / e["parquet"]) for e in manifest["files"].values()]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    raw = Path(manifest["raw_dir"]) if manifest.get("raw_dir") else None
    df = pd.concat([df, _kreisfrei_aliases(df, raw)], ignore_index=True)[COLUMNS]
    for col in _TEXT_COLUMNS:
        df[col] = df[col].astype("category")
    df.attrs = {}
    try:
        _write_parquet(df, processed / CONSOLIDATED)
        write_text(processed / (CONSOLIDATED + ".digest"), files_digest(manifest))
    except OSError:
        pass  # a read-only store is still usable: the consolidated frame lives in memory
    return df


def load(processed: Path | None = None, build_if_missing: bool = True) -> pd.DataFrame:
    """All observations in the store as one tidy frame (cached per manifest state).

    Text columns are categorical (the store has about a million rows; this keeps it small and
    fast to read). Compare with ``==`` / ``isin`` as usual.
    """
    processed = Path(processed or paths.processed_dir())
    mp = manifest_path(processed)
    if not mp.exists() and build_if_missing:
        build(processed=processed)
    if not mp.exists():
        return pd.DataFrame(columns=COLUMNS)
    key = (str(processed), mp.stat().st_mtime_ns)
    return cache.cached("store", key, lambda: _read_store(processed, mp))


def _read_store(processed: Path, mp: Path) -> pd.DataFrame:
    manifest = json.loads(mp.read_text(encoding="utf-8"))
    digest_file = processed / (CONSOLIDATED + ".digest")
    if (
        (processed / CONSOLIDATED).exists()
        and digest_file.exists()
        and digest_file.read_text(encoding="utf-8") == files_digest(manifest)
    ):
        df = pd.read_parquet(processed / CONSOLIDATED)
    else:
        df = _consolidate(processed, manifest)
    return df


def input_hashes(processed: Path | None = None) -> dict[str, str]:
    """sha256 of every input file in the store, for manifests and skip logic."""
    return {rel: e["sha256"] for rel, e in read_manifest(processed).get("files", {}).items()}
