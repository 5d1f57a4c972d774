"""The prepared store (:func:`ibislib.indicators.engine.prepare`) cached on disk, beside the store.

Preparing the project's store (categoricals, deduplication, dates, one frame per measure and
unit) costs ~0,7 CPU-s, and every new process paid it: each ``ibis indicators``, the first
chapter of each report, each batch kernel after a restart. The result is written once to
``data/processed/prepared.arrow`` (Arrow IPC, lz4; no pickle: nothing in the file is executed)
and read back in ~0,05 s.

Exact invalidation: the file holds the key it was made for — the store's content digest (its
manifest's file hashes and ``store.LOADER_VERSION``, the digest of the consolidated store), the
catalogue's bytes, the source of the code that prepares and the versions of the libraries
whose dtypes it stores. Any difference, a damaged or truncated file (sha256 of its body,
checked on every read) or an unreadable one means: prepare again and rewrite it (atomically).
The region names of the registry are applied after reading, never stored, so a changed
Gebietsverzeichnis needs no key. Only the project's own store (``store.load()`` of
``paths.processed_dir()``) is cached on disk; any other frame is prepared in memory as before.

This module only keys, writes and reads the file (it imports nothing of the engine);
:func:`ibislib.indicators.engine.prepare` decides when to use it and keeps the result in
:mod:`ibislib.cache` (one rule: it goes with the data fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import __version__, cache, paths

if TYPE_CHECKING:
    from .engine import Prepared

#: What a cache file holds: the frames per (measure, unit), the data's region names, the dtypes.
Loaded = tuple[dict[tuple[str, str], pd.DataFrame], dict[str, str], dict[str, pd.CategoricalDtype]]

#: The file beside the store's manifest.
CACHE_FILE = "prepared.arrow"
#: Bump when the file layout changes (the code digest covers changes of what is prepared).
FORMAT = 1
_DIGEST_BYTES = 32  # sha256 of the Arrow body, appended to it


class CacheWarning(UserWarning):
    """A cache file beside the store was damaged or unreadable and is rebuilt."""


def is_project_store(store: pd.DataFrame) -> bool:
    """Is `store` the frame ``store.load()`` returned for the project's store (still current)?"""
    hit = cache.peek("store")
    return hit is not None and hit[1] is store and hit[0][0] == str(paths.processed_dir())


# --------------------------------------------------------------------------- key


@lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the source of the code that prepares and the library versions whose
    dtypes the file stores: editing any of them makes every cache file stale."""
    import pyarrow

    from .. import store, tidy

    h = hashlib.sha256(f"{FORMAT}|{__version__}|{pd.__version__}|{np.__version__}".encode())
    h.update(pyarrow.__version__.encode())
    here = Path(__file__)
    for path in (here.with_name("engine.py"), here, Path(store.__file__), Path(tidy.__file__)):
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(processed: Path) -> str | None:
    """What a cache file must have been made for; None without a (readable) store manifest."""
    from .. import store as store_mod
    from .catalog import CATALOG_PATH

    try:
        manifest = json.loads(store_mod.manifest_path(processed).read_text(encoding="utf-8"))
        store_digest = store_mod.files_digest(manifest)
        catalogue = hashlib.sha256(CATALOG_PATH.read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return hashlib.sha256(f"{store_digest}|{catalogue}|{code_digest()}".encode()).hexdigest()


# --------------------------------------------------------------------------- file


def _may_write(path: Path) -> bool:
    """Only beside an ibis store (its manifest), never into data/raw."""
    raw = paths.raw_dir().resolve()
    target = path.resolve()
    if target == raw or raw in target.parents:
        return False
    return (path.parent / "manifest.json").is_file()


def write(path: Path, key: str, prep: Prepared) -> bool:
    """Write `prep` (frames, data names, dtypes) for `key`; False when the folder is read-only
    or not an ibis store. Atomic: a reader sees the old file or the new one, never a part."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    from ..atomic import write_bytes

    if not _may_write(path):
        return False
    keys = list(prep.frames)
    big = pd.concat([prep.frames[k] for k in keys], ignore_index=True)
    meta = {
        "key": key,
        "format": FORMAT,
        "frames": [[m, u, len(prep.frames[(m, u)])] for m, u in keys],
        "columns": list(big.columns),
        "names": prep.names,
    }
    table = pa.Table.from_pandas(big, preserve_index=False).replace_schema_metadata(
        {"ibis": json.dumps(meta, ensure_ascii=False)}
    )
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema, options=ipc.IpcWriteOptions(compression="lz4")) as w:
        w.write_table(table)
    body = sink.getvalue().to_pybytes()
    try:
        write_bytes(path, body + hashlib.sha256(body).digest())
    except OSError:
        return False  # a read-only store still works, only slower
    return True


def read(path: Path, key: str) -> Loaded | None:
    """(frames, names, dtypes) of the prepared store in `path` if it was made for `key`; None (and a warning when the
    file is damaged) otherwise — never a frame from a file that does not check out."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn(path, exc.strerror or type(exc).__name__)
        return None
    body, digest = data[:-_DIGEST_BYTES], data[-_DIGEST_BYTES:]
    if len(data) <= _DIGEST_BYTES or hashlib.sha256(body).digest() != digest:
        _warn(path, "Prüfsumme stimmt nicht (abgebrochen geschrieben oder beschädigt)")
        return None
    try:
        return _from_arrow(body, key)
    except _Stale:
        return None
    except Exception as exc:  # noqa: BLE001 - a file that checks out but cannot be read
        _warn(path, f"nicht lesbar ({type(exc).__name__})")
        return None


class _Stale(Exception):
    pass


def _from_arrow(body: bytes, key: str) -> Loaded:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    reader = ipc.open_file(pa.py_buffer(body))
    meta = json.loads(reader.schema.metadata[b"ibis"])
    if meta.get("key") != key or meta.get("format") != FORMAT:
        raise _Stale
    table = reader.read_all()
    if table.column_names != meta["columns"]:
        raise ValueError("columns")
    cols: dict[str, object] = {}
    for name in meta["columns"]:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            # object categories, as the engine makes them (fast takes back to Python strings)
            cats = pd.Index(col.dictionary.to_numpy(zero_copy_only=False), dtype=object)
            idx = col.indices  # nulls (NaN codes) are rare; fill_null costs a compute call
            codes = (idx.fill_null(-1) if idx.null_count else idx).to_numpy()
            cols[name] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats))
        else:
            cols[name] = col.to_numpy(zero_copy_only=False)
    frames = {}
    start = 0
    for measure, unit, n in meta["frames"]:
        part = {c: pd.Series(v[start : start + n]) for c, v in cols.items()}
        frames[(measure, unit)] = pd.DataFrame(part, copy=False)
        start += n
    if start != table.num_rows:
        raise ValueError("rows")
    names = dict(meta["names"])
    dtypes = {c: cols[c].dtype for c in ["region", "period", *_dims()]}
    return frames, names, dtypes


def _dims() -> list[str]:
    from ..tidy import DIMENSIONS

    return list(DIMENSIONS)


def _warn(path: Path, why: str) -> None:
    warnings.warn(
        f"Zwischenspeicher '{path}' unbrauchbar – {why}; er wird neu aufgebaut.",
        CacheWarning,
        stacklevel=4,
    )
