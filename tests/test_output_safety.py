"""Never lose a user's files (issue 9): --out refuses foreign and protected folders, a rebuild
keeps every format, leftovers of killed runs are cleaned, a failed build does not look finished,
and everything is written with the user's umask.

All of it runs in a throw-away project (IBIS_ROOT) — a broken guard deletes nothing real — and
without kernels (the fake executor of test_report_build)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from test_report_build import _chapter, fake_executor

from ibislib import atomic, cli
from ibislib.batch import run_batch
from ibislib.batch.runner import _remove_leftovers
from ibislib.errors import IbisError
from ibislib.report import build as build_mod
from ibislib.report.build import build_report

RAW = Path(__file__).parents[1] / "data" / "raw"
BA_FILE = RAW / "ba_statistik" / "2024" / "arbeitslose_ausländer_nachaltersgruppe.csv"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project with raw data, a user's own file and a user's own folder; cwd is its root."""
    root = tmp_path / "projekt"
    raw = root / "data" / "raw"
    (raw / "genesis").mkdir(parents=True)
    (raw / "genesis" / "12411-0001.csv").write_text("Rohdaten;1\n", encoding="utf-8")
    shutil.copy(BA_FILE, raw / "ba.csv")
    shutil.copytree(RAW / "gemeindeverzeichnis", raw / "gemeindeverzeichnis")  # region names
    (root / "thesis.txt").write_text("Meine Arbeit", encoding="utf-8")
    (root / "eigene").mkdir()
    (root / "eigene" / "notizen.md").write_text("# Notizen", encoding="utf-8")
    monkeypatch.setenv("IBIS_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def nb_dir(tmp_path) -> Path:
    d = tmp_path / "notebooks"
    d.mkdir()
    _chapter(d / "01_demografie.ipynb", "Demografische Daten")
    _chapter(d / "02_kaputt.ipynb", "Kaputt")
    _chapter(d / "03_arbeit.ipynb", "Arbeit")
    return d


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def ibis(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the `ibis` entry point in-process; (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["ibis", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    return exc.value.code, capsys.readouterr().err


def build(out: Path, nb_dir: Path, chapters=("01", "03"), formats=("html",)):
    return build_report(
        "05566028",
        formats=formats,
        out=out,
        executor=fake_executor,
        progress=False,
        notebooks_dir=nb_dir,
        chapters=list(chapters) if chapters else None,
    )


# ------------------------------------------------------------------------------ --out refused


@pytest.mark.parametrize(
    "out",
    [".", "data/raw", "data/raw/neu", "data", "..", "eigene", "thesis.txt"],
)
@pytest.mark.parametrize("command", ["report", "batch"])
def test_out_refuses_project_raw_ancestors_and_foreign(
    project, nb_dir, monkeypatch, capsys, command, out
):
    # a report would build fine (fake kernel), so only the guard stands between it and `out`
    monkeypatch.setattr(build_mod, "kernel_executor", lambda *lanes: nullcontext(fake_executor))
    monkeypatch.setattr(build_mod.paths, "notebooks_dir", lambda: nb_dir)
    (nb_dir / "02_kaputt.ipynb").unlink()
    before = snapshot(project.parent)
    args = ["report", "-m", "05566028"] if command == "report" else ["batch", "--kreis", "05566"]
    code, err = ibis(monkeypatch, capsys, *args, "--out", out)
    assert code == 2
    assert err.startswith("Fehler: In den Ordner '") and "Traceback" not in err
    assert f"'{(project / out).resolve()}'" in err  # names the folder …
    assert "--out" in err  # … and the flag to use instead
    assert snapshot(project.parent) == before  # nothing deleted, nothing written


def test_report_out_refuses_batch_folder_and_foreign_files(project, nb_dir):
    run_batch_dir = project / "reports"
    (run_batch_dir / ".batch").mkdir(parents=True)
    (run_batch_dir / "05566004").mkdir()
    with pytest.raises(IbisError, match="Batch-Ordner"):
        build(run_batch_dir, nb_dir)
    # an ibis report folder to which the user added a file: replacing it would delete it
    res = build(project / "bericht", nb_dir)
    assert res.ok
    (project / "bericht" / "meine_anmerkungen.docx").write_bytes(b"PK")
    with pytest.raises(IbisError, match="meine_anmerkungen.docx"):
        build(project / "bericht", nb_dir)
    assert (project / "bericht" / "meine_anmerkungen.docx").read_bytes() == b"PK"
    # an empty folder the user made is fine, and so is rebuilding our own report
    (project / "leer").mkdir()
    assert build(project / "leer", nb_dir).ok
    assert build(project / "leer", nb_dir).ok


def test_batch_out_refuses_report_folder_and_foreign(project, nb_dir):
    assert build(project / "bericht", nb_dir).ok
    for out, why in (
        (project / "bericht", "einzelner Bericht"),
        (project / "eigene", "nicht leer"),
    ):
        with pytest.raises(IbisError, match=why):
            run_batch(
                ["05566028"], out=out, build_store=False, progress=False, notebooks_dir=nb_dir
            )
    assert (project / "eigene" / "notizen.md").exists()
    assert not (project / "eigene" / ".batch").exists()


def test_read_out_never_into_raw_never_over_input(project, monkeypatch, capsys):
    raw_file = project / "data" / "raw" / "ba.csv"
    copy = project / "ba_kopie.csv"
    shutil.copy(raw_file, copy)
    before = snapshot(project)
    for src, out in [
        (raw_file, raw_file),  # onto the raw file itself
        (raw_file, project / "data" / "raw" / "tidy.csv"),  # anywhere into data/raw
        (copy, project / "data" / "raw" / "genesis" / ".." / "x.csv"),
        (copy, copy),  # onto its own input outside data/raw
        (copy, project / "eigene"),  # a folder
    ]:
        code, err = ibis(monkeypatch, capsys, "read", str(src), "--out", str(out))
        assert code == 2, (src, out, err)
        assert err.startswith("Fehler: ") and "--out" in err and "Traceback" not in err
    assert snapshot(project) == before
    # the guard does not get in the way of a normal export
    code, err = ibis(monkeypatch, capsys, "read", str(raw_file), "--out", "tidy.csv")
    assert code == 0, err
    assert (project / "tidy.csv").read_text(encoding="utf-8").startswith(("region", "table", "ags"))


def test_indicators_out_never_into_raw_never_over_a_foreign_file(project, monkeypatch, capsys):
    """`ibis indicators --out` (issue 17): the guard of `ibis read`, and an existing file is
    replaced only when ibis wrote it (one of its indicator tables, in any format)."""
    from ibislib import store

    assert store.build().built  # the BA file: Germany's unemployed by age
    (project / "meine.csv").write_text("Meine Tabelle;1\n", encoding="utf-8")
    (project / "bericht.xlsx").write_bytes(b"PK\x03\x04 kein ibis")
    before = snapshot(project)
    args = ["indicators", "-m", "DG", "--ids", "arbeitslose_ausl_anzahl"]
    for out, fmt in [
        (project / "data" / "raw" / "tabelle.csv", "csv"),  # into data/raw
        (project / "data" / "raw" / "ba.csv", "csv"),  # onto a raw file
        (project / "eigene", "md"),  # a folder
        (project / "thesis.txt", "md"),  # a user's file
        (project / "meine.csv", "csv"),
        (project / "bericht.xlsx", "xlsx"),
        (project / "data" / "processed" / "manifest.json", "md"),  # the store's own file
    ]:
        code, err = ibis(monkeypatch, capsys, *args, "--format", fmt, "--out", str(out))
        assert code == 2, (out, err)
        assert err.startswith("Fehler: ") and "--out" in err and "Traceback" not in err
    assert snapshot(project) == before
    # its own output it replaces, in any format (re-running an export is normal)
    for fmt in ("csv", "md", "xlsx", "csv"):
        code, err = ibis(monkeypatch, capsys, *args, "--format", fmt, "--out", "tabelle")
        assert code == 0, (fmt, err)
    assert (project / "tabelle").read_bytes().startswith("\ufeffIndikator;".encode())


# ------------------------------------------------------------------ replacing a finished report


def test_rebuild_keeps_pdf_and_docx(project, nb_dir):
    out = project / "reports" / "05566028"
    full = build(out, nb_dir, formats=("html", "pdf", "docx"))
    assert full.ok and {"pdf", "docx"} <= set(full.files)
    old = {k: full.files[k].stat().st_mtime_ns for k in ("pdf", "docx")}
    again = build(out, nb_dir, formats=("html",))  # what `ibis batch` asks for
    assert again.ok and again.kept_formats == ("pdf", "docx")
    for kind in ("pdf", "docx"):  # still there, and rebuilt from the same inputs as the HTML
        assert again.files[kind].is_file()
        assert again.files[kind].stat().st_mtime_ns != old[kind]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["formats"] == ["html", "pdf", "docx"]
    assert set(manifest["files"]) >= {"index.html", again.files["pdf"].name, "manifest.json"}


def test_failed_build_does_not_look_finished(project, nb_dir):
    # no earlier report: the attempt is installed, but marked
    out = project / "reports" / "05566028"
    res = build(out, nb_dir, chapters=None)
    assert not res.ok and res.out_dir == out and res.kept_previous is None
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>UNVOLLSTÄNDIG – " in page and "Unvollständiger Bericht" in page
    assert "02_kaputt" in page.split("</div>", 1)[0]  # the banner names the failed chapter
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["complete"] is False
    # a complete report is never replaced by a failed attempt
    assert build(out, nb_dir).ok
    good = snapshot(out)
    assert "Unvollständiger Bericht" not in good["index.html"].decode()
    res = build(out, nb_dir, chapters=None)
    assert not res.ok and res.kept_previous == out
    assert res.out_dir == out / "unvollstaendig"
    assert {k: v for k, v in snapshot(out).items() if not k.startswith("unvollstaendig/")} == good
    assert "Unvollständiger Bericht" in (res.out_dir / "index.html").read_text(encoding="utf-8")
    # the next good build replaces both
    assert build(out, nb_dir).ok
    assert not (out / "unvollstaendig").exists()


# ------------------------------------------------------------------------- leftovers of kills


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_leftovers_of_killed_runs_are_cleaned(project, nb_dir):
    reports = project / "reports"
    reports.mkdir()
    dead = dead_pid()
    killed = reports / f".05566028.ibis-tmp-{dead}-0123abcd"
    (killed / "figures").mkdir(parents=True)
    running = reports / f".05566028.ibis-tmp-{os.getpid()}-89abcdef"  # a live run: kept
    running.mkdir()
    legacy = reports / ".05566028.k3j4h5g6"  # tempfile.mkdtemp of older versions
    (legacy / "notebooks").mkdir(parents=True)
    users = [reports / ".05566028.sicherung", reports / ".notizen.txt"]
    users[0].mkdir()
    users[1].write_text("meins")
    assert build(reports / "05566028", nb_dir).ok
    assert not killed.exists() and not legacy.exists()
    assert running.exists() and all(p.exists() for p in users)


def test_batch_cleans_leftovers_inside_report_folders(project, nb_dir):
    out = project / "reports"
    assert build(out / "05566028", nb_dir).ok
    dead = dead_pid()
    tmp_file = out / "05566028" / f".batch.json.ibis-tmp-{dead}-0123abcd.tmp"
    tmp_file.write_text("{")
    overview_tmp = out / f".uebersicht.xlsx.ibis-tmp-{dead}-0123abcd.xlsx"
    overview_tmp.write_text("x")
    users = out / "05566028" / ".mein.backup01"
    users.write_text("meins")
    removed = _remove_leftovers(out)
    assert set(removed) == {tmp_file, overview_tmp}
    assert users.exists()


def test_version_moved_away_by_a_killed_run_is_restored(tmp_path):
    """The two-rename fallback (no RENAME_EXCHANGE): killed between the renames, the previous
    report sits under ibis-old and the target is missing — it is put back, not deleted."""
    old = tmp_path / f".05566028.ibis-old-{dead_pid()}-0123abcd"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    atomic.clean_leftovers(tmp_path, "05566028")
    assert (tmp_path / "05566028" / "manifest.json").exists() and not old.exists()


@pytest.mark.parametrize("exchange", [True, False])
def test_replace_dir_swaps_whole_folder(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    target = tmp_path / "bericht"
    target.mkdir()
    (target / "alt.html").write_text("alt")
    with atomic.atomic_dir(target) as tmp:
        (tmp / "index.html").write_text("neu")
    assert [p.name for p in target.iterdir()] == ["index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["bericht"]  # nothing hidden left


# ----------------------------------------------------------------------------------- umask


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_outputs_follow_the_umask(project, nb_dir, mask):
    old = os.umask(mask)
    try:
        assert atomic.current_umask() == mask
        atomic.write_text(project / "a.txt", "x")
        with atomic.atomic_path(project / "b.xlsx", suffix=".xlsx") as tmp:
            tmp.write_bytes(b"x")
        out = project / "reports" / "05566028"
        assert build(out, nb_dir).ok
    finally:
        os.umask(old)
    for f in [project / "a.txt", project / "b.xlsx", *out.rglob("*")]:
        want = (0o777 if f.is_dir() else 0o666) & ~mask
        assert stat.S_IMODE(f.stat().st_mode) == want, f
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
