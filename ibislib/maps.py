"""Choropleth maps in the house style: Gemeinden of a Kreis, Kreise of a Land, Stadtteile.

Boundaries: the BKG VG5000 shapefiles in ``data/raw/geo_bkg_vg5000/`` (Stand 01.01.2021,
"© GeoBasis-DE / BKG 2021"), or district boundaries a city delivers as GeoJSON or Shapefile in
``data/raw/<stadt>/`` (format in ``docs/lieferformat.md``). Files are read with geopandas/pyogrio
once per process and simplified once (cached), so a batch pays for it only at the start.

Class rule (printed under every map): at most 5 classes, **quantiles** of the units with data
(each class holds about the same number of units; "Quantile" in the legend title), or natural
breaks (Fisher-Jenks) on request. The number of classes is ``min(5, distinct values)``; equal
class limits from tied values are merged. Units without a value – missing, suppressed ('*') or
secret ('.') in the source – are never coloured: they are white, grey-hatched and listed in the
legend as "keine Daten". A map with fewer than :data:`MIN_UNITS` units holding data is not drawn;
:class:`NoMap` says why, and the notebook prints that sentence instead.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import fmt, paths
from .errors import FormatError, IbisError
from .figures import CM, PALETTE, TEXT_WIDTH, apply_style
from .text import fuer_region

BKG_COPYRIGHT = "© GeoBasis-DE / BKG 2021"
MIN_UNITS = 3
MAX_CLASSES = 5
#: Simplification tolerance in metres: invisible at 16 cm for a Kreis, much faster to draw.
SIMPLIFY_M = 80.0
#: Equal-area CRS for areas (LAEA Europe); maps are drawn in UTM 32N (ETRS89).
AREA_CRS = "EPSG:3035"
MAP_CRS = "EPSG:25832"
#: Germany in WGS84 with a margin: coordinates outside mean a wrong or missing CRS.
GERMANY_BOUNDS = (5.0, 47.0, 15.9, 55.2)
SCHEMES = {"quantile": "Quantile", "natural": "natürliche Klassengrenzen (Fisher-Jenks)"}

#: Sequential ramp from a light tint to a dark shade of the house blue (PALETTE[0]).
RAMP = ["#DCE9F4", "#A9C9E4", "#6FA3CE", PALETTE[0], "#003F66"]
MISSING_HATCH = "////"
MISSING_EDGE = "#9A9A9A"


class NoMap(IbisError):
    """A map cannot be drawn (too few units with data, no boundaries); the message says why."""


# --------------------------------------------------------------------------- boundaries


def vg5000_dir() -> Path:
    return paths.raw_dir() / "geo_bkg_vg5000"


_LAYERS = {"gemeinde": "GEM", "kreis": "KRS", "land": "LAN"}


def read_boundaries(
    path: str | Path,
    key: str | tuple[str, ...] = "AGS",
    name: str | tuple[str, ...] | None = None,
    *,
    repair: bool = False,
) -> pd.DataFrame:
    """A boundary file (Shapefile, GeoJSON, GeoPackage) as a GeoDataFrame with columns
    ``key``, ``name`` and ``geometry`` in :data:`MAP_CRS`, checked:

    - the file has a coordinate reference system, and its coordinates lie in Germany,
    - it has the key column (first of the given candidates found, case-insensitive),
    - every geometry is a valid polygon (the error names the first bad feature and why).
      ``repair=True`` is only for the official VG5000, whose generalisation leaves a few
      self-intersecting rings (3 of 10.997 Gemeinden): those are fixed with
      ``shapely.make_valid`` (the polygonal parts kept) instead of refusing the file.

    Errors are :class:`ibislib.errors.FormatError` naming the file.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    if not path.exists():
        raise FormatError("Grenzdatei nicht gefunden", path=path)
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises DataSourceError etc. with English text
        raise FormatError(
            f"Grenzdatei kann nicht gelesen werden ({exc})",
            path=path,
            hint="Erwartet wird GeoJSON oder ein Shapefile mit .shp, .shx, .dbf und .prj.",
        ) from exc
    cols = {c.lower(): c for c in gdf.columns if c != "geometry"}
    keys = (key,) if isinstance(key, str) else key
    found = next((cols[k.lower()] for k in keys if k.lower() in cols), None)
    if found is None:
        raise FormatError(
            f"Spalte {' oder '.join(repr(k) for k in keys)} fehlt "
            f"(vorhanden: {', '.join(cols.values()) or 'keine'})",
            path=path,
            hint="Jede Fläche braucht ihren Schlüssel (AGS bzw. Stadtteilname, docs/lieferformat.md).",
        )
    names = (name,) if isinstance(name, str) else (name or ())
    name_col = next((cols[n.lower()] for n in names if n.lower() in cols), found)
    if gdf.crs is None:
        raise FormatError(
            "Die Grenzdatei hat kein Koordinatenbezugssystem (CRS)",
            path=path,
            hint="Beim Shapefile fehlt die .prj-Datei; GeoJSON ist WGS84 (EPSG:4326) oder nennt sein CRS.",
        )
    if len(gdf) == 0:
        raise FormatError("Die Grenzdatei enthält keine Flächen", path=path)
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        i = int(np.flatnonzero((geom.isna() | geom.is_empty).to_numpy())[0])
        raise FormatError(
            f"Fläche Nr. {i + 1} ({gdf[found].iloc[i]}) hat keine Geometrie", path=path
        )
    kinds = set(geom.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise FormatError(
            f"Erwartet werden Flächen (Polygone), gefunden: {', '.join(sorted(kinds))}",
            path=path,
        )
    valid = shapely.is_valid(geom.to_numpy())
    if repair and not valid.all():
        fixed = shapely.make_valid(geom.to_numpy()[~valid])
        parts = [
            shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type.endswith("Polygon")])
            for g in fixed
        ]
        gdf.loc[~valid, gdf.geometry.name] = parts
        geom = gdf.geometry
        valid = shapely.is_valid(geom.to_numpy())
    if not valid.all():
        i = int(np.flatnonzero(~valid)[0])
        reason = shapely.is_valid_reason(geom.iloc[i])
        raise FormatError(
            f"Ungültige Geometrie in Fläche Nr. {i + 1} ({gdf[found].iloc[i]}): {reason}; "
            f"{int((~valid).sum())} von {len(gdf)} Flächen ungültig",
            path=path,
            hint="Bitte im GIS reparieren (z. B. QGIS 'Geometrien reparieren') und neu liefern; "
            "ibis repariert Grenzen nicht stillschweigend.",
        )
    try:
        lon0, lat0, lon1, lat1 = gdf.to_crs("EPSG:4326").total_bounds
    except Exception as exc:
        raise FormatError(
            f"Koordinaten lassen sich nicht umrechnen ({exc})",
            path=path,
            hint="Ist das Koordinatenbezugssystem (CRS) richtig angegeben?",
        ) from exc
    w, s, e, n = GERMANY_BOUNDS
    if not (
        np.isfinite([lon0, lat0, lon1, lat1]).all()
        and lon0 >= w
        and lat0 >= s
        and lon1 <= e
        and lat1 <= n
    ):
        raise FormatError(
            f"Die Flächen liegen nicht in Deutschland (Koordinaten laut CRS {gdf.crs.to_string()}: "
            f"Länge {fmt.number(lon0, 2)}–{fmt.number(lon1, 2)}, Breite {fmt.number(lat0, 2)}–"
            f"{fmt.number(lat1, 2)}) – falsches Koordinatenbezugssystem?",
            path=path,
            hint="Das angegebene CRS passt nicht zu den Koordinaten (z. B. Grad als Meter "
            "angegeben, oder UTM-Koordinaten ohne .prj). Bitte mit richtigem CRS liefern.",
        )
    out = gpd.GeoDataFrame(
        {
            "key": gdf[found].astype(str).str.strip(),
            "name": gdf[name_col].astype(str).str.strip(),
        },
        geometry=gdf.geometry.to_crs(MAP_CRS).to_numpy(),
        crs=MAP_CRS,
    )
    return out


