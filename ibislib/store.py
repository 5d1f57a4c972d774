"""The tidy store: every observation file under data/raw/ as Parquet under data/processed/.

``build()`` rebuilds only what changed (by sha256 and loader version), writes atomically and
never touches data/raw/. ``load()`` returns all observations as one tidy frame.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, paths
from .atomic import atomic_path, write_text
from .errors import IbisError
from .sources import kind_of, read, sniff_format
from .tidy import COLUMNS, KEY

#: Bump when a loader changes what it returns; every file is then re-read.
LOADER_VERSION = f"{__version__}+2"

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


def _candidates(raw: Path) -> list[Path]:
    out = []
    for p in sorted(raw.rglob("*")):
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(raw).parts):
            continue
        if p.suffix in SKIP_SUFFIXES or p.stem in SKIP_NAMES or p.name in SKIP_NAMES:
            continue
        if p.name.endswith("_structure.json"):  # read together with its *_data.json
            continue
        out.append(p)
    return out


@dataclass
class BuildResult:
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not observation data (surveys, registry)
    errors: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def manifest_path(processed: Path | None = None) -> Path:
    return (processed or paths.processed_dir()) / "manifest.json"


def read_manifest(processed: Path | None = None) -> dict:
    mp = manifest_path(processed)
    if mp.exists():
        return json.loads(mp.read_text(encoding="utf-8"))
    return {"loader_version": LOADER_VERSION, "files": {}, "errors": {}}


def build(
    raw: Path | None = None,
    processed: Path | None = None,
    force: bool = False,
    progress: bool = False,
) -> BuildResult:
    """Turn data/raw/ into Parquet + manifest. A bad file is reported and left out."""
    raw = Path(raw or paths.raw_dir())
    processed = Path(processed or paths.processed_dir())
    processed.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(processed)
    if manifest.get("loader_version") != LOADER_VERSION:
        force = True
    files: dict[str, dict] = {} if force else dict(manifest.get("files", {}))
    result = BuildResult()
    seen: set[str] = set()
    candidates = _candidates(raw)
    iterator = candidates
    if progress:
        from tqdm import tqdm

        iterator = tqdm(candidates, desc="Datenspeicher", unit="Datei")
    for path in iterator:
        rel = path.relative_to(raw).as_posix()
        digest = sha256(path)
        entry = files.get(rel)
        if entry and entry["sha256"] == digest and (processed / entry.get("parquet", "")).is_file():
            seen.add(rel)
            result.unchanged.append(rel)
            continue
        try:
            fmt = sniff_format(path)
            if kind_of(fmt) != "observations":
                result.skipped.append(rel)
                files.pop(rel, None)
                continue
            df = read(path, fmt)
        except IbisError as exc:
            result.errors[rel] = exc.message
            files.pop(rel, None)
            continue
        target = processed / "observations" / (rel.replace("/", "__") + ".parquet")
        with atomic_path(target, suffix=".parquet") as tmp:
            df.to_parquet(tmp, index=False)
        files[rel] = {
            "sha256": digest,
            "format": fmt,
            "rows": len(df),
            "parquet": target.relative_to(processed).as_posix(),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        seen.add(rel)
        result.built.append(rel)
    for rel in list(files):
        if rel not in seen:
            old = processed / files.pop(rel)["parquet"]
            old.unlink(missing_ok=True)
            result.removed.append(rel)
    manifest = {
        "loader_version": LOADER_VERSION,
        "ibislib_version": __version__,
        "raw_dir": str(raw),
        "files": dict(sorted(files.items())),
        "errors": result.errors,
    }
    write_text(manifest_path(processed), json.dumps(manifest, indent=2, ensure_ascii=False))
    _CACHE.clear()
    return result


_CACHE: dict[tuple, pd.DataFrame] = {}

#: All observations in one file with categorical text columns: one fast read for every notebook.
CONSOLIDATED = "observations.parquet"
_TEXT_COLUMNS = [c for c in COLUMNS if c != "value"]


def _files_digest(manifest: dict) -> str:
    entries = sorted((rel, e["sha256"]) for rel, e in manifest.get("files", {}).items())
    return hashlib.sha256(json.dumps([LOADER_VERSION, entries]).encode()).hexdigest()


KREISFREI_NOTE = "Wert der kreisfreien Stadt auf Kreisebene"


def _kreisfrei_aliases(df: pd.DataFrame, raw: Path | None) -> pd.DataFrame:
    """Rows of kreisfreie Städte published under their Kreis code, copied to the Gemeinde AGS.

    Gemeinde tables list a kreisfreie Stadt (München 09162) only at Kreis level, so the
    Gemeinde 09162000 would otherwise look empty. Rows the Gemeinde already has are kept.
    """
    from .regions import registry

    try:
        reg = registry(raw) if raw else registry()
        cities = {
            k.ags: ms[0]
            for k in reg.kreise()
            if len(ms := reg.municipalities(kreis=k.ags)) == 1 and ms[0].ags == k.ags + "000"
        }
    except (IbisError, OSError):
        return df.iloc[0:0]
    rows = df[df["region"].isin(list(cities))].copy()
    if rows.empty:
        return rows
    rows["region_name"] = rows["region"].map(lambda k: cities[k].name)
    rows["region"] = rows["region"] + "000"
    rows["note"] = rows["note"].where(rows["note"] == "", rows["note"] + "; ") + KREISFREI_NOTE
    own = df[df["region"].isin(rows["region"].unique())][KEY]
    merged = rows.merge(own.assign(_own=True), on=KEY, how="left")
    return merged[merged["_own"].isna()].drop(columns="_own")


def _consolidate(processed: Path, manifest: dict) -> pd.DataFrame:
    frames = [pd.read_parquet(processed / e["parquet"]) for e in manifest["files"].values()]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    raw = Path(manifest["raw_dir"]) if manifest.get("raw_dir") else None
    df = pd.concat([df, _kreisfrei_aliases(df, raw)], ignore_index=True)[COLUMNS]
    for col in _TEXT_COLUMNS:
        df[col] = df[col].astype("category")
    df.attrs = {}
    with atomic_path(processed / CONSOLIDATED, suffix=".parquet") as tmp:
        df.to_parquet(tmp, index=False)
    write_text(processed / (CONSOLIDATED + ".digest"), _files_digest(manifest))
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
    if key in _CACHE:
        return _CACHE[key]
    manifest = json.loads(mp.read_text(encoding="utf-8"))
    digest_file = processed / (CONSOLIDATED + ".digest")
    if (
        (processed / CONSOLIDATED).exists()
        and digest_file.exists()
        and digest_file.read_text(encoding="utf-8") == _files_digest(manifest)
    ):
        df = pd.read_parquet(processed / CONSOLIDATED)
    else:
        df = _consolidate(processed, manifest)
    _CACHE.clear()
    _CACHE[key] = df
    return df


def input_hashes(processed: Path | None = None) -> dict[str, str]:
    """sha256 of every input file in the store, for manifests and skip logic."""
    return {rel: e["sha256"] for rel, e in read_manifest(processed).get("files", {}).items()}
