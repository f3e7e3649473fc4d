"""An IATI activity file as contract sheets (programmes, institutions), handed to the workbook importer."""

from __future__ import annotations

import re
from pathlib import Path

import pycountry
from lxml import etree

from portal.contract import SHEETS, Problem, SheetRows
from portal.iati.xml import (ACTIVITY_STATUS, ORG_ROLES, PORTAL, ROR_PREFIX, TRAINING_AID_TYPES, TRAINING_SECTORS,
                             XML_LANG)
from portal.workbook import WorkbookError, _check_file_size, cell_text

STATUS_OF_CODE = {code: status for status, code in ACTIVITY_STATUS.items()} | {"3": "completed", "6": "ongoing"}
KIND_OF_AID_TYPE = {"E01": "training_abroad", "E02": "fellowship", "D02": "visiting_expert"}
KIND_OF_ORGANISATION_TYPE = {"10": "ministry", "15": "hospital", "80": "university", "70": "manufacturer"}
INSTITUTION_COLUMNS = SHEETS["institutions"].column_names


def read_activity_file(path: Path) -> tuple[dict[str, SheetRows], list[Problem]]:
    """The programmes and institutions an IATI file proposes, as sheets; plus what was skipped or unmapped.

    Raises WorkbookError (nothing read) when the file is not XML or not an IATI activity file.
    """
    path = Path(path)
    if not path.exists():
        raise WorkbookError([Problem("", None, "", str(path), "problem.file_missing")])
    _check_file_size(path.name, path.stat().st_size)
    try:
        # No DTDs, no entities, no network: a hostile file cannot reach outside itself.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as error:
        raise WorkbookError([Problem("", None, "", path.name, "iati.not_xml",
                                     (("file", path.name), ("detail", str(error))))]) from None
    if root.tag != "iati-activities":
        raise WorkbookError([Problem("", None, "", path.name, "iati.not_activities",
                                     (("file", path.name), ("root", str(root.tag))))])
    programmes, institutions, notes = [], {}, []
    for activity in root.findall("iati-activity"):
        identifier = (activity.findtext("iati-identifier") or "").strip()
        if not _is_training(activity):
            notes.append(Problem("", None, "", identifier, "iati.skipped", (("id", identifier),)))
            continue
        programme = _programme(activity, identifier, institutions, notes)
        programmes.append(programme)
    sheets = {"institutions": _sheet("institutions", list(institutions.values())),
              "programmes": _sheet("programmes", programmes)}
    return sheets, notes


def _sheet(name: str, records: list[dict]) -> SheetRows:
    columns = SHEETS[name].column_names
    rows = [(number, [cell_text(r.get(c)) for c in columns]) for number, r in enumerate(records, start=2)]
    return SheetRows(name, list(columns), rows)


def _is_training(activity: etree._Element) -> bool:
    sectors = {s.get("code") for s in activity.findall("sector") if s.get("vocabulary", "1") in ("1", "2")}
    aid_types = {a.get("code") for a in activity.findall("default-aid-type") if a.get("vocabulary", "1") == "1"}
    return activity.get(PORTAL + "kind") is not None or bool(sectors & TRAINING_SECTORS) or \
        bool(aid_types & TRAINING_AID_TYPES)


def _unmapped(notes: list[Problem], identifier: str, field: str, detail: str) -> None:
    notes.append(Problem("", None, "", identifier, "iati.unmapped",
                         (("id", identifier), ("field", field), ("detail", detail))))


def _narrative(element: etree._Element | None) -> str | None:
    """The English (or the activity's default-language) narrative, else the first one."""
    if element is None:
        return None
    narratives = element.findall("narrative")
    for narrative in narratives:
        if narrative.get(XML_LANG) in (None, "en") and (narrative.text or "").strip():
            return narrative.text.strip()
    return next(((n.text or "").strip() for n in narratives if (n.text or "").strip()), None)


def _description(activity: etree._Element) -> str | None:
    """The activity's description, unless the portal's export made it up because IATI requires one."""
    description = activity.find("description")
    if description is None or description.get(PORTAL + "generated") == "true":
        return None
    return _narrative(description)


