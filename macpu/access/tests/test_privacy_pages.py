"""The privacy officer's pages: a child's access history, a user's activity, break-glass reviews and overdue
restricted-record reviews; sortable, downloadable, audited, for privacy officers only, and never a child's name."""

from __future__ import annotations

import csv
import html as html_module
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from macpu.access import audit
from macpu.access.models import AuditEvent, BreakGlass, Restriction, RestrictionGrant, RestrictionKind
from macpu.access.privacy import describe
from macpu.agencies.models import Role
from tests.factories import PersonFactory, UserFactory, aware
from tests.factories import words as tagless

pytestmark = pytest.mark.django_db

NAME = "Zebedee"
FAMILY = "Quartermaine-Oyelaran"
IN_PERIOD = aware(2026, 3, 10, 14)
BEFORE = aware(2026, 2, 27, 14)
AFTER = aware(2026, 4, 1, 9)
PERIOD = {
    "start_day": "1",
    "start_month": "3",
    "start_year": "2026",
    "end_day": "31",
    "end_month": "3",
    "end_year": "2026",
}


@pytest.fixture
def officer(client, team):
    user = UserFactory(
        username="priv.officer", first_name="Pat", last_name="Privacy", role=Role.PRIVACY_OFFICER, team=None
    )
    client.force_login(user)
    return user


@pytest.fixture
def watcher(team):
    return UserFactory(
        username="watcher.qx", first_name="Wendy", last_name="Watcher", role=Role.SOCIAL_WORKER, team=team
    )


@pytest.fixture
def child():
    return PersonFactory(given_name=NAME, family_name=FAMILY)


@pytest.fixture
def other_child():
    return PersonFactory(given_name="Otto", family_name="Elsewhere")


@pytest.fixture
def trail(watcher, manager, child, other_child):
    """Audit rows: the child viewed and searched in March, exported in February and changed in April; another
    child's contact viewed in March; the watcher's own work list with no child in it."""

    def rec(user, action, what, at, subjects, source="10.1.2.3"):
        return audit.record(
            user=user, action=action, what=what, reason=f"GET {what}", now=at, subjects=subjects, source=source
        )

    rec(watcher, "view", "child-detail", IN_PERIOD, [(child.pk, "Allocated worker")])
    rec(
        manager,
        "search",
        "child-search",
        IN_PERIOD + timedelta(hours=1),
        [(child.pk, "Manager of the team"), (other_child.pk, "Manager of the team")],
    )
    rec(watcher, "export", "cin-census-download", BEFORE, [(child.pk, "Statutory returns")])
    rec(watcher, "change", "contact_recorded", AFTER, [(child.pk, "On duty at the front door")])
    rec(watcher, "view", "contact-detail", IN_PERIOD, [(other_child.pk, "On duty at the front door")])
    rec(watcher, "list", "my-work", IN_PERIOD + timedelta(hours=2), [], source="10.9.9.9")


def words(page: str) -> str:
    """What a page says, with entities (an apostrophe is &#x27;) turned back into characters."""
    return html_module.unescape(tagless(page))


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


# A child's access history --------------------------------------------------------------------------------------


def test_a_childs_history_shows_only_that_childs_rows_in_the_period_in_plain_english(client, officer, trail, child):
    response = client.get(reverse("privacy-child"), {"child": child.la_child_id, **PERIOD})

    assert response.status_code == 200
    text = words(response.content.decode())
    assert "Viewed the child's record" in text
    assert "Searched (the child was in the results)" in text
    assert "watcher.qx" in text and "Wendy Watcher" in text
    assert "Allocated worker" in text and "Manager of the team" in text
    assert "10.1.2.3" in text
    assert "Social worker" in text  # the role in words, not "social_worker"
    assert "Viewed a contact about the child" not in text  # the other child's row
    assert "Exported the CIN census" not in text  # February: before the period
    assert "Changed the record" not in text  # April: after it
    assert "2 rows" in text
    assert 'data-module="moj-sortable-table"' in response.content.decode()
    assert 'aria-sort="descending"' in response.content.decode()


