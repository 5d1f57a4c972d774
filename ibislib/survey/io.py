"""Reading whole surveys: all questionnaire languages merged on item codes.

``read_survey(codebook)`` loads every file the codebook's ``files`` lists (one export per
questionnaire language), renames columns to item codes via the codebook (a header may be
a code or the question text in that file's language), stacks them on the *codes* – never on
label texts – and keeps the questionnaire language in a ``language`` column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataMissingError, FormatError
from ..sources import read
from . import codebook as cb


def read_survey(codebook_path: str | Path) -> tuple[pd.DataFrame, cb.Codebook]:
    """All files of a survey as one respondent-level frame, plus its codebook."""
    book = cb.load(codebook_path)
    base = Path(codebook_path).parent
    if not book.files:
        raise FormatError("Das Codebuch nennt unter 'files' keine Datendateien", path=codebook_path)
    frames = []
    for lang, fname in book.files.items():
        f = base / fname
        if not f.is_file():
            raise FormatError(f"Datendatei '{fname}' (Sprache {lang}) fehlt", path=codebook_path)
        df = read(f)
        df["language"] = lang
        frames.append(df)
    # stack on item codes: every file must carry the same codes (order may differ)
    cols = list(frames[0].columns)
    for f, df in zip(book.files.values(), frames[1:], strict=False):
        missing = set(cols) ^ set(df.columns)
        if missing:
            raise FormatError(
                "Die Sprachversionen haben unterschiedliche Item-Codes: "
                + ", ".join(sorted(missing)[:6]),
                path=base / f,
                hint="Jede Sprachversion muss dieselben Codes tragen (Codebuch prüfen).",
            )
    out = pd.concat([df[cols] for df in frames], ignore_index=True)
    # categoricals of identical categories survive concat; re-apply the codebook otherwise
    for c, it in book.items.items():
        if (
            c in out.columns
            and it.scale is not None
            and not isinstance(out[c].dtype, pd.CategoricalDtype)
        ):
            cats = frames[0][c].cat.categories
            out[c] = pd.Categorical(out[c], categories=cats, ordered=frames[0][c].cat.ordered)
    if book.id and book.id in out.columns and out[book.id].duplicated().any():
        dup = out.loc[out[book.id].duplicated(), book.id].iloc[0]
        raise FormatError(f"Befragten-ID {dup} kommt mehrfach vor", path=codebook_path)
    out.attrs = {
        "survey": book.survey,
        "synthetic": book.synthetic,
        "codebook": str(codebook_path),
        "questions": {c: it.question() for c, it in book.items.items()},
    }
    return out, book


def surveys(municipality: str, raw: Path | None = None) -> dict[str, Path]:
    """Codebooks under data/raw/ that declare ``municipality: <AGS>``, by their ``part``
    (e.g. "einwohner", "institutionen", "angebote")."""
    import yaml

    raw = Path(raw or paths.raw_dir())
    out: dict[str, Path] = {}
    for f in sorted(raw.glob("*/*.codebook.yml")):
        try:
            head = cb.safe_yaml(f.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        if str(head.get("municipality", "")) == str(municipality):
            out[str(head.get("part", f.stem.split(".")[0]))] = f
    return out


def example(municipality: str, part: str = "einwohner") -> tuple[pd.DataFrame, cb.Codebook]:
    """The survey part shipped for a municipality, or DataMissingError."""
    found = surveys(municipality)
    if part not in found:
        raise DataMissingError(f"Für {municipality} liegen keine Befragungsdaten ({part}) vor")
    return read_survey(found[part])


def has_survey(municipality: str, part: str = "einwohner") -> bool:
    return part in surveys(municipality)
