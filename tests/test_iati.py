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


def test_export_then_import_gives_back_the_same_programmes(seed_db, tmp_path):
    from portal.importer import import_workbook
    from portal.workbook import write_workbook

    out = tmp_path / "activities.xml"
    main(["iati", "export", str(out), "--db", str(seed_db), "--include-illustrative"])
    original = db.export_tables(seed_db)
    fresh = tmp_path / "fresh.duckdb"
    rates = tmp_path / "rates"
    write_workbook({"institutions": [], "fx_rates": original["fx_rates"]}, rates)
    import_workbook(rates, fresh, "test")
    result = import_workbook(out, fresh, "test")
    assert result.counts["programmes"].added == len(original["programmes"])
    assert db.export_tables(fresh)["programmes"] == original["programmes"]  # ids, titles, dates, costs, all
    again = import_workbook(out, seed_db, "test")  # into the database it came from: nothing changes
    assert again.counts["programmes"].changed == again.counts["programmes"].added == 0
    assert again.counts["institutions"].changed == again.counts["institutions"].added == 0


def test_import_skips_activities_that_are_not_training_and_names_what_it_cannot_map(loaded_db, tmp_path):
    from portal.importer import import_workbook

    path = tmp_path / "donor.xml"
    path.write_text("""<?xml version="1.0"?>
<iati-activities version="2.03">
 <iati-activity><iati-identifier>KR-GOV-1-ROAD</iati-identifier><title><narrative>Road</narrative></title>
  <sector vocabulary="1" code="21020"/></iati-activity>
 <iati-activity default-currency="KRW"><iati-identifier>KR-GOV-1-SURG</iati-identifier>
  <title><narrative>Surgeons trained in Seoul</narrative><narrative xml:lang="ko">서울 외과의 연수</narrative></title>
  <participating-org role="2" ref="GOV-MN" type="10"><narrative>Ministry of Health</narrative></participating-org>
  <participating-org role="4" ref="https://ror.org/04h9pn542" type="80"><narrative>Seoul Hospital</narrative></participating-org>
  <participating-org role="3"><narrative>Agency</narrative></participating-org>
  <activity-status code="2"/><activity-date type="2" iso-date="2024-03-04"/>
  <recipient-country code="MN"/><sector vocabulary="1" code="12181"/>
  <default-aid-type vocabulary="1" code="E01"/>
 </iati-activity>
</iati-activities>""", encoding="utf-8")
    import pytest

    from portal.importer import ImportRejected

    with pytest.raises(ImportRejected) as rejected:  # IATI has no country for the host: named, nothing written
        import_workbook(path, loaded_db, "test", preview=True)
    warnings = [str(w) for w in rejected.value.warnings]
    assert any("KR-GOV-1-ROAD" in w and "not training" in w for w in warnings)
    assert any("role 3" in w for w in warnings)
    assert {(p.sheet, p.column) for p in rejected.value.problems} >= {("institutions", "country")}
    path.write_text(path.read_text(encoding="utf-8").replace(
        'type="80">', 'type="80" xmlns:portal="urn:exchange-portal:iati:1" portal:country="KOR" '
        'portal:latitude="37.5" portal:longitude="127.0">'), encoding="utf-8")
    result = import_workbook(path, loaded_db, "test", preview=True)
    programmes = result.changes[result.changes.sheet == "programmes"]
    assert len(programmes) == 1 and "Surgeons trained in Seoul" in programmes.iloc[0].after
    assert '"start_date":"2024-03-04"' in programmes.iloc[0].after.replace(" ", "")
    institutions = result.changes[result.changes.sheet == "institutions"]
    assert len(institutions) == 2


def test_a_file_that_is_not_iati_is_refused_by_name(loaded_db, tmp_path, capsys):
    path = tmp_path / "other.xml"
    path.write_text("<catalog/>", encoding="utf-8")
    assert main(["iati", "import", str(path), "--db", str(loaded_db)]) == 1
    assert "<iati-activities>" in capsys.readouterr().err
    path.write_text("<iati-activities", encoding="utf-8")
    assert main(["iati", "import", str(path), "--db", str(loaded_db)]) == 1