def test_without_a_period_the_whole_trail_shows_and_a_bare_number_finds_the_child(client, officer, trail, child):
    response = client.get(reverse("privacy-child"), {"child": str(child.pk)})

    text = words(response.content.decode())
    assert child.la_child_id in text
    assert "Exported the CIN census" in text
    assert "Changed the record: contact recorded" in text
    assert "4 rows" in text


def test_looking_at_a_childs_history_is_itself_audited(client, officer, trail, child):
    client.get(reverse("privacy-child"), {"child": child.la_child_id})

    event = AuditEvent.objects.get(action="audit_view")
    assert event.username == "priv.officer"
    assert event.what == "privacy-child"
    assert [(s.person_id, s.basis) for s in event.subjects.all()] == [(child.pk, "Privacy officer's audit")]
    # The next look shows the first one, in words.
    text = words(client.get(reverse("privacy-child"), {"child": child.la_child_id}).content.decode())
    assert "Looked at the child's access history" in text


def test_the_childs_history_downloads_as_csv_with_the_same_rows_and_the_download_is_audited(
    client, officer, trail, child
):
    response = client.get(reverse("privacy-child"), {"child": child.la_child_id, **PERIOD, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert child.la_child_id in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0][:3] == ["When (UK time)", "Username", "Name"]
    body = rows[1:]
    assert len(body) == 2
    assert {r[1] for r in body} == {"watcher.qx", "tm"}
    assert {r[5] for r in body} == {child.la_child_id}
    assert {r[6] for r in body} == {"Viewed the child's record", "Searched (the child was in the results)"}
    assert body[0][0].startswith("2026-03-10 15:00")  # the search, an hour after the view, latest first
    export = AuditEvent.objects.get(action="export", what="privacy-child-csv")
    assert export.username == "priv.officer"
    assert [s.person_id for s in export.subjects.all()] == [child.pk]
    assert NAME not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"child": ""}, "Enter the child's ID, like MAC0000123."),
        ({"child": "ABC12"}, "Enter the child's ID in the right format, like MAC0000123."),
        (
            {"child": "MAC0000001", **PERIOD, "start_day": "2", "start_month": "4"},
            "The end of the period must be on or after its start.",
        ),
        (
            {"child": "MAC0000001", "start_day": "31", "start_month": "2", "start_year": "2026"},
            "Start of the period must be a real date.",
        ),
        ({"child": "MAC9999999"}, "There is no child with the ID MAC9999999."),
    ],
)
def test_the_child_form_says_what_is_wrong_and_shows_no_rows(client, officer, trail, query, message):
    response = client.get(reverse("privacy-child"), query)

    text = words(response.content.decode())
    assert "There is a problem" in text
    assert message in text
    assert "Error:" in text
    assert "watcher.qx" not in text
    assert not AuditEvent.objects.filter(action="audit_view").exists()


# A user's activity ---------------------------------------------------------------------------------------------


def test_a_users_activity_shows_every_child_they_touched_and_rows_without_children(
    client, officer, trail, child, other_child
):
    response = client.get(reverse("privacy-user"), {"username": "watcher.qx", **PERIOD})

    assert response.status_code == 200
    text = words(response.content.decode())
    assert child.la_child_id in text and other_child.la_child_id in text
    assert "Viewed the child's record" in text
    assert "Viewed a contact about the child" in text
    assert "Listed in their work" in text and "No child" in text  # the work list showed no child
    assert "10.9.9.9" in text
    assert "Searched" not in text  # the manager's row
    assert "Exported the CIN census" not in text  # outside the period
    assert "3 rows" in text
    looked = AuditEvent.objects.get(action="audit_view", what="privacy-user")
    assert sorted(s.person_id for s in looked.subjects.all()) == sorted([child.pk, other_child.pk])


