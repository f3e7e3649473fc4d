"""A ROR data dump (JSON, as the registry publishes it; never downloaded) read into lookup records."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pycountry

ROR_PREFIX = "https://ror.org/"


class RorDumpError(Exception):
    """The file is not a ROR data dump; `message` says why, naming the file."""


def fold(text: str) -> str:
    """Text as the lookup compares it, in any script: compatibility-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def read_dump(path: Path) -> list[dict]:
    """Every organisation of a ROR dump (schema v1 or v2): ror_id, name, names, city, country, coordinates."""
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RorDumpError(f"{path}: {error}") from None
    if not isinstance(records, list):
        raise RorDumpError(f"{path}: expected a JSON list of ROR records")
    return [_organisation(r) for r in records if isinstance(r, dict) and str(r.get("id", "")).startswith(ROR_PREFIX)]


def _organisation(record: dict) -> dict:
    if "names" in record:  # schema v2
        names = [n["value"] for n in record["names"] if n.get("value")]
        display = next((n["value"] for n in record["names"] if "ror_display" in n.get("types", [])), names[0])
        place = (record.get("locations") or [{}])[0].get("geonames_details", {})
        city, code, lat, lng = place.get("name"), place.get("country_code"), place.get("lat"), place.get("lng")
    else:  # schema v1
        display = record.get("name")
        names = [display, *record.get("aliases", []), *record.get("acronyms", []),
                 *(label.get("label") for label in record.get("labels", []))]
        address = (record.get("addresses") or [{}])[0]
        city, lat, lng = address.get("city"), address.get("lat"), address.get("lng")
        code = (record.get("country") or {}).get("country_code")
    country = pycountry.countries.get(alpha_2=code) if code else None
    return {"ror_id": record["id"], "name": display, "names": sorted({fold(n) for n in names if n}),
            "city": city, "country": country.alpha_3 if country else None, "latitude": lat, "longitude": lng}
