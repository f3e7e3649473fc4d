"""A ROR data dump (JSON, as the registry publishes it; never downloaded) read into lookup records."""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pycountry

ROR_PREFIX = "https://ror.org/"


class RorDumpError(Exception):
    """The file is not a ROR data dump; `message` says why, naming the file."""


def fold(text: str) -> str:
    """Text as the lookup compares it, in any script: compatibility-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def read_dump(path: Path) -> list[dict]:
    """Every organisation of a ROR dump (schema v1 or v2): ror_id, name, names, city, country, coordinates.

    The dump is the registry's JSON file, or the .zip it is published in (the JSON read straight from the
    archive, the schema v2 file when both are there); records are decoded one at a time as the text arrives.
    """
    path = Path(path)
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive, archive.open(_json_member(archive, path)) as member:
                return list(_organisations(io.TextIOWrapper(member, encoding="utf-8"), path))
        with open(path, encoding="utf-8") as f:
            return list(_organisations(f, path))
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, EOFError) as error:
        raise RorDumpError(f"{path}: {error}") from None


def _json_member(archive: zipfile.ZipFile, path: Path) -> str:
    """The dump's JSON file in the registry's archive (it may also hold a CSV and a schema v1 JSON)."""
    names = [n for n in archive.namelist() if n.lower().endswith(".json") and not n.startswith("__MACOSX/")]
    if not names:
        raise RorDumpError(f"{path}: the archive holds no JSON file")
    return next((n for n in names if "schema_v2" in n), names[0])


def _organisations(text: TextIO, path: Path, chunk: int = 1 << 20) -> Iterator[dict]:
    """The organisations of a JSON list read from `text`, one record at a time (never the whole file)."""
    decoder, buffer, position, eof = json.JSONDecoder(), "", 0, False

    def next_character() -> str | None:
        nonlocal buffer, position, eof
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer) or eof:
                return buffer[position] if position < len(buffer) else None
            more = text.read(chunk)
            buffer, position, eof = buffer[position:] + more, 0, not more

    if next_character() != "[":
        raise RorDumpError(f"{path}: expected a JSON list of ROR records")
    position += 1
    while True:
        character = next_character()
        if character == "]":
            return
        if character == ",":
            position += 1
            continue
        if character is None:
            raise RorDumpError(f"{path}: the JSON list ends early")
        try:
            record, position = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError as error:
            if eof:
                raise RorDumpError(f"{path}: {error}") from None
            more = text.read(chunk)  # a record cut by the end of what was read: read on and decode it again
            buffer, position, eof = buffer[position:] + more, 0, not more
            continue
        if isinstance(record, dict) and str(record.get("id", "")).startswith(ROR_PREFIX):
            yield _organisation(record)


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
