"""Malformed inputs: every file of tests/bad_input/ must end in the library's own error.

The error names the file (and the line, where the format has lines), nothing is written to the
store, and the command line prints one German "Fehler:" line instead of a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ibislib
from ibislib import store
from ibislib.errors import IbisError

CORPUS = Path(__file__).resolve().parent / "bad_input"
#: files read together with a *_data.json of the same stem; not cases of their own
HELPERS = {p.name for p in CORPUS.glob("*_structure.json")}
CASES = sorted(
    p.name
    for p in CORPUS.iterdir()
    if p.is_file() and p.suffix in {".csv", ".json"} and p.name not in HELPERS
)

#: the line each error must point at (formats with lines; validation errors concern the whole table)
LINES = {
    "ba_text_in_number.csv": 12,
    "ba_truncated_row.csv": 12,
    "ba_unknown_land_20250605111436.csv": 3,
    "delivery_text_value.csv": 2,
    "delivery_unknown_measure.csv": 2,
    "flat_comma_separated.csv": 1,
    "flat_duplicate_keys.csv": 5,
    "flat_footer_in_the_middle.csv": 3,
    "flat_header_only.csv": 2,
    "flat_lost_leading_zero.csv": 2,
    "flat_missing_value_column.csv": 1,
    "flat_mixed_encoding.csv": 2,
    "flat_non_numeric_value.csv": 4,
    "flat_truncated.csv": 4,
    "flat_unknown_symbol.csv": 4,
    "json_broken_data.json": 1,
    "json_structure_broken_data.json": 1,
    "random_text_one_line.csv": 1,
    "table_comma_separated.csv": 1,
    "table_duplicate_region.csv": 13,
    "table_footer_in_the_middle.csv": 12,
    "table_header_only.csv": 8,
    "table_lost_leading_zero.csv": 12,
    "table_mixed_encoding.csv": 4,
    "table_missing_value_cells.csv": 12,
    "table_truncated.csv": 11,
    "table_unknown_symbol.csv": 12,
}

#: known gaps in loaders owned by others (reported, not patched here)
KNOWN_GAPS: dict[str, str] = {}


def _params() -> list:
    out = []
    for name in CASES:
        marks = (
            [pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=False)] if name in KNOWN_GAPS else []
        )
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 30
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    missing = [n for n in CASES + sorted(HELPERS) if f"`{n}`" not in readme]
    assert not missing, f"not described in README.md: {missing}"
    for name in LINES:
        assert name in CASES


@pytest.mark.parametrize("name", _params())
def test_bad_file_raises_own_error(name: str) -> None:
    path = CORPUS / name
    with pytest.raises(IbisError) as err:
        ibislib.read(path)
    exc = err.value
    assert type(exc) is not IbisError  # a specific subclass
    # the message names the file (the structure file where that one is broken)
    named = {name, name.replace("_data.json", "_structure.json")}
    assert any(n in exc.message for n in named), exc.message
    if name in LINES:
        assert exc.line == LINES[name], exc.message
        assert f"Zeile {LINES[name]}" in exc.message


def test_directory_and_missing_file(tmp_path: Path) -> None:
    folder = tmp_path / "lieferung.csv"
    folder.mkdir()
    with pytest.raises(IbisError, match="Ordner") as err:
        ibislib.read(folder)
    assert "lieferung.csv" in err.value.message
    with pytest.raises(IbisError, match="nicht gefunden") as err:
        ibislib.read(tmp_path / "gibt_es_nicht.csv")
    assert "gibt_es_nicht.csv" in err.value.message


@pytest.mark.parametrize(
    "name",
    [
        "flat_non_numeric_value.csv",
        "flat_negative_count.csv",
        "json_without_structure_data.json",
        "ba_text_in_number.csv",
        "table_truncated.csv",
        "xlsx_renamed.csv",
    ],
)
def test_store_reports_and_writes_nothing(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "raw" / "lieferung"
    raw.mkdir(parents=True)
    shutil.copy(CORPUS / name, raw / name)
    processed = tmp_path / "processed"
    result = store.build(raw=tmp_path / "raw", processed=processed)
    rel = f"lieferung/{name}"
    assert rel in result.errors and not result.ok
    assert name in result.errors[rel]
    assert result.built == []
    assert not list(processed.rglob("*.parquet"))
    assert store.read_manifest(processed)["files"] == {}
    assert (raw / name).read_bytes() == (CORPUS / name).read_bytes()  # raw untouched


@pytest.mark.parametrize(
    "name", ["flat_truncated.csv", "xlsx_renamed.csv", "json_broken_data.json"]
)
def test_cli_prints_one_german_line(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "ibislib.cli", "read", str(CORPUS / name), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Fehler:"), proc.stderr
    assert name in lines[0]
    assert not out.exists() and not list(tmp_path.iterdir())  # no output, no temp file left