def test_a_users_activity_downloads_as_csv(client, officer, trail, child, other_child):
    response = client.get(reverse("privacy-user"), {"username": "watcher.qx", "format": "csv"})

    rows = rows_of(response)
    assert rows[0][5] == "Child ID"
    assert sorted(r[5] for r in rows[1:]) == sorted(
        ["", child.la_child_id, child.la_child_id, child.la_child_id, other_child.la_child_id]
    )
    assert AuditEvent.objects.filter(action="export", what="privacy-user-csv").exists()


def test_an_unknown_username_is_an_error_naming_the_field(client, officer, trail):
    response = client.get(reverse("privacy-user"), {"username": "nobody.here"})
    text = words(response.content.decode())
    assert "There is no member of staff with the username nobody.here." in text

    response = client.get(reverse("privacy-user"), {"username": " "})
    assert "Enter the username of the member of staff." in words(response.content.decode())


# Break-glass and overdue reviews -------------------------------------------------------------------------------


@pytest.fixture
def use(watcher, child):
    now = timezone.now()
    return BreakGlass.objects.create(
        user=watcher,
        child=child,
        reason="out_of_hours",
        explanation="Police called out of hours about a welfare check tonight",
        started_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=50),
    )


def test_the_home_page_alerts_to_break_glass_uses_not_yet_reviewed(client, officer, use, watcher, manager, child):
    now = timezone.now()
    BreakGlass.objects.create(
        user=manager,
        child=child,
        reason="cover",
        explanation="An old use that the privacy officer already looked at",
        started_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        reviewed_by=officer,
        reviewed_at=now - timedelta(days=2),
        review_note="Fine",
    )

    response = client.get(reverse("privacy-home"))

    html = response.content.decode()
    text = words(html)
    assert "1 break-glass use to review." in text
    assert "watcher.qx" in text and "Social worker" in text
    assert child.la_child_id in text
    assert "Out-of-hours emergency duty" in text
    assert "Police called out of hours" in text
    assert "Still open" in text
    assert reverse("privacy-break-glass", args=[use.pk]) in html
    assert "An old use" not in text  # reviewed already
    assert NAME not in html and FAMILY not in html


