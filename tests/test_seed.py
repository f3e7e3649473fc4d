"""The seed: the article's facts are present, nothing is invented, illustrative rows are marked."""

from __future__ import annotations

import pytest

from portal.db import export_tables
from workbooks import PROJECT

ARTICLE = "MiddleAsianNews"
REAL_INSTITUTIONS = {"MNG-NCTD", "KOR-SCH-BUCHEON", "KOR-KU-ANSAN"}


@pytest.fixture(scope="module")
def tables(seed_db_master):
    return export_tables(seed_db_master)


def real(rows):
    return [r for r in rows if ARTICLE in (r.get("source") or "")]


def test_the_article_facts_are_present(tables):
    institutions = {r["institution_id"]: r for r in real(tables["institutions"])}
    assert set(institutions) == REAL_INSTITUTIONS
    assert institutions["MNG-NCTD"]["name"] == "National Center for Traumatology and Defectology"
    assert institutions["MNG-NCTD"]["country"] == "MNG"
    assert {institutions[i]["country"] for i in ("KOR-SCH-BUCHEON", "KOR-KU-ANSAN")} == {"KOR"}

    trainings = {r["host_institution_id"]: r for r in real(tables["programmes"]) if r["kind"] == "training_abroad"}
    assert set(trainings) == {"KOR-SCH-BUCHEON", "KOR-KU-ANSAN"}
    for programme in trainings.values():
        assert programme["home_institution_id"] == "MNG-NCTD"
        assert programme["start_date"] == "2024"  # the year only: the article gives no month
        assert "complex spinal deformity" in programme["topics"]

    equipment = {(r["manufacturer"], r["model"]): r for r in real(tables["equipment"])}
    assert equipment[("CONMED", "4K UHD")]["acquired_date"] == "2023"
    assert equipment[("CONMED", "4K UHD")]["category"] == "endoscope"
    assert equipment[("Carl Zeiss", "Pentero 800")]["acquired_date"] == "2025"
    assert equipment[("Carl Zeiss", "Pentero 800")]["category"] == "microscope"

    [expert] = real(tables["participants"])
    assert expert["person_name"] == "Im Soo-bin" and expert["institution_id"] == "KOR-SCH-BUCHEON"
    [surgery] = real(tables["events"])
    assert surgery["kind"] == "joint_surgery" and surgery["equipment_id"] == "NCTD-EQ-MICROSCOPE-2025"
    topics = " ".join(t for p in real(tables["programmes"]) for t in p["topics"] or [])
    for procedure in ("corpectomy", "expandable implant", "spinal fixation"):
        assert procedure in topics


def test_nothing_the_article_does_not_state(tables):
    for programme in real(tables["programmes"]):
        assert programme["cost_amount"] is None and programme["cost_currency"] is None
        assert programme["participants_count"] is None and programme["end_date"] is None
        assert programme["funding_source"] is None
    for item in real(tables["equipment"]):
        assert item["cost_amount"] is None and item["quantity"] is None and item["status"] is None
    assert not [p for p in tables["procedures"] if p["institution_id"] in REAL_INSTITUTIONS]
    assert {r["website"] for r in real(tables["institutions"])} == {None}


def test_every_real_row_cites_the_article_and_no_illustrative_row_touches_a_real_institution(tables):
    for sheet, rows in tables.items():
        for row in rows:
            source = row.get("source") or ""
            assert ARTICLE in source or "illustrative" in source, (sheet, row)
            if "illustrative" in source:
                referenced = {v for k, v in row.items() if k.endswith("institution_id") and v}
                assert not referenced & REAL_INSTITUTIONS, (sheet, row)


def test_illustrative_dataset_is_large_enough(tables):
    illustrative = {sheet: [r for r in rows if "illustrative" in (r.get("source") or "")]
                    for sheet, rows in tables.items()}
    assert len({r["country"] for r in illustrative["institutions"]}) >= 8
    assert len(illustrative["institutions"]) >= 25
    assert all(r["name"].endswith("(illustrative)") for r in illustrative["institutions"])
    programmes = illustrative["programmes"]
    assert len(programmes) >= 40
    assert {r["kind"] for r in programmes} >= {"training_abroad", "fellowship", "visiting_expert", "joint_surgery",
                                                "observership", "conference", "equipment_training", "other"}
    assert {r["status"] for r in programmes} == {"planned", "ongoing", "completed", "cancelled"}
    years = {int(r["start_date"][:4]) for r in programmes}
    assert min(years) <= 2015 and max(years) >= 2026
    months = {(r["institution_id"], r["period"]) for r in illustrative["procedures"]}
    per_institution = {}
    for institution, period in months:
        per_institution.setdefault(institution, set()).add(period)
    assert sum(len(periods) >= 36 for periods in per_institution.values()) >= 3


def test_seed_command_refuses_to_replace_without_force(seed_db, capsys):
    from portal.__main__ import main

    assert main(["seed", "--db", str(seed_db)]) == 1
    assert "--force" in capsys.readouterr().err


def test_the_illustrative_generator_writes_the_committed_seed_and_checks_it_with_the_importer(tmp_path, capsys):
    import filecmp
    import runpy

    tool = runpy.run_path(str(PROJECT / "tools" / "make_illustrative.py"))
    out = tmp_path / "illustrative"
    assert tool["main"](["--out", str(out)]) == 0
    committed = PROJECT / "data" / "seed" / "illustrative"
    names = sorted(p.name for p in committed.glob("*.csv"))
    assert sorted(p.name for p in out.glob("*.csv")) == names
    assert filecmp.cmpfiles(committed, out, names, shallow=False)[0] == names  # byte for byte
    assert "every import rule passes" in capsys.readouterr().out

    programmes = (out / "programmes.csv").read_text(encoding="utf-8")
    (out / "programmes.csv").write_text(programmes.replace(",fellowship,", ",sabbatical,", 1), encoding="utf-8")
    assert tool["main"](["--out", str(out), "--check"]) == 1
    assert "sabbatical" in capsys.readouterr().err
