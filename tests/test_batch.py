"""ibis batch: warm kernel, failure isolation, skip logic, resumption, unknown AGS, Dask.

The runner is exercised with the real ``build_report`` and real Jupyter kernels, on a tiny
parameterised chapter notebook written into tmp_path (the real chapters take minutes; their
content is the report's business). Real AGS from the shipped region registry are used.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from ibislib.batch import fingerprint as fp
from ibislib.batch import municipalities_from, run_batch, summary
from ibislib.batch.kernel import WarmKernel
from ibislib.batch.runner import plan
from ibislib.batch.worker import STAMP, WorkerConfig, write_stamp

STEINFURT = ["05566028", "05566004", "05566008"]  # Ibbenbüren, Altenberge, Emsdetten
MINDEN = "05770024"

CHAPTER = """\
import os, time
from ibislib import publish
publish.configure(out_dir=out_dir, chapter="01", municipality=municipality)
assert "leftover" not in globals(), "namespace was not reset"
leftover = municipality
if municipality in os.environ.get("IBIS_TEST_FAIL", "").split(","):
    raise ValueError(f"absichtlich kaputt: {municipality}")
time.sleep(float(os.environ.get("IBIS_TEST_SLEEP", "0")))
publish.text(f"Gemeinde {municipality} ({type(municipality).__name__})")
"""


def make_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'municipality = "05566028"\nperiod = None\nout_dir = None\ninteractive = True'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testkapitel"), params]
    nb.cells.append(nbformat.v4.new_code_cell(CHAPTER))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "01_test.ipynb")
    return folder


def fake_index(sha_minden: str = "a") -> fp.InputIndex:
    """Two input files: one for Kreis Steinfurt, one for Minden (stable, unlike data/processed,
    which other work may rebuild while the tests run)."""
    idx = fp.InputIndex()
    idx.files = {"steinfurt.csv": "s1", "minden.csv": sha_minden}
    idx.regions = {"steinfurt.csv": {"05566", "05566028"}, "minden.csv": {"05770024"}}
    idx.kreise = {"steinfurt.csv": {"05566"}, "minden.csv": {"05770"}}
    return idx


@pytest.fixture
def nbdir(tmp_path, monkeypatch):
    # ibislib's own source is edited by others while tests run: pin its hash for the tests
    monkeypatch.setattr(fp, "library_hash", lambda: "fixed")
    monkeypatch.setattr(fp, "input_index", lambda *a, **k: fake_index())
    monkeypatch.delenv("IBIS_TEST_FAIL", raising=False)
    monkeypatch.delenv("IBIS_TEST_SLEEP", raising=False)
    return make_notebooks(tmp_path / "nb")


def batch(ags, out, nbdir, **kw):
    kw.setdefault("overview", False)
    return run_batch(ags, out=out, notebooks_dir=nbdir, build_store=False, progress=False, **kw)


def hidden_leftovers(out: Path) -> list[Path]:
    found = []
    for d in [out, *[p for p in out.iterdir() if p.is_dir()]]:
        found += [
            p
            for p in d.iterdir()
            if p.name.startswith(".") and p.name not in (".batch", ".batch.lock")
        ]
    return found


def test_warm_kernel_resets_namespace_and_recovers(tmp_path):
    nb = make_notebooks(tmp_path / "nb") / "01_test.ipynb"
    os.environ["IBIS_TEST_FAIL"] = "05566004"
    try:
        with WarmKernel() as k:
            params = {"out_dir": str(tmp_path / "f"), "period": None, "interactive": False}
            k.execute(nb, tmp_path / "a.ipynb", {**params, "municipality": "05566028"}, tmp_path)
            k.execute(nb, tmp_path / "b.ipynb", {**params, "municipality": "05566008"}, tmp_path)
            assert k.starts == 1  # the same kernel served both notebooks
            with pytest.raises(Exception, match="absichtlich kaputt"):
                k.execute(
                    nb, tmp_path / "c.ipynb", {**params, "municipality": "05566004"}, tmp_path
                )
            k.execute(nb, tmp_path / "d.ipynb", {**params, "municipality": MINDEN}, tmp_path)
            assert k.starts == 2  # replaced after the failure
            k.runs_since_start = 3
            k.recycle(restart_every=5)
            assert k.alive  # below K: kept
            k.runs_since_start = 5
            k.recycle(restart_every=5)
            assert not k.alive  # every K municipalities a new kernel
            k.execute(nb, tmp_path / "e.ipynb", {**params, "municipality": MINDEN}, tmp_path)
            assert k.starts == 3
    finally:
        del os.environ["IBIS_TEST_FAIL"]
    out = nbformat.read(tmp_path / "b.ipynb", as_version=4)
    text = json.dumps(out.cells[-1]["outputs"])
    assert "Gemeinde 05566008 (str)" in text  # AGS kept as a string, leading zero included
    # the failing notebook is still written, with its error
    assert "absichtlich kaputt" in (tmp_path / "c.ipynb").read_text(encoding="utf-8")


MAP_CELL = """\
import matplotlib
matplotlib.use("Agg")
import geopandas as gpd, matplotlib.pyplot as plt
from matplotlib.legend import Legend
from shapely.geometry import box
fig, ax = plt.subplots()
gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]).plot(ax=ax)
plt.close(fig)
print(sum(c.__name__ == "_GeoPandasPolyCollection" for c in Legend._default_handler_map))
"""


def test_warm_kernel_lets_go_of_geopandas_plot_classes(tmp_path):
    """geopandas registers a new class per polygon plot in matplotlib's global legend handler
    map; the warm kernel drops them between notebooks, so they do not pile up report after
    report (a kernel serves hundreds)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(MAP_CELL)]
    nbformat.write(nb, tmp_path / "map.ipynb")
    counts = []
    with WarmKernel() as k:
        for i in range(3):
            k.execute(tmp_path / "map.ipynb", tmp_path / f"out{i}.ipynb", {}, tmp_path)
            out = nbformat.read(tmp_path / f"out{i}.ipynb", as_version=4)
            counts.append(int(out.cells[-1]["outputs"][0]["text"]))
        assert k.starts == 1
    assert counts == [1, 1, 1]  # without the clean-up: 1, 2, 3