def test_the_break_glass_review_needs_a_note_and_is_recorded(client, officer, use):
    url = reverse("privacy-break-glass", args=[use.pk])

    response = client.post(url, {"review_note": "  "})
    assert response.status_code == 200
    assert "Enter a review note saying what you found." in words(response.content.decode())
    use.refresh_from_db()
    assert use.reviewed_at is None

    response = client.post(url, {"review_note": "Checked with the duty manager: justified."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("privacy-home")
    text = words(response.content.decode())
    assert "reviewed." in text
    assert "no break-glass uses waiting for review" in text
    use.refresh_from_db()
    assert use.reviewed_by == officer
    assert use.review_note == "Checked with the duty manager: justified."
    assert AuditEvent.objects.filter(action="review", what="break-glass review", username="priv.officer").exists()

    page = words(client.get(url).content.decode())
    assert "This use has been reviewed." in page
    assert "Record the review" not in page


def test_the_break_glass_page_shows_the_use_without_the_childs_name(client, officer, use, child):
    response = client.get(reverse("privacy-break-glass", args=[use.pk]))

    html = response.content.decode()
    assert child.la_child_id in html
    assert "Police called out of hours" in html
    assert NAME not in html and FAMILY not in html
    assert "Review note" in html


def test_the_break_glass_list_downloads_as_csv(client, officer, use, child):
    response = client.get(reverse("privacy-home"), {"format": "csv"})

    rows = rows_of(response)
    assert rows[0][0] == "Started (UK time)"
    assert [(r[1], r[5]) for r in rows[1:]] == [("watcher.qx", child.la_child_id)]
    assert AuditEvent.objects.filter(action="export", what="privacy-break-glass-csv").exists()


def test_overdue_restricted_record_reviews_show_and_ones_not_yet_due_do_not(
    client, officer, manager, social_worker, watcher, child, other_child
):
    now = timezone.now()
    today = timezone.localdate(now)
    overdue = Restriction.objects.create(
        child=child, kind=RestrictionKind.ADOPTION, reason="Adoption", imposed_by=manager, imposed_at=now
    )
    RestrictionGrant.objects.create(
        restriction=overdue, user=watcher, granted_by=manager, granted_at=now, review_by=today - timedelta(days=3)
    )
    RestrictionGrant.objects.create(
        restriction=overdue, user=social_worker, granted_by=manager, granted_at=now, review_by=today
    )
    later = Restriction.objects.create(
        child=other_child, kind=RestrictionKind.STAFF, reason="Staff", imposed_by=manager, imposed_at=now
    )
    RestrictionGrant.objects.create(
        restriction=later, user=manager, granted_by=manager, granted_at=now, review_by=today + timedelta(days=30)
    )

    response = client.get(reverse("privacy-home"))

    text = words(response.content.decode())
    section = text.split("Restricted-record reviews overdue", 1)[1]
    assert child.la_child_id in section
    assert "watcher.qx" in section
    assert f"{today - timedelta(days=3):%-d %B %Y}" in section
    assert "Morgan Manager" in section  # granted by
    assert other_child.la_child_id not in section  # not yet due
    assert "sw" not in section.split("Search the audit trail")[0]  # due today: not overdue yet
    assert NAME not in response.content.decode()

    rows = rows_of(client.get(reverse("privacy-home"), {"format": "csv", "table": "overdue"}))
    assert [(r[0], r[1]) for r in rows[1:]] == [(child.la_child_id, "watcher.qx")]


# Who may use these pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.ADMINISTRATOR, Role.ANALYST, Role.PERFORMANCE_ANALYST]
)
def test_everyone_but_a_privacy_officer_is_refused_and_sees_no_audit_data(client, team, trail, use, child, role):
    client.force_login(UserFactory(username="someone.else", role=role, team=team))
    pages = [
        (reverse("privacy-home"), {}),
        (reverse("privacy-home"), {"format": "csv"}),
        (reverse("privacy-child"), {"child": child.la_child_id}),
        (reverse("privacy-child"), {"child": child.la_child_id, "format": "csv"}),
        (reverse("privacy-user"), {"username": "watcher.qx"}),
        (reverse("privacy-break-glass", args=[use.pk]), {}),
    ]
    for url, query in pages:
        response = client.get(url, query)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert "watcher.qx" not in body
        assert child.la_child_id not in body
        assert "Police called" not in body
    response = client.post(reverse("privacy-break-glass", args=[use.pk]), {"review_note": "Looks fine"})
    assert response.status_code == 403
    use.refresh_from_db()
    assert use.reviewed_at is None
    assert not AuditEvent.objects.filter(action__in=["audit_view", "review"]).exists()


def test_the_privacy_officer_lands_on_audit_and_alerts_with_their_own_navigation(client, officer):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == reverse("privacy-home")
    text = words(response.content.decode())
    for label in ("Audit and alerts", "A child's access history", "A user's activity"):
        assert label in text
    assert "My work" not in text


def test_no_page_names_the_child_or_gives_their_date_of_birth(client, officer, trail, use, child):
    pages = [
        client.get(reverse("privacy-home")),
        client.get(reverse("privacy-child"), {"child": child.la_child_id}),
        client.get(reverse("privacy-child"), {"child": child.la_child_id, "format": "csv"}),
        client.get(reverse("privacy-user"), {"username": "watcher.qx"}),
        client.get(reverse("privacy-user"), {"username": "watcher.qx", "format": "csv"}),
        client.get(reverse("privacy-break-glass", args=[use.pk])),
    ]
    for response in pages:
        body = response.content.decode()
        assert response.status_code == 200
        assert NAME not in body and FAMILY not in body
        assert "4 May 2018" not in body and "2018-05-04" not in body


def test_unknown_pairs_fall_back_to_the_raw_what():
    assert describe("view", "child-detail") == "Viewed the child's record"
    assert describe("change", "cp_plan_started") == "Changed the record: child protection plan started"
    assert describe("view", "some-new-page") == "Viewed the record: some-new-page"
    assert describe("odd", "thing") == "thing"
