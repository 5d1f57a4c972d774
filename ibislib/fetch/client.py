"""Download official tables (ffcsv) from the GENESIS web services into ``data/raw/<service>/``.

Three services speak the same GENESIS REST API 2020 (``/genesisWS/rest/2020/…``):
GENESIS-Online (Destatis), the Regionaldatenbank (regionalstatistik.de) and the Zensus 2022
database. A table is requested with ``POST data/tablefile`` (form body, ``format=ffcsv``);
its time range comes from ``POST metadata/table``. Tables too large for a direct answer come
back with status code 98; they are then ordered as a background job (``job=true``), polled via
``catalogue/results`` and collected with ``data/resultfile``.

Why not pystatis: it is the established client, and ibis follows its protocol (endpoints, form
parameters, credentials in the ``username``/``password`` headers, status codes, job handling,
even its environment variables and ``config.ini``), but pystatis 0.5 pins ``pandas~=2.0`` while
ibis needs pandas 3, returns parsed frames or its own cache instead of the delivered file, and
writes its config into the home directory on first use. ibis needs the file as delivered plus a
provenance record, so it talks to the API with ``requests`` directly.

Credentials: environment variables ``PYSTATIS_<SERVICE>_API_USERNAME`` / ``…_PASSWORD``
(``GENESIS``, ``REGIO``, ``ZENSUS``; GENESIS-Online also takes an API token as user name with
an empty password), otherwise pystatis' ``config.ini`` (``$PYSTATIS_CONFIG_DIR`` or
``~/.pystatis``). They are sent as headers only and never written anywhere.

Every download is collected in memory first; files are written (atomically, with a
``<file>.provenance.yml`` beside each) only after every requested table arrived, so a failure
leaves ``data/raw/`` unchanged.
"""

from __future__ import annotations

import configparser
import hashlib
import io
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from .. import __version__, paths
from ..atomic import write_bytes, write_text
from ..errors import IbisError


class FetchError(IbisError):
    """A download failed; the message names the table and what to do."""


@dataclass(frozen=True)
class Service:
    key: str  # genesis | regio | zensus (as in pystatis)
    name: str  # German name for messages
    base_url: str
    folder: str  # data/raw/<folder>/
    citation: str  # Quellenvermerk


SERVICES: dict[str, Service] = {
    "genesis": Service(
        "genesis",
        "GENESIS-Online (Statistisches Bundesamt)",
        "https://www-genesis.destatis.de/genesisWS/rest/2020/",
        "genesis_online",
        "© Statistisches Bundesamt (Destatis), GENESIS-Online, dl-de/by-2-0",
    ),
    "regio": Service(
        "regio",
        "Regionaldatenbank Deutschland (regionalstatistik.de)",
        "https://www.regionalstatistik.de/genesisws/rest/2020/",
        "regionalstatistik",
        "© Statistische Ämter des Bundes und der Länder, Regionaldatenbank, dl-de/by-2-0",
    ),
    "zensus": Service(
        "zensus",
        "Zensus-2022-Datenbank",
        "https://ergebnisse.zensus2022.de/api/rest/2020/",
        "zensus2022",
        "© Statistische Ämter des Bundes und der Länder, Zensus 2022, dl-de/by-2-0",
    ),
}

#: Table codes per service (the patterns pystatis uses to pick a database).
CODE_PATTERNS = {
    "genesis": re.compile(r"^(\d{5}-\d{4}|[0-9A-Z]{10})$"),
    "zensus": re.compile(r"^\d{4}[A-Z]-\d{4}$"),
    "regio": re.compile(r"^(\d{5}-.{1,2}($|-.*$)|A.*$|\d{5}\w-Z-\d{1,2})"),
}

#: Seconds to wait for a connection and for an answer; a background job may take longer.
TIMEOUT = (30, 300)
JOB_TIMEOUT = 3000
JOB_POLL = 5.0

#: GENESIS status codes (GENESIS-Webservices Einführung, 2.1.2).
STATUS_LARGE_TABLE = 98
STATUS_NOT_FOUND = {90, 104}
STATUS_NO_NEW_DATA = 50


