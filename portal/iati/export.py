"""The programmes as an IATI 2.03 activity file (docs/iati-mapping.md says what goes where, and why)."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pycountry
from lxml import etree

from portal import db
from portal.iati.xml import (ACTIVITY_STATUS, AID_TYPE, LOCAL_LANGUAGE, MEDICAL_TRAINING_SECTOR, ORG_ROLES,
                             ORGANISATION_TYPE, PORTAL, PORTAL_NS, ROR_PREFIX, XML_LANG, first_day, last_day)

# Until the ministry configures its registered IATI organisation identifier (--reporting-org).
DEFAULT_REPORTING_ORG = "XX-EXCHANGE-PORTAL"
DEFAULT_REPORTING_NAME = "Exchange Portal"
# A description IATI requires, made from the record when it has none (an import knows it by PORTAL:generated).
GENERATED_DESCRIPTION = "{kind}: {home} with {host}, {start}."
# Institution columns carried as portal attributes on participating-org, so an import rebuilds the record.
INSTITUTION_ATTRIBUTES = ("institution_id", "kind", "name", "name_local", "city", "country", "latitude",
                          "longitude", "website", "ror_id", "source")


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts with None for missing values (DuckDB's NULLs arrive as NaN/NaT/None)."""
    records = []
    for row in frame.to_dict("records"):
        records.append({k: (None if _missing(v) else v) for k, v in row.items()})
    return records


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NaT


