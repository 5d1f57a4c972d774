"""`ibis fetch` and `ibis data status` against replayed GENESIS exchanges (never the network).

The cassettes in tests/fixtures/genesis_api/ are real recorded exchanges with regionalstatistik.de,
GENESIS-Online and the Zensus 2022 database (see the README there), replayed by vcrpy with the
request body matched exactly.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import pytest
import requests
import vcr
import yaml

from ibislib import cli, paths, store
from ibislib.fetch import client as fetch_client
from ibislib.indicators.catalog import CatalogError, load_catalog, table_registry
from ibislib.sources import read

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "tests" / "fixtures" / "genesis_api"
SHIPPED = ROOT / "data" / "raw" / "genesis_flat"
SECRET = "geheim-Passwort-4711"

STATUS_IDS = "bev_entwicklung,svb_ausl_anzahl_arbeitsort,svb_ausl_anteil_arbeitsort"


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """An empty ibis project (data/raw/ exists) with credentials for every service."""
    (tmp_path / "data" / "raw").mkdir(parents=True)
    monkeypatch.setenv("IBIS_ROOT", str(tmp_path))
    monkeypatch.setenv("PYSTATIS_CONFIG_DIR", str(tmp_path / "no-pystatis"))
    for key in ("GENESIS", "REGIO", "ZENSUS"):
        monkeypatch.setenv(f"PYSTATIS_{key}_API_USERNAME", "ibis-test")
        monkeypatch.setenv(f"PYSTATIS_{key}_API_PASSWORD", SECRET)
    return tmp_path


def replay(tmp_path: Path, *names: str):
    """One vcrpy cassette holding the recorded interactions of `names` (copied, not changed)."""
    interactions = []
    for name in names:
        doc = yaml.load((CASSETTES / f"{name}.yaml").read_text(encoding="utf-8"), yaml.CSafeLoader)
        interactions.extend(doc["interactions"])
    path = tmp_path / "replay.yaml"
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), encoding="utf-8")
    rec = vcr.VCR(
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path", "body"],
    )
    return rec.use_cassette(str(path), allow_playback_repeats=True)


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`ibis ARGS` through cli.main (German message and exit 2 for errors)."""
    old = sys.argv
    sys.argv = ["ibis", *args]
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


def raw_files(root: Path) -> dict[str, bytes]:
    raw = root / "data" / "raw"
    return {p.relative_to(raw).as_posix(): p.read_bytes() for p in raw.rglob("*") if p.is_file()}


# ------------------------------------------------------------------------------ data status


def test_status_offline_says_what_is_missing(root, capsys):
    code, out, err = run(capsys, "data", "status", "--kreis", "05566", "--offline")
    assert code == 0, err
    assert "Datenstand für Kreis" in out and "05566" in out
    # nothing local: every official table of the Kreis-level indicators is to fetch
    assert "12411-01-01-4" in out and "13111-01-03-4" in out
    assert "ibis fetch --missing --kreis 05566" in out


def test_status_and_fetch_missing_against_replayed_services(root, tmp_path, capsys):
    with replay(tmp_path, "12411-01-01-4", "13111-01-03-4"):
        code, out, err = run(capsys, "data", "status", "--kreis", "05566", "--ids", STATUS_IDS)
        assert code == 0, err
        # the services' newest periods, from their metadata answers
        assert "31.12.2024" in out and "30.06.2025" in out
        assert "Abzurufen:" in out and "ibis fetch --missing --kreis 05566" in out
        code, out, err = run(capsys, "fetch", "--missing", "--kreis", "05566", "--ids", STATUS_IDS)
        assert code == 0, err
        # afterwards the status has nothing left to fetch
        code, out, err = run(capsys, "data", "status", "--kreis", "05566", "--ids", STATUS_IDS)
        assert code == 0, err
        assert "Alles aktuell" in out
    files = raw_files(root)
    fetched = sorted(k for k in files if k.endswith(".csv"))
    assert fetched == [
        "regionalstatistik/12411-01-01-4_1773175772751_de_flat.csv",
        "regionalstatistik/13111-01-03-4_1773175029986_de_flat.csv",
    ]
    # byte for byte the file the project ships from the same recorded exchange
    for rel in fetched:
        assert files[rel] == (SHIPPED / Path(rel).name).read_bytes()
    # no credential anywhere in data/raw/ or the output
    for content in files.values():
        assert SECRET.encode() not in content
    assert SECRET not in out + err


