"""The performance team's census page: the header it will send, the records to fix, and the DfE's own check."""

from __future__ import annotations

import re
from io import BytesIO
from unittest.mock import patch

import pytest
from django.urls import reverse
from lxml import etree
from openpyxl import load_workbook

from macpu.agencies.models import Role
from macpu.people.models import Person
from macpu.returns.census import CollectionYear, census_people, census_xml
from macpu.returns.checks import dfe_findings
from macpu.returns.validator import DfeFinding, DfeReport, run_dfe_checks
from tests.factories import UserFactory, aware, words
from tests.pathway import run_pathway

pytestmark = pytest.mark.django_db
NOW = aware(2027, 5, 4)  # after the 2026-27 year ended: the page offers that year's return first
BAD_UPN = "H001234567890"  # the right format, the wrong check letter (it should be G)


@pytest.fixture
def frozen():
    with patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def pathway(local_authority, social_worker, manager, chair, team):
    """Ava and Leo, with the ethnicity the hand-worked pathway leaves out recorded: a clean return."""
    ava, leo = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)
    Person.objects.filter(pk__in=[ava.pk, leo.pk]).update(ethnicity="WBRI")
    return ava, leo


@pytest.fixture
def analyst(client, team):
    user = UserFactory(role=Role.PERFORMANCE_ANALYST, team=team, agency=team.agency)
    client.force_login(user)
    return user


def test_the_census_page_shows_the_header_details_and_how_many_children_are_in_the_return(
    client, frozen, pathway, analyst, local_authority
):
    body = client.get(reverse("cin-census")).content.decode()

    assert f"{local_authority.name}, code {local_authority.code}" in body
    assert "macpu, release 0.1.0" in body
    assert "31 March 2027" in body
    expected = census_people(CollectionYear(2027)).count()
    assert expected == 2 and f'id="census-children">{expected}<' in body
    assert "No problems found in the records" in body


def test_a_missing_ethnicity_and_a_upn_with_the_wrong_check_letter_are_listed_against_the_child(
    client, frozen, pathway, analyst
):
    ava, leo = pathway
    Person.objects.filter(pk=ava.pk).update(ethnicity="")  # as if recorded before the rule, or imported
    Person.objects.filter(pk=leo.pk).update(upn=BAD_UPN)

    body = client.get(reverse("cin-census")).content.decode()

    assert "2 children&#x27;s records stop the return being valid" in body
    assert f'href="{reverse("child-detail", args=[ava.pk])}">{ava.full_name}</a>' in body
    assert "Ethnicity is not recorded" in body
    case = ava.referrals.get()
    assert f"{case.team.name}: {case.allocated_worker.display_name}" in body  # whose case it is, to ask them
    assert f'href="{reverse("child-detail", args=[leo.pk])}">{leo.full_name}</a>' in body
    assert f"The unique pupil number {BAD_UPN} fails its check letter" in body


def test_the_dfe_check_finds_the_same_problems_and_links_each_to_the_child(client, frozen, pathway, analyst):
    ava, leo = pathway
    Person.objects.filter(pk=ava.pk).update(ethnicity="")
    Person.objects.filter(pk=leo.pk).update(upn=BAD_UPN)

    body = client.post(reverse("cin-census") + "?year=2027").content.decode()

    assert "The return does not pass the Department for Education's checks" in body
    assert "Ethnicity is missing or is not one of the census&#x27;s categories" in body
    assert "The unique pupil number fails its check letter." in body
    assert body.count('<strong class="govuk-tag govuk-tag--red">Must fix</strong>') >= 2
    findings = body.split('id="dfe-result"')[1]
    assert f'href="{reverse("child-detail", args=[ava.pk])}"' in findings
    assert f'href="{reverse("child-detail", args=[leo.pk])}"' in findings
    assert "1510" not in words(findings) and "4220" not in words(findings)  # rule codes stay out of the page


def test_on_a_tiny_return_the_dfe_check_passes_and_explains_its_known_false_alarm(client, frozen, pathway, analyst):
    body = client.post(reverse("cin-census") + "?year=2027").content.decode()

    assert "The return passes the Department for Education's checks" in body
    assert "A known fault in this Department for Education check" in body  # query 2887Q on returns this small


def test_the_download_is_the_years_return_with_the_local_authoritys_code(
    client, frozen, pathway, analyst, local_authority
):
    response = client.get(reverse("cin-census-download", args=[2027]))

    assert response["Content-Disposition"] == f'attachment; filename="cin-census-{local_authority.code}-2027.xml"'
    root = etree.fromstring(response.content)
    assert root.findtext("Header/Source/LEA") == local_authority.code
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2027-03-31"
    assert len(root.findall("Children/Child")) == 2


