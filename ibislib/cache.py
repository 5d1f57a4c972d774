"""One in-process cache for what ibis derives from its data, with one invalidation rule.

A notebook, a warm kernel or a batch worker asks for the same derived data again and again:
the store frame (:func:`ibislib.store.load`), its prepared form
(:func:`ibislib.indicators.engine.prepare`), the published values the catalogue falls back on
(:mod:`ibislib.indicators.reference`) and the region registry (:func:`ibislib.regions.registry`).
Each is kept here under its name with the key it was made for, one entry per name (a new key
replaces the old one, so a worker never holds two stores).

The rule: every entry is valid for the data fingerprint it was made under — the project's
store (its folder and the state of its manifest) and raw folder. When the fingerprint changes
(a store build, here or in another process; another project via ``IBIS_ROOT``), every entry
goes at once, so nothing derived from the old data outlives it. :func:`clear` drops them
explicitly (``store.build`` does).

Not here, because they depend on no data: the catalogue (a file shipped with the code) and
caches keyed by their own input files (maps, peers).

Across processes, two of these entries are also kept as files beside the store, each with the
exact key of what it was made from and rebuilt when that differs or the file is damaged: the
region registry (``data/processed/regionen.json``, :mod:`ibislib.regions`) and the prepared
store (``data/processed/prepared.arrow``, :mod:`ibislib.indicators.prepared`). In the process
they still follow the rule above.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from . import paths

T = TypeVar("T")

_entries: dict[str, tuple[Hashable, Any, Any]] = {}  # name -> (key, value, object it is of)
_made_under: tuple | None = None


def fingerprint() -> tuple:
    """The data state the entries belong to: the store's manifest (folder, mtime, size) and
    the raw folder. A stat call, cheap enough to ask on every access."""
    processed = paths.processed_dir()
    manifest = processed / "manifest.json"
    try:
        st = manifest.stat()
        state = (st.st_mtime_ns, st.st_size)
    except OSError:
        state = None
    return (str(processed), state, str(paths.raw_dir()))


def cached(name: str, key: Hashable, build: Callable[[], T], *, of: object = None) -> T:
    """The value `build()` made for `key` (and, with `of`, for exactly that object: a key of
    ``id(obj)`` alone could name a new object at a reused address), made again when the key
    or the data fingerprint changed."""
    global _made_under
    now = fingerprint()
    if now != _made_under:
        _entries.clear()
        _made_under = now
    hit = _entries.get(name)
    if hit is not None and hit[0] == key and hit[2] is of:
        return hit[1]
    _entries.pop(name, None)  # the old value may be large: let it go before building anew
    value = build()
    _entries[name] = (key, value, of)
    return value


def peek(name: str) -> tuple[Hashable, Any] | None:
    """(key, value) of the entry `name` if it is still valid for the data, without building:
    to ask "is this frame the one the store gave out?" without loading the store."""
    if fingerprint() != _made_under:
        return None
    hit = _entries.get(name)
    return None if hit is None else (hit[0], hit[1])


def clear() -> None:
    """Drop every entry (the data changed in a way the fingerprint cannot see, or a test)."""
    global _made_under
    _entries.clear()
    _made_under = None
