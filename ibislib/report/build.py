"""`ibis report`: execute the chapter notebooks for one unit and build HTML, PDF and DOCX.

``build_report()`` is the reusable core (the batch runner passes its own ``executor``); a
failing chapter is recorded, named in the report and the other chapters are still built.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, fmt, outdirs, paths
from ..atomic import clean_leftovers, replace_dir, temp_dir_beside, write_text
from ..errors import IbisError
from ..escape import html_text
from .assemble import assemble
from .collect import Chapter, read_chapter
from .outline import outline

Executor = Callable[[Path, Path, dict, Path], None]

FORMATS = ("html", "pdf", "docx")


@dataclass
class ReportResult:
    out_dir: Path
    ok: bool
    failed: dict[str, str] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)  # one SVG per figure (PNG/PDF beside)
    chapters: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)  # "html"/"pdf"/"docx"/"manifest" -> path
    seconds: float = 0.0
    formats: tuple[str, ...] = ()  # what was built: the requested formats plus those kept
    kept_formats: tuple[str, ...] = ()  # not requested, rebuilt because the folder had them
    kept_previous: Path | None = None  # failed: the complete report left in place there


@dataclass
class Unit:
    ags: str
    name: str
    level: str = ""
    kreis: str | None = None
    land: str | None = None
    slug: str = ""


def resolve_unit(municipality: str) -> Unit:
    """AGS or name -> Unit via the region registry (clear German error when unknown)."""
    text = str(municipality).strip()
    try:
        from ..regions import registry
    except ImportError:  # registry not installed: accept an AGS as it is
        if not text.isdigit():
            raise IbisError(
                f"Gebietseinheit '{text}' kann ohne Regionsverzeichnis nicht aufgelöst werden",
                hint="Bitte den AGS angeben, z. B. 05566028.",
            ) from None
        return Unit(ags=text, name=text, slug=text)
    r = registry().resolve(text)
    reg = registry()
    kreis_name = land_name = None
    try:
        kreis_name = (
            reg.name_of(r.kreis) if getattr(r, "kreis", None) and r.kreis != r.ags else None
        )
        land_name = reg.name_of(r.land) if getattr(r, "land", None) and r.land != r.ags else None
    except Exception:  # names are decoration on the title page only
        pass
    return Unit(
        ags=r.ags,
        name=r.name,
        level=getattr(r, "level", ""),
        kreis=kreis_name,
        land=land_name,
        slug=getattr(r, "slug", "") or r.ags,
    )


def chapter_notebooks(
    notebooks: Path | None = None, chapters: list[str] | None = None
) -> list[Path]:
    """The chapter notebooks of the outline (notebooks/report.yml, :mod:`.outline`) in report
    order, optionally only some ('01', '03')."""
    return [e.path for e in outline(notebooks).select(chapters)]


#: Warm kernels a report runs its chapters in at once (each pays the first-use costs once).
LANES = 2


def lanes_for(chapters: int) -> int:
    """Kernels for a report: two where two cores are free to use, never more than chapters."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(LANES, cores, chapters))


