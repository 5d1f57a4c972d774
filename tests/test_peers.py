"""Vergleichsringe: the distance rule against a brute-force reference, determinism and tie-break,
rings of the real units, the methods note with inputs and dates, the ranking sentence and the
`ibis regions peers` command."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ibislib import peers
from ibislib.cli import app
from ibislib.regions import registry


def synthetic(n: int = 60, seed: int = 3) -> peers.Features:
    rng = np.random.default_rng(seed)
    lands = rng.choice(["05", "06", "16"], n)
    df = pd.DataFrame(
        {
            "name": [f"G{i}" for i in range(n)],
            "bez": "Gemeinde",
            "flaeche_km2": rng.uniform(10, 200, n),
            "bevoelkerung": np.round(10 ** rng.uniform(3, 5.5, n)),
            "land": lands,
            "ost": lands == "16",
            "typ": rng.choice(["Gemeinde", "kreisangehörige Stadt"], n),
            "ausl_anteil": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1, 20, n)),
        },
        index=pd.Index([f"{land}{i:06d}" for i, land in enumerate(lands)], name="ags"),
    ).sort_index()
    df["dichte"] = df["bevoelkerung"] / df["flaeche_km2"]
    return peers.Features(level="gemeinde", frame=df)


def brute_force(f: peers.Features, k: int) -> dict[str, list[str]]:
    """The documented rule, written out pair by pair."""
    df = f.frame
    cols = {
        "bevoelkerung": np.log10(df["bevoelkerung"]),
        "dichte": np.log10(df["dichte"]),
        "ausl_anteil": df["ausl_anteil"],
    }
    z = {c: (v - v.mean()) / v.std(ddof=0) for c, v in cols.items()}
    out = {}
    for a in df.index:
        d = []
        for b in df.index:
            if a == b or df.at[a, "ost"] != df.at[b, "ost"]:
                continue
            s = 0.0
            for c in cols:
                if np.isfinite(z[c][a]) and np.isfinite(z[c][b]):
                    s += peers.WEIGHTS[c] * (z[c][a] - z[c][b]) ** 2
            s += peers.WEIGHTS["typ"] * (df.at[a, "typ"] != df.at[b, "typ"])
            s += peers.WEIGHTS["land"] * (df.at[a, "land"] != df.at[b, "land"])
            d.append((round(s, 9), b))
        out[a] = [b for _, b in sorted(d)[:k]]
    return out


def test_vectorised_rings_follow_the_documented_rule(monkeypatch):
    f = synthetic()
    monkeypatch.setattr(peers, "features", lambda level="gemeinde": f)
    got = peers.rings("gemeinde", k=5, block=7)  # small blocks: the block seams are covered
    want = brute_force(f, 5)
    for ags, grp in got.groupby("ags"):
        assert list(grp.sort_values("rang")["peer"]) == want[ags], ags
    assert not (got["ags"] == got["peer"]).any()
    # West and Ost are never mixed
    ost = f.frame["ost"]
    assert (got["ags"].map(ost) == got["peer"].map(ost)).all()


def test_equal_distance_smaller_ags_first(monkeypatch):
    f = synthetic(12)
    df = f.frame.copy()
    df.iloc[1:, df.columns.get_loc("bevoelkerung")] = 5000.0
    df["dichte"], df["land"], df["ost"], df["typ"] = 100.0, "05", False, "Gemeinde"
    df["ausl_anteil"] = np.nan
    f = peers.Features(level="gemeinde", frame=df)
    monkeypatch.setattr(peers, "features", lambda level="gemeinde": f)
    r = peers.rings("gemeinde", k=4)
    first = r[r["ags"] == df.index[0]]
    assert list(first["peer"]) == sorted(df.index[1:])[:4]


def test_rings_of_all_gemeinden_are_deterministic():
    a = peers.rings("gemeinde")
    b = peers.rings("gemeinde")
    pd.testing.assert_frame_equal(a, b)
    n = len(peers.features("gemeinde").frame)
    assert n > 10_000 and len(a) == n * peers.K
    assert a.groupby("ags")["peer"].nunique().eq(peers.K).all()
    one = peers.rings("gemeinde", only=["05566028"])
    pd.testing.assert_frame_equal(one, a[a["ags"] == "05566028"].reset_index(drop=True))


@pytest.mark.parametrize("name", ["Ibbenbüren", "Minden", "Münster", "Ilm-Kreis"])
def test_ring_of_the_example_units(name):
    unit = registry().resolve(name)
    r = peers.ring(unit)
    assert r["rang"].tolist() == list(range(peers.K + 1))
    assert r["ags"].iloc[0] == unit.ags and unit.ags not in set(r["ags"].iloc[1:])
    assert r["ags"].str.len().nunique() == 1  # same level
    assert (np.diff(r["abstand"]) >= 0).all()
    if unit.is_kreisfrei:
        assert (r["typ"] == "kreisfreie Stadt").all()


def test_method_note_names_inputs_dates_and_what_is_left_out():
    note = peers.method_note("gemeinde")
    for part in ("10 ähnlichsten Gemeinden", "15.05.2022", "Zensus 2022", "01.01.2021", "VG5000"):
        assert part in note
    assert "Ausländeranteil" in note and "nicht verwendet" in note
    kreis = peers.method_note("kreis")
    assert "Ausländeranteil: Stand 31.12.2015" in kreis and "nicht verwendet" not in kreis


def test_ring_sentence_rank_and_median(monkeypatch):
    unit = registry().resolve("Ibbenbüren")
    members = peers.ring(unit).copy()
    members["value"] = [9.9, 12.0, 11.0, 10.5, np.nan, 8.0, 8.1, 7.0, 6.0, 5.0, 4.0]
    members.attrs["level"] = "gemeinde"
    monkeypatch.setattr(peers, "ring_values", lambda *a, **k: (members, "2022-09-30"))
    s = peers.ring_sentence("ausl_anteil", unit)
    # 9 peers with a value; three are higher -> Rang 4 of 10; median of the 9 peers is 8,0
    assert "Unter 9 vergleichbaren Gemeinden (9 von 10 mit Wert) liegt Ibbenbüren" in s
    assert "mit 9,9\u202f% auf Rang 4 von 10 (Median des Vergleichsrings 8,0\u202f%" in s
    assert "30.09.2022" in s


def test_ring_sentence_with_real_data():
    unit = registry().resolve("Ilm-Kreis")
    s = peers.ring_sentence("ausl_anteil", unit)
    assert re.search(
        r"Unter \d+ vergleichbaren Kreisen liegt der Ilm-Kreis mit \d+,\d\u202f% auf Rang \d+ "
        r"von \d+ \(Median des Vergleichsrings \d+,\d\u202f%",
        s,
    ), s


def test_cli_prints_ring_with_features():
    res = CliRunner().invoke(app, ["regions", "peers", "Ibbenbüren"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Vergleichsring für Ibbenbüren (05566028" in out
    for col in ("Bevölkerung", "Einw. je km²", "Siedlungstyp", "Land", "Abstand"):
        assert col in out
    assert "Bezug" in out and "50.618" in out  # Zensus 2022 population, German format
    rows = [ln for ln in out.splitlines() if re.match(r"\s+\d+ \d{8} ", ln)]
    assert len(rows) == peers.K
    assert "Stand 15.05.2022" in out


def test_cli_refuses_a_land():
    res = CliRunner().invoke(app, ["regions", "peers", "Thüringen"])
    assert res.exit_code != 0
    assert "Gemeinden und Kreise" in str(res.exception)
