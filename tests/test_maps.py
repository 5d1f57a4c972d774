"""Maps: class breaks and German legend, "keine Daten" hatched, suppressed cells never coloured,
at least 3 units with data, district boundaries from a delivery, and clear errors for bad
boundary files (wrong CRS, missing key column, invalid geometry) that name the file."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from shapely.geometry import box

from ibislib import maps, publish
from ibislib.errors import FormatError

# ----------------------------------------------------------------------------- helpers

# a 3 x 2 grid of 5 km squares near Ibbenbüren (UTM 32N)
X0, Y0, S = 400_000, 5_800_000, 5_000


def grid(values, names=None) -> gpd.GeoDataFrame:
    cells = [
        box(X0 + (i % 3) * S, Y0 + (i // 3) * S, X0 + (i % 3 + 1) * S, Y0 + (i // 3 + 1) * S)
        for i in range(len(values))
    ]
    return gpd.GeoDataFrame(
        {
            "ags": [f"0556600{i}" for i in range(len(values))],
            "name": names or [f"Ort {i}" for i in range(len(values))],
            "value": values,
        },
        geometry=cells,
        crs=maps.MAP_CRS,
    )


def _collections(fig):
    return [c for c in fig.axes[0].collections]


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


# ----------------------------------------------------------------------------- classes


def test_quantile_classes_at_most_five_and_cover_all_values():
    rng = np.random.default_rng(7)
    v = rng.uniform(2, 14, 53)
    c = maps.classify(v, "quantile", decimals=1)
    assert 1 <= len(c.bins) <= 5
    assert c.bins == sorted(c.bins)
    cls = c.assign(v)
    assert cls.min() == 0 and cls.max() == len(c.bins) - 1
    bins = np.asarray(c.bins)
    for x, k in zip(v, cls, strict=True):  # every value lies inside its class
        assert x <= bins[k] + 1e-9
        assert k == 0 or x > bins[k - 1]
    # quantiles: each class holds roughly the same number of units
    counts = np.bincount(cls)
    assert counts.max() - counts.min() <= 3


def test_few_distinct_values_give_fewer_classes_and_natural_breaks_work():
    c = maps.classify([1.0, 1.0, 2.0, 2.0, 2.0], "quantile", decimals=1)
    assert len(c.bins) <= 2
    n = maps.classify([1, 2, 3, 10, 11, 12, 30, 31], "natural", k=3, decimals=0)
    assert n.bins == [3.0, 12.0, 31.0]
    with pytest.raises(Exception, match="Klasseneinteilung"):
        maps.classify([1, 2, 3], "gleich")


def test_german_legend_labels_with_unit_and_decimals():
    c = maps.Classes(bins=[3.4, 4.0, 12.7], scheme="quantile", lower=2.4)
    assert c.labels(1, " %") == ["2,4 bis 3,4 %", "über 3,4 bis 4,0 %", "über 4,0 bis 12,7 %"]
    big = maps.Classes(bins=[1500.0, 25000.0], scheme="quantile", lower=12.0)
    assert big.labels(0) == ["12 bis 1.500", "über 1.500 bis 25.000"]


# ----------------------------------------------------------------------------- drawing


def test_missing_values_hatched_in_legend_and_never_coloured():
    gdf = grid([3.1, np.nan, 5.2, 9.9, np.nan, 7.0])
    fig = maps.choropleth(gdf, legend_title="Ausländeranteil (%)", decimals=1)
    hatched = [c for c in _collections(fig) if c.get_hatch() == maps.MISSING_HATCH]
    assert len(hatched) == 1
    assert len(hatched[0].get_paths()) == 2  # the two units without data
    assert {to_hex(f) for f in hatched[0].get_facecolor()} == {"#ffffff"}
    coloured = [c for c in _collections(fig) if c.get_hatch() is None and len(c.get_paths()) == 4]
    assert coloured, "the four units with data are drawn in one coloured layer"
    faces = {to_hex(f) for f in coloured[0].get_facecolor()}
    assert faces <= {to_hex(x) for x in maps.RAMP} and "#ffffff" not in faces
    texts = _legend_texts(fig)
    assert "keine Daten (2)" in texts
    assert any(t.endswith(" %") for t in texts)
    assert "Quantile" in fig.legends[0].get_title().get_text()
    assert fig.get_figwidth() == pytest.approx(16 / 2.54)


def test_highlighted_unit_outlined_and_labelled():
    gdf = grid([3.1, 4.0, 5.2, 9.9, 6.0, 7.0], names=["A", "Ibbenbüren", "C", "D", "E", "F"])
    fig = maps.choropleth(gdf, highlight="05566001", label_all=False)
    outlines = [c for c in _collections(fig) if c.get_linewidth()[0] >= 1.5]
    assert len(outlines) == 1 and len(outlines[0].get_paths()) == 1
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["Ibbenbüren"]


def test_fewer_than_three_units_with_data_give_no_map():
    with pytest.raises(maps.NoMap, match="nur 2 von 4 Gebieten mit Werten"):
        maps.choropleth(grid([1.0, np.nan, 2.0, np.nan]))


def test_suppressed_and_secret_cells_are_no_data_even_with_a_value():
    at = pd.DataFrame(
        {
            "region": ["a", "b", "c", "d", "e"],
            "value": [4.0, 3.0, 7.5, np.nan, 2.0],
            "flag": ["", "*", "", "", "."],
        }
    )
    vals = maps.map_values(at)
    assert vals["a"] == 4.0 and vals["c"] == 7.5
    assert vals[["b", "d", "e"]].isna().all()
    gdf = grid([np.nan] * 5)
    gdf["ags"] = list("abcde")
    gdf["value"] = gdf["ags"].map(vals)
    with pytest.raises(maps.NoMap):  # only a and c are left: no map
        maps.choropleth(gdf)


def test_engine_suppression_reaches_the_map():
    from ibislib.indicators.suppression import suppress

    df = pd.DataFrame(
        {
            "indicator_id": ["x"] * 4,
            "region": ["a", "b", "c", "d"],
            "period": ["2021"] * 4,
            "numerator": [3.0, 40.0, 55.0, 61.0],
            "value": [1.5, 8.0, 9.1, 7.7],
            "unit": ["Prozent"] * 4,
            "flag": [""] * 4,
            "note": [""] * 4,
        }
    )
    for dim in ("sex", "nationality", "age_group", "school_type", "district", "category"):
        df[dim] = "insgesamt"
    vals = maps.map_values(suppress(df))
    assert np.isnan(vals["a"]) and vals["b"] == 8.0


# ----------------------------------------------------------------------------- VG5000


def test_vg5000_layers_read_once_simplified_with_areas():
    g = maps.boundaries("gemeinde")
    assert len(g) > 10_000 and g.crs.to_epsg() == 25832
    assert g["ags"].is_unique and g["ags"].str.len().eq(8).all()
    assert g.geometry.is_valid.all()
    ibb = g.set_index("ags").loc["05566028"]
    assert 100 < ibb["flaeche_km2"] < 115  # Ibbenbüren: 109 km²
    assert maps._vg5000.cache_info().currsize >= 1
    assert maps.boundaries("gemeinde") is not maps.boundaries("gemeinde")  # copies


def test_map_of_the_kreis_with_real_data_publishes_three_files(tmp_path):
    from ibislib.regions import registry

    unit = registry().resolve("Ibbenbüren")
    publish.configure(out_dir=tmp_path, chapter="99", municipality=unit.ags)
    assert maps.map_figure("svb_ausl_anteil", unit)
    stem = tmp_path / "99_svb_ausl_anteil_karte_gemeinde"
    for ext in ("png", "svg", "pdf"):
        assert stem.with_suffix(f".{ext}").stat().st_size > 1000
    fig, level, period, _, _ = maps.figure_for("svb_ausl_anteil", unit)
    assert level == "gemeinde" and period == "2015-06-30"
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "Ibbenbüren" in labels


def test_no_map_note_says_why(tmp_path, capsys):
    from ibislib.regions import registry

    unit = registry().resolve("Ibbenbüren")
    publish.configure(out_dir=tmp_path, chapter="99", municipality=unit.ags)
    assert not maps.map_figure("ik_teilnehmende", unit)
    out = capsys.readouterr().out
    assert "Keine Karte" in out and "mindestens 3" in out


# ----------------------------------------------------------------------------- deliveries


def _geojson(path, features, crs=None):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _feature(name, x0, y0, d=0.01, ring=None):
    ring = ring or [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"stadtteil": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


DISTRICTS = ["Innenstadt", "Alstedde/Schafberg", "Laggenbeck", "Püsselbüren", "Dickenberg"]


def test_district_boundaries_from_a_delivery(tmp_path, capsys):
    """A synthetic Stadtteil file (squares near Ibbenbüren, WGS84) joined to the delivery's
    district counts; the district without a value is hatched."""
    from ibislib.regions import registry

    raw = tmp_path / "raw"
    (raw / "ibbenbueren").mkdir(parents=True)
    f = _geojson(
        raw / "ibbenbueren" / "stadtteile.geojson",
        [_feature(n, 7.70 + 0.011 * i, 52.27) for i, n in enumerate(DISTRICTS)],
    )
    assert maps.district_file("05566028", raw=raw) == f
    from ibislib import store

    assert f not in store._candidates(raw)  # boundaries are not observation data
    gdf = maps.districts(f)
    assert list(gdf["district"]) == DISTRICTS and gdf.crs.to_epsg() == 25832
    unit = registry().resolve("Ibbenbüren")
    out = tmp_path / "out"
    publish.configure(out_dir=out, chapter="99", municipality=unit.ags)
    assert maps.district_map("ausl_anzahl_stadtteil", unit, boundary_file=f)
    assert (out / "99_ausl_anzahl_stadtteil_karte_stadtteile.png").exists()
    assert "Stadtteilgrenzen: Stadt Ibbenbüren" in capsys.readouterr().out


def test_bad_boundary_file_wrong_crs_names_the_file(tmp_path):
    # metre coordinates (UTM) declared as WGS84 degrees
    f = _geojson(
        tmp_path / "stadtteile.geojson",
        [_feature("Mitte", 400_000, 5_800_000, d=1000)],
        crs="urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    with pytest.raises(FormatError) as e:
        maps.read_boundaries(f, key="stadtteil")
    assert "stadtteile.geojson" in e.value.message
    assert "falsches Koordinatenbezugssystem" in e.value.message


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_bad_boundary_file_without_prj(tmp_path):
    gdf = gpd.GeoDataFrame({"AGS": ["05566028"]}, geometry=[box(0, 0, 1, 1)], crs=None)
    shp = tmp_path / "grenzen.shp"
    gdf.to_file(shp, engine="pyogrio")
    shp.with_suffix(".prj").unlink(missing_ok=True)
    with pytest.raises(FormatError, match=r"grenzen\.shp.*kein Koordinatenbezugssystem"):
        maps.read_boundaries(shp)


def test_bad_boundary_file_missing_key_column(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"Bezirk_Nr": [1]}, geometry=[box(7.7, 52.2, 7.8, 52.3)], crs="EPSG:4326"
    )
    f = tmp_path / "grenzen.geojson"
    gdf.to_file(f, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(FormatError) as e:
        maps.read_boundaries(f, key="AGS")
    assert "grenzen.geojson" in e.value.message and "Spalte 'AGS' fehlt" in e.value.message
    assert "Bezirk_Nr" in e.value.message


def test_bad_boundary_file_invalid_geometry(tmp_path):
    bowtie = [[7.70, 52.20], [7.80, 52.30], [7.80, 52.20], [7.70, 52.30], [7.70, 52.20]]
    f = _geojson(
        tmp_path / "stadtteile.geojson",
        [_feature("Mitte", 7.6, 52.2), _feature("Nord", 0, 0, ring=bowtie)],
    )
    with pytest.raises(FormatError) as e:
        maps.read_boundaries(f, key="stadtteil")
    msg = e.value.message
    assert "stadtteile.geojson" in msg and "Ungültige Geometrie in Fläche Nr. 2 (Nord)" in msg
    assert "Self-intersection" in msg
    # the official VG5000 route repairs instead of refusing
    fixed = maps.read_boundaries(f, key="stadtteil", repair=True)
    assert fixed.geometry.is_valid.all()


def test_a_kreis_gets_its_gemeinden_and_the_kreise_of_its_land(tmp_path):
    from ibislib.regions import registry

    unit = registry().resolve("Ilm-Kreis")
    publish.configure(out_dir=tmp_path, chapter="99", municipality=unit.ags)
    assert maps.map_figure("arbeitslose_ausl_anteil", unit)
    names = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert names == [
        "99_arbeitslose_ausl_anteil_karte_gemeinde",
        "99_arbeitslose_ausl_anteil_karte_kreis",
    ]
    gdf, period, _ = maps.map_data("arbeitslose_ausl_anteil", unit, "kreis")
    assert len(gdf) == 23 and gdf["ags"].str.startswith("16").all()  # Thüringen, VG5000 2021
    # the newest Kreis values (Arbeitslose 2025, data/raw/regionalstatistik/13211-02-05-4__…)
    assert gdf["value"].notna().sum() >= 20 and period == "2025"


def test_a_map_is_drawn_once_per_file(tmp_path, monkeypatch):
    """Building the map draws nothing (GeoDataFrame.plot's draw_idle drew the half-built
    map); saving draws it once per format."""
    from matplotlib.figure import Figure

    from ibislib.figures import save

    calls = []
    draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: calls.append(1) or draw(self, r))
    gdf = grid([3.1, 4.0, np.nan, 9.9, 6.0, 7.0], names=["A", "Ibbenbüren", "C", "D", "E", "F"])
    fig = maps.choropleth(gdf, highlight="05566001")
    assert calls == [] and "draw_idle" not in vars(fig.canvas)
    save(fig, tmp_path / "karte", ("png", "svg"), 150)
    assert len(calls) == 2


def test_long_map_label_is_broken_at_its_hyphen_and_short_one_kept() -> None:
    """A Gemeinde name wider than its area is broken after the hyphen (it ran over its
    neighbours in white type, unreadable); a short one stays on one line."""
    from ibislib.maps import fit_label, label_width_in

    room = label_width_in("Wülfershausen", 5.5) + 0.01
    text, fits = maps_fit = fit_label("Osthausen-Wülfershausen", room, 5.5)
    assert text == "Osthausen-\nWülfershausen" and fits, maps_fit
    assert fit_label("Plaue", room, 5.5) == ("Plaue", True)
    text, fits = fit_label("Großbreitenbach", 0.05, 5.5)
    assert text == "Großbreitenbach" and not fits  # no break point: kept whole, marked