def _text(value: object) -> str:
    """A number or text as IATI writes it: whole numbers without '.0'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _narrative(parent: etree._Element, text: str, lang: str | None = None) -> None:
    narrative = etree.SubElement(parent, "narrative")
    if lang:
        narrative.set(XML_LANG, lang)
    narrative.text = text


def build_activities(store: db.Store, scope: db.Scope, include_illustrative: bool,
                     reporting_org: str = DEFAULT_REPORTING_ORG,
                     reporting_name: str = DEFAULT_REPORTING_NAME) -> etree._ElementTree:
    """The programmes the scope sees, as an <iati-activities> document (version 2.03)."""
    options = {"include_illustrative": include_illustrative}
    programmes = _records(store.read("iati_programmes", scope, **options))
    institutions = {r["institution_id"]: r for r in _records(store.read("iati_institutions", scope, **options))}
    equipment = _records(store.read("iati_equipment", scope, **options))
    outcomes = {r["programme_id"]: r for r in _records(store.read("iati_outcomes", scope, **options))}
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    root = etree.Element("iati-activities", nsmap={"portal": PORTAL_NS})
    root.set("version", "2.03")
    root.set("generated-datetime", now)
    for programme in programmes:
        linked = [e for e in equipment if programme["programme_id"] == _first(e.get("programme_ids"))]
        root.append(_activity(programme, institutions, linked, outcomes.get(programme["programme_id"]),
                              reporting_org, reporting_name, now))
    return etree.ElementTree(root)


def _first(ids: object) -> str | None:
    """The first programme an equipment item lists: its cost is published once, under that programme."""
    ids = list(ids) if ids is not None else []
    return ids[0] if ids else None


def write_activities(tree: etree._ElementTree, out: Path) -> None:
    """Write the document as UTF-8 XML."""
    tree.write(str(out), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def activity_bytes(tree: etree._ElementTree) -> bytes:
    """The document as UTF-8 XML bytes, for a download."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _activity(p: dict, institutions: dict, equipment: list[dict], outcome: dict | None, reporting_org: str,
              reporting_name: str, now: str) -> etree._Element:
    activity = etree.Element("iati-activity")
    activity.set(XML_LANG, "en")
    activity.set("last-updated-datetime", now)
    if p.get("cost_currency"):
        activity.set("default-currency", p["cost_currency"])
    for column in ("kind", "specialty", "source"):
        if p.get(column):
            activity.set(PORTAL + column, str(p[column]))
    if p.get("topics") is not None and len(p["topics"]):
        activity.set(PORTAL + "topics", "; ".join(p["topics"]))
    etree.SubElement(activity, "iati-identifier").text = f"{reporting_org}-{p['programme_id']}"
    reporting = etree.SubElement(activity, "reporting-org", ref=reporting_org, type="10")
    _narrative(reporting, reporting_name)
    _narrative(etree.SubElement(activity, "title"), p["title"])
    description = etree.SubElement(activity, "description", type="1")
    if p.get("description"):
        _narrative(description, p["description"])
    else:  # IATI requires a description; one made from the record is marked so an import leaves it out
        description.set(PORTAL + "generated", "true")
        _narrative(description, GENERATED_DESCRIPTION.format(
            kind=p["kind"].replace("_", " ").capitalize(), home=p["home_institution_id"],
            host=p["host_institution_id"], start=p["start_date"]))
    if p.get("funding_source"):
        funding = etree.SubElement(activity, "participating-org", role=ORG_ROLES["funding"])
        _narrative(funding, p["funding_source"])
    home, host = institutions.get(p["home_institution_id"]), institutions.get(p["host_institution_id"])
    for role, institution_id, institution in (("accountable", p["home_institution_id"], home),
                                              ("implementing", p["host_institution_id"], host)):
        activity.append(_organisation(role, institution_id, institution))
    etree.SubElement(activity, "other-identifier", ref=p["programme_id"], type="A1")
    etree.SubElement(activity, "activity-status", code=ACTIVITY_STATUS[p["status"]])
    started = p["status"] in ("ongoing", "completed")
    _date(activity, "2" if started else "1", p["start_date"], first_day(p["start_date"]))
    if p.get("end_date"):
        _date(activity, "4" if p["status"] == "completed" else "3", p["end_date"], last_day(p["end_date"]))
    if home and home.get("country"):
        # The portal stores ISO 3166 alpha-3; IATI's Country codelist is alpha-2.
        country = pycountry.countries.get(alpha_3=home["country"])
        if country:
            etree.SubElement(activity, "recipient-country", code=country.alpha_2, percentage="100")
    for institution in (home, host):
        if institution and institution.get("latitude") is not None and institution.get("longitude") is not None:
            activity.append(_location(institution))
    etree.SubElement(activity, "sector", vocabulary="1", code=MEDICAL_TRAINING_SECTOR, percentage="100")
    etree.SubElement(activity, "default-aid-type", vocabulary="1", code=AID_TYPE[p["kind"]])
    if p.get("cost_amount") is not None and p.get("cost_currency"):
        # Planned programmes have committed money; the others have spent it.
        activity.append(_transaction("2" if p["status"] == "planned" else "3", p["start_date"],
                                     p["cost_amount"], p["cost_currency"], None))
    for item in equipment:
        if item.get("cost_amount") is not None and item.get("cost_currency"):
            transaction = _transaction("4", item["acquired_date"], item["cost_amount"], item["cost_currency"],
                                       f"{item['name']} ({item['category']})")
            transaction.set(PORTAL + "equipment-id", item["equipment_id"])
            activity.append(transaction)
    if p.get("participants_count") is not None:
        activity.append(_participants_result(p))
    if outcome is not None:
        activity.append(_cases_result(outcome))
    return activity


def _organisation(role: str, institution_id: str, institution: dict | None) -> etree._Element:
    organisation = etree.Element("participating-org", role=ORG_ROLES[role])
    if institution is None:  # outside the viewer's scope: named by id only
        organisation.set(PORTAL + "institution_id", institution_id)
        return organisation
    if institution.get("ror_id"):
        organisation.set("ref", ROR_PREFIX + str(institution["ror_id"]).removeprefix(ROR_PREFIX))
    if institution.get("kind") in ORGANISATION_TYPE:
        organisation.set("type", ORGANISATION_TYPE[institution["kind"]])
    for column in INSTITUTION_ATTRIBUTES:
        if institution.get(column) is not None:
            organisation.set(PORTAL + column, _text(institution[column]))
    _narrative(organisation, institution["name"])
    language = LOCAL_LANGUAGE.get(institution.get("country") or "")
    if institution.get("name_local") and language:
        _narrative(organisation, institution["name_local"], language)
    return organisation


