"""The IATI 2.03 activity schema shipped with the portal, and what export and import share about it."""

from __future__ import annotations

import calendar
from functools import lru_cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).parent / "schema"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The portal's extension: IATI lets publishers add attributes in their own namespace; these carry what
# IATI has no field for (a partial date's precision, an institution's kind...), so an export imports back whole.
PORTAL_NS = "urn:exchange-portal:iati:1"
PORTAL = "{%s}" % PORTAL_NS
ORG_ROLES = {"funding": "1", "accountable": "2", "implementing": "4"}
# Programme status <-> IATI ActivityStatus codelist.
ACTIVITY_STATUS = {"planned": "1", "ongoing": "2", "completed": "4", "cancelled": "5"}
# Programme kind -> IATI AidType (vocabulary 1, OECD DAC): training abroad E01, expert visits D02.
AID_TYPE = {"training_abroad": "E01", "fellowship": "E01", "observership": "E01", "equipment_training": "E01",
            "visiting_expert": "D02", "joint_surgery": "D02", "conference": "D02", "other": "D02"}
# Institution kind -> IATI OrganisationType.
ORGANISATION_TYPE = {"ministry": "10", "agency": "10", "hospital": "15", "university_hospital": "80",
                     "university": "80", "manufacturer": "70"}
MEDICAL_TRAINING_SECTOR = "12181"  # DAC 5: medical education/training
# Sectors (DAC 5) and aid types whose activities count as training when importing.
TRAINING_SECTORS = {"12181", "11330", "11430", "12281"}
TRAINING_AID_TYPES = {"E01", "E02", "D02"}
# The language an institution's local name is written in, by its country.
# The language of an institution's local name, by its country (ISO 639-1, IATI's Language codelist): the
# name_local column holds one name in the country's language (Kazakh and Kyrgyz names, not Russian ones).
LOCAL_LANGUAGE = {"MNG": "mn", "KOR": "ko", "JPN": "ja", "KAZ": "kk", "KGZ": "ky", "LAO": "lo", "TUR": "tr",
                  "VNM": "vi", "UZB": "uz", "DEU": "de", "CHN": "zh", "RUS": "ru", "THA": "th"}
ROR_PREFIX = "https://ror.org/"


@lru_cache(maxsize=1)
def activity_schema() -> etree.XMLSchema:
    """The official IATI 2.03 activity schema, read from the shipped files (no network)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd")))


def schema_errors(document: etree._ElementTree | etree._Element) -> list[str]:
    """Every way the document breaks the IATI 2.03 activity schema, as 'line N: message'; empty when valid."""
    schema = activity_schema()
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def first_day(partial: str) -> str:
    """The first day a partial date ('2024', '2024-03', '2024-03-14') can mean, as an ISO date."""
    if len(partial) == 4:
        return f"{partial}-01-01"
    if len(partial) == 7:
        return f"{partial}-01"
    return partial


def last_day(partial: str) -> str:
    """The last day a partial date can mean, as an ISO date."""
    if len(partial) == 4:
        return f"{partial}-12-31"
    if len(partial) == 7:
        year, month = int(partial[:4]), int(partial[5:])
        return f"{partial}-{calendar.monthrange(year, month)[1]:02d}"
    return partial