#: Bump when the preparation below changes (invalidates the GeoParquet cache).
PREP_VERSION = 1


@lru_cache(maxsize=8)
def _vg5000(folder: str, level: str):
    """VG5000 layer in MAP_CRS: one row per AGS (land parts only), simplified; with km².

    Prepared once per process; the result is also kept as GeoParquet in data/processed/
    (keyed by the shapefile's size and time), so a new kernel reads it in a fraction of the time.
    """
    import geopandas as gpd

    f = Path(folder) / f"VG5000_{_LAYERS[level]}.shp"
    if not f.exists():
        raise NoMap(
            f"Keine Grenzen für die Ebene {level} vorhanden",
            path=f,
            hint="Die BKG-Verwaltungsgrenzen VG5000 gehören nach data/raw/geo_bkg_vg5000/.",
        )
    st = f.stat()
    key = f"{PREP_VERSION}-{SIMPLIFY_M}-{st.st_size}-{st.st_mtime_ns}"
    cache = paths.processed_dir() / f"grenzen_vg5000_{level}_{key}.parquet"
    if cache.exists():
        try:
            return gpd.read_parquet(cache)
        except Exception:  # noqa: BLE001 - a broken cache is rebuilt
            pass
    gdf = _prepare_vg5000(f, level)
    try:
        from .atomic import atomic_path

        for old in paths.processed_dir().glob(f"grenzen_vg5000_{level}_*.parquet"):
            if old != cache:  # our own older caches only (parallel workers share the new one)
                old.unlink(missing_ok=True)
        with atomic_path(cache, suffix=".parquet") as tmp:
            gdf.to_parquet(tmp)
    except OSError:
        pass
    return gdf


