"""Who gets an answer: nobody unauthenticated; only unit case roles see children, and out of scope looks absent."""

from __future__ import annotations

import base64
import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from macpu.access.models import AuditEvent
from macpu.access.privacy import describe
from macpu.agencies import api_keys
from macpu.agencies.models import UNIT_ROLES, ApiKey, Role, User
from macpu.api.tests.conftest import contact_body, signed_in
from macpu.intake.models import Contact, Referral
from macpu.people.models import Person
from tests.factories import PersonFactory, UserFactory

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NOT_FOUND = {"detail": "Not found."}
SEARCH = "/api/v1/children/search/"


def _requests(contact):
    child = contact.children.first()
    return [
        ("get", f"/api/v1/children/{child.pk}/", None),
        ("post", "/api/v1/children/search/", {"q": "Ava"}),
        ("get", f"/api/v1/contacts/{contact.pk}/", None),
        ("post", "/api/v1/contacts/", contact_body()),
        (
            "post",
            f"/api/v1/contacts/{contact.pk}/decision/",
            {"outcome": "referral", "reasons": "Risk of harm.", "decided_on": "2026-05-21"},
        ),
        ("post", "/api/v1/referrals/", {"child_id": child.pk, "received_on": "2026-05-21", "source": "6"}),
        (
            "post",
            "/api/v1/referrals/1/decision/",
            {"decision": "assessment", "reasons": "Needs assessing.", "decided_on": "2026-05-21"},
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(7))
def test_a_request_without_credentials_gets_a_json_refusal_with_no_data(anonymous, contact, index):
    method, url, body = _requests(contact)[index]
    people, contacts, referrals = Person.objects.count(), Contact.objects.count(), Referral.objects.count()

    response = getattr(anonymous, method)(url, body, format="json")

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_SIGNED_IN
    assert (Person.objects.count(), Contact.objects.count(), Referral.objects.count()) == (people, contacts, referrals)


def _issue(user, by, *, days: int = 30, now=None):
    return api_keys.issue(user=user, name="Police records system", days=days, by=by, now=now or timezone.now())


@pytest.mark.django_db
def test_a_partner_system_signs_in_with_its_api_key_and_sees_what_its_account_sees(
    anonymous, social_worker, administrator, contact
):
    api_key, key = _issue(social_worker, administrator)

    response = anonymous.post(SEARCH, {"q": "Sample"}, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 200
    assert [c["given_name"] for c in response.json()["results"]] == ["Ava", "Leo"]
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    assert api_key.digest == api_keys.digest(key) and key not in (api_key.prefix, api_key.digest)
    assert AuditEvent.objects.filter(username="sw", what="api:child-search", subjects__isnull=False).exists()


@pytest.mark.django_db
def test_a_password_is_never_accepted_by_the_api_because_it_would_skip_the_second_factor(
    anonymous, social_worker, contact
):
    password = base64.b64encode(b"sw:correct horse battery staple").decode()

    response = anonymous.post(SEARCH, {"q": "Sample"}, format="json", HTTP_AUTHORIZATION=f"Basic {password}")

    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert b"Ava" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("why", ["unknown", "revoked", "expired", "account disabled"])
def test_a_key_that_is_unknown_revoked_expired_or_whose_account_is_disabled_is_refused_without_data(
    anonymous, social_worker, administrator, contact, why
):
    issued_at = timezone.now() - dt.timedelta(days=31) if why == "expired" else None
    api_key, key = _issue(social_worker, administrator, now=issued_at)
    if why == "unknown":
        key = api_keys.PREFIX + "x" * 43
    elif why == "revoked":
        api_keys.revoke(prefix=api_key.prefix, by=administrator, now=timezone.now())
    elif why == "account disabled":
        User.objects.filter(pk=social_worker.pk).update(is_active=False)

    response = anonymous.post(SEARCH, {"q": "Sample"}, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert response.status_code == 401
    assert response.json() == {"detail": "This API key is not valid: it is unknown, revoked or expired."}


@pytest.mark.django_db
def test_only_an_administrator_issues_keys_within_the_longest_lifetime_and_each_issue_is_audited(
    social_worker, manager, administrator
):
    with pytest.raises(ValidationError) as not_admin:
        _issue(social_worker, manager)
    with pytest.raises(ValidationError) as too_long:
        _issue(social_worker, administrator, days=366)
    api_key, _ = _issue(social_worker, administrator)
    with pytest.raises(ValidationError) as twice:
        _issue(social_worker, administrator)

    assert not_admin.value.message_dict == {
        "by": ["tm is not an administrator: only an administrator may issue an API key."]
    }
    assert too_long.value.message_dict == {"days": ["A key lasts from 1 to 365 days: 366 is outside that."]}
    assert twice.value.message_dict == {"name": ["sw already has a key named Police records system: revoke it first."]}
    assert ApiKey.objects.count() == 1
    issued = AuditEvent.objects.get(what="api-key-issue")
    assert (issued.username, issued.action) == ("admin1", "grant") and api_key.prefix in issued.reason
    assert describe(issued.action, issued.what) == "Issued an API key for a partner system"


@pytest.mark.django_db
def test_the_api_key_command_issues_lists_and_revokes(social_worker, administrator):
    issued = StringIO()
    call_command("api-key", "issue", "sw", "--name", "Health system", "--days", "7", "--by", "admin1", stdout=issued)
    key = issued.getvalue().split()[-1]
    listed = StringIO()
    call_command("api-key", "list", stdout=listed)
    api_key = ApiKey.objects.get()
    call_command("api-key", "revoke", api_key.prefix, "--by", "admin1", stdout=StringIO())
    with pytest.raises(CommandError) as unknown:
        call_command("api-key", "issue", "nobody", "--name", "X", "--by", "admin1")

    assert key.startswith(api_keys.PREFIX) and api_keys.digest(key) == api_key.digest
    assert f"{api_key.prefix}…  live" in listed.getvalue() and "Health system" in listed.getvalue()
    assert key not in listed.getvalue()
    assert api_keys.account_for(key, timezone.now()) is None
    assert str(unknown.value) == "username: there is no account with the username nobody."


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(UNIT_ROLES))
def test_every_unit_case_role_sees_the_child_and_the_contact(team, contact, role):
    client = signed_in(UserFactory(role=role, team=team, agency=team.agency))
    child = contact.children.get(given_name="Ava")

    child_response = client.get(f"/api/v1/children/{child.pk}/")
    contact_response = client.get(f"/api/v1/contacts/{contact.pk}/")

    assert (child_response.status_code, child_response.json()["given_name"]) == (200, "Ava")
    assert (contact_response.status_code, contact_response.json()["id"]) == (200, contact.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, ""])
def test_a_user_without_a_case_role_gets_the_same_not_found_as_for_a_record_that_does_not_exist(team, contact, role):
    client = signed_in(UserFactory(role=role, team=team, agency=team.agency))
    child = contact.children.get(given_name="Ava")

    responses = [
        client.get(f"/api/v1/children/{child.pk}/"),
        client.get("/api/v1/children/999999/"),
        client.get(f"/api/v1/contacts/{contact.pk}/"),
        client.get("/api/v1/contacts/999999/"),
    ]
    search = client.post("/api/v1/children/search/", {"q": "Ava"}, format="json")

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 4
    assert all(b"Ava" not in r.content and b"Sample" not in r.content for r in responses)
    assert search.json() == {"results": []}


@pytest.mark.django_db
def test_a_person_the_unit_holds_nothing_about_is_not_found_like_one_that_does_not_exist(sw_api):
    stranger = PersonFactory(given_name="Noone")

    responses = [sw_api.get(f"/api/v1/children/{stranger.pk}/"), sw_api.get("/api/v1/children/999999/")]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 2


@pytest.mark.django_db
def test_an_id_too_big_for_the_database_is_simply_not_found(sw_api):
    huge = 2**70

    responses = [
        sw_api.get(f"/api/v1/children/{huge}/"),
        sw_api.get(f"/api/v1/contacts/{huge}/"),
        sw_api.post(f"/api/v1/referrals/{huge}/decision/", {}, format="json"),
    ]

    assert [(r.status_code, r.json()) for r in responses] == [(404, NOT_FOUND)] * 3


@pytest.mark.django_db
def test_the_api_key_command_names_each_broken_rule_on_its_own_line_and_issues_nothing(social_worker, administrator):
    with pytest.raises(CommandError) as broken:
        call_command("api-key", "issue", "sw", "--name", "X", "--days", "400", "--by", "sw")

    assert str(broken.value).splitlines() == [
        "by: sw is not an administrator: only an administrator may issue an API key.",
        "days: A key lasts from 1 to 365 days: 400 is outside that.",
    ]
    assert not ApiKey.objects.exists()
