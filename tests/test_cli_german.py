"""Everything `ibis` prints is German, including what the argument parser prints itself:
usage, help headings, the help option, usage errors and type errors."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ibislib.cli import app
from ibislib.cli_de import translate

ENGLISH = (
    "Usage:",
    "Missing option",
    "Missing argument",
    "No such option",
    "No such command",
    "Show this message and exit",
    "Try '",
    "for help",
    "Error",
    "Options",
    "Commands",
    "Arguments",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "requires an argument",
    "does not take a value",
    "is not a valid",
    "Input should be",
    "[default:",
    "[required]",
    "<str>",
    "<bool>",
    "<path>",
)


def _run(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(app, args, prog_name="ibis")
    return res.exit_code, res.output


def _assert_german(text: str) -> None:
    for en in ENGLISH:
        assert en not in text, f"{en!r} in:\n{text}"


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["report", "--help"],
        ["indicators", "--help"],
        ["store", "--help"],
        ["regions", "resolve", "--help"],
        ["batch", "--help"],
    ],
)
def test_help_is_german(args):
    code, out = _run(args)
    assert code == 0
    _assert_german(out)
    assert "Aufruf: ibis" in out
    assert "Diese Hilfe anzeigen und beenden." in out
    assert "Optionen" in out


def test_group_help_names_commands_in_german():
    code, out = _run(["--help"])
    assert "BEFEHL [ARGUMENTE]" in out and "Befehle" in out


@pytest.mark.parametrize(
    ("args", "german"),
    [
        (["report"], "Option '--municipality' / '-m' fehlt."),
        (["report", "-m", "05566028", "--gibtsnicht"], "Unbekannte Option: --gibtsnicht"),
        (["gibtsnicht"], "Unbekannter Befehl 'gibtsnicht'."),
        (["report", "-m"], "Option '-m' braucht einen Wert."),
        (["store", "build", "--force=ja"], "Option '--force' nimmt keinen Wert an."),
        (["batch", "--jobs", "viele"], "Ungültiger Wert für '--jobs' / '-j'"),
        (["regions", "resolve"], "Argument 'name' fehlt."),
        (["regions", "show", "a", "b"], "Unerwartete zusätzliche Angabe (b)"),
    ],
)
def test_usage_errors_are_german(args, german):
    code, out = _run(args)
    assert code == 2
    flat = re.sub(r"[\s│╭╮╰╯─]+", " ", out)
    assert german in flat, out
    assert "Fehler" in out
    if "Aufruf:" in out:  # errors found after parsing name the command and its help
        assert "Hilfe: 'ibis" in out
    _assert_german(out)


def test_the_command_prints_german_in_a_plain_terminal():
    """`ibis` as started from a shell (own process, plain terminal)."""
    res = subprocess.run(
        [sys.executable, "-c", "from ibislib.cli import main; main()", "report"],
        capture_output=True,
        text=True,
        env={"TERM": "dumb", "NO_COLOR": "1", "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
        timeout=120,
    )
    assert res.returncode == 2
    assert "Option '--municipality' / '-m' fehlt." in res.stderr
    assert "Aufruf: ibis report" in res.stderr or "Aufruf: -c report" in res.stderr
    _assert_german(res.stderr)


def test_fallback_output_without_rich_is_german(capsys):
    """Where rich is missing, click's own `show()` prints the error: German too."""
    import typer
    from typer._click.exceptions import NoSuchOption

    cmd = typer.main.get_command(app)
    ctx = cmd.make_context("ibis", ["report", "-m", "1"], resilient_parsing=True)
    NoSuchOption("--gibts", ctx=ctx).show()
    err = capsys.readouterr().err
    assert "Unbekannte Option: --gibts" in err and err.startswith("Aufruf: ibis")
    assert "Fehler: " in err and "Hilfe: 'ibis --help'" in err
    _assert_german(err)


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("Missing option '--out'.", "Option '--out' fehlt."),
        ("No such option: --x Did you mean --out?", "Unbekannte Option: --x Meinten Sie --out?"),
        ("Value 'x' is not a valid integer.", "'x' ist keine gültige Angabe (ganze Zahl)."),
        ("Path 'a.csv' does not exist.", "Pfad 'a.csv' existiert nicht."),
        ("Option '--ids' requires 2 arguments.", "Option '--ids' braucht 2 Werte."),
        ("Missing command.", "Befehl fehlt."),
    ],
)
def test_translation_table(english, german):
    assert translate(english) == german
