"""Region registry: every German Land, Kreis and Gemeinde with AGS, names and hierarchy.

Built from the official directories under ``data/raw/`` (never from the network):

- Destatis **GV100AD** (Gemeindeverzeichnis, fixed width; Länder, Regierungsbezirke, Kreise,
  Gemeindeverbände, Gemeinden with area and population),
- BKG **VG5000** attribute tables (``VG5000_GEM/KRS/LAN.dbf``; every Gemeinde, Kreis and Land).

The shipped GV100AD file is a subset (all Kreise, Gemeinden of NW, SL and TH only), so the
registry is assembled per Land and level: where GV100AD has units of a level in a Land, GV100AD
is authoritative for that Land and level (it is the newer Gebietsstand, and it knows about
mergers since the VG5000 date); elsewhere the VG5000 units fill in.

``registry().resolve("Ibbenbüren")`` accepts an AGS, a name (with or without ", Stadt"), a slug
("ibbenbueren") or "Kreis Steinfurt"; unclear input raises :class:`RegionError` with close matches.
"""

from __future__ import annotations

import difflib
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, paths
from .errors import FormatError, IbisError, RegionError

if TYPE_CHECKING:  # pandas only where a frame is made: `ibis regions resolve` stays fast
    import pandas as pd

GERMANY = "DG"

LEVEL_LABELS = {
    "bund": "Staat",
    "land": "Land",
    "rb": "Regierungsbezirk",
    "region": "Region",
    "kreis": "Kreis",
    "gemeindeverband": "Gemeindeverband",
    "gemeinde": "Gemeinde",
}

#: Which level wins when several units share a name (lower first). A Gemeinde named like its
#: Kreis ("Steinfurt") is meant more often; the Kreis stays reachable as "Kreis Steinfurt".
_LEVEL_RANK = {
    "gemeinde": 0,
    "kreis": 1,
    "land": 2,
    "bund": 3,
    "gemeindeverband": 4,
    "region": 5,
    "rb": 6,
}

_AGS_LENGTH_LEVEL = {
    2: "land",
    3: "rb",
    4: "region",
    5: "kreis",
    8: "gemeinde",
    9: "gemeindeverband",
}

_TOWN_ARTS = {"Stadt", "Kreisfreie Stadt", "Stadtkreis", "Große Kreisstadt"}
_KREISFREI_ARTS = {"Kreisfreie Stadt", "Stadtkreis"}
_UNINCORPORATED_ARTS = {
    "Gemeindefreies Gebiet",
    "Gemeindefreies Gebiet, bewohnt",
    "Gemeindefreies Gebiet, unbewohnt",
}

SOURCE_GV100AD = "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD"
SOURCE_VG5000 = "© GeoBasis-DE / BKG 2021, Verwaltungsgebiete VG5000"

_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def slug(name: str) -> str:
    """'Ibbenbüren, Stadt' -> 'ibbenbueren-stadt' (ä→ae, ö→oe, ü→ue, ß→ss, other → '-')."""
    s = str(name).translate(_UMLAUTS)
    if not s.isascii():  # other accents and ligatures, e.g. "é" -> "e"
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", s.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative unit."""

    ags: str  # AGS with leading zeros ("05566028"), Kreis "05566", Land "05", "DG"
    name: str  # short official name ("Ibbenbüren")
    full_name: str  # official designation ("Ibbenbüren, Stadt", "Kreis Steinfurt")
    level: str  # bund, land, rb, region, kreis, gemeindeverband, gemeinde
    slug: str
    kreis: str = ""  # AGS of the Kreis ("" above Kreis level)
    land: str = ""  # AGS of the Land ("" for Deutschland)
    art: str = ""  # designation ("Stadt", "Kreisangehörige Gemeinde", "Landkreis" …)
    stand: str = ""  # Gebietsstand of the source, ISO date
    source: str = ""
    bevoelkerung: float | None = None  # GV100AD only: population 31.12. of the year before
    flaeche_km2: float | None = None

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def is_town(self) -> bool:
        return self.art in _TOWN_ARTS

    @property
    def is_kreisfrei(self) -> bool:
        return self.art in _KREISFREI_ARTS


# --------------------------------------------------------------------------- dBase reader