class KernelPool:
    """Warm kernels (:class:`ibislib.batch.kernel.WarmKernel`) that run chapters side by side.

    Each kernel belongs to one thread that launches, uses and closes it (its event loop and
    sockets stay in that thread; PR_SET_PDEATHSIG kills it when that thread ends). A free
    kernel takes the next chapter, the first from the front of the report, the second from the
    back (:meth:`_take`); results come back as they finish and the caller puts them in report
    order, so the report is the same as with one kernel: every chapter starts from a wiped
    namespace either way. Calling the pool runs one chapter and waits (the plain executor
    signature)."""

    def __init__(self, lanes: int = LANES) -> None:
        self.lanes = lanes
        self._pending: collections.deque = collections.deque()  # chapters not yet taken
        self._ready = threading.Condition()
        self._done: queue.Queue = queue.Queue()
        self._kernels: list = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def start(self) -> KernelPool:
        from ..batch.kernel import WarmKernel

        for i in range(self.lanes):
            kernel = WarmKernel(quiet=True)
            self._kernels.append(kernel)
            t = threading.Thread(target=self._serve, args=(kernel, i), name=f"ibis-kernel-{i}")
            t.daemon = True  # never keeps a Ctrl+C'd `ibis report` alive
            t.start()
            self._threads.append(t)
        return self

    def _take(self, lane: int):
        """The next chapter for `lane`, None when the pool closes. The first kernel takes the
        chapters from the front of the report, the second from the back: without knowing what
        a chapter costs, the heavy ones do not pile up in one kernel (with report order, the
        kernel that started with 01 also got 04 and 05 and finished 3 s after the other)."""
        with self._ready:
            while not self._pending and not self._stop.is_set():
                self._ready.wait()
            if self._stop.is_set():
                return None
            return self._pending.popleft() if lane % 2 == 0 else self._pending.pop()

    def _serve(self, kernel, lane: int) -> None:
        try:
            kernel.launch()  # boots while the parent resolves the unit and reads the outline
            while True:
                job = self._take(lane)
                if job is None:
                    break
                key, args = job
                error: BaseException | None = None
                try:
                    kernel.execute(*args)
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    error = exc
                self._done.put((key, error))
        finally:
            kernel.close()

    def run(
        self, jobs: list[tuple[object, tuple]], meanwhile: Callable[[], None] | None = None
    ) -> Iterator[tuple[object, BaseException | None]]:
        """Run ``(key, (input_nb, output_nb, parameters, cwd))`` jobs; yield ``(key, error)``
        in the order they finish (error None when the chapter ran through). `meanwhile` is
        called once the kernels have their work (the parent's own head start)."""
        with self._ready:
            self._pending.extend(jobs)
            self._ready.notify_all()
        if meanwhile is not None:
            meanwhile()
        for _ in jobs:
            while True:  # a timeout keeps the wait interruptible by Ctrl+C
                try:
                    yield self._done.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in self._threads):
                        raise IbisError("Die Jupyter-Kernel des Berichts sind beendet") from None

    def __call__(self, input_nb: Path, output_nb: Path, parameters: dict, cwd: Path) -> None:
        for _, error in self.run([(None, (input_nb, output_nb, parameters, cwd))]):
            if error is not None:
                raise error

    def close(self, kill: bool = False) -> None:
        """Stop the kernels: after the last chapter each thread closes its own; `kill` (Ctrl+C,
        an error) SIGKILLs them first, so no kernel outlives the report."""
        self._stop.set()
        if kill:
            for kernel in self._kernels:
                kernel.kill()
        with self._ready:
            self._ready.notify_all()
        for t in self._threads:
            t.join(timeout=10)
        for kernel in self._kernels:  # a thread that did not finish in time
            kernel.close()


@contextlib.contextmanager
def kernel_executor(lanes: int = LANES) -> Iterator[Executor]:
    """Default executor: warm kernels for all chapters of the report (as the batch uses one,
    :class:`ibislib.batch.kernel.WarmKernel`), `lanes` of them side by side
    (:class:`KernelPool`). Before each chapter its kernel's namespace is wiped (``%reset -f``)
    and figures are closed, so no chapter sees another's variables, while pandas, matplotlib
    and ibislib's store/catalogue caches stay imported — a fresh kernel per chapter paid
    ~27 CPU-s per report for start-up and imports alone. A chapter that fails gets a fresh
    kernel for the next one. The kernels are SIGKILLed when `ibis report` ends, even when that
    is killed (PR_SET_PDEATHSIG); parameters go in via papermill's parameterizer, so an AGS
    like 05566028 stays a string."""
    pool = KernelPool(lanes).start()
    ok = False
    try:
        yield pool
        ok = True
    finally:
        pool.close(kill=not ok)