def test_provenance_record(root, tmp_path, capsys):
    with replay(tmp_path, "13111-01-03-4"):
        code, out, err = run(capsys, "fetch", "13111-01-03-4")
    assert code == 0, err
    csv = root / "data/raw/regionalstatistik/13111-01-03-4_1773175029986_de_flat.csv"
    prov = yaml.safe_load(csv.with_name(csv.name + ".provenance.yml").read_text(encoding="utf-8"))
    assert prov["service"].startswith("Regionaldatenbank")
    assert prov["table"] == "13111-01-03-4"
    assert prov["parameters"]["format"] == "ffcsv" and prov["parameters"]["name"] == "13111-01-03-4"
    assert prov["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert prov["delivered_as"] == "13111-01-03-4_1773175029986_de_flat.zip"
    assert pd.Timestamp(prov["downloaded_at"]).tzinfo is not None
    assert "password" not in prov["parameters"] and "username" not in prov["parameters"]


def test_fetched_table_loads_into_store_unchanged(root, tmp_path, capsys):
    with replay(tmp_path, "12411-01-01-4"):
        code, _, err = run(capsys, "fetch", "12411-01-01-4")
    assert code == 0, err
    csv = next((root / "data/raw/regionalstatistik").glob("*.csv"))
    direct = read(csv)
    assert len(direct) > 400 and set(direct["period"]) == {"2024-12-31"}
    stored = store.load(paths.processed_dir())  # fetch rebuilt the store
    stored = stored[stored["table"] == "12411-01-01-4"]
    cols = ["region", "period", "measure", "sex", "value", "flag"]
    a = direct[cols].astype(str).sort_values(cols).reset_index(drop=True)
    b = stored[cols].astype(str).sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # and the same frame the shipped copy of this table gives
    shipped = read(SHIPPED / csv.name)
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), shipped.reset_index(drop=True))


@pytest.mark.parametrize(
    ("cassette", "table", "folder"),
    [
        ("12211-0001", "12211-0001", "genesis_online"),
        ("1000A-0000", "1000A-0000", "zensus2022"),
    ],
)
def test_other_services(root, tmp_path, cassette, table, folder):
    """GENESIS-Online and the Zensus database answer like regionalstatistik.de."""
    raw = root / "data" / "raw"
    with replay(tmp_path, cassette):
        [(d, what)] = fetch_client.fetch_tables([(table, None, "")], raw)
    assert what == "neu" and d.service.folder == folder
    files = list((raw / folder).glob("*.csv"))
    assert [f.name for f in files] == [d.filename] and d.filename.startswith(table)
    head = files[0].read_bytes()[:200].decode("utf-8-sig")
    assert head.startswith("statistics_code;statistics_label;time_code")
    if table == "1000A-0000":  # the Zensus table goes through the normal loader
        df = read(files[0])
        assert df["period"].unique().tolist() == ["2022-05-15"]
        assert len(df) > 10_000


def test_second_fetch_is_unchanged(root, tmp_path, capsys):
    with replay(tmp_path, "13111-01-03-4"):
        assert run(capsys, "fetch", "13111-01-03-4")[0] == 0
        before = raw_files(root)
        code, out, _ = run(capsys, "fetch", "13111-01-03-4")
    assert code == 0 and "unverändert" in out
    assert raw_files(root) == before


# ------------------------------------------------------------------------------------ errors