def read_dbf(path: Path, fields: Iterable[str] | None = None) -> list[dict[str, str]]:
    """Records of a dBase III table (shapefile attributes) as dicts of stripped strings.

    The encoding comes from the ``.cpg`` file next to it (UTF-8 for BKG products), else cp1252.
    Deleted records are skipped.
    """
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 33:
        raise FormatError("Die dBase-Datei ist zu kurz", path=path)
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    if header_len + n_records * record_len > len(data):
        raise FormatError(
            f"Kopf meldet {n_records} Sätze zu {record_len} Byte, die Datei ist aber kürzer",
            path=path,
            hint="Die .dbf-Datei ist abgeschnitten; bitte neu herunterladen.",
        )
    cpg = path.with_suffix(".cpg")
    encoding = cpg.read_text(encoding="ascii", errors="ignore").strip() if cpg.exists() else ""
    encoding = encoding or "cp1252"
    layout: list[tuple[str, int, int]] = []
    offset = 1  # byte 0 of each record is the deletion flag
    for pos in range(32, header_len - 1, 32):
        desc = data[pos : pos + 32]
        if desc[0] == 0x0D:
            break
        name = desc[:11].split(b"\x00", 1)[0].decode("ascii")
        length = desc[16]
        layout.append((name, offset, length))
        offset += length
    if offset != record_len:
        raise FormatError(
            f"Feldlängen ({offset} Byte) passen nicht zur Satzlänge ({record_len} Byte)",
            path=path,
        )
    wanted = set(fields) if fields is not None else None
    layout = [f for f in layout if wanted is None or f[0] in wanted]
    missing = (wanted or set()) - {f[0] for f in layout}
    if missing:
        raise FormatError(f"Felder fehlen: {', '.join(sorted(missing))}", path=path)
    out = []
    for i in range(n_records):
        start = header_len + i * record_len
        rec = data[start : start + record_len]
        if rec[:1] == b"*":
            continue
        out.append({n: rec[o : o + ln].decode(encoding).strip() for n, o, ln in layout})
    return out


# --------------------------------------------------------------------------- building


def _kreis_full_name(name: str, art: str) -> str:
    if art in ("Kreis", "Landkreis") and not re.search(
        r"kreis|städteregion|regionalverband|^region ", name, re.I
    ):
        return f"{art} {name}"
    return name


def _from_gv100ad(path: Path) -> list[Region]:
    # pandas (and the GV100AD parser built on it) only when a directory is really parsed: the
    # cached registry resolves names without it (``ibis regions`` stays fast)
    import pandas as pd

    from .ingest import gv100ad

    df = gv100ad.read(path)
    # verbandsfreie Gemeinden (Textkennzeichen 50) repeat their Gemeinde as a Gemeindeverband
    df = df[~((df["level"] == "gemeindeverband") & (df["textkennzeichen"] == "50"))]
    out = []
    for r in df.itertuples(index=False):
        full = r.full_name
        if r.level == "kreis":
            full = _kreis_full_name(r.full_name, r.art)
        pop = None if pd.isna(r.bevoelkerung) else float(r.bevoelkerung)
        area = None if pd.isna(r.flaeche_km2) else float(r.flaeche_km2)
        out.append(
            Region(
                ags=r.ags,
                name=r.name,
                full_name=full,
                level=r.level,
                slug=slug(r.name),
                kreis=r.kreis,
                land=r.land,
                art=r.art,
                stand=r.stand,
                source=f"{SOURCE_GV100AD}, Gebietsstand {_german_date(r.stand)}",
                bevoelkerung=pop,
                flaeche_km2=area,
            )
        )
    return out


def _german_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}.{m}.{y}"


def _vg5000_stand(folder: Path) -> str:
    f = folder / "aktualitaet.txt"
    if f.exists():
        m = re.search(r"(\d{2})\.(\d{2})\.(\d{4})", f.read_text(encoding="latin-1"))
        if m:
            return f"{m[3]}-{m[2]}-{m[1]}"
    return ""


