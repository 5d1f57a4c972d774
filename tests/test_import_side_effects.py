"""Importing ibislib leaves matplotlib as the user set it up: no backend, no rcParams changed
(issue 12). The house style reaches only the figures ibis draws, and a figure saved by ibis
embeds its fonts and has stable SVG ids whether or not it was drawn in the house style."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import matplotlib
import matplotlib.pyplot as plt
before = {k: repr(v) for k, v in matplotlib.rcParams.items()}
backend = matplotlib.get_backend()
import ibislib.charts, ibislib.figures, ibislib.maps, ibislib.publish, ibislib.report.blocks
after = {k: repr(v) for k, v in matplotlib.rcParams.items()}
changed = sorted(k for k in before if before[k] != after[k])
assert changed == [], changed
assert matplotlib.get_backend() == backend
from ibislib import charts, figures
import pandas as pd
fig = charts.bar(pd.DataFrame({"g": ["a", "b"], "v": [1.0, 2.0]}), "g", "v")
assert matplotlib.rcParams["font.size"] == figures.RC["font.size"]  # asked for: house style
print("ok")
"""


def test_import_changes_no_matplotlib_setting():
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_saved_files_embed_fonts_and_keep_stable_ids_for_any_figure(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    from ibislib import figures

    with matplotlib.rc_context({"pdf.fonttype": 3, "svg.fonttype": "path", "svg.hashsalt": None}):
        paths = []
        for name in ("a", "b"):
            fig, ax = plt.subplots()
            ax.bar(["x", "y"], [1, 2])
            paths.append(figures.save(fig, tmp_path / name, ("svg", "pdf")))
            plt.close(fig)
        assert matplotlib.rcParams["pdf.fonttype"] == 3  # saving changed nothing lasting
    svg = [p["svg"].read_text(encoding="utf-8") for p in paths]
    assert svg[0] == svg[1] and "<text" in svg[0]  # editable text, same ids both times
    assert b"/FontFile2" in paths[0]["pdf"].read_bytes()  # TrueType embedded (fonttype 42)


def test_import_leaves_sys_modules_alone_and_the_command_skips_the_iri_grammar():
    """``import ibislib`` in a user's notebook blocks no module; the `ibis` command and the
    batch processes keep jsonschema from importing rfc3987_syntax (1 CPU-s of lark grammars)
    and still validate notebooks."""
    check = (
        "import sys, ibislib\n"
        "assert 'rfc3987_syntax' not in sys.modules\n"
        "from ibislib.lean_imports import skip_slow_iri_checker\n"
        "skip_slow_iri_checker()\n"
        "import nbformat\n"
        "nb = nbformat.v4.new_notebook()\n"
        "nbformat.validate(nb)\n"
        "assert sys.modules['rfc3987_syntax'] is None\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