def keep_formats(formats: tuple[str, ...], previous: dict | None, out: Path) -> tuple[str, ...]:
    """The formats to build: the requested ones plus every format the folder already has, so
    a rebuild never silently drops the PDF/DOCX of a report (and never leaves a stale one)."""
    had = set((previous or {}).get("parameters", {}).get("formats") or [])
    had |= {"pdf" for _ in out.glob("*.pdf")} | {"docx" for _ in out.glob("*.docx")}
    return tuple(f for f in FORMATS if f in formats or f in had)


def figure_formats(formats: tuple[str, ...]) -> list[str]:
    """The figure files a report needs: SVG (the HTML page), PNG (the PDF and the DOCX) and
    the figure PDFs for print only when more than HTML is built — an HTML-only report or
    batch spent a fifth of its CPU on figure PDFs and a sixth on PNGs nobody opened."""
    return ["svg"] if set(formats) <= {"html"} else ["png", "svg", "pdf"]


def _mark_incomplete(page: str, failed: dict[str, str]) -> str:
    """A failed build must not look finished: a banner on top and in the window title."""
    names = ", ".join(html_text(k) for k in failed)
    banner = (
        '<div class="ibis-error ibis-incomplete" role="alert"><strong>Unvollständiger Bericht '
        f"– nicht veröffentlichen.</strong> Fehlgeschlagen: {names}. Nach dem Beheben der "
        "Ursache den Bericht neu erstellen.</div>"
    )
    page = page.replace("<title>", "<title>UNVOLLSTÄNDIG – ", 1)
    return page.replace("<body>", "<body>" + banner, 1)


def _takes_edition(nb: Path) -> bool:
    """True when the notebook's parameters cell declares `edition` (e.g. the appendix)."""
    import nbformat

    cells = nbformat.read(str(nb), as_version=4).cells
    return any(
        "parameters" in c.metadata.get("tags", []) and "\nedition =" in "\n" + c.source
        for c in cells
    )


_RULE = re.compile(r"Regel '(\w+)'")


def data_notes(ags: str) -> list[str]:
    """The store's plausibility warnings that concern this report: values two files give
    differently, and part/total findings that name the unit, its Kreis, Land or Deutschland
    (the many notes on keys of old territorial states concern no report and stay in
    ``ibis store build``)."""
    from ..regions import registry
    from ..store import warnings

    chain = [ags, *registry().parents(ags)]
    keys = [rf"\b(?:Region|Kreis|Land|Gemeinde|Regierungsbezirk) {re.escape(a)}\b" for a in chain]
    near = re.compile("|".join(keys))
    out = []
    for w in warnings():
        m = _RULE.search(w)
        rule = m.group(1) if m else ""
        if rule == "regions":
            continue
        if rule == "agree" or near.search(w):
            out.append(w)
    return out


def _run_chapters(
    executor, jobs: list, meanwhile: Callable[[], None] | None = None
) -> Iterator[tuple[int, BaseException | None]]:
    """(index, error) per chapter: side by side where the executor has ``run(jobs)`` (a
    :class:`KernelPool`, the benchmark's floor), else one after the other through the plain
    executor (the batch's kernel, a test's fake)."""
    run = getattr(executor, "run", None)
    if callable(run):
        yield from run(jobs, meanwhile)
        return
    for i, args in jobs:
        try:
            executor(*args)
        except Exception as exc:  # noqa: BLE001 - recorded for the chapter
            yield i, exc
        else:
            yield i, None


class _Background:
    """A function run in a daemon thread; ``result()`` waits for it and re-raises its error."""

    def __init__(self, fn: Callable, *args: object) -> None:
        self._result: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            self._result = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in result()
            self._error = exc

    def result(self) -> object:
        while self._thread.is_alive():  # a timeout keeps the wait interruptible by Ctrl+C
            self._thread.join(timeout=0.5)
        if self._error is not None:
            raise self._error
        return self._result


