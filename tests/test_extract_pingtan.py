"""The real Pingtan pages (tests/files/pingtan, unchanged from the site's archive): both
templates, Word-export markup, every cell mapped by its label."""

from pipelines.extract import extract_document


def extract(files, name):
    return extract_document((files / "pingtan" / name).read_bytes())


def test_2019_template_report(files):
    r = extract(files, "t20200120_80576.html")
    assert (r.status, r.template, r.year, r.format) == ("ok", "2019", 2019, "html")
    assert r.agency == "平潭综合实验区"
    assert r.published == "2020-01-20"
    v = r.values()
    assert v["active_disclosure"]["normative_documents"] == {
        "made_this_year": 89, "published_this_year": 89, "total_published": 89}
    assert v["active_disclosure"]["administrative_licensing"] == {
        "items_last_year": 396, "change_this_year": 0, "decisions": 181}
    assert v["active_disclosure"]["centralized_procurement"]["procurement_amount"] == 75394432.52
    units = r.to_json()["units"]
    assert units["active_disclosure.centralized_procurement.procurement_amount"] == "元"
    apps = v["applications"]
    assert apps["new_received"]["natural_person"] == 23 and apps["new_received"]["total"] == 23
    assert apps["unavailable_not_held"]["total"] == 7
    assert apps["unavailable_unclear"]["total"] == 5
    assert apps["not_processed_duplicate"]["total"] == 3
    assert apps["total_processed"]["total"] == 23
    assert all(c.passed for c in r.checks)
    assert not [c for c in r.cells if c.value is None]


def test_2021_template_report(files):
    r = extract(files, "t20230220_80629.html")
    assert (r.status, r.template, r.year) == ("ok", "2021", 2022)
    v = r.values()
    assert v["active_disclosure"]["normative_documents"] == {
        "issued_this_year": 88, "repealed_this_year": 55, "in_force": 698}
    assert v["active_disclosure"]["administrative_licensing"] == {"decisions": 10690}
    assert v["active_disclosure"]["administrative_fees"] == {"fees_amount": 9116.36}
    apps = v["applications"]
    assert apps["new_received"] == {
        "natural_person": 71, "commercial_enterprise": 3, "research_institution": 0,
        "social_welfare_org": 0, "legal_service_org": 0, "other_org": 0, "total": 74}
    assert apps["carried_over"]["total"] == 1
    assert apps["partially_granted"]["commercial_enterprise"] == 1
    assert apps["other_no_correction"]["total"] == 2
    assert apps["other_other"]["commercial_enterprise"] == 2
    # `other` is not printed in 2021: it is the sum of the three sub-rows, marked derived.
    other = next(c for c in r.cells if c.section == "applications" and c.row == "other" and c.col == "total")
    assert other.value == 4 and "derived" in other.source
    assert apps["total_processed"]["total"] == 75
    rl = v["reviews_litigation"]
    assert rl["administrative_review"] == {"upheld": 0, "corrected": 1, "other": 1, "pending": 0, "total": 2}
    assert rl["litigation_direct"]["total"] == 1
    assert all(c.passed for c in r.checks)


def test_cells_carry_provenance_and_printed_text(files):
    r = extract(files, "t20230220_80629.html")
    cell = next(c for c in r.cells if c.section == "applications" and c.row == "new_received" and c.col == "total")
    assert cell.printed == "74"
    assert set(cell.source) == {"table", "row", "col"}
    assert r.raw_tables[cell.source["table"]].rows[cell.source["row"]][cell.source["col"]] == "74"
    assert "本年新收" in cell.label


def test_pre2019_report_is_kept_but_not_normalised(files):
    r = extract(files, "t20160112_80445.html")
    assert (r.status, r.template, r.year) == ("pre2019", "pre2019", 2015)
    assert r.cells == [] and len(r.raw_tables) == 1
    assert "政府信息公开" in r.text
