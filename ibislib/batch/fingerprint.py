"""What a municipality's report depends on, as one hash: the skip key of the batch.

A report is rebuilt only when one of these changed since its ``batch.json`` stamp was written:

- the chapter notebooks (content hash of each selected ``.ipynb``, with the edition chapters
  of an edition batch) and the outline ``report.yml`` (titles, order, key indicators),
- the parameters (AGS, period, formats, chapters),
- the ibislib version and the hash of ibislib's own source files (the notebooks call into it),
- the input data the municipality can see: every store input file that holds the municipality,
  any unit of its Kreis, its Regierungsbezirk, its Land or Deutschland (sha256 from the store
  manifest), plus every raw file that is not an observation file (surveys, registries), which
  cannot be attributed to one region and therefore counts for all.

The region sets per input file are cached by file hash, so an unchanged re-run reads no Parquet.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, paths
from ..atomic import write_text

CACHE_NAME = "fingerprints.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def library_hash() -> str:
    """Hash of ibislib's source, templates and catalogue (without the batch runner itself)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or rel.parts[0] == "batch" or "__pycache__" in rel.parts:
            continue
        if p.suffix in {".py", ".yml", ".yaml", ".css", ".html", ".csv", ".txt", ".json"}:
            h.update(rel.as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@dataclass
class InputIndex:
    """Which store input files mention which regions, and the raw files outside the store."""

    files: dict[str, str] = field(default_factory=dict)  # rel -> sha256 (observation files)
    regions: dict[str, set[str]] = field(default_factory=dict)  # rel -> region codes in it
    kreise: dict[str, set[str]] = field(default_factory=dict)  # rel -> 5-digit prefixes in it
    global_inputs: dict[str, str] = field(default_factory=dict)  # rel -> sha256, count for all

    def relevant(self, ags: str) -> dict[str, str]:
        """Input files (rel -> sha256) that can influence the report of `ags`."""
        ancestors = {"DG", ags, ags[:2], ags[:3], ags[:5]}
        out = dict(self.global_inputs)
        for rel, sha in self.files.items():
            regs = self.regions.get(rel)
            if regs is None or ancestors & regs or ags[:5] in self.kreise.get(rel, ()):
                out[rel] = sha
        return out


def input_index(
    cache_dir: Path, processed: Path | None = None, raw: Path | None = None
) -> InputIndex:
    """Build the index from the store manifest; region sets are cached by file hash."""
    from .. import store

    processed = Path(processed or paths.processed_dir())
    raw = Path(raw or paths.raw_dir())
    cache_path = Path(cache_dir) / CACHE_NAME
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    region_cache: dict[str, list[str]] = cache.get("regions", {})
    stat_cache: dict[str, list] = cache.get("raw", {})
    manifest = store.read_manifest(processed)
    idx = InputIndex()
    new_regions: dict[str, list[str]] = {}
    for rel, entry in manifest.get("files", {}).items():
        sha = entry["sha256"]
        idx.files[rel] = sha
        regs = region_cache.get(sha)
        if regs is None:
            regs = _regions_in(processed / entry["parquet"])
        if regs is not None:
            new_regions[sha] = regs
            idx.regions[rel] = set(regs)
            idx.kreise[rel] = {r[:5] for r in regs if len(r) >= 5 and r.isdigit()}
    new_stats: dict[str, list] = {}
    if raw.is_dir():
        for p in sorted(raw.rglob("*")):
            rel = p.relative_to(raw).as_posix()
            if (
                not p.is_file()
                or rel in idx.files
                or any(s.startswith(".") for s in rel.split("/"))
            ):
                continue
            st = p.stat()
            old = stat_cache.get(rel)
            if old and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                sha = old[2]
            else:
                sha = sha256_file(p)
            new_stats[rel] = [st.st_size, st.st_mtime_ns, sha]
            idx.global_inputs[rel] = sha
    new_cache = {"regions": new_regions, "raw": new_stats}
    if new_cache != cache:
        write_text(cache_path, json.dumps(new_cache, ensure_ascii=False))
    return idx


def _regions_in(parquet: Path) -> list[str] | None:
    try:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        col = pq.read_table(parquet, columns=["region"]).column("region")
        return sorted(str(v) for v in pc.unique(col).to_pylist() if v is not None)
    except Exception:  # unreadable: the file then counts for every municipality
        return None


def notebook_hashes(notebooks: list[Path], outline: Path | None = None) -> dict[str, str]:
    """Content hash of each chapter notebook and of the outline (report.yml: chapter titles
    and order, key indicators of the overview), which shapes the report as much."""
    folder = Path(outline).parent if outline is not None else None
    out = {}
    for p in notebooks:  # edition chapters live in ausgabe/ beside the outline
        rel = p.relative_to(folder) if folder and p.is_relative_to(folder) else Path(p.name)
        out[rel.as_posix()] = sha256_file(p)
    if outline is not None:
        out[f"outline:{Path(outline).name}"] = sha256_file(outline)
    return out


def report_key(
    ags: str,
    parameters: dict,
    notebooks: dict[str, str],
    library: str,
    inputs: dict[str, str],
) -> tuple[str, dict[str, str]]:
    """The skip key (equal keys: the report would come out the same) and its parts.

    The parts are kept in the stamp so that a re-run can say *why* a report was rebuilt.
    """
    parts = {
        "parameters": _digest({"ags": ags, **parameters}),
        "notebooks": _digest(notebooks),
        "ibislib": _digest([__version__, library]),
        "inputs": _digest(inputs),
    }
    return _digest(parts), parts
