"""The CIN census XML for the hand-worked pathway (tests/pathway.py): collection years 2027 and 2028."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from macpu.intake.models import Referral
from macpu.people.models import Person
from macpu.protection.models import ConferenceDecision, S47Enquiry, StrategyDiscussion
from macpu.protection.services import review_conference_record
from macpu.returns.census import CollectionYear, census_xml
from tests.factories import aware
from tests.pathway import ATTENDANCE, run_pathway

NOW = aware(2027, 5, 4)


@pytest.fixture
def pathway(local_authority, social_worker, manager, chair, team):
    ava, leo = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)
    return ava, leo


def census(year: int) -> etree._Element:
    return etree.fromstring(census_xml(year=year, now=NOW))


def child(root: etree._Element, person: Person) -> etree._Element:
    (found,) = root.xpath("Children/Child[ChildIdentifiers/LAchildID=$id]", id=person.la_child_id)
    return found


def tags(element: etree._Element) -> list[str]:
    return [e.tag for e in element]


def test_a_collection_year_runs_from_1_april_to_31_march():
    year = CollectionYear(2027)

    assert (year.start, year.reference_date) == (date(2026, 4, 1), date(2027, 3, 31))


def test_the_header_names_the_collection_year_and_the_local_authority(pathway, local_authority):
    root = census(2027)

    assert tags(root) == ["Header", "Children"]
    assert root.findtext("Header/CollectionDetails/Collection") == "CIN"
    assert root.findtext("Header/CollectionDetails/Year") == "2027"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2027-03-31"
    source = root.find("Header/Source")
    assert tags(source) == ["SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"]
    assert source.findtext("SourceLevel") == "L"
    assert source.findtext("LEA") == local_authority.code
    assert source.findtext("DateTime") == "2027-05-04T12:00:00"


def test_both_children_referred_in_the_year_are_in_the_return_in_specification_order(pathway):
    ava, leo = pathway
    root = census(2027)

    assert len(root.findall("Children/Child")) == 2
    ava_record = child(root, ava)
    assert tags(ava_record) == ["ChildIdentifiers", "ChildCharacteristics", "CINdetails"]
    assert tags(ava_record.find("ChildIdentifiers")) == ["LAchildID", "UPNunknown", "PersonBirthDate", "Sex"]
    assert ava_record.findtext("ChildIdentifiers/UPNunknown") == "UN4"  # of school age: UPN not yet obtained
    assert ava_record.findtext("ChildIdentifiers/Sex") == "F"
    assert child(root, leo).findtext("ChildIdentifiers/UPNunknown") == "UN1"  # aged 3: not of school age
    assert child(root, leo).findtext("ChildIdentifiers/Sex") == "M"


def test_avas_episode_holds_her_assessment_enquiry_and_plan(pathway):
    ava, _ = pathway
    details = child(census(2027), ava).find("CINdetails")

    assert tags(details) == [
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "ReferralNFA",
        "Assessments",
        "Section47",
        "ChildProtectionPlans",
    ]
    assert details.findtext("CINreferralDate") == "2026-12-24"
    assert details.findtext("ReferralSource") == "2A"
    assert details.findtext("PrimaryNeedCode") == "N1"
    assert details.findtext("ReferralNFA") == "false"
    assert details.findtext("Assessments/AssessmentActualStartDate") == "2026-12-29"
    assert details.findtext("Assessments/AssessmentAuthorisationDate") == "2027-02-26"
    assert details.xpath("Assessments/FactorsIdentifiedAtAssessment/AssessmentFactors/text()") == ["18C", "3B"]
    s47 = details.find("Section47")
    assert tags(s47) == ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"]
    assert [s47.findtext(t) for t in tags(s47)] == ["2026-12-29", "2027-01-19", "2027-01-18", "false"]
    plan = details.find("ChildProtectionPlans")
    assert tags(plan) == ["CPPstartDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP"]
    assert [plan.findtext(t) for t in tags(plan)] == ["2027-01-18", "PHY", "PHY", "0"]


def test_the_initial_conference_is_recorded_with_its_enquiry_only(pathway):
    ava, _ = pathway
    details = child(census(2027), ava).find("CINdetails")

    assert details.find("DateOfInitialCPC") is None
    assert details.findtext("Section47/DateOfInitialCPC") == "2027-01-18"


def test_a_conference_after_an_enquiry_from_an_earlier_year_is_recorded_on_the_episode(pathway):
    ava, _ = pathway
    Referral.objects.filter(child=ava).update(received_on=date(2026, 3, 26))
    StrategyDiscussion.objects.filter(referral__child=ava).update(held_on=date(2026, 3, 27))
    S47Enquiry.objects.filter(referral__child=ava).update(started_on=date(2026, 3, 27))

    details = child(census(2027), ava).find("CINdetails")

    assert details.findtext("DateOfInitialCPC") == "2027-01-18"
    assert details.find("Section47") is None


def test_a_later_year_shows_the_open_episode_and_plan_with_all_its_reviews_in_one_group(pathway, chair):
    ava, leo = pathway
    plan = Referral.objects.get(child=ava).cp_plans.get()
    review_conference_record(
        actor=chair,
        now=aware(2027, 10, 14),
        plan=plan,
        held_on=date(2027, 10, 14),
        chair=chair,
        family_attended=True,
        child_views="",
        decision=ConferenceDecision.CONTINUE,
        category="MUL",
        attendance=ATTENDANCE,
    )

    details = child(census(2028), ava).find("CINdetails")

    assert details.find("Assessments") is None, "authorised before the year"
    assert details.find("Section47") is None, "started before the year"
    assert len(details.findall("ChildProtectionPlans/Reviews")) == 1
    assert details.xpath("ChildProtectionPlans/Reviews/CPPreviewDate/text()") == ["2027-04-15", "2027-10-14"]
    assert details.findtext("ChildProtectionPlans/LatestCategoryOfAbuse") == "MUL"


def test_reviews_after_the_reference_date_are_left_out(pathway):
    ava, _ = pathway

    assert child(census(2027), ava).find("CINdetails/ChildProtectionPlans/Reviews") is None


def test_a_child_with_no_episode_open_in_the_year_is_not_in_the_return(pathway):
    assert census(2026).findall("Children/Child") == []


def test_an_unborn_child_has_an_expected_birth_date_and_sex_u(pathway, team):
    unborn = Person.objects.create(
        given_name="Baby", family_name="Example", sex="F", expected_date_of_birth=date(2027, 5, 20)
    )
    Referral.objects.create(child=unborn, received_on=date(2027, 2, 1), source="3B", team=team)

    identifiers = child(census(2027), unborn).find("ChildIdentifiers")

    assert tags(identifiers) == ["LAchildID", "UPNunknown", "ExpectedPersonBirthDate", "Sex"]
    assert identifiers.findtext("ExpectedPersonBirthDate") == "2027-05-20"
    assert identifiers.findtext("Sex") == "U"


def test_the_number_of_queries_does_not_grow_with_the_number_of_children(pathway, team, django_assert_num_queries):
    with CaptureQueriesContext(connection) as two_children:
        census(2027)
    for n in range(5):
        unborn = Person.objects.create(
            given_name=f"Baby {n}", family_name="Other", expected_date_of_birth=date(2027, 6, 1)
        )
        Referral.objects.create(child=unborn, received_on=date(2027, 2, 1), source="3B", team=team)

    with django_assert_num_queries(len(two_children)):
        root = census(2027)

    assert len(root.findall("Children/Child")) == 7
