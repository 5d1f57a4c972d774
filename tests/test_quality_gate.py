"""Slow: the report-quality gate builds its quick subset (two small units, HTML and PDF of the
demography chapter) with the batch runner and inspects the result."""

from __future__ import annotations

import pytest

from ibislib.report import quality as q

pytestmark = pytest.mark.slow

#: kinds the quick subset is already free of; a finding of these kinds is a regression
CLEAN = {"unvollstaendig", "fehlerkasten", "englisch", "quelle_fehlt", "tabelle_breit"}


def test_gate_on_quick_subset(tmp_path, capsys) -> None:
    units, quick = q.load_sample()
    subset = [u for u in units if u.ags in quick]
    assert len(subset) >= 2
    result = q.run_sample(
        subset, tmp_path / "gate", chapters=["01"], jobs=2, progress=False, build_store=False
    )
    assert [a for a, *_ in result.rows] == [u.ags for u in subset]
    for ags, _name, code, _found in result.rows:
        assert code == 0, ags
        assert (tmp_path / "gate" / ags / "index.html").exists()
        assert list((tmp_path / "gate" / ags).glob("*.pdf")), ags
    bad = [f for f in result.findings if f.kind in CLEAN]
    assert not bad, q.findings_text(bad)
    text = q.table(result.rows)
    assert f"Summe ({len(subset)} Einheiten" in text
    print(text)  # the other kinds are shown, not asserted (issue 10 is still open)
