"""Survey codebooks (YAML): item codes, question texts per language, scales, value labels,
missing codes, reverse coding and batteries.

A codebook is plain data next to the export it describes::

    survey: einwohnerbefragung
    title: Einwohner*innenbefragung Ibbenbüren 2021
    synthetic: true            # synthetic example data: labelled wherever it shows
    version: 1
    languages: [de, en, fr, ls]
    id: id                     # respondent id column
    files:                     # optional: one export per questionnaire language
      de: einwohner_synthetisch_de.csv
      en: einwohner_synthetisch_en.csv
    columns: [id, submitdate]  # optional: item code per column position (null = derive)
    scales:
      zustimmung4:
        type: ordinal          # ordinal | nominal
        levels:                # code: label (or {de: …, en: …}); order = scale order
          1: stimme voll und ganz zu
          2: stimme zu
        missing: [-9]          # codes that mean "keine Angabe"
        agree: [1, 2]          # codes counted as agreement
    items:
      - code: wohl
        text: {de: "In Ibbenbüren fühlen sich …", en: "…"}
        scale: zustimmung4
        battery: klima         # items with the same battery are charted together
        reverse: false         # true: the scale runs the other way for this item
      - code: geschlecht
        labels: {1: weiblich, 2: männlich, 3: divers}
        missing: [-9]
      - code: bedeutung
        type: text             # free text: never exported

Likert answers become ordered categoricals built from the *codes* (never from label texts),
so questionnaires in several languages merge on codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..errors import FormatError

#: libyaml's loader where PyYAML has it (same documents, ~10x faster than the Python one; the
#: survey chapter parsed its codebooks in ~0,6 s).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str):
    """``yaml.safe_load`` with the fast loader (errors are the same ``yaml.YAMLError``)."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


REPORT_LANGUAGE = "de"