def service_of(code: str, declared: str | None = None) -> Service:
    """The service that holds table `code` (the catalogue's declaration wins if it fits)."""
    if declared:
        if declared not in SERVICES:
            raise FetchError(
                f"Tabelle {code}: unbekannter Dienst '{declared}'",
                hint="Möglich sind: " + ", ".join(SERVICES),
            )
        return SERVICES[declared]
    for key in ("zensus", "genesis", "regio"):
        if CODE_PATTERNS[key].match(code):
            return SERVICES[key]
    raise FetchError(
        f"Tabelle {code}: Der Code passt zu keinem GENESIS-Dienst",
        hint="Bitte den Tabellencode prüfen (z. B. 12411-01-01-4 oder 12411-0002).",
    )


# ---------------------------------------------------------------------------------- credentials


def _pystatis_config() -> configparser.ConfigParser | None:
    base = os.environ.get("PYSTATIS_CONFIG_DIR") or str(Path.home() / ".pystatis")
    path = Path(base) / "config.ini"
    if not path.is_file():
        return None
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read(path, encoding="utf-8")
    except configparser.Error:
        return None
    return cfg


def credentials(service: Service, table: str = "") -> tuple[str, str]:
    """(user, password) from the environment or pystatis' config.ini; FetchError if none."""
    prefix = f"PYSTATIS_{service.key.upper()}_API_"
    user = os.environ.get(prefix + "USERNAME", "")
    password = os.environ.get(prefix + "PASSWORD", "")
    if not user:
        cfg = _pystatis_config()
        if cfg is not None and cfg.has_section(service.key):
            user = cfg.get(service.key, "username", fallback="")
            password = cfg.get(service.key, "password", fallback="")
    if not user:
        raise FetchError(
            (f"Tabelle {table}: " if table else "")
            + f"Für {service.name} sind keine Zugangsdaten hinterlegt",
            hint=(
                f"Bitte {prefix}USERNAME und {prefix}PASSWORD setzen (bei GENESIS-Online "
                "genügt der API-Token als USERNAME) oder pystatis einrichten "
                "(pystatis.setup_credentials()). Registrierung kostenlos auf der Website "
                "des Dienstes."
            ),
        )
    return user, password


# ------------------------------------------------------------------------------------ transport


def _session():
    import requests

    return requests.Session()


