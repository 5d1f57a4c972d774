"""SPSS ``.sav`` survey files (as exported by LimeSurvey, SoSci Survey, Unipark …) via pyreadstat.

Variable names are the item codes; variable labels become ``df.attrs["questions"]``. Value
labels turn coded answers into categoricals: ordered when SPSS marks the variable as ordinal
(or when a codebook YAML next to the file gives it an ordinal scale), unordered otherwise.
User-defined missing values become NA. Returns a respondent-level frame (KIND = "survey").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import FormatError
from ..survey import codebook as cb
from ..survey.codebook import norm_code

FORMAT = "spss"
KIND = "survey"


def sniff(path: Path, head: str) -> bool:
    # binary: recognised by its magic number in sources.sniff_format; here only by suffix
    return Path(path).suffix.lower() in {".sav", ".zsav"} and head.startswith("$FL")


def read(path: Path) -> pd.DataFrame:
    import pyreadstat

    path = Path(path)
    try:
        df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError types
        raise FormatError(
            f"Die SPSS-Datei lässt sich nicht lesen ({exc})",
            path=path,
            hint="Ist die Datei vollständig? Bitte erneut als .sav exportieren.",
        ) from None
    book_path = cb.find(path)
    book = cb.load(book_path) if book_path else None
    if book is not None:
        out = book.apply(df, source=path, header_lines=None)
    else:
        out = df.copy()
        measures = getattr(meta, "variable_measure", {}) or {}
        for var, labels in (meta.variable_value_labels or {}).items():
            if var not in out.columns or not labels:
                continue
            codes = out[var].map(norm_code)
            mapping = {norm_code(k): str(v) for k, v in sorted(labels.items())}
            unknown = set(codes.dropna()) - set(mapping)
            if unknown:  # labelled only in part (e.g. end points of a scale): keep the codes
                continue
            ordered = measures.get(var) == "ordinal"
            out[var] = pd.Categorical(
                codes.map(mapping),
                categories=list(dict.fromkeys(mapping.values())),
                ordered=ordered,
            )
    out.attrs["questions"] = dict(meta.column_names_to_labels or {})
    out.attrs["format"] = FORMAT
    out.attrs["path"] = str(path)
    out.attrs["codebook"] = str(book_path) if book_path else ""
    out.attrs["synthetic"] = bool(book.synthetic) if book else False
    return out