def test_failure_isolation_and_skip(nbdir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("IBIS_TEST_FAIL", "05566004")
    res = batch(STEINFURT, out, nbdir, jobs=2)
    assert res.done == ["05566028", "05566008"]
    assert list(res.failed) == ["05566004"]
    assert "absichtlich kaputt" in res.failed["05566004"]
    assert not res.ok
    text = summary(res, {"05566004": "Altenberge"})
    assert "05566004 Altenberge" in text and "fehlgeschlagen" in text
    for ags in ("05566028", "05566008"):
        assert (out / ags / "index.html").is_file()
        assert json.loads((out / ags / STAMP).read_text())["ags"] == ags
        assert ags in (out / ags / "index.html").read_text(encoding="utf-8")
    # a failing chapter still yields a report naming the error, but no stamp: it is retried
    assert not (out / "05566004" / STAMP).exists()

    monkeypatch.delenv("IBIS_TEST_FAIL")
    res2 = batch(STEINFURT, out, nbdir, jobs=1)
    assert res2.skipped == ["05566028", "05566008"]
    assert res2.done == ["05566004"] and res2.ok

    res3 = batch(STEINFURT, out, nbdir, jobs=2)
    assert res3.skipped == STEINFURT
    assert not res3.kernels_started  # an unchanged re-run starts no kernel at all
    assert hidden_leftovers(out) == []


def test_changed_input_reruns_exactly_the_affected(nbdir, tmp_path, monkeypatch):
    out = tmp_path / "out"
    ags = ["05566028", "05566008", MINDEN]
    cfg = WorkerConfig(notebooks_dir=str(nbdir))
    todo, skipped = plan(ags, out, cfg)
    assert [t.ags for t in todo] == ags and skipped == []
    (out / ".batch").mkdir(parents=True)  # a batch folder, as ibis marks it
    for (
        t
    ) in todo:  # as if an earlier batch had built them (test_failure_isolation does it for real)
        Path(t.out_dir).mkdir(parents=True)
        (Path(t.out_dir) / "index.html").write_text("<html></html>")
        manifest = {"generator": "ibis", "complete": True, "files": ["index.html"]}
        (Path(t.out_dir) / "manifest.json").write_text(json.dumps(manifest))
        write_stamp(Path(t.out_dir), t.stamp)
    assert plan(ags, out, cfg) == ([], ags)
    # a new delivery for Minden: only Minden
    monkeypatch.setattr(fp, "input_index", lambda *a, **k: fake_index("b"))
    todo, skipped = plan(ags, out, cfg)
    assert [t.ags for t in todo] == [MINDEN] and skipped == ["05566028", "05566008"]
    res = batch(ags, out, nbdir, jobs=1)
    assert res.done == [MINDEN] and res.skipped == ["05566028", "05566008"]
    assert res.reasons == {MINDEN: "Eingabedaten geändert"}
    assert "Eingabedaten geändert (1)" in summary(res)
    assert "Gemeinde 05770024" in (out / MINDEN / "index.html").read_text(encoding="utf-8")
    assert plan(ags, out, cfg) == ([], ags)
    # another parameter (period): everything
    todo, _ = plan(ags, out, WorkerConfig(notebooks_dir=str(nbdir), period="2015"))
    assert [t.ags for t in todo] == ags
    # a changed notebook: everything
    nb = nbdir / "01_test.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("Testkapitel", "Testkapitel 2"))
    todo, _ = plan(ags, out, cfg)
    assert [t.ags for t in todo] == ags
    assert todo[0].stamp["reason"] == "Notebooks geändert"


def test_changed_outline_title_rebuilds(nbdir, tmp_path):
    """report.yml shapes the report (chapter titles, order): a changed title is a rebuild."""
    (nbdir / "report.yml").write_text(
        "chapters:\n  - notebook: 01_test.ipynb\n    title: Testkapitel\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    ags = ["05566028", MINDEN]
    cfg = WorkerConfig(notebooks_dir=str(nbdir))
    todo, _ = plan(ags, out, cfg)
    (out / ".batch").mkdir(parents=True)
    for t in todo:
        Path(t.out_dir).mkdir(parents=True)
        (Path(t.out_dir) / "index.html").write_text("<html></html>")
        write_stamp(Path(t.out_dir), t.stamp)
    assert plan(ags, out, cfg) == ([], ags)
    (nbdir / "report.yml").write_text(
        "chapters:\n  - notebook: 01_test.ipynb\n    title: Neuer Titel\n", encoding="utf-8"
    )
    todo, skipped = plan(ags, out, cfg)
    assert [t.ags for t in todo] == ags and skipped == []
    assert todo[0].stamp["reason"] == "Notebooks geändert"
    # the shipped outline is part of the key
    from ibislib import paths

    real = fp.notebook_hashes([], paths.notebooks_dir() / "report.yml")
    assert list(real) == ["outline:report.yml"]


def test_input_index_attributes_files_to_regions(tmp_path):
    """Real store layout: a file for Minden only does not touch Ibbenbüren's key."""
    import pandas as pd

    from ibislib import store

    processed, raw = tmp_path / "processed", tmp_path / "raw"
    (processed / "observations").mkdir(parents=True)
    (raw / "limesurvey").mkdir(parents=True)
    (raw / "limesurvey" / "umfrage.csv").write_text("id;q1\n1;2\n")
    files = {}
    for name, regions in {"nrw.csv": ["05", "05566028"], "minden.csv": ["05770024"]}.items():
        pq = processed / "observations" / f"{name}.parquet"
        pd.DataFrame({"region": regions, "value": [1.0] * len(regions)}).to_parquet(pq)
        files[name] = {"sha256": name * 2, "parquet": f"observations/{name}.parquet"}
    manifest = {"loader_version": store.LOADER_VERSION, "files": files}
    (processed / "manifest.json").write_text(json.dumps(manifest))
    idx = fp.input_index(tmp_path / "cache", processed=processed, raw=raw)
    assert set(idx.relevant("05566028")) == {"nrw.csv", "limesurvey/umfrage.csv"}
    assert set(idx.relevant("05770024")) == {"nrw.csv", "minden.csv", "limesurvey/umfrage.csv"}
    assert set(idx.relevant("16070001")) == {"limesurvey/umfrage.csv"}  # Thüringen
    # second call answers from the cache (the Parquet files may even be gone)
    for p in (processed / "observations").iterdir():
        p.unlink()
    idx2 = fp.input_index(tmp_path / "cache", processed=processed, raw=raw)
    assert idx2.relevant("05770024") == idx.relevant("05770024")


RESUME_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import test_batch as tb
from ibislib.batch import fingerprint as fp, run_batch
fp.library_hash = lambda: "fixed"
fp.input_index = lambda *a, **k: tb.fake_index()
if __name__ == "__main__":  # worker processes are spawned and re-import this file
    run_batch({ags!r}, out=Path({out!r}), notebooks_dir=Path({nb!r}), jobs=1,
              build_store=False, progress=False, overview=False)
"""


def test_resume_after_kill(nbdir, tmp_path):
    out = tmp_path / "out"
    ags = ["05566028", "05566008", "05566004", MINDEN]
    script = tmp_path / "run.py"
    script.write_text(
        RESUME_SCRIPT.format(tests=str(Path(__file__).parent), ags=ags, out=str(out), nb=str(nbdir))
    )
    env = dict(os.environ, IBIS_TEST_SLEEP="1.5")
    proc = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not (out / ags[0] / STAMP).exists():
            assert proc.poll() is None, "batch ended before it could be killed"
            time.sleep(0.1)
        assert (out / ags[0] / STAMP).exists()
        time.sleep(0.5)  # now in the middle of the second municipality
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished_before = [a for a in ags if (out / a / STAMP).exists()]
    assert 1 <= len(finished_before) < len(ags)
    res = batch(ags, out, nbdir, jobs=2)
    assert res.ok
    assert sorted(res.skipped) == sorted(finished_before)
    assert sorted(res.done) == sorted(set(ags) - set(finished_before))
    assert hidden_leftovers(out) == []
    for a in ags:
        assert (out / a / "index.html").is_file() and (out / a / STAMP).is_file()
        assert a in (out / a / "index.html").read_text(encoding="utf-8")


def test_unknown_ags_in_list(nbdir, tmp_path):
    lst = tmp_path / "liste.txt"
    lst.write_text("# Testliste\n05566028\n99999999\nEmsdetten\n")
    ags, invalid = municipalities_from(municipalities_file=lst)
    assert ags == ["05566028", "05566008"]
    assert list(invalid) == ["99999999"] and "Zeile 3" in invalid["99999999"]
    res = batch(ags, tmp_path / "out", nbdir, jobs=2, invalid=invalid, overview=True)
    assert res.done == ["05566028", "05566008"]
    assert list(res.failed) == ["99999999"] and not res.ok
    assert "99999999" in summary(res)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<a href="05566028/index.html">Ibbenbüren</a>' in page
    assert "99999999" in page and "fehlgeschlagen" in page
    assert (tmp_path / "out" / "uebersicht.csv").read_text(encoding="utf-8-sig").startswith("AGS;")
    assert (tmp_path / "out" / "uebersicht.xlsx").stat().st_size > 0


def test_dask_local_cluster(nbdir, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        ags = ["05566028", "05566008", MINDEN]
        res = batch(ags, tmp_path / "out", nbdir, scheduler=cluster.scheduler_address)
        assert res.done == ags and res.ok
        for a in ags:
            assert (tmp_path / "out" / a / STAMP).is_file()
        res2 = batch(ags, tmp_path / "out", nbdir, scheduler=cluster.scheduler_address)
        assert res2.skipped == ags


def test_selection_from_registry():
    ags, invalid = municipalities_from(kreis="05566")
    assert len(ags) == 24 and "05566028" in ags and invalid == {}
    assert all(a.startswith("05566") and len(a) == 8 for a in ags)
    with pytest.raises(Exception, match="genau eine Auswahl"):
        municipalities_from(kreis="05566", land="05")


def test_batch_after_full_report_keeps_pdf_and_docx(nbdir, tmp_path):
    """`make report` (html,pdf,docx) then `ibis batch --kreis 05566` (html): the example report
    keeps its PDF and DOCX — rebuilt with the HTML, so none of them is stale."""
    from ibislib.report.build import build_report

    out = tmp_path / "reports"
    full = build_report(
        "05566028", out=out / "05566028", notebooks_dir=nbdir, progress=False
    )  # as `make report` does: papermill, all three formats, no batch stamp
    assert full.ok and {"pdf", "docx"} <= set(full.files)
    before = {k: full.files[k].stat().st_mtime_ns for k in ("pdf", "docx")}
    res = batch(["05566028", "05566008"], out, nbdir, jobs=1, formats=("html",))
    assert res.done == ["05566028", "05566008"] and res.ok
    for kind in ("pdf", "docx"):
        assert full.files[kind].is_file()
        assert full.files[kind].stat().st_mtime_ns != before[kind]
    assert res.outcomes["05566028"].kept_formats == ["pdf", "docx"]
    assert not list((out / "05566008").glob("*.pdf"))  # nobody asked for one there
    assert "PDF, DOCX mit erneuert: 1 Bericht(e)" in summary(res)
    # and the batch's stamp now makes the next run skip it, formats and all
    res2 = batch(["05566028"], out, nbdir, jobs=1, formats=("html",))
    assert res2.skipped == ["05566028"]
    assert {p.suffix for p in (out / "05566028").iterdir()} >= {".pdf", ".docx", ".html"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux")
def test_kernel_recycled_by_memory_and_dies_with_parent():
    with WarmKernel() as k:
        k.start()
        # the parent-death launcher exec'd into the kernel: same pid, our child, real kernel
        stat = Path(f"/proc/{k.pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(stat[1]) == os.getpid()
        assert b"ipykernel" in Path(f"/proc/{k.pid}/cmdline").read_bytes()
        rss = k.rss_mib()
        assert rss is not None and rss > 10  # MiB of a Python with IPython loaded
        k.recycle(restart_every=100, max_mib=rss * 10)
        assert k.alive and k.memory_restarts == 0
        k.recycle(restart_every=100, max_mib=rss / 2)
        assert not k.alive and k.memory_restarts == 1


def test_stale_kernel_socket_folders_are_swept_and_others_kept(tmp_path):
    """A kernel folder whose ibis process is gone (killed with SIGKILL: no close()) is
    removed; one of a live process and one without an owner pid in its name stay."""
    import subprocess
    import sys

    from ibislib.batch.kernel import IPC_PREFIX, sweep_stale_ipc_dirs

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{IPC_PREFIX}{dead.pid}-abc"
    live = tmp_path / f"{IPC_PREFIX}{os.getppid()}-def"
    foreign = tmp_path / f"{IPC_PREFIX}foreign"
    for d in (stale, live, foreign):
        d.mkdir()
        (d / "k-1").write_text("")
    assert sweep_stale_ipc_dirs(tmp_path) == 1
    assert not stale.exists() and live.exists() and foreign.exists()
