"""The report outline as data: which chapters a report has, in which order, from which notebook.

The outline of a notebooks folder is its ``report.yml`` (the shipped one:
``notebooks/report.yml``). :func:`outline` reads and checks it, so the builder, the batch
(key indicators of the overview page) and the tests share one list instead of globs and copies.
It is checked both ways against the folder: a chapter notebook in the folder that the outline
does not name is an error, and so is an outline entry without its notebook.

A folder without ``report.yml`` (a handful of trial or test notebooks) gets a plain outline from
its file names: every ``NN_*.ipynb`` except the explorer, in name order.

The chapter number is the ``NN`` of the notebook's file name; `ibis report` passes it to the
notebook as the parameter ``chapter``, so no notebook types it again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import paths
from ..errors import FormatError, yaml_error
from ..indicators import catalog


def default_title(key: str) -> str:
    """'01_demografie' -> 'Demografie' (used when a notebook has no '# ' heading)."""
    words = key.split("_", 1)[-1].replace("_", " ")
    for a, b in (("ae", "ä"), ("oe", "ö"), ("ue", "ü")):
        words = words.replace(a, b)
    return words[:1].upper() + words[1:]


#: The outline's file name inside a notebooks folder.
OUTLINE_FILE = "report.yml"
#: Sub-folder of the chapters only an edition report has.
EDITION_DIR = "ausgabe"
EXPLORER = "00_explorer.ipynb"

_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
_KEYS = {"explorer", "chapters", "edition_chapters", "key_indicators", "explorer_indicators"}
_ENTRY_KEYS = {"notebook", "title", "survey"}


@dataclass(frozen=True)
class ChapterEntry:
    """One chapter of the outline: its notebook (a path in the notebooks folder) and title."""

    path: Path
    title: str
    edition: bool = False  # only in an edition report (notebooks/ausgabe/)
    survey: bool = False  # shows survey or workshop data: the privacy rules apply

    @property
    def key(self) -> str:
        """'01_demografie': the chapter's key in the report (anchor, manifest, errors)."""
        return self.path.stem

    @property
    def number(self) -> str:
        """'01': prefix of the chapter's figure and table files."""
        return self.path.name[:2]


@dataclass(frozen=True)
class Outline:
    folder: Path
    source: Path | None  # the report.yml read; None for a folder without one
    chapters: tuple[ChapterEntry, ...]
    edition_chapters: tuple[ChapterEntry, ...] = ()
    key_indicators: tuple[str, ...] = ()
    explorer: Path | None = None
    explorer_indicators: tuple[str, ...] = ()

    def indicators(self, which: str = "key_indicators") -> list[str]:
        """The ids listed under `which` ('key_indicators', 'explorer_indicators'), each checked
        against the catalogue (an unknown id is an error naming the outline, not a gap)."""
        ids = list(getattr(self, which))
        cat = catalog()
        for iid in ids:
            if iid not in cat:
                raise FormatError(
                    f"'{which}': den Indikator '{iid}' gibt es im Katalog nicht",
                    path=str(self.source),
                    hint="ids stehen in ibislib/indicators/catalog.yml.",
                )
        return ids

    def entry(self, notebook: Path | str) -> ChapterEntry | None:
        """The entry of a notebook (path or file name), None when the outline has none."""
        name = Path(notebook).name
        for e in (*self.chapters, *self.edition_chapters):
            if e.path.name == name:
                return e
        return None

    def select(self, wanted: list[str] | None) -> list[ChapterEntry]:
        """The chapters, or only those named by number or key ('01', '03_beschaeftigung')."""
        if not wanted:
            return list(self.chapters)
        want = {w.strip() for w in wanted if w.strip()}
        found = [e for e in self.chapters if e.number in want or e.key in want]
        missing = want - {e.number for e in found} - {e.key for e in found}
        if missing:
            raise FormatError(
                f"Kapitel {', '.join(sorted(missing))} gibt es nicht",
                path=str(self.source or self.folder),
                hint="Vorhanden: " + ", ".join(e.key for e in self.chapters),
            )
        return found


def outline(notebooks_dir: Path | str | None = None) -> Outline:
    """The checked outline of a notebooks folder (default: the project's notebooks/)."""
    folder = Path(notebooks_dir or paths.notebooks_dir())
    source = folder / OUTLINE_FILE
    if not source.is_file():
        return _from_names(folder)
    return _check_folder(_parse(source, folder))


def chapter_number(notebook: str | Path | None = None) -> str | None:
    """The chapter number of a notebook file ('…/03_beschaeftigung.ipynb' -> '03'), taken from
    its name as the outline does; without an argument the notebook JupyterLab runs
    (``JPY_SESSION_NAME``), so an interactive run names its files like the report does."""
    name = Path(str(notebook or os.environ.get("JPY_SESSION_NAME") or "")).name
    m = _NAME.match(name)
    return m.group(1) if m and name != EXPLORER else None


# ------------------------------------------------------------------------------- reading