def test_the_programmes_page_offers_the_iati_file_to_the_ministry_only(monkeypatch, seed_db, viewer):
    from portal import auth
    from workbooks import open_app

    viewer(auth.User("official@moh.example", "ministry", None))
    app = open_app(monkeypatch, seed_db, "pages/programmes.py")
    assert not app.exception
    assert "Download IATI 2.03 activity file" in [b.proto.label for b in app.get("download_button")]
    viewer(None)
    app = open_app(monkeypatch, seed_db, "pages/programmes.py")
    assert "Download IATI 2.03 activity file" not in [b.proto.label for b in app.get("download_button")]


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def test_a_ror_dump_loads_and_finds_organisations_by_name_in_any_script(tmp_path, capsys):
    database = tmp_path / "portal.duckdb"
    assert main(["ror", "load", str(FIXTURES / "ror-dump.json"), "--db", str(database)]) == 0
    capsys.readouterr()
    assert main(["ror", "find", "고려대", "--db", str(database)]) == 0
    assert capsys.readouterr().out.split("\t")[:4] == ["https://ror.org/047dqcg40", "Korea University", "Seoul", "KOR"]
    assert main(["ror", "find", "анагаах", "--db", str(database)]) == 0  # case-folded Cyrillic, v1 schema
    assert "https://ror.org/00js3aw79\tMongolian National University" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["ror", "load", str(bad), "--db", str(database)]) == 1
    assert "Not a ROR data dump" in capsys.readouterr().err


def test_the_iati_export_uses_ror_ids_as_organisation_references(seed_db, tmp_path):
    from portal.importer import import_workbook
    from portal.workbook import write_workbook

    institutions = db.export_tables(seed_db)["institutions"]
    korea = next(i for i in institutions if i["institution_id"] == "KOR-KU-ANSAN")
    write_workbook({"institutions": [dict(korea, ror_id="https://ror.org/047dqcg40")]}, tmp_path / "ror")
    import_workbook(tmp_path / "ror", seed_db, "test")
    out = tmp_path / "activities.xml"
    main(["iati", "export", str(out), "--db", str(seed_db)])
    refs = {o.get(PORTAL + "institution_id"): o.get("ref") for o in etree.parse(str(out)).iter("participating-org")}
    assert refs["KOR-KU-ANSAN"] == "https://ror.org/047dqcg40"
    assert refs["MNG-NCTD"] is None
    assert schema_errors(etree.parse(str(out))) == []


def test_export_of_the_synthetic_national_database_validates_and_imports_back(tmp_path):
    from benchmarks import synth
    from portal.importer import import_workbook

    database = tmp_path / "synth.duckdb"
    synth.build(database, 1_000, seed=3, sizes=synth.Sizes(programmes=300, participants=1_000, equipment=120,
                                                             events=400))
    out = tmp_path / "synth.xml"
    assert main(["iati", "export", str(out), "--db", str(database), "--include-illustrative"]) == 0
    assert schema_errors(etree.parse(str(out))) == []
    assert len(_activities(out)) == 300
    result = import_workbook(out, database, "test", preview=True)
    assert result.counts["programmes"].unchanged == 300 and result.counts["programmes"].changed == 0


def test_an_administrator_takes_ror_id_and_place_from_the_dump_when_adding_an_institution(monkeypatch, loaded_db):
    from portal import ror
    from workbooks import open_app

    db.load_ror(loaded_db, ror.read_dump(FIXTURES / "ror-dump.json"))
    app = open_app(monkeypatch, loaded_db, "pages/records.py")
    app.text_input(key="ror_find").input("고려대").run()
    app.selectbox(key="ror_match").set_value("https://ror.org/047dqcg40").run()
    fields = {i.label.rstrip(" *"): i.value for i in app.text_input}  # labelled as fields.json names them
    assert (fields["ROR ID"], fields["Name"], fields["City"], fields["Country"]) == (
        "https://ror.org/047dqcg40", "Korea University", "Seoul", "KOR")
    assert fields["Latitude"] == "37.5894"
    next(i for i in app.text_input if i.label.startswith("Institution ID")).input("KOR-KU")
    kind = next(i for i in app.selectbox if i.label.rstrip(" *") == "Kind")
    kind.select_index(kind.options.index("University"))  # shown by its name; the code is what is saved
    next(b for b in app.button if b.label == "Add record").click().run()
    assert not app.exception and not app.error
    saved = next(r for r in db.export_tables(loaded_db)["institutions"] if r["institution_id"] == "KOR-KU")
    assert saved["ror_id"] == "https://ror.org/047dqcg40" and saved["latitude"] == 37.5894