def _from_vg5000(folder: Path) -> list[Region]:
    stand = _vg5000_stand(folder)
    source = SOURCE_VG5000 + (f", Stand {_german_date(stand)}" if stand else "")
    out: list[Region] = []
    seen: set[str] = set()
    for layer, level in (("LAN", "land"), ("KRS", "kreis"), ("GEM", "gemeinde")):
        f = folder / f"VG5000_{layer}.dbf"
        if not f.exists():
            continue
        for rec in read_dbf(f, ["AGS", "GEN", "BEZ"]):
            ags, gen, bez = rec["AGS"], rec["GEN"], rec["BEZ"]
            if ags in seen or not ags.isdigit():  # LAN lists coastal waters as extra parts
                continue
            seen.add(ags)
            if level == "gemeinde":
                full = f"{gen}, Stadt" if bez == "Stadt" else gen
                kreis = ags[:5]
            elif level == "kreis":
                full = _kreis_full_name(gen, bez)
                kreis = ""
            else:
                full = f"{bez} {gen}" if bez not in ("Land", "") else gen
                kreis = ""
            out.append(
                Region(
                    ags=ags,
                    name=gen,
                    full_name=full,
                    level=level,
                    slug=slug(gen),
                    kreis=kreis,
                    land=ags[:2],
                    art=bez,
                    stand=stand,
                    source=source,
                )
            )
    return out


def _merge(gv: list[Region], vg: list[Region]) -> list[Region]:
    """GV100AD wins per (level, Land) where it has units; VG5000 fills the rest."""
    covered = {(r.level, r.land) for r in gv}
    have = {r.ags for r in gv}
    extra = [r for r in vg if (r.level, r.land) not in covered and r.ags not in have]
    return gv + extra


