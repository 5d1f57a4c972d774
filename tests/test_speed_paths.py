"""Issue 17 (speed): the fast paths give the same results as the plain ones.

Times are never asserted here (benchmarks/ measures them); these tests pin what the faster
code must keep: the same groups, the same cached values, the same figure sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibislib import indicators as ind
from ibislib import publish
from ibislib.tidy import finish, validate


def _store(regions: list[str]) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(regions):
        for nat, v in (("insgesamt", 1000 + i), ("ausländisch", 100 + i)):
            rows.append(
                {
                    "region": r,
                    "region_name": f"Test {r}",
                    "period": "2015-12-31",
                    "measure": "bevoelkerung",
                    "nationality": nat,
                    "value": float(v),
                    "flag": "",
                    "unit": "Anzahl",
                    "source": "synthetisch (Test)",
                    "table": "test",
                }
            )
    return validate(finish(pd.DataFrame(rows)))


def test_group_ids_same_groups_as_a_multiindex():
    from ibislib.indicators.engine import _group_ids

    rng = np.random.default_rng(17)
    cols = [rng.integers(-1, n, 5000) for n in (7, 300, 40, 3)]
    fast = _group_ids(cols)
    slow = pd.factorize(pd.MultiIndex.from_arrays(cols))[0]
    # the same partition of the rows (group numbers may differ, the groups may not)
    pairs = set(zip(fast.tolist(), slow.tolist(), strict=True))
    assert len(pairs) == len(set(fast.tolist())) == len(set(slow.tolist()))


def test_region_cache_is_bounded_and_keeps_what_is_in_use(monkeypatch):
    """The catalogue cache drops the least recently used regions, never the ones asked for,
    and its values equal a fresh computation (a batch's memory stays bounded)."""
    from ibislib.indicators import engine

    monkeypatch.setattr(engine, "MAX_CACHED_REGIONS", 3)
    regions = [f"0556602{i}" for i in range(6)]
    store = _store(regions)
    hub = regions[0]  # like the Land: asked for with every unit
    for r in regions[1:]:
        got = ind.compute(["ausl_anteil"], regions=[r, hub], store=store)
        assert set(got["region"]) == {r, hub}
    cached = engine.prepare(store).results
    assert len(cached) <= 3 and hub in cached and regions[-1] in cached
    # more regions at once than the cache holds (a map of all Kreise): all computed
    wide = ind.compute(["ausl_anteil"], regions=regions, store=store)
    fresh = ind.compute(["ausl_anteil"], regions=regions, store=store, params={"x": 1})
    key = ["region", "period"]
    a = wide.sort_values(key)["value"].to_numpy()
    b = fresh.sort_values(key)["value"].to_numpy()
    assert np.allclose(a, b) and a[0] == pytest.approx(10)


def test_map_area_asks_one_indicator_and_equals_the_whole_catalogue():
    """Many regions at once (a map area) evaluate only the asked indicators; later questions
    for the same area, also with regions that hold no rows, still equal a fresh computation."""
    from ibislib.indicators import engine

    with_data = [f"055660{i:02d}" for i in range(1, 13)]  # more than WHOLE_CATALOGUE_UP_TO
    without = [f"055660{i:02d}" for i in range(40, 52)]  # in no row of the store
    store = _store(with_data)
    first = ind.compute(["ausl_anteil"], regions=with_data, store=store)
    cached = engine.prepare(store).results
    assert set(cached[with_data[0]]) == {"ausl_anteil"}  # not the whole catalogue
    area = with_data + without  # only regions without rows are new: nothing to keep
    for ids in (["ausl_anteil"], ["ausl_anteil", "ausl_anzahl"]):
        got = ind.compute(ids, regions=area, store=store)
        fresh = ind.compute(ids, regions=area, store=store, params={"x": 1})
        key = ["indicator_id", "region", "period"]
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True),
            fresh.sort_values(key).reset_index(drop=True),
        )
    pd.testing.assert_frame_equal(
        first, ind.compute(["ausl_anteil"], regions=with_data, store=store)
    )
    assert got.loc[got["region"].isin(without), "value"].isna().all()


