"""ibis – Werkbank für kommunales Integrationsmonitoring und Integrationskonzepte."""

from __future__ import annotations

__version__ = "0.1.0"

import sys as _sys  # noqa: E402

# nbformat validates notebooks through jsonschema, whose optional IRI format check imports
# rfc3987_syntax, and that compiles a Lark grammar on import: 1,3 CPU-s, three quarters of the
# imports of `ibis report` (and of every batch worker), for a format no notebook schema uses.
# None in sys.modules makes that optional import fail fast; jsonschema then skips the check.
_sys.modules.setdefault("rfc3987_syntax", None)
del _sys

from .errors import IbisError  # noqa: E402

__all__ = ["IbisError", "__version__", "read"]


def __getattr__(name: str):
    """``ibislib.read`` is imported on first use: the loaders pull in pandas and pandera
    (0,6 s), which ``ibis --help`` or ``ibis regions resolve`` never need."""
    if name == "read":
        from .sources import read

        return read
    raise AttributeError(f"module 'ibislib' has no attribute {name!r}")