def _prepare_vg5000(f: Path, level: str):
    import geopandas as gpd

    gdf = read_boundaries(f, key="AGS", name="GEN", repair=True)
    raw = gpd.read_file(f, engine="pyogrio", columns=["GF", "BEZ"], ignore_geometry=True)
    gdf["bez"] = raw["BEZ"].astype(str).to_numpy()
    if "GF" in raw:  # Geofaktor: land areas carry the highest code (9; 4 in older editions),
        gf = pd.to_numeric(raw["GF"], errors="coerce").to_numpy()  # water (coast, Bodensee) less
        gdf = gdf[gf == np.nanmax(gf)]
    gdf = gdf.dissolve(by="key", as_index=False, aggfunc="first")
    gdf["flaeche_km2"] = gdf.geometry.to_crs(AREA_CRS).area.to_numpy() / 1e6
    gdf["geometry"] = gdf.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    return gdf.rename(columns={"key": "ags"}).sort_values("ags").reset_index(drop=True)


def boundaries(level: str, folder: str | Path | None = None):
    """The VG5000 units of a level ('gemeinde', 'kreis', 'land'): columns ags, name, bez,
    flaeche_km2, geometry (cached per process; a copy is returned)."""
    return _vg5000(str(Path(folder or vg5000_dir()).resolve()), level).copy()


def area_km2(level: str) -> pd.Series:
    """Area per AGS in km² (VG5000 land area, equal-area projection)."""
    gdf = _vg5000(str(vg5000_dir().resolve()), level)
    return pd.Series(gdf["flaeche_km2"].to_numpy(), index=gdf["ags"].to_numpy(), name="km2")


DISTRICT_FILES = ("stadtteile.geojson", "stadtteile.shp", "stadtteile.gpkg")
DISTRICT_KEYS = ("stadtteil", "name", "bezeichnung")


def district_file(ags: str, raw: Path | None = None) -> Path | None:
    """The delivered Stadtteil boundary file of a Gemeinde (``data/raw/<stadt>/stadtteile.*``,
    the folder whose delivery names that AGS), or None."""
    from .regions import registry, slug

    raw = Path(raw or paths.raw_dir())
    r = registry().get(ags)
    folders = [raw / slug(r.name).replace("-", "_"), raw / slug(r.name)] if r else []
    for folder in folders:
        for name in DISTRICT_FILES:
            if (folder / name).exists():
                return folder / name
    return None


@lru_cache(maxsize=16)
def _districts(path: str, mtime: int):
    gdf = read_boundaries(path, key=DISTRICT_KEYS)
    gdf["geometry"] = gdf.geometry.simplify(5.0, preserve_topology=True)
    return gdf.rename(columns={"key": "district"})


