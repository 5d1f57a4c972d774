"""German texts for what the argument parser (Typer and the click it ships) prints itself.

Typer 0.2x vendors click without its gettext catalogue: usage errors ("Missing option",
"No such option" …) are English f-strings, help headings come from ``typer.core._`` (gettext)
and constants in ``typer.rich_utils``. :func:`install` translates all of them: error messages
through :func:`translate` (one table of patterns), headings and the help option's text by
replacing the constants. Called once when :mod:`ibislib.cli` is imported, so ``ibis`` and
``CliRunner(app)`` print the same German texts.
"""

from __future__ import annotations

import re

#: English type names in "'x' is not a valid integer." -> German
TYPES = {
    "integer": "ganze Zahl",
    "int": "ganze Zahl",
    "float": "Zahl",
    "boolean": "Wahrheitswert (ja/nein)",
    "bool": "Wahrheitswert (ja/nein)",
    "path": "Pfad",
    "uuid": "UUID",
    "datetime": "Datum",
    "date": "Datum",
    "number": "Zahl",
    "string": "Text",
    "str": "Text",
}

#: (pattern, replacement) applied in order to every message the parser produces.
PATTERNS: list[tuple[str, str]] = [
    (r"^Missing option (.+?)\.", r"Option \1 fehlt."),
    (r"^Missing argument (.+?)\.", r"Argument \1 fehlt."),
    (r"^Missing parameter: (.+)", r"Angabe fehlt: \1"),
    (r"^Missing parameter (.+?)\.", r"Angabe \1 fehlt."),
    (r"^Missing command\.", "Befehl fehlt."),
    (r"^No such option: (\S+)", r"Unbekannte Option: \1"),
    (r"^No such command (.+?)\.", r"Unbekannter Befehl \1."),
    (r"Did you mean (.+?)\?", r"Meinten Sie \1?"),
    (r"\(Possible options: (.+)\)", r"(Mögliche Optionen: \1)"),
    (r"^Option (.+?) requires an argument\.", r"Option \1 braucht einen Wert."),
    (r"^Option (.+?) requires (\d+) arguments\.", r"Option \1 braucht \2 Werte."),
    (r"^Option (.+?) does not take a value\.", r"Option \1 nimmt keinen Wert an."),
    (
        r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)",
        r"Unerwartete zusätzliche Angabe (\1)",
    ),
    (r"^Invalid value for (.+?): ", r"Ungültiger Wert für \1: "),
    (r"^Invalid value: ", "Ungültiger Wert: "),
    (r"(?:Value )?(.+?) is not a valid (\w+)\.", None),  # type names: see _valid
    # Typer 0.2x converts values with pydantic, whose messages come through as they are
    (r"Input should be a valid (\w+)(?:, [^.;]*)?", None),  # see _valid_input
    (r"Input should be (.+?)(?: or (.+))?$", None),  # see _choice
    (r"(.+?) is not one of (.+)\.", r"\1 ist keiner der möglichen Werte \2."),
    (r"^(File|Directory|Path) (.+?) does not exist\.", None),  # see _exists
    (r"(.+?) is not readable\.", r"\1 ist nicht lesbar."),
    (r"(.+?) is not writable\.", r"\1 ist nicht schreibbar."),
    (r"(.+?) is a directory\.", r"\1 ist ein Ordner."),
    (r"(.+?) is a file\.", r"\1 ist eine Datei."),
]

_LABELS = {"File": "Datei", "Directory": "Ordner", "Path": "Pfad"}

#: Texts Typer looks up through gettext (typer.core._) and its help/error constants.
GETTEXT = {
    "Arguments": "Argumente",
    "Options": "Optionen",
    "Commands": "Befehle",
    "Missing command.": "Befehl fehlt.",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "Aborted!": "Abgebrochen.",
    "required": "Pflichtangabe",
    "default: {default}": "Standard: {default}",
    "env var: {var}": "Umgebungsvariable: {var}",
    "(dynamic)": "(dynamisch)",
}
RICH_CONSTANTS = {
    "DEPRECATED_STRING": "(veraltet) ",
    "DEFAULT_STRING": "[Standard: {}]",
    "ENVVAR_STRING": "[Umgebungsvariable: {}]",
    "REQUIRED_LONG_STRING": "[Pflichtangabe]",
    "ARGUMENTS_PANEL_TITLE": "Argumente",
    "OPTIONS_PANEL_TITLE": "Optionen",
    "COMMANDS_PANEL_TITLE": "Befehle",
    "ERRORS_PANEL_TITLE": "Fehler",
    "ABORTED_TEXT": "Abgebrochen.",
    "RICH_HELP": "Hilfe: [blue]'{command_path} {help_option}'[/]",
}
HELP_OPTION = "Diese Hilfe anzeigen und beenden."
METAVARS = {"[OPTIONS]": "[OPTIONEN]", "COMMAND [ARGS]...": "BEFEHL [ARGUMENTE]..."}
#: value types in the help table ('--out <path>'); a flag ('<bool>') takes no value: no type
TYPE_LABELS = {
    "<str>": "<Text>",
    "<int>": "<Zahl>",
    "<float>": "<Zahl>",
    "<path>": "<Pfad>",
    "<file>": "<Datei>",
    "<directory>": "<Ordner>",
    "<bool>": "",
}
USAGE = "Aufruf: "

