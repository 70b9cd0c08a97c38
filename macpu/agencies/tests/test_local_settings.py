"""The local settings page: an administrator changes the clocks' local choices in the product, without code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from macpu.agencies.models import AgencyKind, LocalAuthority, Role
from macpu.mash.models import StepOutcome
from macpu.mash.services import agency_view_record, escalation_step_decide
from macpu.protection.selectors import child_case
from macpu.timescales.working_hours import ENGLAND
from tests.factories import AgencyFactory, TeamFactory, UserFactory, police_notification
from tests.pathway import TODAY, D, run_pathway

FORM = {
    "name": "Demo Borough Council",
    "code": "999",
    "visit_frequency_working_days": "10",
    "contact_decision_working_days": "1",
    "strategy_discussion_working_days": "1",
    "due_soon_working_days": "2",
    "start_day_counts": "on",
    "working_day_starts": "09:00",
    "working_day_ends": "17:00",
    "red_hours": "4",
    "red_working_hours": "on",
    "amber_hours": "24",
    "amber_working_hours": "on",
    "green_hours": "72",
    "practitioners_days": "1",
    "managers_days": "2",
    "senior_managers_days": "5",
    "partners_days": "10",
    "small_cell_threshold": "5",
}


@pytest.fixture
def administrator(team):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, team=None, agency=team.agency)


def visit_clock(user, child):
    return next(c for c in child_case(user=user, child_id=child.pk, today=TODAY).clocks if c.key == "statutory_visit")


@pytest.mark.django_db
def test_an_administrator_changes_the_visit_frequency_and_every_visit_clock_follows(
    client, local_authority, administrator, social_worker, manager, chair, team
):
    ava, _ = run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)
    assert visit_clock(social_worker, ava).due_on == D(2027, 4, 9)  # 10 working days from Thu 25 Mar 2027
    client.force_login(administrator)

    page = client.get(reverse("local-settings"))
    response = client.post(reverse("local-settings"), {**FORM, "visit_frequency_working_days": "5"}, follow=True)

    assert 'name="visit_frequency_working_days"' in page.content.decode()
    assert "Local settings saved" in response.content.decode()
    assert LocalAuthority.objects.get().visit_frequency_working_days == 5
    # 5 working days from Thu 25 Mar 2027: 25 (1), Good Friday and Easter Monday, 30 Mar-2 Apr (2-5).
    assert visit_clock(social_worker, ava).due_on == D(2027, 4, 2)


@pytest.mark.django_db
def test_a_setting_out_of_range_is_refused_naming_the_field_and_nothing_changes(client, local_authority, administrator):
    client.force_login(administrator)

    response = client.post(reverse("local-settings"), {**FORM, "visit_frequency_working_days": "0", "code": "99"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#id_visit_frequency_working_days"' in body and 'href="#id_code"' in body
    assert "Enter the 3-digit Department for Education code." in body
    assert LocalAuthority.objects.values_list("visit_frequency_working_days", "code").get() == (10, "999")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("visit_frequency_working_days", "0", "Working days between statutory visits must be between 1 and 60."),
        ("visit_frequency_working_days", "61", "Working days between statutory visits must be between 1 and 60."),
        ("visit_frequency_working_days", "", "Enter the working days between statutory visits."),
        ("visit_frequency_working_days", "ten", "Working days between statutory visits must be a whole number"),
        ("contact_decision_working_days", "11", "Working days to decide a contact must be between 1 and 10."),
        (
            "strategy_discussion_working_days",
            "0",
            "Working days to hold a strategy discussion must be between 1 and 10.",
        ),
        ("due_soon_working_days", "21", "Working days before a clock shows as due soon must be between 0 and 20."),
        ("name", "", "Enter the local authority&#x27;s name."),
        ("code", "", "Enter the 3-digit Department for Education code."),
        ("code", "1234", "Enter the 3-digit Department for Education code."),
        ("working_day_starts", "9am", "Enter the time working hours start as hours and minutes, like 09:00."),
        ("working_day_ends", "", "Enter the time working hours end, like 17:00."),
        ("red_hours", "0", "Red: hours to answer must be between 1 and 240."),
    ],
)
def test_each_refused_setting_has_a_message_naming_it_and_no_django_default(
    client, local_authority, administrator, field, value, message
):
    client.force_login(administrator)

    response = client.post(reverse("local-settings"), {**FORM, field: value})

    body = response.content.decode()
    assert f'href="#id_{field}"' in body
    assert body.count(message) == 2  # in the error summary and beside the field
    assert "Ensure this value" not in body and "This field is required" not in body
    assert "Enter a whole number." not in body
    assert LocalAuthority.objects.get().visit_frequency_working_days == 10


@pytest.mark.django_db
def test_the_number_boxes_carry_the_models_ranges(client, local_authority, administrator):
    client.force_login(administrator)

    body = client.get(reverse("local-settings")).content.decode()

    for field, (low, high) in {
        "visit_frequency_working_days": (1, 60),
        "contact_decision_working_days": (1, 10),
        "strategy_discussion_working_days": (1, 10),
        "due_soon_working_days": (0, 20),
        "managers_days": (1, 30),
    }.items():
        box = re.search(rf'<input[^>]*name="{field}"[^>]*>', body)
        assert box, field
        assert f'min="{low}"' in box.group(0) and f'max="{high}"' in box.group(0), box.group(0)
        assert f"A whole number between {low} and {high}." in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_nobody_but_an_administrator_sees_or_changes_the_settings(client, local_authority, team, role):
    client.force_login(UserFactory(role=role, team=team, agency=team.agency))

    page = client.get(reverse("local-settings"))
    change = client.post(reverse("local-settings"), {**FORM, "visit_frequency_working_days": "30"})

    assert (page.status_code, change.status_code) == (403, 403)
    for body in (page.content.decode(), change.content.decode()):
        assert "visit_frequency_working_days" not in body and "Demo Borough Council" not in body
        assert "You do not have permission to see this page" in body  # the GOV.UK page, not Django's
        assert "govuk-template" in body and "<h1>403 Forbidden</h1>" not in body
        assert "Working days" not in body and "Local settings" not in body
    assert LocalAuthority.objects.get().visit_frequency_working_days == 10


@pytest.mark.django_db
def test_an_administrator_sets_the_working_day_and_each_ratings_hours(client, local_authority, administrator):
    client.force_login(administrator)

    saved = client.post(
        reverse("local-settings"),
        {
            **FORM,
            "working_day_starts": "08:30",
            "working_day_ends": "18:00",
            "green_hours": "3",
            "green_working_hours": "on",
        },
        follow=True,
    )
    backwards = client.post(
        reverse("local-settings"), {**FORM, "working_day_starts": "17:00", "working_day_ends": "09:00"}
    )

    assert "Local settings saved" in saved.content.decode()
    la = LocalAuthority.objects.get()
    assert (f"{la.working_day_starts:%H:%M}", f"{la.working_day_ends:%H:%M}") == ("08:30", "18:00")
    assert (la.green_hours, la.green_working_hours) == (3, True)
    assert "Working hours must end after they start." in backwards.content.decode()
    assert f"{LocalAuthority.objects.get().working_day_starts:%H:%M}" == "08:30"


@pytest.mark.django_db
def test_an_administrator_sets_the_days_for_each_step_of_a_professional_difference(
    client, local_authority, administrator, social_worker, team
):
    """The managers' step then falls due 4 working days after it opens, not 2."""
    client.force_login(administrator)
    saved = client.post(reverse("local-settings"), {**FORM, "managers_days": "4"}, follow=True)
    too_long = client.post(reverse("local-settings"), {**FORM, "partners_days": "31"})
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    officer = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=police, team=TeamFactory(agency=police))
    monday = dt.datetime(2026, 12, 7, 10, tzinfo=ENGLAND)
    contact = police_notification(social_worker, team, monday)
    view = agency_view_record(actor=officer, now=monday, contact=contact, view="Needs more.", disagrees=True)
    escalation_step_decide(
        actor=officer, now=monday, step=view.steps.get(), outcome=StepOutcome.ESCALATED, notes="Not agreed."
    )

    assert "Local settings saved" in saved.content.decode()
    assert "between 1 and 30" in too_long.content.decode() and LocalAuthority.objects.get().partners_days == 10
    managers = view.steps.get(number=1)
    assert (managers.label, managers.due_on) == ("Their managers", dt.date(2026, 12, 10))  # Mon, Tue, Wed, Thu