def test_missing_credentials(root, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PYSTATIS_REGIO_API_USERNAME")
    with replay(tmp_path, "13111-01-03-4") as cassette:
        code, out, err = run(capsys, "fetch", "13111-01-03-4")
        assert cassette.play_count == 0
    assert code == 2
    assert "13111-01-03-4" in err and "Zugangsdaten" in err
    assert "PYSTATIS_REGIO_API_USERNAME" in err
    assert err.count("Fehler:") == 1 and "Traceback" not in err  # one message
    assert raw_files(root) == {}


def test_credentials_from_pystatis_config(root, tmp_path, monkeypatch):
    monkeypatch.delenv("PYSTATIS_ZENSUS_API_USERNAME")
    monkeypatch.delenv("PYSTATIS_ZENSUS_API_PASSWORD")
    cfg = tmp_path / "no-pystatis"
    cfg.mkdir()
    (cfg / "config.ini").write_text("[zensus]\nusername = aus-config\npassword = pw\n")
    svc = fetch_client.SERVICES["zensus"]
    assert fetch_client.credentials(svc) == ("aus-config", "pw")


def test_unknown_table_leaves_raw_unchanged(root, tmp_path, capsys):
    """The first table arrives, the second does not exist: nothing is written."""
    with replay(tmp_path, "13111-01-03-4", "konstruiert_tabelle_fehlt"):
        code, out, err = run(capsys, "fetch", "13111-01-03-4", "99999-99-99-4")
    assert code == 2
    assert "99999-99-99-4" in err and "gibt es" in err and "nicht" in err
    assert raw_files(root) == {}


def test_code_of_no_service(root, capsys):
    code, _, err = run(capsys, "fetch", "keine-tabelle")
    assert code == 2 and "keine-tabelle" in err


def test_timeout(root, capsys, monkeypatch):
    def slow(*args, **kwargs):
        raise requests.Timeout("read timed out")

    monkeypatch.setattr(requests.Session, "post", slow)
    code, _, err = run(capsys, "fetch", "12411-01-01-4")
    assert code == 2
    assert "12411-01-01-4" in err and "Zeitüberschreitung" in err
    assert raw_files(root) == {}


class _Resp:
    """A stand-in answer (for the protocol paths no recording shows)."""

    def __init__(self, status_code=200, json_body=None, content=b"", headers=None):
        self.status_code = status_code
        self._json = json_body
        self.content = content
        self.headers = headers or (
            {"Content-Type": "application/json"} if json_body is not None else {}
        )

    def json(self):
        if self._json is None:
            raise ValueError("no json")
        return self._json


def test_wrong_credentials(root, capsys, monkeypatch):
    monkeypatch.setattr(requests.Session, "post", lambda *a, **k: _Resp(401, {}))
    code, _, err = run(capsys, "fetch", "12411-01-01-4")
    assert code == 2 and "12411-01-01-4" in err and "Zugangsdaten" in err
    assert SECRET not in err
    assert raw_files(root) == {}


def test_large_table_goes_through_background_job(root, tmp_path):
    """Status 98 → job=true → catalogue/results until listed → data/resultfile."""
    zipped = next(
        i["response"]["body"]["string"]
        for i in yaml.load(
            (CASSETTES / "13111-01-03-4.yaml").read_text(encoding="utf-8"), yaml.CSafeLoader
        )["interactions"]
        if i["request"]["uri"].endswith("data/tablefile")
    )
    calls: list[tuple[str, dict]] = []
    polls = iter([[], [{"Code": "job"}]])

    class Session:
        def post(self, url, data=None, headers=None, timeout=None):
            endpoint = url.split("/2020/")[1]
            calls.append((endpoint, dict(data)))
            assert headers["password"] == SECRET  # sent as header, not in the form
            if endpoint == "data/tablefile" and data["job"] == "false":
                return _resp_status(98, "Tabelle zu groß")
            if endpoint == "data/tablefile":
                return _resp_status(
                    99, "Der Bearbeitungsauftrag wurde erstellt. Job-ID: 13111-01-03-4_123456789"
                )
            if endpoint == "catalogue/results":
                return _Resp(200, {"List": next(polls)})
            return _Resp(
                200,
                content=zipped,
                headers={
                    "Content-Type": "application/zip",
                    "Content-Disposition": "attachment; filename=13111-01-03-4_1773175029986_de_flat.zip",
                },
            )

    clients = {
        "regio": fetch_client.Client(
            fetch_client.SERVICES["regio"], session=Session(), sleep=lambda s: None
        )
    }
    raw = root / "data" / "raw"
    [(d, what)] = fetch_client.fetch_tables([("13111-01-03-4", "regio", "")], raw, clients)
    assert what == "neu" and d.info["background_job"]
    assert [c[0] for c in calls] == [
        "data/tablefile",
        "data/tablefile",
        "catalogue/results",
        "catalogue/results",
        "data/resultfile",
    ]
    assert calls[-1][1]["name"] == "13111-01-03-4_123456789"
    written = raw / "regionalstatistik" / "13111-01-03-4_1773175029986_de_flat.csv"
    assert written.read_bytes() == (SHIPPED / written.name).read_bytes()
    prov = fetch_client.read_provenance(written)
    assert prov["background_job"] is True and prov["endpoint"].endswith("data/resultfile")


def _resp_status(code: int, content: str) -> _Resp:
    return _Resp(200, {"Status": {"Code": code, "Content": content, "Type": "Information"}})


def test_no_overwrite_of_foreign_file(root, tmp_path, capsys):
    target = root / "data/raw/regionalstatistik/13111-01-03-4_1773175029986_de_flat.csv"
    target.parent.mkdir(parents=True)
    target.write_text("von Hand abgelegt\n", encoding="utf-8")
    with replay(tmp_path, "13111-01-03-4"):
        code, _, err = run(capsys, "fetch", "13111-01-03-4")
    assert code == 2 and "überschreibt" in err
    assert target.read_text(encoding="utf-8") == "von Hand abgelegt\n"


# ---------------------------------------------------------------------------- catalogue


def test_every_catalogue_table_is_registered():
    reg = table_registry()
    assert reg["13111-01-03-4"].service == "regio"
    assert reg["12411-0002"].service == "genesis"
    assert reg["1000A-0000"].service == "zensus"
    assert not reg["12531"].fetchable


def _catalog_with(tmp_path: Path, tables_yaml: str, indicator_tables: str) -> Path:
    text = (ROOT / "ibislib/indicators/catalog.yml").read_text(encoding="utf-8")
    head, _, rest = text.partition("\ntables:\n")
    _, _, indicators = rest.partition("\nindicators:\n")
    first = indicators.split("\n  - id: ausl_anzahl\n")[0]
    first = first.replace(
        'tables: ["12411-01-01-4", "12411-01-01-5", "1000A-0000", Lieferung]',
        f"tables: {indicator_tables}",
    )
    p = tmp_path / "catalog.yml"
    p.write_text(f"{head}\ntables:\n{tables_yaml}\nindicators:\n{first}\n", encoding="utf-8")
    return p


def test_catalogue_rejects_unregistered_table(tmp_path):
    p = _catalog_with(
        tmp_path,
        '  "12411-01-01-4": {service: regio, levels: [kreis], title: x}',
        '["12411-01-01-5"]',
    )
    with pytest.raises(CatalogError, match="12411-01-01-5"):
        load_catalog(p)


def test_catalogue_rejects_code_of_other_service(tmp_path):
    p = _catalog_with(
        tmp_path,
        '  "12411-01-01-4": {service: zensus, levels: [kreis], title: x}',
        '["12411-01-01-4"]',
    )
    with pytest.raises(CatalogError, match="passt nicht zum Dienst"):
        load_catalog(p)


def test_catalogue_rejects_unknown_level(tmp_path):
    p = _catalog_with(
        tmp_path,
        '  "12411-01-01-4": {service: regio, levels: [stadtteil], title: x}',
        "[Lieferung]",
    )
    with pytest.raises(CatalogError, match="stadtteil"):
        load_catalog(p)


def test_scope_selection():
    from ibislib.errors import IbisError
    from ibislib.fetch.status import scope_for

    s = scope_for(gemeinde="05566028")
    assert s.regions == {"gemeinde": "05566028", "kreis": "05566", "land": "05", "bund": "DG"}
    assert scope_for(land="05").regions == {"land": "05", "bund": "DG"}
    assert scope_for(alle=True).regions["kreis"] is None
    with pytest.raises(IbisError, match="5 Ziffern"):
        scope_for(kreis="5566")
    with pytest.raises(IbisError, match="genau eine"):
        scope_for(kreis="05566", land="05")


def test_status_for_a_gemeinde_includes_gemeinde_tables(root, capsys):
    code, out, _ = run(capsys, "data", "status", "--gemeinde", "05566028", "--offline")
    assert code == 0
    assert "13111-01-03-5" in out and "Gemeinde" in out
    code, out, _ = run(capsys, "data", "status", "--kreis", "05566", "--offline")
    assert "13111-01-03-5" not in out  # no Gemeinde table for a Kreis