class RegionRegistry:
    """Lookup of administrative units by AGS, name or slug."""

    def __init__(
        self, regions: Iterable[Region], aliases: dict[str, list[str]] | None = None
    ) -> None:
        """`aliases` (name key -> AGS list, from :meth:`alias_index`) skips rebuilding the
        name index (0,2 s for 11.500 units) when the registry comes from its cache."""
        germany = Region(
            ags=GERMANY,
            name="Deutschland",
            full_name="Bundesrepublik Deutschland",
            level="bund",
            slug="deutschland",
            art="Staat",
        )
        self._frame: pd.DataFrame | None = None
        #: messages of directory files that could not be read (the rest still counts)
        self.problems: list[str] = []
        self._by_ags: dict[str, Region] = {GERMANY: germany}
        for r in regions:
            self._by_ags.setdefault(r.ags, r)
        self._by_key: dict[str, list[Region]] = {}
        if aliases is not None:
            by_ags = self._by_ags
            self._by_key = {k: [by_ags[a] for a in v] for k, v in aliases.items()}
            return
        for r in self._by_ags.values():
            for key in self._aliases(r):
                self._by_key.setdefault(key, []).append(r)
        for alias in ("dg", "de", "bund", "bundesgebiet", "brd"):
            self._by_key.setdefault(alias, [germany])

    def alias_index(self) -> dict[str, list[str]]:
        """The name index as plain data (name key -> AGS), for the registry's cache file."""
        return {k: [r.ags for r in v] for k, v in self._by_key.items()}

    # ------------------------------------------------------------------ basics

    def __len__(self) -> int:
        return len(self._by_ags)

    def __contains__(self, ags: object) -> bool:
        return ags in self._by_ags

    def __iter__(self):
        return iter(self._by_ags.values())

    def get(self, ags: str) -> Region | None:
        return self._by_ags.get(str(ags))

    def to_frame(self) -> pd.DataFrame:
        """All units as a DataFrame (one row per unit, AGS order)."""
        if self._frame is None:
            import pandas as pd

            names = [f.name for f in fields(Region)]
            units = sorted(self._by_ags.values(), key=lambda r: r.ags)
            cols = {n: [getattr(r, n) for r in units] for n in names}
            frame = pd.DataFrame(cols)
            for n in ("bevoelkerung", "flaeche_km2"):
                frame[n] = pd.to_numeric(frame[n], errors="coerce").astype(float)
            self._frame = frame
        return self._frame.copy()

    @staticmethod
    def slug(name: str) -> str:
        return slug(name)

    @staticmethod
    def _aliases(r: Region) -> set[str]:
        # prefixes are composed on the slug (slug("Kreis " + x) == "kreis-" + slug(x))
        base = r.slug
        keys = {base, slug(r.full_name)}
        prefixes: tuple[str, ...] = ()
        if r.level == "kreis":
            if r.is_kreisfrei:
                prefixes = ("stadt", "kreisfreie-stadt", "stadtkreis")
            else:
                prefixes = ("kreis", "landkreis", "lk")
        elif r.level == "gemeinde":
            prefixes = ("gemeinde", slug(r.art)) + (("stadt",) if r.is_town else ())
            if r.is_town:
                keys.add(f"{base}-stadt")
        elif r.level == "land":
            prefixes = ("land", "bundesland")
        keys |= {f"{p}-{base}" for p in prefixes if p}
        return keys - {""}

    # ------------------------------------------------------------------ lookup

    def label(self, r: Region) -> str:
        """'Ibbenbüren (05566028, Gemeinde, Kreis Steinfurt)' – for messages and pickers."""
        what = r.level_label
        context = ""
        if r.level in ("gemeinde", "gemeindeverband"):
            k = self._by_ags.get(r.kreis)
            if r.level == "gemeinde" and r.is_kreisfrei:
                what = "kreisfreie Stadt"
            if k is not None and not k.is_kreisfrei:
                context = k.full_name
            else:
                context = self._land_name(r)
        elif r.level == "kreis":
            what = r.art or what
            context = self._land_name(r)
        elif r.level in ("rb", "region"):
            context = self._land_name(r)
        parts = [r.ags, what] + ([context] if context else [])
        return f"{r.name} ({', '.join(parts)})"

    def _land_name(self, r: Region) -> str:
        land = self._by_ags.get(r.land)
        return land.name if land else ""

    def candidates(self, text: str) -> list[Region]:
        """All units whose name, official name or alias matches `text` exactly (after slugging)."""
        return list(self._by_key.get(slug(text), []))

    def resolve(self, text: str) -> Region:
        """AGS, name, official name or slug -> :class:`Region`; otherwise :class:`RegionError`.

        Several units with the same name: a Gemeinde beats a Kreis (use "Kreis X" for the
        Kreis), and among Gemeinden a town (Stadt) beats villages of the same name. If that
        leaves more than one, the error lists all of them with their AGS.
        """
        raw = str(text).strip()
        if not raw:
            raise RegionError("Leere Gebietsangabe", hint="Bitte einen Namen oder AGS angeben.")
        compact = raw.replace(" ", "")
        if compact.isdigit():
            return self._resolve_code(compact, raw)
        if compact.upper() == GERMANY:
            return self._by_ags[GERMANY]
        found = self.candidates(raw)
        if len(found) == 1:
            return found[0]
        if found:
            best_rank = min(self._rank(r) for r in found)
            best = [r for r in found if self._rank(r) == best_rank]
            if len(best) == 1:
                return best[0]
            listed = "; ".join(self.label(r) for r in sorted(best, key=lambda r: r.ags))
            raise RegionError(
                f"Mehrdeutige Gebietsangabe '{raw}': {listed}",
                hint="Bitte den AGS angeben oder den Namen genauer fassen (z. B. 'Kreis …').",
            )
        close = self.close_matches(raw)
        suggestion = ", ".join(self.label(r) for r in close)
        raise RegionError(
            f"Unbekannte Gebietseinheit '{raw}'."
            + (f" Meinten Sie: {suggestion}?" if suggestion else ""),
            hint="Mit 'ibis regions resolve NAME' lässt sich der AGS nachschlagen.",
        )

    def resolve_level(self, text: str, level: str) -> Region:
        """Like :meth:`resolve`, but only units of `level` count ('Steinfurt' as Kreis -> 05566)."""
        same_level = [r for r in self.candidates(text) if r.level == level]
        if len(same_level) == 1:
            return same_level[0]
        r = self.resolve(text)
        if r.level != level:
            raise RegionError(
                f"'{text}' ist {self.label(r)}, gesucht ist ein(e) {LEVEL_LABELS[level]}",
                hint="Bitte den AGS angeben (Kreise 5-stellig, Länder 2-stellig).",
            )
        return r

    @staticmethod
    def _rank(r: Region) -> tuple[int, int]:
        return (_LEVEL_RANK.get(r.level, 9), 0 if r.is_town else 1)

    def _resolve_code(self, code: str, raw: str) -> Region:
        if len(code) == 12:  # ARS: Land RB Kreis (5) + Gemeindeverband (4) + Gemeinde (3)
            for candidate in (code[:5] + code[9:], code[:9]):
                if candidate in self._by_ags:
                    return self._by_ags[candidate]
        if code in self._by_ags and len(code) in _AGS_LENGTH_LEVEL:
            return self._by_ags[code]
        padded = self._by_ags.get("0" + code)
        if padded is not None and len(code) in (1, 4, 7):
            raise RegionError(
                f"Der Schlüssel '{raw}' hat {len(code)} Stellen; amtliche Schlüssel beginnen "
                f"mit der Landesnummer inkl. führender Null",
                hint=f"Meinten Sie {padded.ags} – {self.label(padded)}? "
                "Bitte den Schlüssel als Text mit führender Null angeben.",
            )
        raise RegionError(
            f"Kein Gebiet mit dem Schlüssel '{raw}' bekannt",
            hint="Gemeinden haben 8-stellige, Kreise 5-stellige, Länder 2-stellige Schlüssel "
            "(z. B. 05566028, 05566, 05).",
        )

    def close_matches(self, text: str, n: int = 5) -> list[Region]:
        """Units whose names look like `text`, best first: names starting with it
        ('Neustadt' -> 'Neustadt an der Weinstraße'), then similar spellings (difflib)."""
        key = slug(text)
        out: list[Region] = []

        def add(regions: Iterable[Region]) -> None:
            for r in sorted(regions, key=self._rank):
                if r not in out:
                    out.append(r)

        if len(key) >= 3:
            starts = sorted(k for k in self._by_key if k.startswith(key + "-"))
            add(r for k in starts for r in self._by_key[k] if r.slug.startswith(key))
        keys = difflib.get_close_matches(key, self._by_key.keys(), n=3 * n, cutoff=0.75)
        if not keys and not out:
            keys = difflib.get_close_matches(key, self._by_key.keys(), n=n, cutoff=0.6)
        for k in keys:
            add(self._by_key[k])
        return out[:n]

    # ------------------------------------------------------------------ hierarchy

    def _require(self, ags: str) -> Region:
        r = self._by_ags.get(str(ags))
        if r is None:
            raise RegionError(
                f"Kein Gebiet mit dem Schlüssel '{ags}' bekannt",
                hint="Mit 'ibis regions resolve NAME' lässt sich der AGS nachschlagen.",
            )
        return r

    def name_of(self, ags: str, default: str | None = None) -> str:
        """Short name of a unit; `default` (if given) for unknown keys instead of an error."""
        r = self._by_ags.get(str(ags))
        if r is None:
            if default is not None:
                return default
            self._require(ags)
        return r.name

    def kreis_of(self, ags: str) -> str | None:
        """AGS of the Kreis of a Gemeinde/Gemeindeverband (a Kreis is its own Kreis)."""
        r = self._require(ags)
        if r.level == "kreis":
            return r.ags
        if r.kreis and r.kreis in self._by_ags:
            return r.kreis
        return None

    def land_of(self, ags: str) -> str | None:
        r = self._require(ags)
        if r.level == "land":
            return r.ags
        return r.land if r.land in self._by_ags else None

    def parents(self, ags: str) -> list[str]:
        """The comparison levels above a unit: Kreis, Land and "DG" (whichever exist and are a
        different territory): '05566028' -> ['05566', '05', 'DG'].

        A parent that holds no other Gemeinde than the unit is the same territory (the Kreis of
        a kreisfreie Stadt, Berlin's and Hamburg's Land) and is left out, so a unit is never
        compared with itself; the Regierungsbezirk takes the Kreis's place where one exists:
        Münster '05515000' -> ['055', '05', 'DG'], Berlin '11000000' -> ['DG'].
        """
        r = self._require(ags)
        out: list[str] = []
        if r.level in ("gemeinde", "gemeindeverband") and r.kreis in self._by_ags:
            if self._gemeinden_in(r.kreis) > 1:
                out.append(r.kreis)
            else:
                out.extend(self._rb_of(r))
        elif r.level == "kreis" and r.is_kreisfrei:
            out.extend(self._rb_of(r))
        if r.level not in ("land", "bund") and r.land in self._by_ags:
            if r.level == "kreis" and len(self.kreise(r.land)) > 1:
                out.append(r.land)
            elif r.level != "kreis" and self._gemeinden_in(r.land) > 1:
                out.append(r.land)
        if r.level != "bund":
            out.append(GERMANY)
        return out

    def _rb_of(self, r: Region) -> list[str]:
        rb = r.ags[:3]
        return [rb] if rb in self._by_ags and self._by_ags[rb].level == "rb" else []

    def _gemeinden_in(self, parent: str) -> int:
        """Number of Gemeinden in a Kreis or Land (cached: the registry does not change)."""
        counts = getattr(self, "_gem_counts", None)
        if counts is None:
            counts = {}
            for g in self._by_ags.values():
                if g.level == "gemeinde":
                    for key in {g.kreis, g.land}:
                        if key:
                            counts[key] = counts.get(key, 0) + 1
            self._gem_counts = counts
        return counts.get(parent, 0)

    def municipalities(
        self,
        kreis: str | None = None,
        land: str | None = None,
        include_unincorporated: bool = False,
    ) -> list[Region]:
        """Gemeinden (optionally of one Kreis or Land; AGS or name), in AGS order.

        Gemeindefreie Gebiete (forests, lakes) are left out unless asked for.
        """
        k = self.resolve_level(kreis, "kreis").ags if kreis is not None else None
        la = self.resolve_level(land, "land").ags if land is not None else None
        out = [
            r
            for r in self._by_ags.values()
            if r.level == "gemeinde"
            and (k is None or r.kreis == k)
            and (la is None or r.land == la)
            and (include_unincorporated or r.art not in _UNINCORPORATED_ARTS)
        ]
        return sorted(out, key=lambda r: r.ags)

    def kreise(self, land: str | None = None) -> list[Region]:
        """Kreise and kreisfreie Städte (optionally of one Land), in AGS order."""
        la = self.resolve_level(land, "land").ags if land is not None else None
        out = [
            r for r in self._by_ags.values() if r.level == "kreis" and (la is None or r.land == la)
        ]
        return sorted(out, key=lambda r: r.ags)

    def describe(self, ags: str) -> dict[str, str]:
        """German description for `ibis regions show`: AGS, Name, Ebene, Kreis, Land …"""
        r = self._require(ags)
        out = {
            "AGS": r.ags,
            "Name": r.name,
            "Amtlicher Name": r.full_name,
            "Ebene": r.level_label,
            "Art": r.art,
        }
        k = self.kreis_of(r.ags) if r.level in ("gemeinde", "gemeindeverband") else None
        out["Kreis"] = f"{self._by_ags[k].full_name} ({k})" if k else "–"
        la = self.land_of(r.ags) if r.level != "bund" else None
        out["Land"] = f"{self._by_ags[la].name} ({la})" if la and la != r.ags else "–"
        if r.bevoelkerung is not None:
            from .fmt import number

            out["Bevölkerung (31.12. des Vorjahres)"] = number(r.bevoelkerung)
        if r.flaeche_km2 is not None:
            out["Fläche"] = f"{r.flaeche_km2:.2f} km²".replace(".", ",")
        if r.stand:
            out["Gebietsstand"] = _german_date(r.stand)
        if r.source:
            out["Quelle"] = r.source
        return out