def _date(activity: etree._Element, kind: str, partial: str, iso: str) -> None:
    # IATI dates are whole days; the portal's partial date is kept beside it so its precision survives.
    date = etree.SubElement(activity, "activity-date", type=kind, **{"iso-date": iso})
    date.set(PORTAL + "date", partial)


def _location(institution: dict) -> etree._Element:
    location = etree.Element("location", ref=institution["institution_id"])
    _narrative(etree.SubElement(location, "name"), institution["name"])
    point = etree.SubElement(location, "point", srsName="http://www.opengis.net/def/crs/EPSG/0/4326")
    etree.SubElement(point, "pos").text = f"{institution['latitude']} {institution['longitude']}"
    etree.SubElement(location, "exactness", code="1")
    etree.SubElement(location, "location-class", code="3")  # a structure: the hospital
    return location


def _transaction(kind: str, partial: str, amount: float, currency: str, description: str | None) -> etree._Element:
    transaction = etree.Element("transaction")
    etree.SubElement(transaction, "transaction-type", code=kind)
    etree.SubElement(transaction, "transaction-date", **{"iso-date": first_day(partial)})
    value = etree.SubElement(transaction, "value", currency=currency, **{"value-date": first_day(partial)})
    value.text = _text(amount)
    value.set(PORTAL + "date", partial)
    if description:
        _narrative(etree.SubElement(transaction, "description"), description)
    return transaction


def _participants_result(p: dict) -> etree._Element:
    result = etree.Element("result", type="1")  # output
    _narrative(etree.SubElement(result, "title"), "Professionals trained")
    indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
    indicator.set(PORTAL + "measure", "participants_count")
    _narrative(etree.SubElement(indicator, "title"), "Number of participants in the programme")
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", **{"iso-date": first_day(p["start_date"])})
    etree.SubElement(period, "period-end", **{"iso-date": last_day(p.get("end_date") or p["start_date"])})
    etree.SubElement(period, "actual", value=str(int(p["participants_count"])))
    return result


def _cases_result(outcome: dict) -> etree._Element:
    """The Impact page's before/after at the home institution: cases in the 12 months before and after."""
    result = etree.Element("result", type="2")  # outcome
    _narrative(etree.SubElement(result, "title"), "Procedures at the home institution")
    _narrative(etree.SubElement(result, "description"),
               "All procedure cases recorded at the home institution in the 12 months before and the 12 months "
               "after the programme; other causes and other programmes count in them too.")
    indicator = etree.SubElement(result, "indicator", measure="1", ascending="1")
    indicator.set(PORTAL + "measure", "home_procedure_cases")  # derived from procedures: an import skips it
    _narrative(etree.SubElement(indicator, "title"), "Procedure cases in 12 months")
    before_last = outcome["before_last"].date()
    baseline = etree.SubElement(indicator, "baseline", year=str(before_last.year), value=str(outcome["cases_before"]))
    baseline.set("iso-date", before_last.isoformat())
    _narrative(etree.SubElement(baseline, "comment"),
               f"Cases from {outcome['before_first'].date().isoformat()} to {before_last.isoformat()}.")
    period = etree.SubElement(indicator, "period")
    etree.SubElement(period, "period-start", **{"iso-date": outcome["after_first"].date().isoformat()})
    etree.SubElement(period, "period-end", **{"iso-date": outcome["after_last"].date().isoformat()})
    etree.SubElement(period, "actual", value=str(outcome["cases_after"]))
    return result