_installed = False


def _valid_input(m: re.Match) -> str:
    return f"erwartet wird eine {TYPES.get(m.group(1).lower(), m.group(1))}"


def _choice(m: re.Match) -> str:
    return f"möglich ist {m.group(1)}" + (f" oder {m.group(2)}" if m.group(2) else "")


def _valid(m: re.Match) -> str:
    kind = TYPES.get(m.group(2).lower(), m.group(2))
    return f"{m.group(1)} ist keine gültige Angabe ({kind})."


def _exists(m: re.Match) -> str:
    return f"{_LABELS.get(m.group(1), m.group(1))} {m.group(2)} existiert nicht."


def translate(message: str) -> str:
    """An English parser message in German (unknown messages are returned unchanged)."""
    out = message
    for pattern, repl in PATTERNS:
        if repl is None:
            if "exist" in pattern:
                func = _exists
            elif pattern.startswith("Input should be a valid"):
                func = _valid_input
            elif pattern.startswith("Input should be"):
                func = _choice
            else:
                func = _valid
            out = re.sub(pattern, func, out)
        else:
            out = re.sub(pattern, repl, out)
    return out


def _gettext(text: str) -> str:
    return GETTEXT.get(text, text)


def _german_rich(ru) -> None:
    for name, text in RICH_CONSTANTS.items():
        setattr(ru, name, text)


def _when_imported(name: str, patch) -> None:
    """Run `patch(module)` once `name` is imported — now if it already is. Typer imports
    ``rich_utils`` (rich, markdown-it, pygments: ~0,2 s) only to print help or an error; a
    command that runs does not need it."""
    import importlib.abc
    import sys

    if name in sys.modules:
        patch(sys.modules[name])
        return

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            import importlib.util

            spec = importlib.util.find_spec(fullname)
            if spec is None or spec.loader is None:
                return spec
            exec_module = spec.loader.exec_module

            def exec_and_patch(module) -> None:
                exec_module(module)
                patch(module)

            spec.loader.exec_module = exec_and_patch
            return spec

    sys.meta_path.insert(0, _Finder())


def install() -> None:
    """Make Typer and its click print German (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    import typer.core
    from typer._click import core as ccore
    from typer._click import exceptions as exc
    from typer._click import formatting

    typer.core._ = _gettext
    _when_imported("typer.rich_utils", _german_rich)

    for cls in vars(exc).values():
        if isinstance(cls, type) and issubclass(cls, exc.ClickException):
            if "format_message" in vars(cls) or cls is exc.ClickException:
                orig = cls.format_message
                cls.format_message = lambda self, _orig=orig: translate(_orig(self))

    def show_click(self, file=None) -> None:  # plain (non-rich) output
        from typer._click._compat import get_text_stderr
        from typer._click.utils import echo

        echo(f"Fehler: {self.format_message()}", file=file or get_text_stderr())

    def show_usage(self, file=None) -> None:
        from typer._click._compat import get_text_stderr
        from typer._click.utils import echo

        file = file or get_text_stderr()
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                opt = self.ctx.help_option_names[0]
                hint = f"Hilfe: '{self.ctx.command_path} {opt}'\n"
            echo(f"{self.ctx.get_usage()}\n{hint}", file=file)
        echo(f"Fehler: {self.format_message()}", file=file)

    exc.ClickException.show = show_click
    exc.UsageError.show = show_usage

    orig_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):
        for en, de in METAVARS.items():
            args = args.replace(en, de)
        return orig_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage

    orig_help = ccore.Command.get_help_option

    def get_help_option(self, ctx):
        opt = orig_help(self, ctx)
        if opt is not None:
            opt.help = HELP_OPTION
        return opt

    ccore.Command.get_help_option = get_help_option

    orig_type = typer.core._TyperParameter.display_type

    def display_type(self, ctx) -> str:
        shown = orig_type(self, ctx)
        return TYPE_LABELS.get(shown, shown)

    typer.core._TyperParameter.display_type = display_type