def test_the_load_data_page_previews_and_applies_an_iati_file(monkeypatch, seed_db, tmp_path):
    from workbooks import open_app

    out = tmp_path / "activities.xml"
    main(["iati", "export", str(out), "--db", str(seed_db)])
    text = out.read_text(encoding="utf-8").replace(
        "Spine surgery training at Korea University Ansan Hospital", "Spine surgery training, Ansan")
    app = open_app(monkeypatch, seed_db, "pages/data.py")
    app.file_uploader[0].set_value(("activities.xml", text.encode("utf-8"), "application/xml")).run()
    assert not app.exception and not app.error
    app.button(key="apply_import").click().run()
    assert not app.exception
    titles = {p["programme_id"]: p["title"] for p in db.export_tables(seed_db)["programmes"]}
    assert titles["NCTD-2024-KUA"] == "Spine surgery training, Ansan"
    history = db.open_store(seed_db).read("import_history", db.FULL_SCOPE, limit=1)
    assert history.iloc[0]["file_name"] == "activities.xml"


DONOR_ACTIVITY = """<?xml version="1.0"?>
<iati-activities version="2.03">
 <iati-activity default-currency="KRW"><iati-identifier>KR-GOV-1-{id}</iati-identifier>
  <title><narrative>Surgeons trained in Seoul</narrative></title>
  <activity-status code="2"/><activity-date type="2" iso-date="2024-03-04"/>
  <sector vocabulary="1" code="12181"/><default-aid-type vocabulary="1" code="E01"/>
  {transactions}
 </iati-activity>
</iati-activities>"""


def _transaction_xml(kind: str, amount: int) -> str:
    return (f'<transaction><transaction-type code="{kind}"/><transaction-date iso-date="2024-03-04"/>'
            f'<value value-date="2024-03-04">{amount}</value></transaction>')


def test_import_counts_a_donor_files_money_once_disbursements_over_commitments(tmp_path):
    from portal.iati.imports import read_activity_file

    def cost(name: str, *transactions: tuple[str, int]):
        path = tmp_path / f"{name}.xml"
        xml = "".join(_transaction_xml(*transaction) for transaction in transactions)
        path.write_text(DONOR_ACTIVITY.format(id=name, transactions=xml), encoding="utf-8")
        sheets, notes = read_activity_file(path)
        (row,) = [dict(zip(sheets["programmes"].header, cells)) for _, cells in sheets["programmes"].rows]
        return (row["cost_amount"], row["cost_currency"]), [(n.expected, dict(n.args)) for n in notes]

    # A donor's usual file: the commitment, then the disbursement and expenditure that pay it.
    amount, notes = cost("BOTH", ("2", 1_000_000), ("3", 600_000), ("4", 400_000))
    assert amount == ("1000000", "KRW")
    assert notes == [("iati.commitments_left_out", {"id": "KR-GOV-1-BOTH", "amount": "1000000 KRW"})]
    assert cost("COMMITTED", ("2", 700_000), ("2", 300_000)) == (("1000000", "KRW"), [])
    assert cost("SPENT", ("3", 250_000)) == (("250000", "KRW"), [])