#: The parsed registry, cached beside the store (``data/processed``), keyed on the inputs.
CACHE_FILE = "regionen.json"
#: Bump when Region or the parsing changes: an old cache is then rebuilt.
CACHE_VERSION = 1


def _inputs(root: Path) -> tuple[list[Path], list[Path]]:
    gv_files = sorted(root.rglob("GV100AD*.txt"))
    vg_folders = sorted({p.parent for p in root.rglob("VG5000_*.dbf")})
    return gv_files, vg_folders


def _input_key(root: Path, gv_files: list[Path], vg_folders: list[Path]) -> str:
    """sha256 over the directories' bytes (not their dates: a copied tree stays cached)."""
    import hashlib

    h = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    files = [*gv_files]
    for folder in vg_folders:
        files += sorted(folder.glob("VG5000_*.dbf")) + sorted(folder.glob("aktualitaet.txt"))
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _read_cache(path: Path, key: str) -> RegionRegistry | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") != key:
            return None
        names = [f.name for f in fields(Region)]
        if data.get("fields") != names:
            return None
        return RegionRegistry([Region(*row) for row in data["regions"]], data["aliases"])
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing, stale or damaged: parse the directories again


def _write_cache(path: Path, key: str, reg: RegionRegistry) -> None:
    import json

    from .atomic import write_text

    names = [f.name for f in fields(Region)]
    rows = [[getattr(r, n) for n in names] for r in reg._by_ags.values() if r.ags != GERMANY]
    data = {"key": key, "fields": names, "regions": rows, "aliases": reg.alias_index()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(data, ensure_ascii=False))
    except OSError:  # a read-only checkout still works, only slower
        pass


