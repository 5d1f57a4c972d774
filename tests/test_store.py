"""Building the store from data/raw: Parquet + manifest, incremental, never touching raw files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ibislib import store

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, store.BuildResult]:
    base = tmp_path_factory.mktemp("store")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    processed = base / "processed"
    result = store.build(raw=raw, processed=processed)
    return raw, processed, result


def test_every_shipped_observation_file_builds(built) -> None:
    raw, processed, result = built
    assert result.errors == {}
    assert len(result.built) >= 20
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    for rel, entry in manifest["files"].items():
        assert entry["sha256"] == store.sha256(raw / rel)
        assert entry["rows"] > 0
        assert (processed / entry["parquet"]).is_file()
    # surveys and the region registry are not observations
    assert any(s.startswith("limesurvey/") for s in result.skipped)


def test_store_loads_as_one_tidy_frame(built) -> None:
    _, processed, _ = built
    df = store.load(processed)
    ibb = df[(df["region"] == "05566028") & (df["measure"] == "bevoelkerung")]
    assert {"2015-12-31", "2022-05-15", "2022-09-30"} <= set(ibb["period"])
    assert df["region"].str.len().isin([2, 3, 5, 8, 9, 12]).all() or (df["region"] == "DG").any()


def test_rebuild_only_what_changed_and_never_write_raw(built, tmp_path: Path) -> None:
    raw, processed, _ = built
    before = {p: store.sha256(p) for p in raw.rglob("*") if p.is_file()}
    again = store.build(raw=raw, processed=processed)
    assert again.built == [] and again.errors == {}
    # change one input: only that file is re-read
    target = raw / "ibbenbueren" / "lieferung_2022.csv"
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = store.build(raw=raw, processed=processed)
    assert third.built == ["ibbenbueren/lieferung_2022.csv"]
    after = {p: store.sha256(p) for p in raw.rglob("*") if p.is_file() and p != target}
    assert all(before[p] == h for p, h in after.items())
    leftovers = [p for p in processed.rglob(".*") if p.is_file()]
    assert leftovers == []


def test_bad_file_is_reported_and_left_out(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(RAW / "regionalstatistik" / "12411-01-01-4.csv", raw / "good.csv")
    (raw / "bad.csv").write_text("irgendein Text\nohne Struktur\n", encoding="utf-8")
    res = store.build(raw=raw, processed=tmp_path / "processed")
    assert list(res.errors) == ["bad.csv"] and "bad.csv" in res.errors["bad.csv"]
    assert res.built == ["good.csv"]
    assert not list((tmp_path / "processed").rglob("bad.csv*"))


def test_kreisfreie_stadt_gets_its_kreis_level_rows(built) -> None:
    _, processed, _ = built
    df = store.load(processed)
    sel = (
        (df["measure"] == "svb_wohnort")
        & (df["period"] == "2015-06-30")
        & (df["nationality"] == "ausländisch")
        & (df["sex"] == "insgesamt")
    )
    city = df[sel & (df["region"] == "05515000")]
    kreis = df[sel & (df["region"] == "05515")]
    assert len(city) == 1 and city["value"].iloc[0] == kreis["value"].iloc[0]
    assert store.KREISFREI_NOTE in city["note"].iloc[0]
    # a Gemeinde in a Landkreis is not touched, and the Zensus row of the city itself is kept once
    assert (
        not df[(df["region"] == "05566028")]["note"].astype(str).str.contains("kreisfreien").any()
    )
    zensus = df[
        (df["region"] == "05515000")
        & (df["period"] == "2022-05-15")
        & (df["measure"] == "bevoelkerung")
    ]
    assert len(zensus) == 1 and zensus["note"].iloc[0] == ""