def test_a_year_the_page_does_not_offer_is_not_found(client, frozen, pathway, analyst):
    assert client.get(reverse("cin-census") + "?year=1999").status_code == 404
    assert client.get(reverse("cin-census-download", args=[2031])).status_code == 404


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PERFORMANCE_ANALYST])
def test_only_a_performance_analyst_may_open_the_census(client, frozen, pathway, team, role):
    ava, _leo = pathway
    client.force_login(UserFactory(role=role, team=team, agency=team.agency))

    page = client.get(reverse("cin-census"))
    download = client.get(reverse("cin-census-download", args=[2027]))

    assert page.status_code == download.status_code == 403
    for response in (page, download):
        body = response.content.decode()
        assert ava.full_name not in body and ava.la_child_id not in body and "<Child>" not in body


def test_a_performance_analyst_lands_on_the_census_and_can_open_a_childs_record_but_not_record_on_it(
    client, frozen, pathway, analyst
):
    ava, _leo = pathway

    assert client.get(reverse("home")).url == reverse("cin-census")
    body = client.get(reverse("child-detail", args=[ava.pk])).content.decode()

    assert ava.full_name in body
    assert "Record visit" not in body and "New contact" not in body
    assert client.get(reverse("contact-create")).status_code == 403


def test_the_annex_a_page_downloads_the_seven_lists_for_the_inspection_date(
    client, frozen, pathway, analyst, local_authority
):
    form = client.get(reverse("annex-a")).content.decode()
    assert re.search(r'name="as_of_day"[^>]*value="4"', form)  # today, to start with

    response = client.get(reverse("annex-a"), {"as_of_day": "4", "as_of_month": "5", "as_of_year": "2027"})

    assert response["Content-Disposition"] == f'attachment; filename="annex-a-{local_authority.code}-2027-05-04.xlsx"'
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == [f"List {n}" for n in range(1, 8)]
    ava, _leo = pathway
    contacts = [row[0] for row in workbook["List 1"].iter_rows(min_row=2, values_only=True)]
    assert ava.la_child_id in contacts


@pytest.mark.parametrize(
    ("day", "says"),
    [(("31", "2", "2027"), "Inspection date must be a real date"), (("5", "5", "2027"), "today or in the past")],
)
def test_a_bad_inspection_date_is_explained_and_nothing_is_downloaded(client, frozen, analyst, day, says):
    response = client.get(reverse("annex-a"), dict(zip(("as_of_day", "as_of_month", "as_of_year"), day, strict=True)))

    body = response.content.decode()
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "There is a problem" in body and says in body and 'href="#id_as_of' in body


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.POLICE_OFFICER, Role.ADMINISTRATOR])
def test_only_a_performance_analyst_may_download_annex_a(client, frozen, pathway, team, role):
    client.force_login(UserFactory(role=role, team=team, agency=team.agency))

    response = client.get(reverse("annex-a"), {"as_of_day": "4", "as_of_month": "5", "as_of_year": "2027"})

    assert response.status_code == 403 and "Content-Disposition" not in response
    assert pathway[0].la_child_id not in response.content.decode()


def test_a_year_with_no_children_says_there_is_nothing_to_send(client, frozen, pathway, analyst):
    body = client.get(reverse("cin-census") + "?year=2026").content.decode()

    assert 'id="census-children">0<' in body and "there is no return to check or send" in body
    assert "Run the Department for Education's checks" not in body and "Download the return" not in body


def test_the_year_in_progress_is_marked_as_not_ended(client, frozen, pathway, analyst):
    in_progress = client.get(reverse("cin-census") + "?year=2028").content.decode()
    ended = client.get(reverse("cin-census") + "?year=2027").content.decode()

    assert "This year has not ended yet: it ends on 31 March 2028" in in_progress
    assert "This year has not ended yet" not in ended


def test_a_dfe_rule_that_cannot_run_is_reported_not_hidden(local_authority):
    """The DfE's rule 2886Q divides by the number of children: on an empty return it crashes."""
    report = run_dfe_checks(census_xml(year=2027, now=NOW))

    assert report.crashed == ["2886Q"] and not report.passed


def test_the_dfe_queries_seen_on_our_returns_are_said_without_codes(pathway):
    ava, _leo = pathway
    report = DfeReport(
        ruleset="cin2025_26",
        findings=[
            DfeFinding(
                rule="8825Q",
                must_fix=False,
                la_child_id=ava.la_child_id,
                table="CINdetails",
                column="ReasonForClosure",
                message="Please check and either amend data or provide a reason: Reason for Closure code RC8 (case "
                "closed after assessment) or RC9 (...) has been returned but there is no assessment present.",
            )
        ],
        crashed=[],
    )

    _whole, (child,) = dfe_findings(report)

    (problem,) = child.problems
    assert problem.where == "Episode" and not problem.must_fix
    assert problem.message.startswith("The case closed as 'closed after assessment'")
    assert "RC8" not in problem.message and "RC9" not in problem.message