def _parse(
    root: Path, gv_files: list[Path], vg_folders: list[Path]
) -> tuple[list[Region], list[str]]:
    """The regions of all directories, and the messages of directories that could not be read."""
    gv: list[Region] = []
    parsed, broken = [], []
    for f in gv_files:
        try:
            parsed.append(_from_gv100ad(f))
        except IbisError as exc:  # reported by the store build; the other directories still count
            broken.append(exc.message)
    if broken and not parsed and not vg_folders:
        raise RegionError(
            "Kein lesbares Gebietsverzeichnis: " + broken[0],
            hint="Bitte das GV100AD erneut herunterladen.",
        )
    for units in sorted(parsed, key=lambda u: max(r.stand for r in u), reverse=True):
        have = {r.ags for r in gv}  # the latest Gebietsstand wins
        gv += [r for r in units if r.ags not in have]
    vg: list[Region] = []
    for folder in vg_folders:
        vg += _from_vg5000(folder)
    return _merge(gv, vg), broken


def _build(raw: str) -> RegionRegistry:
    root = Path(raw)
    gv_files, vg_folders = _inputs(root)
    if not gv_files and not vg_folders:
        raise RegionError(
            f"Keine Gebietsverzeichnisse unter '{root}' gefunden",
            hint="Erwartet werden das GV100AD (gemeindeverzeichnis/) und/oder VG5000 (geo_bkg_vg5000/).",
        )
    # only the project's own directories are cached (in the project's data/processed)
    cache = paths.processed_dir() / CACHE_FILE if root == paths.raw_dir().resolve() else None
    key = _input_key(root, gv_files, vg_folders) if cache else ""
    reg = _read_cache(cache, key) if cache else None
    if reg is None:
        regions, broken = _parse(root, gv_files, vg_folders)
        reg = RegionRegistry(regions)
        reg.problems = broken
        if cache and not broken:  # a broken directory is parsed (and reported) every time
            _write_cache(cache, key, reg)
    return reg


