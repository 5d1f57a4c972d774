"""ibis – Werkbank für kommunales Integrationsmonitoring und Integrationskonzepte."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import IbisError  # noqa: E402
from .sources import read  # noqa: E402

__all__ = ["IbisError", "__version__", "read"]