def districts(path: str | Path):
    """Delivered Stadtteil boundaries: columns district, name, geometry (cached per file)."""
    p = Path(path)
    return _districts(str(p.resolve()), p.stat().st_mtime_ns).copy()


# --------------------------------------------------------------------------- classes


@dataclass
class Classes:
    """Class limits of a map: ``bins`` are upper limits (right-closed, as in mapclassify)."""

    bins: list[float]
    scheme: str
    lower: float

    def labels(self, decimals: int, suffix: str = "") -> list[str]:
        """German legend entries: 'bis 8,1 %', 'über 8,1 bis 9,9 %' … (right-closed)."""
        out = []
        for i, up in enumerate(self.bins):
            hi = fmt.number(up, decimals) + suffix
            if i == 0:
                lo = fmt.number(self.lower, decimals)
                out.append(hi if lo + suffix == hi else f"{lo} bis {hi}")
            else:
                out.append(f"über {fmt.number(self.bins[i - 1], decimals)} bis {hi}")
        return out

    def assign(self, values: np.ndarray) -> np.ndarray:
        """Class index per value (-1 for NaN)."""
        v = np.asarray(values, dtype=float)
        idx = np.searchsorted(np.asarray(self.bins), v, side="left")
        idx = np.minimum(idx, len(self.bins) - 1)
        return np.where(np.isfinite(v), idx, -1)


def classify(values, scheme: str = "quantile", k: int = MAX_CLASSES, decimals: int = 1) -> Classes:
    """Class limits for the finite `values` by the documented rule (see module docstring).

    Limits are rounded to the shown decimals so that the legend never contradicts the colours.
    """
    import mapclassify

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        raise NoMap("Keine Werte für eine Klasseneinteilung")
    distinct = np.unique(np.round(v, decimals))
    k = max(1, min(k, MAX_CLASSES, len(distinct)))
    if scheme not in SCHEMES:
        raise IbisError(
            f"Unbekannte Klasseneinteilung '{scheme}'", hint="Möglich: quantile, natural."
        )
    import warnings

    # ties: mapclassify merges classes and warns; without numba FisherJenks warns (it is exact)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if k == 1:
            bins = [float(v.max())]
        elif scheme == "natural":
            bins = list(mapclassify.FisherJenks(v, k=k).bins)
        else:
            bins = list(mapclassify.Quantiles(v, k=k).bins)
    # round limits up to the shown precision (the top limit keeps the maximum inside)
    step = 10.0**-decimals
    rounded = [np.ceil(b / step - 1e-9) * step for b in bins]
    rounded[-1] = max(rounded[-1], float(v.max()))
    out: list[float] = []
    for b in rounded:
        if not out or b > out[-1] + step / 2:
            out.append(float(b))
    return Classes(bins=out, scheme=scheme, lower=float(np.floor(v.min() / step + 1e-9) * step))


def colors_for(n: int) -> list[str]:
    """n colours of the sequential ramp, light to dark."""
    if n >= len(RAMP):
        return RAMP[:n]
    idx = np.round(np.linspace(0, len(RAMP) - 1, n)).astype(int)
    return [RAMP[i] for i in idx]


# --------------------------------------------------------------------------- drawing