class _Map(dict):
    """A YAML mapping that remembers its line (for errors that name it)."""

    line: int | None = None


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    m = _Map(loader.construct_mapping(node, deep=True))
    m.line = node.start_mark.line + 1
    return m


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _parse(source: Path, folder: Path) -> Outline:
    try:
        doc = yaml.load(source.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (safe)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, source) from None

    def fail(problem: str, line: int | None = None, hint: str | None = None) -> FormatError:
        return FormatError(problem, path=str(source), line=line, hint=hint)

    if not isinstance(doc, dict):
        raise fail("Die Gliederung muss eine Zuordnung mit dem Schlüssel 'chapters' sein")
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise fail(
            f"Unbekannter Schlüssel '{unknown[0]}'",
            getattr(doc, "line", None),
            hint="Möglich: " + ", ".join(sorted(_KEYS)) + ".",
        )
    chapters = _entries(doc, "chapters", folder, fail, required=True)
    editions = _entries(doc, "edition_chapters", folder / EDITION_DIR, fail, required=False)
    numbers = [e.number for e in (*chapters, *editions)]
    for a, b in zip(numbers, numbers[1:], strict=False):
        if b <= a:
            raise fail(
                f"Kapitel {b} steht nach Kapitel {a}",
                hint="Die Kapitel stehen in der Reihenfolge ihrer Nummern, jede Nummer einmal.",
            )
    lists = {}
    for key in ("key_indicators", "explorer_indicators"):
        ids = doc.get(key) or []
        if not isinstance(ids, list) or not all(isinstance(k, str) and k.strip() for k in ids):
            raise fail(
                f"'{key}' muss eine Liste von Indikator-ids sein",
                hint="z. B. '- ausl_anteil' (ids aus ibislib/indicators/catalog.yml).",
            )
        lists[key] = tuple(k.strip() for k in ids)
    explorer = doc.get("explorer")
    if explorer is not None and not isinstance(explorer, str):
        raise fail("'explorer' muss ein Dateiname sein, z. B. 00_explorer.ipynb")
    return Outline(
        folder=folder,
        source=source,
        chapters=tuple(chapters),
        edition_chapters=tuple(editions),
        key_indicators=lists["key_indicators"],
        explorer=folder / explorer if explorer else None,
        explorer_indicators=lists["explorer_indicators"],
    )


def _entries(doc: dict, key: str, folder: Path, fail, required: bool) -> list[ChapterEntry]:
    items = doc.get(key)
    if items is None and not required:
        return []
    if not isinstance(items, list) or not items:
        raise fail(
            f"'{key}' muss eine nicht leere Liste von Kapiteln sein",
            getattr(doc, "line", None),
            hint="Je Kapitel '- notebook: 01_name.ipynb' und darunter 'title: …'.",
        )
    out = []
    for i, item in enumerate(items, start=1):
        line = getattr(item, "line", None)
        if not isinstance(item, dict):
            raise fail(f"'{key}', Eintrag {i}: erwartet 'notebook' und 'title'", line)
        unknown = sorted(set(item) - _ENTRY_KEYS)
        if unknown:
            raise fail(
                f"'{key}', Eintrag {i}: unbekannter Schlüssel '{unknown[0]}'",
                line,
                hint="Möglich: notebook, title, survey.",
            )
        name, title = item.get("notebook"), item.get("title")
        if not isinstance(name, str) or not _NAME.match(name) or name == EXPLORER:
            raise fail(
                f"'{key}', Eintrag {i}: 'notebook' muss ein Dateiname wie "
                f"'01_demografie.ipynb' sein, nicht {name!r}",
                line,
                hint="Zwei Ziffern (die Kapitelnummer), Unterstrich, Kleinbuchstaben, .ipynb.",
            )
        if not isinstance(title, str) or not title.strip():
            raise fail(f"'{key}', Eintrag {i} ({name}): 'title' fehlt", line)
        survey = item.get("survey", False)
        if not isinstance(survey, bool):
            raise fail(f"'{key}', Eintrag {i} ({name}): 'survey' ist true oder false", line)
        title = " ".join(title.split())
        out.append(ChapterEntry(folder / name, title, key == "edition_chapters", survey))
    return out


def _check_folder(o: Outline) -> Outline:
    """Both ways: every entry has its notebook, every chapter notebook has its entry."""
    for key, entries, folder in (
        ("chapters", o.chapters, o.folder),
        ("edition_chapters", o.edition_chapters, o.folder / EDITION_DIR),
    ):
        for e in entries:
            if not e.path.is_file():
                raise FormatError(
                    f"Das Kapitel {e.key} steht in der Gliederung, aber '{e.path}' fehlt",
                    path=str(o.source),
                    hint="Notebook anlegen oder den Eintrag aus der Gliederung nehmen.",
                )
        named = {e.path.name for e in entries}
        extra = sorted(
            p.name
            for p in folder.glob("[0-9][0-9]_*.ipynb")
            if p.name not in named and p != o.explorer and p.name != EXPLORER
        )
        if extra:
            raise FormatError(
                f"Das Notebook '{folder / extra[0]}' steht nicht in der Gliederung",
                path=str(o.source),
                hint=f"Unter '{key}' eintragen (notebook: {extra[0]}, title: …) "
                "oder das Notebook entfernen.",
            )
    if o.explorer is not None and not o.explorer.is_file():
        raise FormatError(f"Das Explorer-Notebook '{o.explorer}' fehlt", path=str(o.source))
    return o


def _from_names(folder: Path) -> Outline:
    """The plain outline of a folder without report.yml: its NN_*.ipynb in name order."""

    def entries(d: Path, edition: bool) -> tuple[ChapterEntry, ...]:
        return tuple(
            ChapterEntry(p, default_title(p.stem), edition)
            for p in sorted(d.glob("[0-9][0-9]_*.ipynb"))
            if p.name != EXPLORER
        )

    return Outline(
        folder=folder,
        source=None,
        chapters=entries(folder, False),
        edition_chapters=entries(folder / EDITION_DIR, True),
    )