def test_export_adds_the_home_institutions_cases_before_and_after_as_an_outcome(seed_db, tmp_path):
    out = tmp_path / "activities.xml"
    assert main(["iati", "export", str(out), "--db", str(seed_db), "--include-illustrative"]) == 0
    assert schema_errors(etree.parse(str(out))) == []
    outcomes = {}
    for activity in _activities(out):
        (result,) = activity.findall("result[@type='2']") or [None]
        if result is not None:
            indicator = result.find("indicator")
            outcomes[activity.find("other-identifier").get("ref")] = (
                indicator.get(PORTAL + "measure"), int(indicator.find("baseline").get("value")),
                int(indicator.find("period/actual").get("value")))
    # PRG-024 (home UZB-TSH, 2023-03 to 2023-09): its cases counted by month, 12 months either side.
    store = db.open_store(seed_db)
    months = store.read("impact_monthly_volumes", db.FULL_SCOPE, institution="UZB-TSH", department=None,
                        procedure=None, months=10_000, include_illustrative=True, reporting_currency="USD")
    months = months[months["month"].notna()]
    before = months[(months["month"] >= "2022-03-01") & (months["month"] < "2023-03-01")]["cases"].sum()
    after = months[(months["month"] > "2023-09-30") & (months["month"] <= "2024-09-30")]["cases"].sum()
    assert before and after and outcomes["PRG-024"] == ("home_procedure_cases", before, after)
    assert len(outcomes) == len(store.read("iati_outcomes", db.FULL_SCOPE, include_illustrative=True))
    # Local names in every language the data holds, not only Mongolian and Korean.
    languages = {n.get("{http://www.w3.org/XML/1998/namespace}lang")
                 for n in etree.parse(str(out)).getroot().iter("narrative")}
    assert {"mn", "ko", "ja", "vi", "tr"} <= languages


def _ror_zip(path, member: str = "v2.0-2024-12-16-ror-data_schema_v2.json"):
    """The fixture dump packed as the registry publishes it: a .zip beside a CSV."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("v2.0-2024-12-16-ror-data.csv", "id,name\n")
        archive.write(FIXTURES / "ror-dump.json", member)
    return path


def test_a_ror_dump_loads_from_the_registrys_zip_as_from_its_json(tmp_path, capsys):
    from portal import ror

    packed = _ror_zip(tmp_path / "v2.0-2024-12-16-ror-data.zip")
    assert ror.read_dump(packed) == ror.read_dump(FIXTURES / "ror-dump.json") != []
    database = tmp_path / "portal.duckdb"
    assert main(["ror", "load", str(packed), "--db", str(database)]) == 0
    capsys.readouterr()
    assert main(["ror", "find", "고려대", "--db", str(database)]) == 0
    assert capsys.readouterr().out.startswith("https://ror.org/047dqcg40\tKorea University")
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("readme.txt", "no dump here")
    assert main(["ror", "load", str(tmp_path / "empty.zip"), "--db", str(database)]) == 1
    assert "holds no JSON file" in capsys.readouterr().err
    assert main(["ror", "find", "고려대", "--db", str(database)]) == 0  # the dump loaded before stays
    assert "047dqcg40" in capsys.readouterr().out


def test_an_administrator_uploads_a_ror_dump_on_the_records_page(monkeypatch, loaded_db, tmp_path):
    from workbooks import open_app

    app = open_app(monkeypatch, loaded_db, "pages/records.py")
    assert any("No ROR data dump is loaded" in c.value for c in app.caption)
    packed = _ror_zip(tmp_path / "ror.zip").read_bytes()
    app.file_uploader(key="ror_dump_upload").set_value(("ror.zip", packed, "application/zip")).run()
    app.button(key="ror_dump_load").click().run()
    assert not app.exception and not app.error
    assert any(s.value.startswith("Loaded 2 ROR organisations from ror") for s in app.success)
    assert db.find_ror(loaded_db, "korea university")["ror_id"].tolist() == ["https://ror.org/047dqcg40"]
    app.file_uploader(key="ror_dump_upload").set_value(("bad.json", b"{}", "application/json")).run()
    app.button(key="ror_dump_load").click().run()
    assert any("Not a ROR data dump" in e.value and "bad" in e.value for e in app.error)
    assert len(db.find_ror(loaded_db, "korea university")) == 1  # a refused file changes nothing
