"""GENESIS '-' counts as 0 only beside a positive total of the same table, region and period."""

import numpy as np
import pandas as pd

from ibislib import store
from ibislib.indicators import compute
from ibislib.indicators.engine import prepare


def test_unpublished_kreis_figures_are_unknown_not_zero():
    # regionalstatistik.de prints '-' for almost every Kreis at 30.06.2025 (not yet published;
    # SOURCES.md §2): Kreis Steinfurt has no value then, rather than "0 employees"
    df = compute(["svb_ausl_anzahl_arbeitsort"], ["05566", "05"])
    df = df[(df["sex"] == "insgesamt") & (df["period"].astype(str) == "2025-06-30")]
    kreis = df.loc[df["region"] == "05566", "value"]
    land = df.loc[df["region"] == "05", "value"]
    assert len(kreis) and kreis.isna().all()
    assert (land > 0).all()


def test_dash_beside_a_positive_total_is_zero():
    prep = prepare(store.load())
    zero_dash = 0
    for frame in prep.frames.values():
        dash = frame[frame["flag"].astype(str) == "-"]
        zero_dash += int((dash["value"] == 0).sum())
        assert dash["value"].isna().any() or (dash["value"] == 0).all()
    assert zero_dash > 0  # real exports have exact zeros ('-') inside positive totals
    assert not np.isinf(pd.concat([f["value"] for f in prep.frames.values()])).any()