def registry(raw: str | Path | None = None) -> RegionRegistry:
    """The (cached) registry built from the directories in ``data/raw/``: parsed once, then
    read from ``data/processed/regionen.json`` while the directories' bytes are unchanged."""
    key = str(Path(raw or paths.raw_dir()).resolve())
    return cache.cached("registry", key, lambda: _build(key))


# ---------------------------------------------------------------------------------------------
# regional business rules on observations

KREISFREI_NOTE = "Wert der kreisfreien Stadt auf Kreisebene"


def kreisfrei_aliases(df: pd.DataFrame, reg: RegionRegistry, key: list[str]) -> pd.DataFrame:
    """Rows of kreisfreie Städte published under their Kreis code, copied to the Gemeinde AGS.

    Gemeinde tables list a kreisfreie Stadt (München 09162) only at Kreis level, so the
    Gemeinde 09162000 would otherwise look empty. Rows the Gemeinde already has (same `key`:
    the tidy key columns) are kept; the copies say so in their note.
    """
    cities = {
        k.ags: ms[0]
        for k in reg.kreise()
        if len(ms := reg.municipalities(kreis=k.ags)) == 1 and ms[0].ags == k.ags + "000"
    }
    rows = df[df["region"].isin(list(cities))].copy()
    if rows.empty:
        return rows
    rows["region_name"] = rows["region"].map(lambda k: cities[k].name)
    rows["region"] = rows["region"] + "000"
    rows["note"] = rows["note"].where(rows["note"] == "", rows["note"] + "; ") + KREISFREI_NOTE
    own = df[df["region"].isin(rows["region"].unique())][key]
    merged = rows.merge(own.assign(_own=True), on=key, how="left")
    return merged[merged["_own"].isna()].drop(columns="_own")