def choropleth(
    gdf,
    value: str = "value",
    *,
    label: str = "name",
    highlight: str | list[str] | None = None,
    key: str = "ags",
    unit: str = "Prozent",
    decimals: int = 1,
    legend_title: str = "",
    scheme: str = "quantile",
    label_all: bool | None = None,
    copyright: str = BKG_COPYRIGHT,
    width: float = TEXT_WIDTH,
):
    """A choropleth Figure at 16 cm width: classes by :func:`classify`, the units in
    `highlight` outlined and labelled, "keine Daten" hatched and in the legend.

    Raises :class:`NoMap` when fewer than :data:`MIN_UNITS` units hold a value.
    """
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    vals = pd.to_numeric(gdf[value], errors="coerce").to_numpy(dtype=float)
    n_data = int(np.isfinite(vals).sum())
    if n_data < MIN_UNITS:
        raise NoMap(
            f"nur {n_data} von {len(gdf)} Gebieten mit Werten (mindestens {MIN_UNITS} nötig)"
        )
    suffix = " %" if unit == "Prozent" else ""
    classes = classify(vals, scheme, decimals=decimals)
    cls = classes.assign(vals)
    colors = colors_for(len(classes.bins))
    face = np.array([colors[c] if c >= 0 else "white" for c in cls], dtype=object)

    apply_style()
    x0, y0, x1, y1 = gdf.total_bounds
    map_w = width * 0.66
    height = float(np.clip(map_w * (y1 - y0) / max(x1 - x0, 1.0), 6.5 * CM, 13 * CM))
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 0.66, 1.0))
    ax.set_axis_off()
    ax.set_aspect("equal")
    geoms = gdf.geometry
    has = cls >= 0
    hl = {highlight} if isinstance(highlight, str) else set(highlight or [])
    mask = gdf[key].isin(hl).to_numpy()
    # GeoDataFrame.plot ends with canvas.draw_idle(), which under Agg draws the whole
    # half-built map; the map is drawn when it is saved, once per file
    fig.canvas.draw_idle = lambda *args, **kwargs: None
    try:
        if has.any():
            gdf[has].plot(ax=ax, color=list(face[has]), edgecolor="white", linewidth=0.5)
        if (~has).any():
            gdf[~has].plot(
                ax=ax,
                facecolor="white",
                edgecolor=MISSING_EDGE,
                hatch=MISSING_HATCH,
                linewidth=0.4,
            )
        if mask.any():
            gdf[mask].plot(ax=ax, facecolor="none", edgecolor="black", linewidth=1.6, zorder=4)
    finally:
        del fig.canvas.draw_idle  # the canvas's own method again
    ax.set_xlim(x0 - (x1 - x0) * 0.02, x1 + (x1 - x0) * 0.02)
    ax.set_ylim(y0 - (y1 - y0) * 0.02, y1 + (y1 - y0) * 0.02)
    if label_all is None:
        label_all = len(gdf) <= 30
    halo = [pe.withStroke(linewidth=2.2, foreground="white")]
    points = geoms.representative_point()
    dark = {c for c in colors[-2:]} if len(colors) >= 4 else {colors[-1]}
    per_inch = (x1 - x0) * 1.04 / map_w  # data units per inch of map
    widths = geoms.bounds["maxx"] - geoms.bounds["minx"]
    for pt, name, is_hl, fc, room in zip(points, gdf[label], mask, face, widths, strict=True):
        if not (is_hl or label_all):
            continue
        size = 7.5 if is_hl else 5.5
        text, fits = fit_label(str(name), room / per_inch, size)
        # white type only where the label stays on its dark area; one that runs over its
        # neighbours gets dark type and a halo (a halo per label costs ~10 ms in 3 formats)
        on_dark = fc in dark and not is_hl and fits
        ax.annotate(
            text,
            (pt.x, pt.y),
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold" if is_hl else "normal",
            color="white" if on_dark else ("black" if is_hl else "#333333"),
            path_effects=halo if (is_hl or not fits) else None,
            linespacing=1.0,
            zorder=5,
        )
    handles = [
        Patch(facecolor=c, edgecolor="white", label=lab)
        for c, lab in zip(colors, classes.labels(decimals, suffix), strict=True)
    ]
    n_missing = int((~has).sum())
    if n_missing:
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=MISSING_EDGE,
                hatch=MISSING_HATCH,
                label=f"keine Daten ({n_missing})",
            )
        )
    wrapped = textwrap.fill(legend_title, 34) if legend_title else ""
    title = (wrapped + "\n" if wrapped else "") + f"Klassen: {SCHEMES[classes.scheme]}"
    leg = fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.68, 0.95),
        frameon=False,
        title=title,
        alignment="left",
        handlelength=1.6,
        handleheight=1.1,
    )
    leg.get_title().set_fontsize(7)
    fig.text(0.995, 0.01, f"Geometrien: {copyright}", ha="right", va="bottom", fontsize=5.5)
    fig.ibis_classes = classes  # for tests and the explorer
    fig.ibis_bbox = None  # laid out at the full width: no "tight" pass when saving
    return fig