@dataclass
class Client:
    """One service's REST API. `session` is a requests.Session (replaced in tests by vcrpy)."""

    service: Service
    session: object = field(default_factory=_session)
    sleep: Callable[[float], None] = time.sleep

    def _post(self, endpoint: str, params: dict[str, str], table: str):
        import requests

        user, password = credentials(self.service, table)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "username": user,
            "password": password,
        }
        url = self.service.base_url + endpoint
        try:
            resp = self.session.post(url, data=params, headers=headers, timeout=TIMEOUT)
        except requests.Timeout:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} antwortet nicht (Zeitüberschreitung)",
                hint="Bitte später erneut versuchen; data/raw/ ist unverändert.",
            ) from None
        except requests.RequestException as exc:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} ist nicht erreichbar "
                f"({exc.__class__.__name__})",
                hint="Bitte die Internetverbindung prüfen; data/raw/ ist unverändert.",
            ) from None
        if resp.status_code in (401, 403):
            raise FetchError(
                f"Tabelle {table}: {self.service.name} lehnt die Zugangsdaten ab "
                f"(HTTP {resp.status_code})",
                hint="Bitte Benutzername/Token und Passwort prüfen; data/raw/ ist unverändert.",
            )
        if resp.status_code >= 400:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} meldet einen Fehler "
                f"(HTTP {resp.status_code})",
                hint="Bitte später erneut versuchen; data/raw/ ist unverändert.",
            )
        self._check_status(resp, table)
        return resp

    def _check_status(self, resp, table: str) -> None:
        """Raise for a GENESIS status that is an error (JSON answers only)."""
        status = _status(resp)
        if status is None:
            return
        code, kind, content = status
        if code == STATUS_LARGE_TABLE or code in (0, 22, STATUS_NO_NEW_DATA):
            return
        lowered = (content or "").lower()
        if code in STATUS_NOT_FOUND:
            raise FetchError(
                f"Tabelle {table} gibt es bei {self.service.name} nicht ({content})",
                hint="Bitte den Tabellencode im Katalog (tables:) prüfen.",
            )
        if "passwort" in lowered or "anmeld" in lowered or "login" in lowered:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} lehnt die Zugangsdaten ab ({content})",
                hint="Bitte Benutzername/Token und Passwort prüfen; data/raw/ ist unverändert.",
            )
        if kind in ("Fehler", "Error") or code < 0:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} meldet Fehler {code} ({content})",
                hint="Bitte Parameter prüfen oder später erneut versuchen.",
            )

    # -- API calls ----------------------------------------------------------------------------

    def newest_period(self, table: str, params: dict[str, str] | None = None) -> str | None:
        """Newest period the service offers for `table` (ISO date or year), from metadata/table."""
        resp = self._post("metadata/table", params or table_params(table), table)
        try:
            obj = resp.json().get("Object") or {}
        except ValueError:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} liefert keine lesbaren Metadaten",
                hint="Bitte später erneut versuchen.",
            ) from None
        return parse_period((obj.get("Time") or {}).get("To"))

    def tablefile(self, table: str, params: dict[str, str]) -> tuple[bytes, str, dict]:
        """(content, filename as delivered, info) of one table in ffcsv; background job if large."""
        resp = self._post("data/tablefile", params, table)
        info: dict = {"background_job": False}
        status = _status(resp)
        if status is not None and status[0] == STATUS_LARGE_TABLE:
            job_params = {**params, "job": "true"}
            started = self._post("data/tablefile", job_params, table)
            job_id = _job_id(started)
            if not job_id:
                raise FetchError(
                    f"Tabelle {table}: Hintergrundauftrag konnte nicht gestartet werden",
                    hint="Bitte später erneut versuchen.",
                )
            self._wait_for_job(job_id, table)
            resp = self._post("data/resultfile", {**params, "name": job_id}, table)
            info = {"background_job": True, "job_id": job_id}
            status = _status(resp)
        if status is not None:
            raise FetchError(
                f"Tabelle {table}: {self.service.name} liefert keine Datei ({status[2]})",
                hint="Bitte Parameter prüfen oder später erneut versuchen.",
            )
        disposition = resp.headers.get("Content-Disposition", "")
        m = re.search(r'filename="?([^";]+)"?', disposition)
        name = m[1] if m else f"{table}_de_flat.csv"
        return resp.content, name, info

    def _wait_for_job(self, job_id: str, table: str) -> None:
        params = {"selection": job_id, "area": "user", "pagelength": "1"}
        waited = 0.0
        while waited < JOB_TIMEOUT:
            try:
                resp = self._post("catalogue/results", params, table)
                if (resp.json() or {}).get("List"):
                    return
            except FetchError:
                pass  # the job is not listed yet
            self.sleep(JOB_POLL)
            waited += JOB_POLL
        raise FetchError(
            f"Tabelle {table}: Der Hintergrundauftrag {job_id} ist nach "
            f"{JOB_TIMEOUT // 60} Minuten nicht fertig",
            hint="Bitte später mit 'ibis fetch' erneut abrufen.",
        )


def _status(resp) -> tuple[int, str, str] | None:
    """(code, type, content) of a JSON answer's Status block; None for a file answer."""
    ctype = resp.headers.get("Content-Type", "")
    if "json" not in ctype:
        return None
    try:
        st = (resp.json() or {}).get("Status") or {}
    except (ValueError, AttributeError):
        return None
    if not st:
        return None
    return int(st.get("Code", -1)), str(st.get("Type", "")), str(st.get("Content", ""))


_JOB_ID = re.compile(r"(?<=:\s)\S*_\d+")


def _job_id(resp) -> str:
    try:
        content = (resp.json().get("Status") or {}).get("Content", "")
    except ValueError:
        return ""
    m = _JOB_ID.search(content or "")
    return m[0] if m else ""


def parse_period(text: str | None) -> str | None:
    """'31.12.2024' -> '2024-12-31', '2024' -> '2024'; None when not a period."""
    if not text:
        return None
    text = str(text).strip()
    if m := re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", text):
        return f"{m[3]}-{m[2]}-{m[1]}"
    if re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", text):
        return text
    return None


def table_params(table: str, startyear: str = "", regionalkey: str = "") -> dict[str, str]:
    """Form body of a tablefile request (the parameter set of the GENESIS REST API 2020)."""
    return {
        "area": "all",
        "compress": "false",
        "endyear": "",
        "format": "ffcsv",
        "language": "de",
        "name": table,
        "quality": "off",
        "regionalkey": regionalkey,
        "regionalvariable": "",
        "stand": "",
        "startyear": startyear,
        "timeslices": "",
        "job": "false",
    }


