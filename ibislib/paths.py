"""Where the project's data lives. `IBIS_ROOT` overrides the project root."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("IBIS_ROOT")
    if env:
        # a relative IBIS_ROOT depends on the working directory: resolved on every call
        return _resolved(env) if os.path.isabs(env) else Path(env).resolve()
    here = _checkout()
    if (here / "data" / "raw").is_dir():
        return here
    return Path.cwd()


# Resolved once per text: resolve() walks every path component (a report asked ~2.000 times,
# through the data fingerprint of ibislib.cache, ~0,3 CPU-s); the IBIS_ROOT text itself is
# still read on every call, so a changed variable takes effect at once.
@lru_cache(maxsize=16)
def _resolved(text: str) -> Path:
    return Path(text).resolve()


@lru_cache(maxsize=1)
def _checkout() -> Path:
    return Path(__file__).resolve().parents[1]


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    return project_root() / "data" / "processed"


def figures_dir() -> Path:
    return project_root() / "figures"


def reports_dir() -> Path:
    return project_root() / "reports"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"