def norm_code(value) -> str | None:
    """Answer codes as text: 1, 1.0 and '1' all become '1'; empty/NaN -> None."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            return str(int(value))
    s = str(value).strip()
    if s == "" or s.lower() in {"nan", "<na>", "none"}:
        return None
    if re.fullmatch(r"-?\d+\.0+", s):
        s = s.split(".")[0]
    return s


def _text(value, language: str = REPORT_LANGUAGE) -> str:
    """A label/text that is either a string or a {language: text} mapping."""
    if isinstance(value, dict):
        return str(value.get(language) or value.get(REPORT_LANGUAGE) or next(iter(value.values())))
    return "" if value is None else str(value)


@dataclass
class Scale:
    name: str
    levels: dict[str, object]  # code -> label or {lang: label}, in scale order
    type: str = "ordinal"
    missing: list[str] = field(default_factory=list)
    agree: list[str] = field(default_factory=list)

    def labels(self, language: str = REPORT_LANGUAGE) -> list[str]:
        return [_text(v, language) for v in self.levels.values()]


@dataclass
class Item:
    code: str
    text: dict[str, str] = field(default_factory=dict)
    scale: Scale | None = None
    type: str = "auto"  # ordinal | nominal | multiple | text | numeric | auto
    battery: str | None = None
    reverse: bool = False
    position: int | None = None

    def question(self, language: str = REPORT_LANGUAGE) -> str:
        return _text(self.text, language) if self.text else self.code


@dataclass
class Codebook:
    survey: str
    title: str = ""
    synthetic: bool = False
    version: str = "1"
    languages: list[str] = field(default_factory=lambda: [REPORT_LANGUAGE])
    id: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    columns: list[str | None] = field(default_factory=list)
    scales: dict[str, Scale] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    source: str = ""
    path: Path | None = None

    # ---- lookups ------------------------------------------------------------------------
    def battery(self, name: str) -> list[str]:
        """Item codes of a battery, in codebook order."""
        return [c for c, it in self.items.items() if it.battery == name]

    def batteries(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c, it in self.items.items():
            if it.battery:
                out.setdefault(it.battery, []).append(c)
        return out

    def text_items(self) -> list[str]:
        return [c for c, it in self.items.items() if it.type == "text"]

    def agree_labels(self, code: str) -> list[str]:
        """Labels (report language) that count as agreement for an item."""
        it = self.items[code]
        if not it.scale:
            return []
        return [_text(it.scale.levels[c]) for c in it.scale.agree if c in it.scale.levels]

    def code_for_text(self, header: str) -> str | None:
        """Item code whose question text (any language) equals a column header."""
        h = _squash(header)
        for c, it in self.items.items():
            if any(_squash(t) == h for t in it.text.values()):
                return c
        return None

    # ---- applying -----------------------------------------------------------------------
    def apply(
        self, df: pd.DataFrame, source: str | Path | None = None, header_lines: int | None = 1
    ) -> pd.DataFrame:
        """Turn coded answers into categoricals (ordered for ordinal scales), missing codes
        into NA. Columns not in the codebook stay as they are.

        `source` is the data file: a code outside the codebook is refused naming that file,
        the line (record number + `header_lines`; None for binary files: the case number),
        the item and the code. With `source`, the respondent id column (``id`` of the codebook,
        else ``id`` or SoSci's ``CASE``) is required and unique.
        """
        df = df.copy()
        where = source if source is not None else self.path
        for code, it in self.items.items():
            if code not in df.columns or it.type in {"text", "numeric"}:
                continue
            if it.scale is None:
                continue
            codes = df[code].map(norm_code)
            codes = codes.where(~codes.isin(it.scale.missing))
            order = list(it.scale.levels)
            unknown = sorted(set(codes.dropna()) - set(order))
            if unknown:
                pos = int(np.flatnonzero(codes.isin(unknown).to_numpy())[0])
                line = None if header_lines is None else pos + 1 + header_lines
                raise FormatError(
                    f"Spalte '{code}' enthält Codes, die im Codebuch nicht vorkommen: "
                    + ", ".join(str(u)[:20] for u in unknown[:5])
                    + f" (Item '{code}', Code {str(codes.iloc[pos])[:20]!r}"
                    + (f", Fall {pos + 1}" if line is None else "")
                    + f"; Codebuch '{Path(self.path).name if self.path else '?'}')",
                    path=where,
                    line=line,
                    hint="Entweder ist der Code ein Tippfehler in den Daten, oder Wertelabels bzw. "
                    "Missing-Codes fehlen im Codebuch; bitte eines von beiden berichtigen.",
                )
            labels = dict(zip(order, it.scale.labels(), strict=True))
            cats = [labels[c] for c in order]
            if it.reverse:
                cats = cats[::-1]
            ordered = it.scale.type == "ordinal" and it.type != "nominal"
            df[code] = pd.Categorical(codes.map(labels), categories=cats, ordered=ordered)
        if source is not None:  # reading a data file (not re-applying to a frame)
            self._check_ids(df, where, header_lines)
        return df

    def _check_ids(self, df: pd.DataFrame, where: object, header_lines: int | None) -> None:
        """The respondent id column exists and every id occurs once."""
        col = self.id or next((c for c in ("id", "CASE") if c in df.columns), None)
        if col is None or col not in df.columns:
            raise FormatError(
                f"Die Befragten-ID-Spalte '{col or 'id'}' fehlt",
                path=where,
                line=1 if header_lines else None,
                hint="Jede Befragungsdatei braucht eine eindeutige ID je befragter Person; "
                "den Spaltennamen nennt das Codebuch unter 'id'.",
            )
        ids = df[col]
        if ids.isna().any():
            pos = int(np.flatnonzero(ids.isna().to_numpy())[0])
            raise FormatError(
                f"Befragten-ID (Spalte '{col}') fehlt",
                path=where,
                line=None if header_lines is None else pos + 1 + header_lines,
                hint="Jede Zeile braucht eine ID.",
            )
        dup = ids.duplicated(keep="first").to_numpy()
        if dup.any():
            pos = int(np.flatnonzero(dup)[0])
            first = int(np.flatnonzero((ids == ids.iloc[pos]).to_numpy())[0])
            raise FormatError(
                f"Befragten-ID {str(ids.iloc[pos])[:20]!r} (Spalte '{col}') kommt mehrfach vor"
                + (
                    f" (Zeilen {first + 1 + header_lines} und {pos + 1 + header_lines})"
                    if header_lines is not None
                    else f" (Fälle {first + 1} und {pos + 1})"
                ),
                path=where,
                line=None if header_lines is None else pos + 1 + header_lines,
                hint="Doppelte Fälle verfälschen jede Häufigkeit; bitte den Export prüfen.",
            )


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", str(s)).strip().lower()


def _scale_from(name: str, raw: dict, path) -> Scale:
    if not isinstance(raw, dict) or "levels" not in raw and "labels" not in raw:
        raise FormatError(f"Skala '{name}' ohne 'levels'", path=path)
    levels = raw.get("levels", raw.get("labels"))
    return Scale(
        name=name,
        levels={norm_code(k): v for k, v in levels.items()},
        type=str(raw.get("type", "ordinal")),
        missing=[norm_code(m) for m in raw.get("missing", []) or []],
        agree=[norm_code(a) for a in raw.get("agree", []) or []],
    )


def load(path: str | Path) -> Codebook:
    """Read and check a codebook YAML file."""
    path = Path(path)
    try:
        raw = safe_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise FormatError(
            "Das Codebuch ist kein gültiges YAML",
            path=path,
            line=None if line is None else line + 1,
            hint="Einrückung und Doppelpunkte prüfen.",
        ) from None
    if not isinstance(raw, dict) or "items" not in raw:
        raise FormatError(
            "Das Codebuch hat keinen Abschnitt 'items'",
            path=path,
            hint="Siehe ibislib/survey/codebook.py für den Aufbau.",
        )
    scales = {n: _scale_from(n, s, path) for n, s in (raw.get("scales") or {}).items()}
    items: dict[str, Item] = {}
    for i, r in enumerate(raw["items"] or []):
        if not isinstance(r, dict) or "code" not in r:
            raise FormatError(f"Eintrag {i + 1} unter 'items' hat keinen 'code'", path=path)
        code = str(r["code"])
        if code in items:
            raise FormatError(f"Item-Code '{code}' kommt doppelt vor", path=path)
        scale = None
        if "scale" in r:
            if r["scale"] not in scales:
                raise FormatError(
                    f"Item '{code}' verweist auf unbekannte Skala '{r['scale']}'",
                    path=path,
                    hint="Möglich: " + ", ".join(scales),
                )
            scale = scales[r["scale"]]
        elif "labels" in r:
            scale = _scale_from(
                code,
                {"levels": r["labels"], "type": "nominal", "missing": r.get("missing", [])},
                path,
            )
        text = r.get("text") or {}
        if isinstance(text, str):
            text = {REPORT_LANGUAGE: text}
        items[code] = Item(
            code=code,
            text={str(k): str(v) for k, v in text.items()},
            scale=scale,
            type=str(r.get("type", scale.type if scale else "auto")),
            battery=r.get("battery"),
            reverse=bool(r.get("reverse", False)),
            position=r.get("position"),
        )
    return Codebook(
        survey=str(raw.get("survey", path.stem)),
        title=str(raw.get("title", "")),
        synthetic=bool(raw.get("synthetic", False)),
        version=str(raw.get("version", "1")),
        languages=[str(x) for x in raw.get("languages", [REPORT_LANGUAGE])],
        id=raw.get("id"),
        files={str(k): str(v) for k, v in (raw.get("files") or {}).items()},
        columns=list(raw.get("columns") or []),
        scales=scales,
        items=items,
        source=str(raw.get("source", "")),
        path=path,
    )


def find(data_path: str | Path) -> Path | None:
    """The codebook belonging to a data file: ``<stem>.yml``, ``<stem>.codebook.yml``, or any
    YAML in the same folder whose ``files`` list names the data file."""
    data_path = Path(data_path)
    for cand in (
        data_path.with_suffix(".yml"),
        data_path.with_suffix(".yaml"),
        data_path.with_name(data_path.stem + ".codebook.yml"),
    ):
        if cand.is_file():
            return cand
    for cand in sorted(data_path.parent.glob("*.y*ml")):
        try:
            raw = safe_yaml(cand.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(raw, dict) and data_path.name in (raw.get("files") or {}).values():
            return cand
    return None


def language_of(codebook: Codebook, data_path: str | Path) -> str | None:
    """Questionnaire language of a data file according to the codebook's ``files``."""
    name = Path(data_path).name
    for lang, fname in codebook.files.items():
        if fname == name:
            return lang
    return None