def _short_error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:  # papermill.PapermillExecutionError
        return f"{ename}: {getattr(exc, 'evalue', '')}".strip()
    msg = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {msg}".strip()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    out = {"ibislib": __version__, "python": platform.python_version()}
    for mod in ("pandas", "matplotlib", "papermill", "nbformat", "weasyprint"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:
            out[mod] = "nicht installiert"
    try:
        import pypandoc

        out["pandoc"] = pypandoc.get_pandoc_version()
    except Exception:
        out["pandoc"] = "nicht installiert"
    return out


def build_report(
    municipality: str,
    period: str | None = None,
    formats: tuple[str, ...] = ("html", "pdf", "docx"),
    out: Path | None = None,
    chapters: list[str] | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    notebooks_dir: Path | None = None,
    data_tables: bool = True,
    edition: int | None = None,
) -> ReportResult:
    """Execute the chapters for one unit and write the report atomically into `out`.

    `edition` (a year) builds that edition of the monitoring: the edition chapters of
    notebooks/ausgabe/ are added and the default folder is reports/<edition>/<AGS>/.

    index.html is always written (PDF and DOCX are made from it); `formats` adds pdf/docx, and
    every format the folder already had is built again too (:func:`keep_formats`). `out` must be
    new, empty or an earlier ibis report (:func:`ibislib.outdirs.check_report_dir`). A build
    with a failed chapter or format is marked "Unvollständig"; it never replaces a complete
    report — it goes into ``<out>/unvollstaendig/`` beside it instead.
    `notebooks_dir` (default notebooks/) is where the chapter notebooks are looked up.
    `data_tables`: each figure's data below it (HTML) and in an appendix (PDF).
    """
    started = time.perf_counter()
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise IbisError(
            f"Unbekanntes Berichtsformat {', '.join(bad)}", hint="Möglich: html, pdf, docx."
        )
    if out is not None:  # refuse a foreign or protected folder before any work
        outdirs.check_report_dir(Path(out))
    unit = resolve_unit(municipality)
    plan = outline(notebooks_dir)
    entries = plan.select(chapters) + (list(plan.edition_chapters) if edition is not None else [])
    notebooks = [e.path for e in entries]
    edition_nbs = {e.path for e in plan.edition_chapters}
    if not notebooks:
        raise IbisError(
            "Keine Kapitel-Notebooks gefunden",
            path=str(paths.notebooks_dir()),
            hint="Erwartet werden Dateien wie notebooks/01_demografie.ipynb.",
        )
    # absolute: the notebooks run with the notebooks folder as working directory
    default_out = paths.reports_dir() / (f"{edition}/{unit.ags}" if edition else unit.ags)
    out = Path(out or default_out).resolve()
    previous = outdirs.check_report_dir(out)
    requested = tuple(f for f in FORMATS if f in formats)
    formats = keep_formats(requested, previous, out)
    clean_leftovers(out.parent, out.name, legacy=True)  # of killed runs for this folder
    failed: dict[str, str] = {}
    collected: list[Chapter] = []
    files: dict[str, str] = {}  # kind -> file name inside the report folder
    with temp_dir_beside(out) as tmp, contextlib.ExitStack() as kernel:
        if executor is None:
            executor = kernel.enter_context(kernel_executor(lanes_for(len(notebooks))))
        fig_dir = tmp / "figures"
        nb_out = tmp / "notebooks"
        fig_dir.mkdir()
        nb_out.mkdir()
        jobs = []
        for i, nb in enumerate(notebooks):
            entry = plan.entry(nb)
            params = {
                "municipality": unit.ags,
                "chapter_number": entry.number,
                "period": period,
                "out_dir": str(fig_dir),
                "interactive": False,
                "figure_formats": figure_formats(formats),
            }
            if edition is not None and (nb in edition_nbs or _takes_edition(nb)):
                params["edition"] = edition
            jobs.append((i, (nb, nb_out / nb.name, params, nb.parent)))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(
                total=len(jobs), desc=f"Bericht {unit.name}", unit="Kapitel", file=sys.stderr
            )
        chapter_at: dict[int, Chapter] = {}
        meanwhile = None
        if "pdf" in formats:  # WeasyPrint's first-use costs while the kernels work
            from .render import warm_up as meanwhile
        for i, error in _run_chapters(executor, jobs, meanwhile):
            nb, target = jobs[i][1][0], jobs[i][1][1]
            message = None
            if error is not None:  # one chapter failing must not stop the others
                if isinstance(error, KeyboardInterrupt | SystemExit):
                    raise error
                message = _short_error(error)
            chapter_at[i] = read_chapter(
                target if target.exists() else None,
                nb.stem,
                message,
                title=plan.entry(nb).title,
            )
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()
        collected = [chapter_at[i] for i in range(len(jobs))]  # report order, as they finished
        for chapter in collected:
            if chapter.error:  # the executor's error, else the first error output
                failed[chapter.key] = chapter.error
        kernel.close()  # chapters done: the kernel's memory is free for PDF and DOCX

        title = unit.name
        subtitle = "Zahlen, Daten und Fakten" + (
            f" – Berichtszeitraum {fmt.period(period)}" if period else ""
        )
        if edition is not None:
            from ..editions import title_lines

            title, subtitle, extra = title_lines(unit.ags, unit.name, edition)
        meta_lines = [
            f"Amtlicher Gemeindeschlüssel {unit.ags}"
            if len(unit.ags) == 8
            else f"Schlüssel {unit.ags}"
        ]
        if unit.kreis:
            meta_lines.append(f"Kreis: {unit.kreis}")
        if unit.land:
            meta_lines.append(f"Land: {unit.land}")
        if edition is not None:
            meta_lines += extra
        meta_lines += [f"Stand: {fmt.date(dt.date.today())}", f"erstellt mit ibis {__version__}"]

        notes = data_notes(unit.ags)

        def page(mode: str = "html", failed: dict[str, str] = failed):
            doc = assemble(
                collected,
                title=title,
                subtitle=subtitle,
                meta_lines=meta_lines,
                figures_dir=fig_dir,
                mode=mode,
                data_tables=data_tables,
                data_notes=notes,
            )
            if failed:
                doc.html = _mark_incomplete(doc.html, failed)
            return doc

        doc = page()
        write_text(tmp / "index.html", doc.html)
        files["html"] = "index.html"
        stem = f"integrationsmonitoring_{unit.slug or unit.ags}"

        def docx(failed_now: dict[str, str]) -> str | None:
            """Build the DOCX; its error message, or None."""
            from .render import to_docx

            try:
                docx_doc = page("docx", failed_now)
                to_docx(
                    docx_doc.html,
                    tmp,
                    tmp / f"{stem}.docx",
                    title=f"Integrationsmonitoring {title}",
                    alt_texts=[f.alt for f in docx_doc.figures],
                    captions=[f.caption for f in docx_doc.figures],
                )
            except Exception as exc:
                return _short_error(exc)
            return None

        # DOCX (pandoc, a subprocess) beside the PDF (WeasyPrint, in this thread): the second
        # core is otherwise idle while WeasyPrint lays out the pages
        docx_job = None
        if "docx" in formats:
            docx_job = _Background(docx, dict(failed)) if "pdf" in formats else None
        if "pdf" in formats:
            from .render import to_pdf

            try:
                to_pdf(page("pdf").html, tmp, tmp / f"{stem}.pdf")
                files["pdf"] = f"{stem}.pdf"
            except Exception as exc:
                failed["pdf"] = _short_error(exc)
        if "docx" in formats:
            docx_error = docx_job.result() if docx_job is not None else docx(dict(failed))
            if docx_error is None and "pdf" in failed:  # its banner must name the PDF too
                docx_error = docx(dict(failed))
            if docx_error is None:
                files["docx"] = f"{stem}.docx"
            else:
                failed["docx"] = docx_error
        if failed:  # also when only a format failed: the page says the report is incomplete
            doc = page()
            write_text(tmp / "index.html", doc.html)
        figures = sorted(p.name for p in fig_dir.glob("*.svg"))  # every report has SVGs
        manifest = _manifest(unit, period, formats, notebooks, collected, failed, doc, started)
        if edition is not None:
            manifest["parameters"]["edition"] = edition
        manifest["files"] = sorted(
            [p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()]
            + [outdirs.MANIFEST]
        )
        write_text(tmp / outdirs.MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        files["manifest"] = outdirs.MANIFEST
        # a failed attempt never replaces a complete report: it goes beside it, inside
        kept_previous = out if failed and outdirs.report_complete(previous) else None
        installed = out / outdirs.INCOMPLETE if kept_previous else out
        replace_dir(tmp, installed)
    return ReportResult(
        out_dir=installed,
        ok=not failed,
        failed=failed,
        figures=[installed / "figures" / f for f in figures],
        chapters=[nb.stem for nb in notebooks],
        files={k: installed / v for k, v in files.items()},
        seconds=time.perf_counter() - started,
        formats=formats,
        kept_formats=tuple(f for f in formats if f not in requested),
        kept_previous=kept_previous,
    )


def _manifest(unit, period, formats, notebooks, collected, failed, doc, started) -> dict:
    try:
        from ..store import input_hashes

        inputs = input_hashes()
    except Exception:
        inputs = {}
    return {
        "report": f"Integrationsmonitoring {unit.name}",
        "generator": "ibis",  # marks the folder as ibis's own (see ibislib/outdirs.py)
        "complete": not failed,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "parameters": {
            "municipality": unit.ags,
            "name": unit.name,
            "period": period,
            "formats": list(formats),
        },
        "chapters": {
            c.key: {"title": c.title, "ok": c.key not in failed, "error": failed.get(c.key)}
            for c in collected
        },
        "failed": failed,
        "figures": len(doc.figures),
        "tables": len(doc.tables),
        "sources": doc.sources,
        "inputs": {"data": inputs, "notebooks": {p.name: _sha256(p) for p in notebooks}},
        "versions": versions(),
    }


def run_cli(
    municipality: str,
    period: str | None,
    formats: str,
    out: Path | None,
    chapters: str | None,
    edition: int | None = None,
    data_tables: bool = True,
) -> int:
    """`ibis report`: build, print where the report is, exit 1 if a chapter failed."""
    fmts = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    chs = [c.strip() for c in chapters.split(",")] if chapters else None
    res = build_report(
        municipality,
        period,
        fmts,
        out,
        chs,
        progress=True,
        data_tables=data_tables,
        edition=edition,
    )
    if res.kept_formats:
        print(
            f"Hinweis: {', '.join(f.upper() for f in res.kept_formats)} ebenfalls neu erstellt, "
            "weil der Bericht diese Formate schon hatte (keins geht verloren, keins bleibt veraltet).",
            file=sys.stderr,
        )
    label = "Bericht (UNVOLLSTÄNDIG)" if not res.ok else "Bericht"
    print(f"{label}: {res.files['html']}", file=sys.stderr)
    if res.kept_previous:
        print(
            f"Der bisherige vollständige Bericht in {res.kept_previous} bleibt unverändert; "
            "der fehlgeschlagene Versuch liegt darunter im Ordner "
            f"{outdirs.INCOMPLETE}/.",
            file=sys.stderr,
        )
    for kind in ("pdf", "docx"):
        if kind in res.files:
            print(f"{kind.upper()}: {res.files[kind]}", file=sys.stderr)
    print(
        f"Abbildungen: {len(res.figures)} "
        f"({'/'.join(f.upper() for f in figure_formats(res.formats))} in {res.out_dir / 'figures'}), "
        f"Dauer {fmt.number(res.seconds, 1)} s",
        file=sys.stderr,
    )
    for name, msg in res.failed.items():
        print(f"FEHLER in {name}: {msg}", file=sys.stderr)
    return 0 if res.ok else 1
