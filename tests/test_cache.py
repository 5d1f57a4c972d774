"""One cache with one invalidation rule (ibislib/cache.py): the store, its prepared form, the
reference values taken from it and the region registry are kept while the data fingerprint
(the store's manifest, the raw folder) is unchanged, and all go together when it changes."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from ibislib import cache, paths
from ibislib.indicators import engine, reference


@pytest.fixture
def project(tmp_path, monkeypatch):
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(paths, "processed_dir", lambda: processed)
    monkeypatch.setattr(paths, "raw_dir", lambda: tmp_path / "raw")
    cache.clear()
    yield processed
    cache.clear()


def _counter():
    made = []

    def build():
        made.append(1)
        return object()

    return made, build


def test_entries_live_until_the_data_fingerprint_changes(project):
    made_a, build_a = _counter()
    made_b, build_b = _counter()
    a, b = cache.cached("a", 1, build_a), cache.cached("b", 1, build_b)
    assert cache.cached("a", 1, build_a) is a and cache.cached("b", 1, build_b) is b
    assert made_a == made_b == [1]
    # another store build (here or in another process) rewrites the manifest: everything goes
    st = (project / "manifest.json").stat()
    os.utime(project / "manifest.json", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cache.cached("a", 1, build_a) is not a and cache.cached("b", 1, build_b) is not b
    assert made_a == made_b == [1, 1]


def test_a_new_key_replaces_the_entry_and_clear_drops_all(project):
    made, build = _counter()
    first = cache.cached("x", "k1", build)
    second = cache.cached("x", "k2", build)
    assert second is not first and cache.cached("x", "k2", build) is second
    assert cache.cached("x", "k1", build) is not first  # one entry per name: k1 was dropped
    cache.clear()
    cache.cached("x", "k1", build)
    assert len(made) == 4


def test_per_object_entries_never_serve_another_object(project):
    """id() of a frame can be reused by a new frame: the entry checks the object itself."""
    store = pd.DataFrame({"region": ["05566028"], "value": [1.0]})
    made, build = _counter()
    v = cache.cached("per_store", id(store), build, of=store)
    assert cache.cached("per_store", id(store), build, of=store) is v
    other = store.copy()
    assert cache.cached("per_store", id(store), build, of=other) is not v


def test_prepared_store_and_references_share_the_rule(project):
    store = pd.DataFrame(
        {
            "region": ["05566028"],
            "region_name": ["Ibbenbüren"],
            "period": ["2021"],
            "measure": ["bevoelkerung"],
            "sex": ["insgesamt"],
            "nationality": ["insgesamt"],
            "age_group": ["insgesamt"],
            "school_type": ["insgesamt"],
            "district": ["insgesamt"],
            "category": ["insgesamt"],
            "value": [53363.0],
            "unit": ["Anzahl"],
            "flag": [""],
            "source": ["Test"],
            "table": ["t"],
            "note": [""],
        }
    )
    prep, refs = engine.prepare(store), reference._from_store(store)
    assert engine.prepare(store) is prep and reference._from_store(store) is refs
    cache.clear()  # as store.build does
    assert engine.prepare(store) is not prep and reference._from_store(store) is not refs
