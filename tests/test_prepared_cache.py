"""The prepared store cached on disk (issue 17, ibislib/indicators/prepared.py): read back it
equals a fresh preparation; a store rebuild, a catalogue or code change makes it stale; a
damaged file is rebuilt with a warning, never used; it is written only beside an ibis store.

Everything runs in a throw-away project (IBIS_ROOT) built from two real files."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ibislib import cache, paths, store
from ibislib.indicators import compute, engine, prepared

RAW = Path(__file__).parents[1] / "data" / "raw"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "projekt"
    raw = root / "data" / "raw"
    (raw / "ibbenbueren").mkdir(parents=True)
    shutil.copy(RAW / "ibbenbueren" / "lieferung_2022.csv", raw / "ibbenbueren")
    shutil.copytree(RAW / "gemeindeverzeichnis", raw / "gemeindeverzeichnis")
    monkeypatch.setenv("IBIS_ROOT", str(root))
    cache.clear()
    assert store.build().ok
    yield root
    cache.clear()


def _cache_file() -> Path:
    return paths.processed_dir() / prepared.CACHE_FILE


def _same(a: engine.Prepared, b: engine.Prepared) -> None:
    assert list(a.frames) == list(b.frames)
    for k in a.frames:
        pd.testing.assert_frame_equal(a.frames[k], b.frames[k], check_exact=True)
        for c in a.frames[k].select_dtypes("category"):
            ca, cb = a.frames[k][c].cat, b.frames[k][c].cat
            assert ca.categories.dtype == cb.categories.dtype == object, (k, c)
            assert ca.codes.dtype == cb.codes.dtype, (k, c)
    assert a.names == b.names and a.regions == b.regions
    assert {c: list(d.categories) for c, d in a.dtypes.items()} == {
        c: list(d.categories) for c, d in b.dtypes.items()
    }


def test_the_cache_file_equals_a_fresh_preparation(project):
    fresh = engine._prepare(store.load())
    first = engine.prepare()  # writes the file
    assert _cache_file().is_file()
    cache.clear()  # a new process: read from the file, the store itself is not loaded
    from_file = engine.prepare()
    assert cache.peek("store") is None, "a current cache file needs no store load"
    _same(fresh, first)
    _same(fresh, from_file)
    assert from_file.names["05566028"] == "Ibbenbüren"  # the registry's names, applied on read
    # the loaded store is the project's: the same entry, no second preparation
    assert engine.prepare(store.load()) is engine.prepare()
    a = compute(["ausl_anteil"], ["05566028"], store=store.load())
    cache.clear()
    b = compute(["ausl_anteil"], ["05566028"])
    pd.testing.assert_frame_equal(a, b)


def test_a_store_rebuild_makes_the_cache_stale(project):
    before = engine.prepare()
    key = prepared.cache_key(paths.processed_dir())
    assert prepared.read(_cache_file(), key) is not None
    # a new delivery: one more region in the store
    extra = project / "data" / "raw" / "ibbenbueren" / "lieferung_2022.csv"
    text = extra.read_text(encoding="utf-8")
    copy = project / "data" / "raw" / "zweite" / "lieferung.csv"
    copy.parent.mkdir()
    copy.write_text(
        text.replace("05566028", "05566076").replace("Ibbenbüren", "Rheine"), encoding="utf-8"
    )
    assert store.build().ok
    new_key = prepared.cache_key(paths.processed_dir())
    assert new_key != key
    assert prepared.read(_cache_file(), new_key) is None, "the old file is not used"
    after = engine.prepare()
    assert "05566076" in after.regions and "05566076" not in before.regions
    _same(after, engine._prepare(store.load()))
    cache.clear()
    assert "05566076" in engine.prepare().regions  # and the rewritten file says so too


def test_a_catalogue_or_code_change_makes_the_cache_stale(project, tmp_path, monkeypatch):
    catalog_mod = sys.modules["ibislib.indicators.catalog"]
    engine.prepare()
    key = prepared.cache_key(paths.processed_dir())
    changed = tmp_path / "catalog.yml"
    changed.write_text(
        catalog_mod.CATALOG_PATH.read_text(encoding="utf-8") + "\n# geändert\n", "utf-8"
    )
    monkeypatch.setattr(catalog_mod, "CATALOG_PATH", changed)
    assert prepared.cache_key(paths.processed_dir()) not in (key, None)
    monkeypatch.undo()
    monkeypatch.setenv("IBIS_ROOT", str(project))
    assert prepared.cache_key(paths.processed_dir()) == key
    prepared.code_digest.cache_clear()
    monkeypatch.setattr(prepared, "FORMAT", prepared.FORMAT + 1)
    try:
        assert prepared.cache_key(paths.processed_dir()) != key
        assert prepared.read(_cache_file(), prepared.cache_key(paths.processed_dir())) is None
    finally:
        prepared.code_digest.cache_clear()


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage", "body"])
def test_a_damaged_cache_file_is_rebuilt_with_a_warning(project, damage):
    good = engine.prepare()
    path = _cache_file()
    data = path.read_bytes()
    if damage == "flip":
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "body":  # a readable file for the right key, but not the bytes checked
        df = store.load()
        other = engine._split(df[df["period"] == df["period"].iloc[0]])
        prepared.write(path, prepared.cache_key(paths.processed_dir()), other)
        path.write_bytes(path.read_bytes()[:-32] + data[-32:])
    else:
        path.write_bytes(b"kein Arrow" * 10)
    cache.clear()
    with pytest.warns(prepared.CacheWarning, match="neu aufgebaut"):
        again = engine.prepare()
    _same(good, again)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rewritten: read without a warning
        cache.clear()
        _same(good, engine.prepare())
    assert path.read_bytes() == data


def test_the_cli_says_so_and_goes_on_without_a_traceback(project):
    engine.prepare()
    path = _cache_file()
    path.write_bytes(path.read_bytes()[:-100])
    run = subprocess.run(
        [sys.executable, "-m", "ibislib.cli", "indicators", "-m", "05566028", "--format", "md"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "IBIS_ROOT": str(project)},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith("Hinweis: Zwischenspeicher") and "neu aufgebaut" in run.stderr
    assert "| Ausländeranteil | Ibbenbüren |" in run.stdout


def test_written_only_beside_an_ibis_store_never_into_raw(project, tmp_path):
    prep = engine.prepare()
    raw_target = paths.raw_dir() / prepared.CACHE_FILE
    assert not prepared.write(raw_target, "k", prep)
    assert not raw_target.exists()
    (paths.raw_dir() / "manifest.json").write_text("{}", encoding="utf-8")  # even so
    assert not prepared.write(raw_target, "k", prep) and not raw_target.exists()
    foreign = tmp_path / "fremd"
    foreign.mkdir()
    assert not prepared.write(foreign / prepared.CACHE_FILE, "k", prep)
    assert list(foreign.iterdir()) == []


def test_other_frames_are_prepared_in_memory_only(project):
    df = store.load()
    part = df[df["region"] == "05566028"]
    _cache_file().unlink(missing_ok=True)
    prep = engine.prepare(part)
    assert prep.regions == ["05566028"] and not _cache_file().exists()
    assert engine.prepare(part) is prep


#: What `ibis indicators` does not use: file loaders and their schema (pandera), figures,
#: statistics, Excel (only for --format xlsx), the parser's rich help (only for --help/errors).
NOT_ON_THE_INDICATORS_PATH = [
    "pandera",
    "ibislib.sources",
    "matplotlib",
    "scipy",
    "geopandas",
    "openpyxl",
    "typer.rich_utils",
    "nbformat",
]

_RUN_AND_LIST = """
import json, sys
sys.argv = ["ibis", "indicators", "-m", "05566028", "--format", "md"]
from ibislib import cache
from ibislib.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules), "cached": sorted(cache._entries)}),
      file=sys.stderr)
"""


def test_ibis_indicators_imports_and_loads_only_what_it_needs(project):
    """python -X importtime showed pandera (0,3 s), rich (0,2 s) and the loaders on this path;
    with a current prepared cache the store frame itself is not read either."""
    import json
    import os

    engine.prepare()  # the cache file exists, as after any earlier run
    run = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST],
        capture_output=True,
        text=True,
        env={**os.environ, "IBIS_ROOT": str(project)},
        timeout=300,
    )
    got = json.loads(run.stderr.strip().splitlines()[-1])
    assert got["code"] == 0 and "| Ausländeranteil | Ibbenbüren |" in run.stdout
    loaded = [m for m in NOT_ON_THE_INDICATORS_PATH if m in got["modules"]]
    assert loaded == [], f"'ibis indicators' imports {loaded}"
    assert "store" not in got["cached"] and "prepared" in got["cached"]
