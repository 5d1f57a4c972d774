"""The explicit loader registry (modelled on papermill's engine registry).

Each loader module exposes::

    FORMAT: str                       # name used with --format / read(format=...)
    KIND: str                         # "observations" (tidy, goes to the store), "survey", "regions"
    def sniff(path: Path, head: str) -> bool   # head: first 8 KiB decoded as text
    def read(path: Path) -> pandas.DataFrame

and is registered below, in the order formats are tried when sniffing (most specific first; the
classic table, whose sniffer is the most lenient, last). A new loader is one module plus one
``register`` line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pandas as pd

from ..errors import FormatError
from ..ingest import gv100ad
from . import (
    ba_csv,
    delivery,
    genesis_flat,
    genesis_json,
    genesis_table,
    limesurvey,
    spss,
    survey_csv,
    zipped,
)

KINDS = ("observations", "survey", "regions")


@dataclass(frozen=True)
class Loader:
    """One registered input format."""

    format: str
    kind: str
    sniff: Callable[[Path, str], bool]
    read: Callable[[Path], pd.DataFrame]
    module: ModuleType


class LoaderRegistry:
    """Formats by name, in sniffing order."""

    def __init__(self) -> None:
        self._loaders: dict[str, Loader] = {}

    def register(self, module: ModuleType, name: str | None = None) -> Loader:
        """Register a loader module under its FORMAT (or `name`)."""
        fmt = name or module.FORMAT
        kind = getattr(module, "KIND", "observations")
        if kind not in KINDS:
            raise ValueError(f"loader {fmt}: unknown KIND {kind!r}")
        if fmt in self._loaders:
            raise ValueError(f"loader {fmt} registered twice")
        loader = Loader(fmt, kind, module.sniff, module.read, module)
        self._loaders[fmt] = loader
        return loader

    def get(self, name: str, path: Path | str | None = None) -> Loader:
        """The loader of format `name`; a clear error naming the known formats otherwise."""
        try:
            return self._loaders[name]
        except KeyError:
            raise FormatError(
                f"Unbekanntes Format '{name}'", path=path, hint="Möglich sind: " + ", ".join(self)
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaders)

    def __contains__(self, name: object) -> bool:
        return name in self._loaders

    def items(self) -> list[tuple[str, Loader]]:
        return list(self._loaders.items())


loaders = LoaderRegistry()
loaders.register(genesis_json)
loaders.register(genesis_flat)
loaders.register(ba_csv)
loaders.register(delivery)
loaders.register(gv100ad)
loaders.register(limesurvey)
loaders.register(spss)
loaders.register(survey_csv)
loaders.register(genesis_table)
loaders.register(zipped)
zipped.LOADERS = loaders
