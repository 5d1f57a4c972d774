"""ibis – Werkbank für kommunales Integrationsmonitoring und Integrationskonzepte."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import IbisError

__all__ = ["IbisError", "__version__", "read"]


def __getattr__(name: str):
    """``ibislib.read`` is imported on first use: the loaders pull in pandas and pandera
    (0,6 s), which ``ibis --help`` or ``ibis regions resolve`` never need."""
    if name == "read":
        from .sources import read

        return read
    raise AttributeError(f"module 'ibislib' has no attribute {name!r}")