# -------------------------------------------------------------------------------------- writing


@dataclass
class Download:
    table: str
    service: Service
    params: dict[str, str]
    filename: str  # as written into data/raw/<folder>/
    data: bytes
    delivered_as: str
    downloaded_at: str
    info: dict = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def target(self, raw: Path) -> Path:
        return raw / self.service.folder / self.filename

    def provenance(self) -> dict:
        return {
            "service": self.service.name,
            "service_key": self.service.key,
            "endpoint": self.service.base_url
            + ("data/resultfile" if self.info.get("background_job") else "data/tablefile"),
            "table": self.table,
            # the request's form parameters; credentials travel in headers and are not recorded
            "parameters": dict(self.params),
            "delivered_as": self.delivered_as,
            "downloaded_at": self.downloaded_at,
            "sha256": self.sha256,
            "bytes": len(self.data),
            "background_job": bool(self.info.get("background_job")),
            "licence": self.service.citation,
            "written_by": f"ibis {__version__} (ibis fetch)",
        }


def _unpack(table: str, content: bytes, delivered: str) -> tuple[str, bytes]:
    """The CSV inside a delivered zip (or the CSV itself)."""
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            members = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if len(members) != 1:
                raise FetchError(
                    f"Tabelle {table}: Die gelieferte ZIP-Datei enthält {len(members)} CSV-Dateien",
                    hint="Erwartet wird genau eine ffcsv-Datei; bitte den Abruf prüfen.",
                )
            return Path(members[0]).name, zf.read(members[0])
    name = Path(delivered).name
    if not name.lower().endswith(".csv"):
        name = Path(name).stem + ".csv"
    if content.lstrip()[:1] in (b"{", b"<"):
        raise FetchError(
            f"Tabelle {table}: Der Dienst lieferte statt einer CSV-Datei eine Meldung",
            hint="Bitte Parameter prüfen oder später erneut versuchen.",
        )
    return name, content


def fetch_tables(
    tables: Iterable[tuple[str, str | None, str]],
    raw: Path | None = None,
    clients: dict[str, Client] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[tuple[Download, str]]:
    """Download (table, service key or None, startyear) triples; write only if all succeed.

    Returns (download, what happened) with what happened in {"neu", "unverändert"}.
    """
    raw = Path(raw or paths.raw_dir())
    clients = clients if clients is not None else {}
    got: list[Download] = []
    for table, declared, startyear in tables:
        service = service_of(table, declared)
        client = clients.setdefault(service.key, Client(service))
        if progress:
            progress(f"Lade {table} von {service.name} …")
        params = table_params(table, startyear=startyear)
        content, delivered, info = client.tablefile(table, params)
        name, data = _unpack(table, content, delivered)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        got.append(Download(table, service, params, name, data, delivered, stamp, info))
    # all arrived: check every target before writing the first one
    results: list[tuple[Download, str]] = []
    for d in got:
        target = d.target(raw)
        if target.exists():
            if hashlib.sha256(target.read_bytes()).hexdigest() == d.sha256:
                results.append((d, "unverändert"))
                continue
            raise FetchError(
                f"Tabelle {d.table}: '{target}' gibt es schon mit anderem Inhalt",
                hint="ibis überschreibt keine vorhandenen Dateien; bitte die alte Datei "
                "umbenennen oder entfernen. data/raw/ ist unverändert.",
            )
        results.append((d, "neu"))
    for d, what in results:
        if what != "neu":
            continue
        target = d.target(raw)
        write_bytes(target, d.data)
        write_text(
            target.with_name(target.name + ".provenance.yml"),
            "# Herkunft dieser Datei, geschrieben von 'ibis fetch' (nicht von Hand ändern)\n"
            + yaml.safe_dump(d.provenance(), allow_unicode=True, sort_keys=False),
        )
    return results


def read_provenance(path: Path) -> dict | None:
    """The provenance record beside a fetched file (None when the file was not fetched)."""
    p = path.with_name(path.name + ".provenance.yml")
    if not p.is_file():
        return None
    return yaml.safe_load(p.read_text(encoding="utf-8"))