# --------------------------------------------------------------------------- notebook blocks


def _frame_values(iid: str, regions: list[str], period: str | None):
    from .indicators import compute
    from .report import blocks

    df = compute(ids=[iid], regions=regions, periods=[period] if period else None)
    if df is None or df.empty:
        return df
    return blocks.totals(df)


#: Source symbols that mean "no number to show": suppressed, secret, too uncertain, n/a.
HIDDEN_FLAGS = ("*", ".", "/", "x")


def map_values(at: pd.DataFrame, key: str = "region") -> pd.Series:
    """Values per unit for a map: NaN where the value is missing or carries a hiding symbol
    ('*' suppressed, '.' secret, '/' too uncertain, 'x' not applicable), whatever the
    value column says; the first row per unit."""
    flag = at["flag"].fillna("").astype(str) if "flag" in at else pd.Series("", index=at.index)
    clean = pd.to_numeric(at["value"], errors="coerce").where(~flag.isin(HIDDEN_FLAGS))
    vals = pd.Series(clean.to_numpy(dtype=float), index=at[key].astype(str).to_numpy())
    return vals[~vals.index.duplicated()]


def map_data(
    indicator_id: str, unit, level: str, period: str | None = None
) -> tuple[object, str | None, pd.DataFrame]:
    """Boundaries of the map area with the indicator's values at one period.

    level 'gemeinde': all Gemeinden of the unit's Kreis; 'kreis': all Kreise of its Land.
    Returns (GeoDataFrame with column value, period, values frame). Values of one period
    only (the unit's latest, or `period`); NaN stays NaN (suppressed/secret cells included).
    """
    from .regions import registry

    reg = registry()
    gdf = boundaries(level)
    # the map area on the boundaries' own Gebietsstand (VG5000, 01.01.2021): units merged
    # since then have no polygon, units without data at that Stand show as "keine Daten"
    if level == "gemeinde":
        kreis = unit.ags if unit.level == "kreis" else unit.kreis
        gdf = gdf[gdf["ags"].str[:5] == kreis] if kreis else gdf.iloc[0:0]
    else:
        gdf = gdf[gdf["ags"].str[:2] == unit.land] if unit.land else gdf.iloc[0:0]
    gdf = gdf.reset_index(drop=True)
    if len(gdf) == 0:
        return gdf.assign(value=np.nan), None, pd.DataFrame()
    df = _frame_values(indicator_id, list(gdf["ags"]), None)
    if df is None or df.empty:
        return gdf.assign(value=np.nan), None, pd.DataFrame()
    own_ags = unit.ags if level == "gemeinde" or unit.level == "kreis" else unit.kreis
    with_value = df[df["value"].notna()]
    if period is None:
        from .report.blocks import latest_period

        own = with_value[with_value["region"] == own_ags]
        pool = own if len(own) else with_value
        # the period most units hold (a map never mixes Stichtage), the newest among equals
        if len(pool) and len(own) == 0:
            counts = pool.groupby("period")["region"].nunique()
            period = sorted(counts[counts == counts.max()].index)[-1]
        else:
            period = latest_period(pool)
    at = df[df["period"] == period]
    gdf["value"] = gdf["ags"].map(map_values(at)).astype(float)
    # short names on the map ("Gotha"); the unit itself by its full name ("Kreis Steinfurt")
    names = {r.ags: r.name for r in (reg.get(a) for a in gdf["ags"]) if r}
    gdf["name"] = gdf["ags"].map(names).fillna(gdf["name"])
    own_unit = reg.get(own_ags) if own_ags else None
    if level == "kreis" and own_unit is not None and not own_unit.is_kreisfrei:
        gdf.loc[gdf["ags"] == own_ags, "name"] = own_unit.full_name
    return gdf, period, at


def _stand(per: str, unit, period: str | None) -> str:
    """'31.12.2015, neuester verfügbarer Stand' for an old map (the Datenstand rule)."""
    from .report import blocks

    shown = fmt.period(per)
    return f"{shown}, neuester verfügbarer Stand" if blocks.is_stale(per, unit, period) else shown


