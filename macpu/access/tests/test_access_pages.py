"""The pages about access to a child's record, and the audit row every look writes: the child's social worker
invites and restricts; emergency access needs a reason and the second factor; a look whose audit row cannot be
written shows nothing."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from macpu.access.models import AuditEvent, AuditSubject, BreakGlass, Invitation, Restriction, RestrictionGrant
from macpu.access.services import restriction_impose
from macpu.agencies.models import AgencyKind, Role
from macpu.core.codes import ReferralSource
from macpu.intake.models import Referral
from tests.authenticator import SoftKey
from tests.factories import AgencyFactory, PersonFactory, TeamFactory, UserFactory
from tests.factories import words as tagless

pytestmark = pytest.mark.django_db
NAME = "Quillfeather"


@pytest.fixture
def case():
    social_care = AgencyFactory()
    team = TeamFactory(agency=social_care, name="Child protection team 1")
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    found = {
        "child": PersonFactory(given_name="Zephyrine", family_name=NAME),
        "worker": UserFactory(role=Role.SOCIAL_WORKER, team=team, agency=social_care),
        "manager": UserFactory(role=Role.TEAM_MANAGER, team=team, agency=social_care),
        "officer": UserFactory(role=Role.POLICE_OFFICER, team=TeamFactory(agency=police, name="CID"), agency=police),
    }
    Referral.objects.create(
        child=found["child"],
        received_on=timezone.localdate() - timedelta(days=3),
        source=ReferralSource.SCHOOLS,
        team=team,
        allocated_worker=found["worker"],
    )
    return found


def test_opening_a_childs_page_writes_one_audit_row_naming_the_relationship(client, case):
    client.force_login(case["worker"])

    response = client.get(reverse("child-detail", args=[case["child"].pk]))

    assert response.status_code == 200
    row = AuditEvent.objects.get(action="view")
    assert (row.username, row.what, row.source) == (case["worker"].username, "child-detail", "127.0.0.1")
    assert list(row.subjects.values_list("person_id", "basis")) == [(case["child"].pk, "Allocated worker")]


def test_a_search_writes_one_row_with_every_child_it_showed(client, case):
    client.force_login(case["worker"])

    client.post(reverse("child-search"), {"q": NAME})

    row = AuditEvent.objects.get(action="search")
    assert [s.person_id for s in row.subjects.all()] == [case["child"].pk]


def test_an_api_read_is_audited_too(client, case):
    client.force_login(case["worker"])

    response = client.get(f"/api/v1/children/{case['child'].pk}/")

    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="view", what="api:child-detail").count() == 1


def test_a_look_whose_audit_row_cannot_be_written_fails_and_shows_nothing(client, case):
    client.force_login(case["worker"])
    client.raise_request_exception = False

    with mock.patch("macpu.access.audit.AuditEvent.save", side_effect=RuntimeError("disk full")):
        response = client.get(reverse("child-detail", args=[case["child"].pk]))

    assert response.status_code == 500
    assert NAME not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_someone_without_a_relationship_sees_no_page_and_no_access_history(client, case):
    client.force_login(case["officer"])

    page = client.get(reverse("child-detail", args=[case["child"].pk]))
    access = client.get(reverse("child-access", args=[case["child"].pk]))

    assert page.status_code == 404 and NAME not in page.content.decode()
    assert access.status_code == 403 and NAME not in access.content.decode()
    assert not AuditSubject.objects.filter(person_id=case["child"].pk).exists()


def test_the_social_worker_invites_a_police_officer_who_then_finds_the_child(client, case):
    client.force_login(case["worker"])
    last_day = timezone.localdate() + timedelta(days=14)

    response = client.post(
        reverse("child-invite", args=[case["child"].pk]),
        {
            "user": case["officer"].pk,
            "meeting": "strategy",
            "ends_on_day": last_day.day,
            "ends_on_month": last_day.month,
            "ends_on_year": last_day.year,
        },
        follow=True,
    )

    assert f"can see this record until {last_day:%-d %B %Y}" in tagless(response.content.decode())
    assert Invitation.objects.get().user == case["officer"]
    client.force_login(case["officer"])
    found = client.post(reverse("child-search"), {"q": NAME})
    assert "1 child found" in tagless(found.content.decode())
    history = AuditSubject.objects.filter(person_id=case["child"].pk, basis="Invited to a meeting about the child")
    assert history.exists()


def test_an_invitation_beyond_90_days_is_refused_naming_the_field(client, case):
    client.force_login(case["worker"])
    too_late = timezone.localdate() + timedelta(days=120)

    response = client.post(
        reverse("child-invite", args=[case["child"].pk]),
        {
            "user": case["officer"].pk,
            "meeting": "strategy",
            "ends_on_day": too_late.day,
            "ends_on_month": too_late.month,
            "ends_on_year": too_late.year,
        },
    )

    assert response.status_code == 200
    assert "(90 days)" in tagless(response.content.decode())
    assert not Invitation.objects.exists()


def test_a_manager_restricts_the_record_and_the_allocated_worker_loses_it_and_its_history_shows_it(client, case):
    client.force_login(case["manager"])
    review = timezone.localdate() + timedelta(days=30)

    client.post(
        reverse("child-restrict", args=[case["child"].pk]),
        {
            "kind": "staff",
            "reason": "A relative works in the unit",
            "review_by_day": review.day,
            "review_by_month": review.month,
            "review_by_year": review.year,
        },
    )
    access = client.get(reverse("child-access", args=[case["child"].pk]))

    assert Restriction.objects.filter(lifted_at__isnull=True).count() == 1
    assert "This record is restricted" in tagless(access.content.decode())
    client.force_login(case["worker"])
    assert client.get(reverse("child-detail", args=[case["child"].pk])).status_code == 404
    assert "No children match" in tagless(client.post(reverse("child-search"), {"q": NAME}).content.decode())
    assert NAME not in client.get(reverse("my-work")).content.decode()


def add_security_key(client) -> SoftKey:
    """Add a software security key on the signed-in user's Security keys page."""
    key = SoftKey()
    page = client.get(reverse("security-keys"))
    answer = key.register(page.context["webauthn_options"], origin="http://testserver")
    assert client.post(reverse("security-keys"), {"name": "My key", "credential": answer}).status_code == 302
    return key


