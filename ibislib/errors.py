"""The library's own error types: every message names the file, the line and what to do."""

from __future__ import annotations

from pathlib import Path


class IbisError(Exception):
    """Base error with a user-facing German message (no traceback needed)."""

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = ""
        if self.path:
            where = f"Datei '{self.path}'"
            if self.line is not None:
                where += f", Zeile {self.line}"
            where += ": "
        text = where + self.problem
        if self.hint:
            text += f" – {self.hint}"
        return text


class FormatError(IbisError):
    """A file is not in (or not valid for) a supported format."""


class ValidationError(IbisError):
    """A tidy table breaks the schema (types, allowed values, counts, parts vs totals)."""


class RegionError(IbisError):
    """A region name or code cannot be resolved."""


class DataMissingError(IbisError):
    """Requested data is not in the store."""


def yaml_error(exc: Exception, path) -> FormatError:
    """The German error for a YAML file that does not parse, with the line where it broke."""
    mark = getattr(exc, "problem_mark", None)
    return FormatError(
        "Die Datei ist kein gültiges YAML",
        path=path,
        line=None if mark is None else mark.line + 1,
        hint="Einrückung und Doppelpunkte prüfen.",
    )