def _programme(activity: etree._Element, identifier: str, institutions: dict, notes: list[Problem]) -> dict:
    other = activity.find("other-identifier[@type='A1']")
    programme = {"programme_id": other.get("ref") if other is not None else identifier,
                 "title": _narrative(activity.find("title")),
                 "description": _description(activity),
                 "specialty": activity.get(PORTAL + "specialty"),
                 "topics": activity.get(PORTAL + "topics"),
                 "source": activity.get(PORTAL + "source") or f"IATI activity {identifier}"}
    aid_type = activity.find("default-aid-type")
    programme["kind"] = activity.get(PORTAL + "kind") or KIND_OF_AID_TYPE.get(
        aid_type.get("code") if aid_type is not None else "", "other")
    status = activity.find("activity-status")
    programme["status"] = STATUS_OF_CODE.get(status.get("code") if status is not None else "")
    if programme["status"] is None:
        _unmapped(notes, identifier, "activity-status", status.get("code") if status is not None else "missing")
    dates = {d.get("type"): d.get(PORTAL + "date") or d.get("iso-date") for d in activity.findall("activity-date")}
    programme["start_date"] = dates.get("2") or dates.get("1")
    programme["end_date"] = dates.get("4") or dates.get("3")
    recipient = activity.find("recipient-country")
    recipient_country = _alpha_3(recipient.get("code")) if recipient is not None else None
    for org in activity.findall("participating-org"):
        role = org.get("role")
        if role == ORG_ROLES["funding"]:
            programme["funding_source"] = _narrative(org) or org.get("ref")
        elif role in (ORG_ROLES["accountable"], ORG_ROLES["implementing"]):
            institution = _institution(org, recipient_country if role == ORG_ROLES["accountable"] else None)
            column = "home_institution_id" if role == ORG_ROLES["accountable"] else "host_institution_id"
            programme.setdefault(column, institution["institution_id"])
            institutions.setdefault(institution["institution_id"], institution)
        else:
            _unmapped(notes, identifier, "participating-org", f"role {role}")
    _costs(activity, identifier, programme, notes)
    for indicator in activity.findall("result/indicator"):
        actual = indicator.find("period/actual")
        if indicator.get(PORTAL + "measure") == "participants_count" and actual is not None:
            programme["participants_count"] = actual.get("value")
        elif indicator.get(PORTAL + "measure") == "home_procedure_cases":
            continue  # the portal's own outcome, computed from procedure counts: nothing of a programme to keep
        else:
            _unmapped(notes, identifier, "result", _narrative(indicator.find("title")) or "indicator")
    return programme


def _costs(activity: etree._Element, identifier: str, programme: dict, notes: list[Problem]) -> None:
    """The programme's cost in one currency: its disbursements and expenditures (types 3, 4) when it has any,
    else its commitments (type 2). A donor's file usually holds both a commitment and the disbursements that
    pay it: summing them would count the money twice, so the commitments left out are named."""
    default_currency = activity.get("default-currency")
    amounts: dict[str, dict[str, float]] = {"spent": {}, "committed": {}}
    for transaction in activity.findall("transaction"):
        value = transaction.find("value")
        kind = transaction.find("transaction-type")
        if transaction.get(PORTAL + "equipment-id"):
            _unmapped(notes, identifier, "transaction", f"equipment {transaction.get(PORTAL + 'equipment-id')}")
            continue
        if value is None or kind is None or kind.get("code") not in ("2", "3", "4"):
            _unmapped(notes, identifier, "transaction", kind.get("code") if kind is not None else "no type")
            continue
        currency = value.get("currency") or default_currency
        bucket = amounts["committed" if kind.get("code") == "2" else "spent"]
        try:
            bucket[currency] = bucket.get(currency, 0.0) + float(value.text)
        except (TypeError, ValueError):
            _unmapped(notes, identifier, "transaction", value.text or "no value")
    used = amounts["spent"] or amounts["committed"]
    if amounts["spent"] and amounts["committed"]:
        left_out = ", ".join(f"{cell_text(amount)} {currency}"
                             for currency, amount in sorted(amounts["committed"].items()))
        notes.append(Problem("", None, "", identifier, "iati.commitments_left_out",
                             (("id", identifier), ("amount", left_out))))
    if len(used) == 1:
        ((programme["cost_currency"], programme["cost_amount"]),) = used.items()
    elif used:
        _unmapped(notes, identifier, "transaction", "several currencies: " + ", ".join(sorted(map(str, used))))


def _alpha_3(code: str | None) -> str | None:
    country = pycountry.countries.get(alpha_2=code) if code and len(code) == 2 else None
    return country.alpha_3 if country else code


def _institution(org: etree._Element, country: str | None) -> dict:
    """An institution from a participating-org: the portal's own attributes, else its ref, name and type."""
    record = {c: org.get(PORTAL + c) for c in INSTITUTION_COLUMNS}
    ref = org.get("ref") or ""
    if ref.startswith(ROR_PREFIX) and not record.get("ror_id"):
        record["ror_id"] = ref
    name = _narrative(org) or ref
    record["name"] = record["name"] or name
    record["institution_id"] = record["institution_id"] or (
        re.sub(r"[^A-Za-z0-9._-]+", "-", ref.removeprefix(ROR_PREFIX) or name or "").strip("-") or None)
    record["kind"] = record["kind"] or KIND_OF_ORGANISATION_TYPE.get(org.get("type") or "", "other")
    record["country"] = record["country"] or country
    return record

