"""Region registry from the shipped GV100AD subset and the VG5000 attribute tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ibislib.errors import FormatError, RegionError
from ibislib.ingest import gv100ad
from ibislib.regions import read_dbf, registry, slug
from ibislib.sources import sniff_format

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
GV = next((RAW / "gemeindeverzeichnis").glob("GV100AD_*.txt"))


@pytest.fixture(scope="module")
def reg():
    return registry(RAW)


def test_gv100ad_fields_of_ibbenbueren():
    df = gv100ad.read(GV).set_index("ags")
    ibb = df.loc["05566028"]
    assert ibb["level"] == "gemeinde"
    assert ibb["name"] == "Ibbenbüren"
    assert ibb["full_name"] == "Ibbenbüren, Stadt"
    assert ibb["textkennzeichen"] == "63" and ibb["art"] == "Stadt"
    assert ibb["bevoelkerung"] == 52421  # 31.12.2022
    assert ibb["bevoelkerung_maennlich"] == 25823
    assert ibb["flaeche_km2"] == pytest.approx(108.87)  # 10.887 ha
    assert ibb["plz"] == "49477"
    assert ibb["stand"] == "2023-11-30"
    assert ibb["kreis"] == "05566" and ibb["land"] == "05"
    assert df.loc["05566", "level"] == "kreis" and df.loc["05566", "textkennzeichen"] == "43"
    assert df.loc["16", "name"] == "Thüringen"
    assert (df["level"] == "land").sum() == 16
    assert (df["level"] == "kreis").sum() == 400


def test_gv100ad_is_sniffed():
    assert sniff_format(GV) == "gv100ad"


def test_gv100ad_latin1_is_decoded_before_slicing(tmp_path):
    # Destatis ships some releases as ISO-8859-1: umlauts must not shift the columns
    lines = GV.read_text(encoding="utf-8").splitlines()
    ibb = next(ln for ln in lines if ln.startswith("6020231130055660280028"))
    f = tmp_path / "GV100AD_latin1.txt"
    f.write_bytes((ibb + "\r\n").encode("latin-1"))
    row = gv100ad.read(f).iloc[0]
    assert row["name"] == "Ibbenbüren" and row["bevoelkerung"] == 52421


@pytest.mark.parametrize(
    "mangle, problem",
    [
        (lambda ln: "70" + ln[2:], "Satzart"),
        (lambda ln: ln[:2] + "20231331" + ln[10:], "Gebietsstand"),
        (lambda ln: ln[:139] + "00000A52421" + ln[150:], "Bevölkerung"),
        (lambda ln: ln[:60], "Zeichen"),
    ],
)
def test_gv100ad_malformed_line_names_line(tmp_path, mangle, problem):
    lines = GV.read_text(encoding="utf-8").splitlines()[:600]
    idx = next(i for i, ln in enumerate(lines) if ln.startswith("60"))
    lines[idx] = mangle(lines[idx])
    f = tmp_path / "GV100AD_bad.txt"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as exc:
        gv100ad.read(f)
    assert exc.value.line == idx + 1
    assert problem in exc.value.message


def test_dbf_reader_reads_all_vg5000_gemeinden():
    recs = read_dbf(RAW / "geo_bkg_vg5000" / "VG5000_GEM.dbf", ["AGS", "GEN", "BEZ"])
    assert len(recs) == 10997
    by_ags = {r["AGS"]: r for r in recs}
    assert by_ags["05566028"]["GEN"] == "Ibbenbüren"
    assert by_ags["09162000"]["GEN"] == "München"


def test_dbf_reader_rejects_truncated_file(tmp_path):
    f = tmp_path / "VG5000_GEM.dbf"
    f.write_bytes((RAW / "geo_bkg_vg5000" / "VG5000_GEM.dbf").read_bytes()[:5000])
    with pytest.raises(FormatError, match="abgeschnitten|kürzer"):
        read_dbf(f)


@pytest.mark.parametrize(
    "text, ags",
    [
        ("Ibbenbüren", "05566028"),
        ("Ibbenbüren, Stadt", "05566028"),
        ("ibbenbueren", "05566028"),
        ("IBBENBÜREN", "05566028"),
        ("Stadt Ibbenbüren", "05566028"),
        ("05566028", "05566028"),
        ("055660028028", "05566028"),  # ARS
        ("Minden", "05770024"),  # the town in NW, not the village Minden (Eifel) in RP
        ("Völklingen", "10041519"),
        ("Ilm-Kreis", "16070"),
        ("16070", "16070"),
        ("Kreis Steinfurt", "05566"),
        ("Steinfurt", "05566084"),  # the town; the Kreis is 'Kreis Steinfurt'
        ("München", "09162000"),
        ("Landkreis München", "09184"),
        ("Nordrhein-Westfalen", "05"),
        ("Deutschland", "DG"),
        ("DG", "DG"),
    ],
)
def test_resolve(reg, text, ags):
    assert reg.resolve(text).ags == ags


def test_region_fields(reg):
    r = reg.resolve("Ibbenbüren")
    assert (r.name, r.full_name, r.level, r.slug) == (
        "Ibbenbüren",
        "Ibbenbüren, Stadt",
        "gemeinde",
        "ibbenbueren",
    )
    assert (r.kreis, r.land) == ("05566", "05")
    assert reg.resolve("Ilm-Kreis").level == "kreis"
    assert reg.name_of("16070") == "Ilm-Kreis"


def test_municipality_outside_gv100ad_subset_comes_from_vg5000(reg):
    r = reg.resolve("Garmisch-Partenkirchen")
    assert r.ags == "09180117" and r.level == "gemeinde"
    assert "VG5000" in r.source
    assert reg.parents(r.ags) == ["09180", "09", "DG"]


def test_unknown_name_lists_close_matches(reg):
    with pytest.raises(RegionError) as exc:
        reg.resolve("Ibenbüren")
    msg = exc.value.message
    assert "Unbekannte Gebietseinheit 'Ibenbüren'" in msg
    assert "Ibbenbüren (05566028, Gemeinde, Kreis Steinfurt)" in msg


def test_ambiguous_name_lists_candidates(reg):
    # two Gemeinden called Lichtenau, both without town status ranking one above the other
    with pytest.raises(RegionError) as exc:
        reg.resolve("Lichtenau")
    assert "05774028" in exc.value.message and "08216028" in exc.value.message


def test_ags_without_leading_zero_is_rejected_with_hint(reg):
    with pytest.raises(RegionError) as exc:
        reg.resolve("5566028")
    assert "05566028" in exc.value.message


def test_hierarchy(reg):
    assert reg.parents("05566028") == ["05566", "05", "DG"]
    assert reg.parents("05566") == ["05", "DG"]
    assert reg.parents("05") == ["DG"]
    assert reg.parents("DG") == []
    assert reg.kreis_of("05566028") == "05566"
    assert reg.land_of("16070") == "16"
    ms = reg.municipalities(kreis="05566")
    assert len(ms) == 24
    assert "05566028" in [m.ags for m in ms]
    # a name means the Kreis here, even where a town has the same name
    assert [m.ags for m in reg.municipalities(kreis="Steinfurt")] == [m.ags for m in ms]
    with pytest.raises(RegionError, match="gesucht ist ein"):
        reg.municipalities(kreis="Ibbenbüren")
    assert len(reg.municipalities(kreis="Ilm-Kreis")) == len(
        [m for m in reg.municipalities(land="16") if m.kreis == "16070"]
    )
    # every German municipality, without the uninhabited gemeindefreie Gebiete
    n = len(reg.municipalities())
    assert 10_500 < n < 11_000
    assert len(reg.kreise()) == 400


def test_describe(reg):
    d = reg.describe("05566028")
    assert d["AGS"] == "05566028"
    assert d["Name"] == "Ibbenbüren"
    assert d["Ebene"] == "Gemeinde"
    assert d["Kreis"] == "Kreis Steinfurt (05566)"
    assert d["Land"] == "Nordrhein-Westfalen (05)"


def test_slug():
    assert slug("Ibbenbüren") == "ibbenbueren"
    assert slug("Straßburg, Stadt") == "strassburg-stadt"
    assert slug("Mühlhausen/Thüringen") == "muehlhausen-thueringen"


def _ibis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ibislib.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_resolve():
    res = _ibis("regions", "resolve", "Ibbenbüren")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "05566028"


def test_cli_unknown_name_exits_nonzero_with_suggestions():
    res = _ibis("regions", "resolve", "Ibenbüren")
    assert res.returncode != 0
    assert "05566028" in res.stderr
    assert "Traceback" not in res.stderr


def test_to_frame(reg):
    df = reg.to_frame()
    assert df["ags"].is_unique
    row = df.set_index("ags").loc["05566028"]
    assert row["name"] == "Ibbenbüren" and row["level"] == "gemeinde"
    assert row["bevoelkerung"] == 52421
    df.loc[0, "name"] = "verändert"  # callers get a copy
    assert reg.to_frame().loc[0, "name"] != "verändert"


def test_registry_cached_beside_the_store_keyed_on_the_inputs(tmp_path, monkeypatch):
    """Issue 17: the registry is parsed once and then read from data/processed/regionen.json;
    a changed directory (bytes, not dates) is parsed again; the cached registry is the same."""
    import shutil

    from ibislib import cache, paths, regions

    raw, processed = tmp_path / "raw", tmp_path / "processed"
    for sub in ("gemeindeverzeichnis", "geo_bkg_vg5000"):
        shutil.copytree(paths.raw_dir() / sub, raw / sub)
    monkeypatch.setattr(paths, "raw_dir", lambda: raw)
    monkeypatch.setattr(paths, "processed_dir", lambda: processed)
    parsed = []
    real = regions._parse
    monkeypatch.setattr(regions, "_parse", lambda *a: parsed.append(1) or real(*a))
    cache.clear()
    try:
        first = regions.registry()
        assert parsed == [1] and (processed / regions.CACHE_FILE).exists()
        cache.clear()
        again = regions.registry()  # a new process: from the cache, not parsed
        assert parsed == [1]
        assert [again.resolve(t).ags for t in ("Minden", "Kreis Steinfurt", "ibbenbueren")] == [
            "05770024",
            "05566",
            "05566028",
        ]
        assert list(again) == list(first) and again.parents("05566028") == first.parents("05566028")
        with (raw / "geo_bkg_vg5000" / "aktualitaet.txt").open("a", encoding="latin-1") as fh:
            fh.write("\n")
        cache.clear()
        regions.registry()
        assert parsed == [1, 1]  # the inputs changed: parsed again
    finally:
        cache.clear()


def test_regions_resolve_imports_no_pandas():
    """`ibis regions resolve` must start fast: no pandas/pandera (0,6 s) for a name lookup."""
    code = (
        "import sys; from ibislib.cli import main; sys.argv = ['ibis', 'regions', 'resolve', "
        "'Ibbenbüren']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["05566028", "False"]
