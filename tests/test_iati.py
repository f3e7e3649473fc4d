"""IATI 2.03 out and in: the export validates against the shipped official schema and imports back whole."""

from __future__ import annotations

from lxml import etree

from portal import db
from portal.__main__ import main
from portal.iati.xml import PORTAL, schema_errors


def _activities(path):
    return etree.parse(str(path)).getroot().findall("iati-activity")


def test_export_of_the_seed_data_validates_against_the_iati_203_schema(seed_db, tmp_path):
    out = tmp_path / "activities.xml"
    assert main(["iati", "export", str(out), "--db", str(seed_db), "--include-illustrative"]) == 0
    tree = etree.parse(str(out))
    assert schema_errors(tree) == []
    programmes = db.export_tables(seed_db)["programmes"]
    assert len(tree.getroot()) == len(programmes)


def test_export_leaves_illustrative_rows_out_unless_asked(seed_db, tmp_path):
    out = tmp_path / "real.xml"
    assert main(["iati", "export", str(out), "--db", str(seed_db)]) == 0
    ids = {a.find("other-identifier").get("ref") for a in _activities(out)}
    real = {p["programme_id"] for p in db.export_tables(seed_db)["programmes"]
            if "illustrative" not in (p["source"] or "")}
    assert ids == real and ids
    assert schema_errors(etree.parse(str(out))) == []


def test_export_maps_roles_dates_aid_type_costs_and_locations(seed_db, tmp_path):
    out = tmp_path / "activities.xml"
    main(["iati", "export", str(out), "--db", str(seed_db), "--include-illustrative"])
    activity = next(a for a in _activities(out) if a.find("other-identifier").get("ref") == "PRG-001")
    assert activity.find("iati-identifier").text.endswith("-PRG-001")
    roles = {o.get("role"): o.get(PORTAL + "institution_id") for o in activity.findall("participating-org")}
    assert roles["2"] == "MNG-SSC" and roles["4"] == "KOR-MBS" and "1" in roles
    dates = {d.get("type"): (d.get("iso-date"), d.get(PORTAL + "date")) for d in activity.findall("activity-date")}
    assert dates == {"2": ("2015-03-01", "2015-03"), "4": ("2015-09-30", "2015-09")}
    assert activity.find("sector").get("code") == "12181"
    assert activity.find("default-aid-type").get("code") == "E01"
    value = activity.find("transaction/value")
    assert (value.text, value.get("currency"), value.get("value-date")) == ("60000", "USD", "2015-03-01")
    assert activity.find("recipient-country").get("code") == "MN"
    assert activity.find("location/point/pos").text.count(" ") == 1
    assert activity.find("result/indicator/period/actual").get("value") == "4"