def test_emergency_access_needs_the_security_key_and_then_opens_the_record(client, case):
    officer = case["officer"]
    client.force_login(officer)
    key = add_security_key(client)
    form = {
        "child": case["child"].la_child_id,
        "reason": "immediate_risk",
        "explanation": "Called to the address at 2am, child alone",
    }

    client.get(reverse("break-glass"))
    wrong = client.post(
        reverse("break-glass"),
        {**form, "second_factor": SoftKey().sign({"challenge": "AAAA", "rpId": "testserver"}, "http://testserver")},
    )
    assert "Your security key was not recognised" in tagless(wrong.content.decode())
    assert not BreakGlass.objects.exists()

    page = client.get(reverse("break-glass"))
    signed = key.sign(page.context["webauthn_options"], origin="http://testserver")
    opened = client.post(reverse("break-glass"), {**form, "second_factor": signed}, follow=True)

    assert opened.status_code == 200
    assert NAME in opened.content.decode()
    assert "The privacy officer has been told" in tagless(opened.content.decode())
    assert BreakGlass.objects.get().user == officer
    row = AuditEvent.objects.get(action="view", what="child-detail")
    assert row.subjects.get().basis == "Break-glass"


def test_emergency_access_without_a_security_key_sends_the_user_to_add_one(client, case):
    client.force_login(case["officer"])

    page = client.get(reverse("break-glass"))
    assert "You need a security key to use emergency access" in tagless(page.content.decode())
    assert reverse("security-keys") in page.content.decode()
    client.post(
        reverse("break-glass"),
        {
            "child": case["child"].la_child_id,
            "reason": "immediate_risk",
            "explanation": "Called to the address at 2am, child alone",
            "second_factor": "",
        },
    )
    assert not BreakGlass.objects.exists()


def test_emergency_access_says_the_same_for_a_child_that_does_not_exist(client, case):
    client.force_login(case["officer"])
    key = add_security_key(client)
    page = client.get(reverse("break-glass"))

    response = client.post(
        reverse("break-glass"),
        {
            "child": "MAC9999999",
            "reason": "immediate_risk",
            "explanation": "Called to the address at 2am, child alone",
            "second_factor": key.sign(page.context["webauthn_options"], origin="http://testserver"),
        },
    )

    assert "There is no child with this ID that you can open this way." in tagless(response.content.decode())
    assert not BreakGlass.objects.exists()


def test_a_named_manager_names_the_allocated_worker_and_another_manager_later_ends_their_access(client, case):
    review = timezone.localdate() + timedelta(days=30)
    second = UserFactory(role=Role.TEAM_MANAGER, team=case["manager"].team, agency=case["manager"].agency)
    restriction_impose(
        actor=case["manager"],
        child=case["child"],
        kind="adoption",
        reason="Placed for adoption",
        named=[second],
        review_by=review,
        now=timezone.now(),
    )
    client.force_login(case["manager"])
    date = {"review_by_day": review.day, "review_by_month": review.month, "review_by_year": review.year}

    client.post(reverse("restriction-name", args=[case["child"].pk]), {"user": case["worker"].pk, **date})

    grant = RestrictionGrant.objects.get(user=case["worker"], ended_at__isnull=True)
    client.force_login(case["worker"])
    assert client.get(reverse("child-detail", args=[case["child"].pk])).status_code == 200
    client.force_login(second)
    unanswered = client.post(reverse("grant-review", args=[case["child"].pk, grant.pk]), {})
    assert "Choose whether they still need to see the record." in tagless(unanswered.content.decode())
    client.post(reverse("grant-review", args=[case["child"].pk, grant.pk]), {"keep": "no"})
    client.force_login(case["worker"])
    assert client.get(reverse("child-detail", args=[case["child"].pk])).status_code == 404