def test_html_only_png_is_screen_resolution_same_width(tmp_path):
    """Without the figure PDF (HTML-only report) the PNG is written at 150 dpi; the report
    reads its width from the PNG's own dpi, so the page shows it at the same size."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from ibislib.report.assemble import png_width_cm

    widths = {}
    for formats in (["png", "svg", "pdf"], ["png", "svg"]):
        out = tmp_path / str(len(formats))
        publish.configure(out_dir=out, chapter="01", formats=formats)
        fig, ax = plt.subplots(figsize=(16 / 2.54, 6 / 2.54), constrained_layout=True)
        ax.bar(["Gymnasium", "Hauptschule"], [1670, 290])
        publish.figure(fig, name="balken", caption="Balken", source="IT.NRW")
        png = out / "01_balken.png"
        with Image.open(png) as im:
            dpi = round(im.info["dpi"][0])
        widths[dpi] = png_width_cm(png)
    assert set(widths) == {300, 150}
    assert widths[150] == pytest.approx(widths[300], abs=0.02)


def test_warm_kernel_prelude_wipes_namespace_and_keeps_gc(tmp_path):
    """The prelude empties the namespace like %reset -f, without its full collections, and
    leaves gc.collect as it was."""
    import nbformat

    from ibislib.batch.kernel import WarmKernel

    def notebook(name: str, code: str):
        nb = nbformat.v4.new_notebook()
        nb.cells.append(nbformat.v4.new_code_cell(code))
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        path = tmp_path / name
        path.write_text(nbformat.writes(nb), encoding="utf-8")
        return path

    first = notebook("a.ipynb", "leftover = 42")
    check = notebook(
        "b.ipynb",
        "import gc\nprint('leftover' in dir(), gc.collect is gc.__dict__['collect'], "
        "type(gc.collect).__name__)",
    )
    with WarmKernel(quiet=True) as k:
        k.execute(first, tmp_path / "a_out.ipynb", {}, tmp_path)
        k.execute(check, tmp_path / "b_out.ipynb", {}, tmp_path)
    out = nbformat.read(tmp_path / "b_out.ipynb", as_version=4)
    assert out.cells[-1].outputs[0]["text"].strip() == "False True builtin_function_or_method"


def test_mann_whitney_permutation_equals_scipy():
    """Same U and the same permutation p-value as scipy's own (ties, unequal groups)."""
    from scipy import stats

    from ibislib.survey.compare import SEED, mann_whitney_permutation

    rng = np.random.default_rng(4)
    for n1, n2, k in ((40, 13, 5), (9, 120, 3), (60, 60, 2)):
        x1 = rng.integers(0, k, n1).astype(float)
        x2 = rng.integers(0, k, n2).astype(float)
        ref = stats.mannwhitneyu(
            x1,
            x2,
            method=stats.PermutationMethod(
                n_resamples=999, random_state=np.random.default_rng(SEED)
            ),
        )
        u, p = mann_whitney_permutation(x1, x2, 999, np.random.default_rng(SEED))
        assert u == ref.statistic and p == ref.pvalue


def test_html_only_report_without_png_shows_figures_at_the_png_width(tmp_path, monkeypatch):
    """An HTML-only report writes no PNG; the width it shows a figure at (meta width_cm) is
    the one the 150-dpi PNG had, to the hundredth of a cm the page prints — for a chart laid
    out 'tight' and a map saved at its full size (ibis_bbox None)."""
    import matplotlib.pyplot as plt

    from ibislib.figures import new_figure
    from ibislib.report.assemble import png_width_cm

    def chart():
        fig, ax = new_figure()
        ax.barh(["Gymnasium", "Integrierte Gesamtschule"], [1670, 290])
        ax.set_title("Schüler*innen nach Schulform")
        return fig

    def whole():
        fig = plt.figure(figsize=(16 / 2.54, 9 / 2.54))
        fig.add_axes((0, 0, 0.66, 1)).plot([0, 1], [0, 1])
        fig.ibis_bbox = None
        return fig

    metas = {}
    for formats in (["png", "svg"], ["svg"]):
        out = tmp_path / "_".join(formats)
        publish.configure(out_dir=out, chapter="01", formats=formats)
        shown: list[dict] = []
        monkeypatch.setattr(publish, "_display", lambda b, m, into=shown: into.append(m))
        for name, make in (("balken", chart), ("karte", whole)):
            publish.figure(make(), name=name, caption=name, source="IT.NRW")
        metas[len(formats)] = {m["name"]: m for m in shown}
    assert not list((tmp_path / "svg").glob("*.png"))
    for name in ("01_balken", "01_karte"):
        png = png_width_cm(tmp_path / "png_svg" / f"{name}.png")
        assert f"{metas[1][name]['width_cm']:.2f}" == f"{png:.2f}"
        assert metas[1][name]["files"] == {"svg": f"{name}.svg"}
    assert abs(metas[1]["01_balken"]["width_cm"] - 16) > 0.1  # the tight box, not the figure