def _caption_where(unit, level: str) -> str:
    from .regions import registry

    reg = registry()
    if level == "gemeinde":
        k = reg.get(unit.ags if unit.level == "kreis" else unit.kreis)
        from .text import in_region

        # "Kreis Steinfurt", but "Berlin", not the register's "Berlin, Stadt"
        where = k.name if k and "," in k.full_name else (k.full_name if k else "")
        return f"Gemeinden {in_region(where)}" if k else "Gemeinden des Kreises"
    land = reg.get(unit.land)
    name = land.name if land else "Land"
    from .text import in_region

    return f"Kreise und kreisfreie Städte {in_region(name)}"


def label_width_in(text: str, size: float) -> float:
    """Estimated width in inches of `text` (its longest line) at `size` pt in DejaVu Sans:
    0,55 em per character on average, enough to decide whether a label needs breaking."""
    return max(len(line) for line in text.split("\n")) * size * 0.55 / 72


def fit_label(name: str, room_in: float, size: float) -> tuple[str, bool]:
    """A map label for an area `room_in` inches wide: the name on one line if it fits, else
    broken after its hyphens or at its spaces ("Schwabhausen-\nWülfershausen"); with
    whether the result fits."""
    if label_width_in(name, size) <= room_in:
        return name, True
    parts = [p for p in name.replace("-", "-\n").replace(" ", "\n").split("\n") if p]
    text = "\n".join(parts) if len(parts) > 1 else name
    return text, label_width_in(text, size) <= room_in


def _levels(unit, level: str | None) -> list[str]:
    if level is not None:
        return [level]
    if unit.level == "gemeinde" and not unit.is_kreisfrei:
        return ["gemeinde", "kreis"]
    return ["kreis"]


def figure_for(
    indicator_id: str,
    unit,
    period: str | None = None,
    *,
    level: str | None = None,
    scheme: str = "quantile",
):
    """The map for the unit's surroundings without publishing it (for the explorer):
    returns (Figure or None, level, period, values frame, reasons why other levels gave no map).

    ``level`` None picks the regional comparison that applies: the Gemeinden of the Kreis for
    a kreisangehörige Gemeinde (falling back to the Kreise of the Land when fewer than
    :data:`MIN_UNITS` Gemeinden hold data), the Kreise of the Land for a kreisfreie Stadt or a
    Kreis. ``unit`` may be a Region, an AGS or a name.
    """
    from .regions import registry
    from .report import blocks

    if isinstance(unit, str):
        unit = registry().resolve(unit)
    e = blocks.entry(indicator_id)
    reasons = []
    for lv in _levels(unit, level):
        try:
            gdf, per, at = map_data(indicator_id, unit, lv, period)
        except NoMap as exc:  # no boundaries shipped: say so instead of failing the chapter
            reasons.append(exc.problem)
            continue
        if per is None:
            reasons.append(f"{_caption_where(unit, lv)}: keine Werte")
            continue
        highlight = unit.ags if lv == "gemeinde" or unit.level == "kreis" else unit.kreis
        if unit.level == "kreis" and lv == "gemeinde":
            highlight = None
        try:
            fig = choropleth(
                gdf,
                "value",
                highlight=highlight,
                unit=e.unit,
                decimals=e.decimals if e.unit == "Prozent" else 0,
                legend_title=f"{e.title}{' (%)' if e.unit == 'Prozent' else ''}",
                scheme=scheme,
            )
        except NoMap as exc:
            reasons.append(f"{_caption_where(unit, lv)}: {exc.problem}")
            continue
        fig.ibis_data = _data_table(gdf, e)
        return fig, lv, per, at, reasons
    return None, None, None, pd.DataFrame(), reasons


def _data_table(gdf, e) -> pd.DataFrame:
    """The map's values as a table (its data table and alt text): one row per area, missing and
    suppressed areas left empty, as on the map."""
    col = f"{e.title} (%)" if e.unit == "Prozent" else e.title
    table = pd.DataFrame({"Gebiet": gdf["name"].astype(str), col: gdf["value"].astype(float)})
    return table.sort_values("Gebiet", kind="stable").reset_index(drop=True)


