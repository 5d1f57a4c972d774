"""Indicator catalogue and engine: the integration monitoring as data.

Public API (used by the report notebooks; names and signatures are stable)::

    catalog(params=None) -> dict[str, Indicator]          # id -> entry (.title, .unit, .decimals,
                                                          #   .definition, .source, .lesehilfe,
                                                          #   .dimension, .concept, .notes)
    compute(ids=None, regions=None, periods=None, *, store=None, params=None) -> DataFrame
    change(df) -> DataFrame                               # + previous_period, previous_value,
                                                          #   change (abs. / Prozentpunkte), change_pct
    compare(indicator_id, region, period=None, *, store=None, **breakdown) -> DataFrame
    latest(indicator_id, region, *, store=None, **breakdown) -> pandas.Series | None
    series(indicator_id, region, *, store=None, breakdown=False) -> DataFrame
    suppress(df, threshold=5, by=None) -> DataFrame
    references(indicator_id=None, store=None) -> DataFrame  # published reference values

German sentences built on these live in :mod:`ibislib.text`::

    lesehilfe(indicator_id, region, period=None, *, store=None, **breakdown) -> str | None
    comparison(indicator_id, region, period=None, *, store=None, **breakdown) -> str | None
    no_data(topic, region_name) -> str

The catalogue itself is ``catalog.yml`` next to this file; published reference values are in
``reference.yml``. ``ibis indicators`` (``export.run_cli``) prints CSV, Markdown or Excel.
"""

from __future__ import annotations

from .catalog import CatalogError, Indicator, Selection, catalog, load_catalog
from .engine import OUT_COLUMNS, compute, level_of, parents, resolve_region
from .query import change, compare, latest, series
from .reference import references
from .suppression import suppress

__all__ = [
    "OUT_COLUMNS",
    "CatalogError",
    "Indicator",
    "Selection",
    "catalog",
    "change",
    "compare",
    "compute",
    "latest",
    "level_of",
    "load_catalog",
    "parents",
    "references",
    "resolve_region",
    "series",
    "suppress",
]
