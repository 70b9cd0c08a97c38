"""The child's page, the work lists and the child protection pages, driven through the client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.agencies.selectors import working_day_calendar
from macpu.intake.models import Referral
from macpu.protection.models import CpPlan, S47Enquiry
from tests.factories import UserFactory, words


def date_data(name: str, day: dt.date) -> dict[str, str]:
    """What the GOV.UK date input posts for one date."""
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.CONFERENCE_CHAIR, Role.POLICE_OFFICER])
def test_the_referral_decision_page_is_forbidden_to_anyone_but_a_manager_and_shows_nothing_of_the_child(
    client, referral, role
):
    client.force_login(UserFactory(role=role))

    for name in ("referral-decide", "referral-allocate"):
        response = client.get(reverse(name, args=[referral.pk]))

        body = response.content.decode()
        assert response.status_code == 403
        assert "Ada" not in body and "Lovelace" not in body and "Byron" not in body


def test_the_manager_sees_the_referral_decision_page_for_the_child(client, referral, manager):
    client.force_login(manager)

    response = client.get(reverse("referral-decide", args=[referral.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Decide the referral" in body and "Ada Lovelace" in body
    assert "Strategy discussion" in body  # a decision option's label


def test_the_child_page_shows_the_clocks_table_with_due_dates_and_status_labels(
    client, decided_referral, social_worker
):
    client.force_login(social_worker)
    assessment_due = working_day_calendar().add_working_days(dt.date(2025, 3, 3), 45, start_day_counts=True)

    response = client.get(reverse("child-detail", args=[decided_referral.child_id]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Statutory clocks" in body
    assert "Referral decision" in body and "3 March 2025" in body
    assert '<strong class="govuk-tag govuk-tag--green">Met</strong>' in body
    assert "Assessment" in body and long_date(assessment_due) in body
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in body
    assert "Strategy discussion needed" in body  # where the child is
    assert "Schools" in body and "2A" not in words(body)  # labels, never codes


def test_an_unknown_child_is_not_found(client, social_worker):
    client.force_login(social_worker)

    response = client.get(reverse("child-detail", args=[999_999]))

    assert response.status_code == 404


def test_a_child_the_user_may_not_see_is_not_found_and_the_page_shows_nothing_of_them(client, referral):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))

    response = client.get(reverse("child-detail", args=[referral.child_id]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body  # the same GOV.UK page as a child that does not exist
    assert "Ada" not in body and "Lovelace" not in body
    assert reverse("child-detail", args=[referral.child_id]) not in body


def test_the_child_page_offers_only_the_steps_the_case_allows(client, referral, social_worker, manager):
    client.force_login(social_worker)
    body = client.get(reverse("child-detail", args=[referral.child_id])).content.decode()
    assert "Decide referral" not in body  # a manager's step
    assert "Record strategy discussion" not in body  # the referral is not decided yet

    client.force_login(manager)
    body = client.get(reverse("child-detail", args=[referral.child_id])).content.decode()
    assert "Decide referral" in body and "Allocate" in body
    assert "Record initial conference" not in body


def test_the_work_lists_show_what_is_due_with_links_to_the_child(client, decided_referral, manager):
    client.force_login(manager)

    body = client.get(reverse("team-work")).content.decode()

    assert "Ada Lovelace" in body
    assert reverse("child-detail", args=[decided_referral.child_id]) in body
    assert "Assessment" in body and "Overdue" in body


def test_a_social_worker_with_nothing_allocated_is_told_nothing_is_due(client, social_worker):
    client.force_login(social_worker)

    body = client.get(reverse("my-work")).content.decode()

    assert "Nothing is due on your cases." in body


def test_child_search_finds_by_name_and_says_when_nothing_matches(client, referral, social_worker):
    client.force_login(social_worker)

    found = client.post(reverse("child-search"), {"q": "lovelace"}).content.decode()
    missing = client.post(reverse("child-search"), {"q": "nobody"}).content.decode()

    assert "Ada Lovelace" in found and "4 May 2018" in found and referral.child.la_child_id in found
    assert "Referral awaiting decision" in found
    assert "No children match" in missing


def test_a_strategy_discussion_error_is_shown_beside_the_row_it_belongs_to(client, decided_referral, social_worker):
    client.force_login(social_worker)

    response = client.post(
        reverse("strategy-create", args=[decided_referral.pk]),
        {
            **date_data("held_on", dt.date(2025, 3, 4)),
            "participant_0_name": "Sam Worker",
            "participant_0_agency": "social_care",
            "participant_1_agency": "police",
            "participant_2_agency": "health",
            "participant_4_role": "School nurse",
            "participant_4_agency": "",  # row 5: no name, no agency
            "decision": "s47_joint",
            "immediate_protection": "none",
        },
    )

    body = response.content.decode()
    assert "Enter the name of each person who took part." in body
    assert 'href="#id_participant_4_name"' in body
    assert "School nurse" in body  # kept
    assert not decided_referral.strategy_discussions.exists()


def test_a_child_can_be_taken_from_contact_to_the_end_of_a_plan_through_the_pages(
    client, local_authority, social_worker, manager, chair
):
    def post(user, name, pk, data, message):
        client.force_login(user)
        url = reverse(name, args=[pk]) if pk else reverse(name)
        assert client.get(url, follow=True).status_code == 200, name
        response = client.post(url, data, follow=True)
        body = response.content.decode()
        assert message in body, (name, body[body.find("govuk-error-summary") :][:2000])
        return response

    post(
        social_worker,
        "contact-create",
        None,
        {
            **date_data("received_on", dt.date(2025, 3, 3)),
            "address": "1 Test Street",
            "postcode": "ZZ1 1ZZ",
            "child_0_given_name": "Ada",
            "child_0_family_name": "Lovelace",
            "child_0_sex": "F",
            **date_data("child_0_date_of_birth", dt.date(2018, 5, 4)),
            "referrer_name": "Ms Byron",
            "referral_source": "2A",
            "concern": "Bruises.",
            "urgency": "same_day",
        },
        "Contact recorded",
    )
    contact = social_worker.team.contacts.get()
    post(
        manager,
        "contact-decide",
        contact.pk,
        {
            "outcome": "referral",
            "reasons": "Needs a response.",
            **date_data("decided_on", dt.date(2025, 3, 3)),
        },
        "Decision recorded",
    )
    referral = Referral.objects.get()
    post(
        manager,
        "referral-decide",
        referral.pk,
        {
            "decision": "strategy",
            "reasons": "Unexplained bruising.",
            **date_data("decided_on", dt.date(2025, 3, 3)),
        },
        "Referral decision recorded",
    )
    post(manager, "referral-allocate", referral.pk, {"worker": social_worker.pk}, "Social worker allocated")
    post(
        social_worker,
        "assessment-start",
        referral.pk,
        date_data("started_on", dt.date(2025, 3, 3)),
        "Assessment started",
    )
    post(
        social_worker,
        "strategy-create",
        referral.pk,
        {
            **date_data("held_on", dt.date(2025, 3, 4)),
            "participant_0_name": "Sam Worker",
            "participant_0_agency": "social_care",
            "participant_0_view": "Worried.",
            "participant_1_name": "DC Holmes",
            "participant_1_agency": "police",
            "participant_1_view": "Crime recorded.",
            "participant_2_name": "Dr Watson",
            "participant_2_agency": "health",
            "participant_2_view": "Needs a medical.",
            "decision": "s47_joint",
            "immediate_protection": "none",
            "reasons": "Injury to a young child.",
            "action_0_action": "Child protection medical",
            "action_0_agency": str(social_worker.agency_id),
            "action_0_owner": "Dr Watson",
            **date_data("action_0_due_on", dt.date(2025, 3, 5)),
        },
        "Strategy discussion recorded",
    )
    enquiry = S47Enquiry.objects.get()
    post(
        social_worker,
        "s47-seen",
        enquiry.pk,
        {**date_data("seen_on", dt.date(2025, 3, 5)), "seen_alone": "yes"},
        "Child seen recorded",
    )
    post(
        social_worker,
        "s47-outcome",
        enquiry.pk,
        {
            "outcome": "conference",
            **date_data("completed_on", dt.date(2025, 3, 10)),
        },
        "Enquiry outcome recorded",
    )
    attendance = {
        "attendance_social_care_name": "Sam Worker",
        "attendance_social_care_status": ["invited", "attended", "report"],
        "attendance_police_name": "DC Holmes",
        "attendance_police_status": ["invited", "attended"],
        "attendance_health_name": "Dr Watson",
        "attendance_health_status": ["invited"],
    }
    post(
        chair,
        "conference-initial",
        enquiry.pk,
        {
            **date_data("held_on", dt.date(2025, 3, 17)),
            "chair": chair.pk,
            "family_attended": "yes",
            "child_views": "Ada wants to stay at home.",
            "decision": "plan",
            "category": "PHY",
            "outline_plan": "Weekly visits.",
            **attendance,
        },
        "Initial conference recorded",
    )
    plan = CpPlan.objects.get()
    post(
        manager,
        "assessment-complete",
        referral.assessments.get().pk,
        {
            **date_data("authorised_on", dt.date(2025, 3, 20)),
            "factors": ["18C", "3B"],
            "outcome": "protection",
            "primary_need": "N1",
            "summary": "Physical abuse by an adult.",
        },
        "Assessment completed",
    )
    post(
        social_worker,
        "core-group-create",
        plan.pk,
        {**date_data("held_on", dt.date(2025, 3, 25))},
        "Core group meeting recorded",
    )
    post(
        social_worker,
        "visit-create",
        plan.pk,
        {
            **date_data("visited_on", dt.date(2025, 3, 27)),
            "child_seen": "yes",
            "child_seen_alone": "yes",
        },
        "Visit recorded",
    )
    post(
        chair,
        "conference-review",
        plan.pk,
        {
            **date_data("held_on", dt.date(2025, 6, 16)),
            "chair": chair.pk,
            "family_attended": "no",
            "decision": "continue",
            "category": "PHY",
            **attendance,
        },
        "Review conference recorded",
    )
    post(
        social_worker,
        "plan-end",
        plan.pk,
        {**date_data("ended_on", dt.date(2025, 7, 7)), "reason": "transferred"},
        "Child protection plan ended",
    )
    response = post(
        manager,
        "episode-close",
        referral.pk,
        {
            **date_data("closed_on", dt.date(2025, 7, 8)),
            "reason": "RC5",
        },
        "Case closed",
    )

    body = response.content.decode()
    assert "Transferred to another local authority" in body
    assert "Physical abuse: adult on child" in body  # the factor's label
    assert "DC Holmes" in body and "Crime recorded." in body
    assert "Ada wants to stay at home." in body
    assert "moj-timeline" in body
    assert "Close case" not in body and "Record visit" not in body