def map_figure(
    indicator_id: str,
    unit,
    period: str | None = None,
    *,
    level: str | None = None,
    scheme: str = "quantile",
    publish_note: bool = True,
) -> bool:
    """Publish the map of :func:`figure_for` (numbered, captioned, with sources); True when
    drawn. For a Kreis both maps are published: its Gemeinden (when at least
    :data:`MIN_UNITS` hold data) and the Kreise of its Land. When no map can be drawn, a note
    says why (``publish_note``)."""
    from . import publish
    from .report import blocks

    e = blocks.entry(indicator_id)
    if level is None and getattr(unit, "level", "") == "kreis":
        # a Kreis sees both: its Gemeinden (where they hold data) and the Kreise of its Land
        inner = map_figure(
            indicator_id, unit, period, level="gemeinde", scheme=scheme, publish_note=False
        )
        return map_figure(indicator_id, unit, period, level="kreis", scheme=scheme) or inner
    fig, lv, per, at, reasons = figure_for(indicator_id, unit, period, level=level, scheme=scheme)
    if fig is None:
        if publish_note and reasons:
            # the rule once per chapter (two maps of a chapter may both miss it)
            rule = f"Eine Karte wird erst ab {MIN_UNITS} Gebieten mit Werten gezeichnet."
            publish.note(
                f"Keine Karte zu „{e.title}“: "
                + "; ".join(reasons)
                + (f". {rule}" if blocks.first_time(rule) else ".")
            )
        return False
    src = blocks.source_of(indicator_id, at if len(at) else None)
    publish.figure(
        fig,
        name=f"{indicator_id}_karte_{lv}",
        caption=f"{e.title}, {_caption_where(unit, lv)}, {_stand(per, unit, period)} "
        f"(Klassen: {SCHEMES[scheme]}; schraffiert: keine Daten; Gebietsstand 01.01.2021)",
        source=publish.join_sources([src, f"{BKG_COPYRIGHT}, VG5000"]),
        data=fig.ibis_data,
        data_decimals=e.decimals,
    )
    return True


def district_map(
    indicator_id: str, unit, period: str | None = None, *, boundary_file: Path | None = None
) -> bool:
    """Publish a map of the Stadtteile from delivered boundaries (``stadtteile.geojson`` …);
    False (silently) when the city delivered none; a note when the data are too few."""
    from . import publish
    from .report import blocks

    path = boundary_file or district_file(unit.ags)
    if path is None:
        return False
    e = blocks.entry(indicator_id)
    gdf = districts(path)
    df = blocks.values(indicator_id, unit.ags, period, keep=("district",))
    if df.empty:
        return False  # no district values for this indicator: nothing to say here
    per = period or blocks.latest_period(df)
    df = df[df["period"] == per]
    vals = map_values(df, key="district") if len(df) else {}
    gdf["value"] = gdf["district"].map(vals).astype(float)
    try:
        fig = choropleth(
            gdf,
            "value",
            key="district",
            unit=e.unit,
            decimals=e.decimals if e.unit == "Prozent" else 0,
            legend_title=f"{e.title}{' (%)' if e.unit == 'Prozent' else ''}",
            copyright=f"Stadt {unit.name}",
        )
    except NoMap as exc:
        publish.note(
            f"Keine Stadtteilkarte zu „{e.title}“ {fuer_region(unit.name)}: {exc.problem}."
        )
        return False
    table = _data_table(gdf.assign(name=gdf["district"]), e)
    publish.figure(
        fig,
        name=f"{indicator_id}_karte_stadtteile",
        caption=f"{e.title}{'' if 'Stadtteil' in e.title else ' nach Stadtteilen'}, "
        f"{unit.name}, {_stand(per, unit, period)} "
        f"(Klassen: {SCHEMES['quantile']}; schraffiert: keine Daten)",
        source=publish.join_sources(
            [blocks.source_of(indicator_id, df), f"Stadtteilgrenzen: Stadt {unit.name}"]
        ),
        data=table.rename(columns={"Gebiet": "Stadtteil"}),
        data_decimals=e.decimals,
    )
    return True
