"""Process set-up for ibis' own processes (the `ibis` command, batch workers, benchmarks).

Not done on ``import ibislib``: a user's notebook that imports ibislib keeps its Python as it
was.
"""

from __future__ import annotations

import sys


def skip_slow_iri_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process.

    nbformat imports jsonschema, and jsonschema imports rfc3987-syntax 1.1 when it is installed
    (a dependency of jupyter-events via jsonschema[format-nongpl]); that package compiles 39
    lark grammars at import: 1,0–1,3 CPU-s in every ibis process (known upstream,
    python-jsonschema/jsonschema#1392). Only the "iri" format checks need it; nbformat's
    notebook schemas use no such format, so validation is the same. Call it before anything
    imports nbformat; an already imported module stays."""
    sys.modules.setdefault("rfc3987_syntax", None)  # None: "import rfc3987_syntax" -> ImportError
