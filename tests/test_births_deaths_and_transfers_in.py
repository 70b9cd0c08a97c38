"""A child's birth, a child's death and a transfer in from another local authority: what each records, the rules
each refuses with (naming the field, writing nothing), and how a transfer in reaches the CIN census."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import etree

from macpu.casework.services import assessment_start, cin_plan_start, episode_close
from macpu.chronology.models import Event, EventKind
from macpu.intake.services import person_birth_record, person_death_record, referral_create
from macpu.people.models import Person
from macpu.protection.models import Conference
from macpu.protection.selectors import child_case
from macpu.protection.services import core_group_record, cp_plan_end, transfer_in_conference_record, visit_record
from macpu.returns.census import census_xml
from tests.factories import PersonFactory, UserFactory, aware
from tests.pathway import D
from tests.test_entry_rules import ATTENDED, enquiry, plan, referral, refuses, row_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]


def unborn(expected=D(2027, 3, 1)):
    return PersonFactory(given_name="Unborn", sex="U", date_of_birth=None, expected_date_of_birth=expected)


def born(actor, child, on, *, now=None, sex="F", given_name="Ava"):
    now = now or aware(on.year, on.month, on.day)
    return person_birth_record(actor=actor, now=now, person=child, born_on=on, sex=sex, given_name=given_name)


def died(actor, child, on, *, now=None):
    return person_death_record(actor=actor, now=now or aware(on.year, on.month, on.day), person=child, died_on=on)


def transfer_in(chair, ref, on, *, decision="plan", category="NEG"):
    return transfer_in_conference_record(
        actor=chair,
        now=aware(on.year, on.month, on.day),
        referral=ref,
        held_on=on,
        chair=chair,
        family_attended=True,
        child_views="",
        decision=decision,
        category=category,
        attendance=ATTENDED,
    )


# --- birth ------------------------------------------------------------------------------------------------------


def test_an_unborn_child_is_born_with_a_sex_and_a_first_name_on_their_timeline(social_worker):
    child = unborn(expected=D(2027, 3, 1))

    born(social_worker, child, D(2027, 2, 25))

    child.refresh_from_db()
    assert (child.date_of_birth, child.expected_date_of_birth) == (D(2027, 2, 25), None)
    assert (child.sex, child.given_name) == ("F", "Ava")
    event = Event.objects.get(child=child)
    assert (event.kind, event.occurred_on, event.actor) == (EventKind.BORN, D(2027, 2, 25), social_worker)
    assert event.summary == "Born (expected on 1 March 2027)."


def test_a_birth_without_a_first_name_keeps_the_name_recorded(social_worker):
    child = unborn()

    born(social_worker, child, D(2027, 3, 1), given_name="")

    child.refresh_from_db()
    assert child.given_name == "Unborn"


def test_only_an_unborn_childs_birth_is_recorded(social_worker):
    child = PersonFactory()

    refuses(lambda: born(social_worker, child, D(2027, 3, 1)), "born_on", "Only an unborn child's birth")


@pytest.mark.parametrize(
    ("born_on", "words"),
    [
        (D(2027, 3, 2), "The date of birth cannot be in the future."),
        (D(2026, 10, 11), "too far from the expected date (1 March 2027)"),  # more than 20 weeks early
        (D(2027, 4, 13), "too far from the expected date (1 March 2027)"),  # more than 6 weeks late
    ],
)
def test_a_date_of_birth_in_the_future_or_far_from_the_expected_date_is_refused(social_worker, born_on, words):
    child = unborn(expected=D(2027, 3, 1))

    refuses(lambda: born(social_worker, child, born_on, now=aware(2027, 3, 1)), "born_on", words)


def test_a_child_is_born_on_or_after_the_first_record_of_them_unborn(social_worker, manager, team):
    child = unborn(expected=D(2027, 1, 20))
    referral(social_worker, manager, team, decision="assessment", on=D(2027, 1, 4), child=child)

    refuses(
        lambda: born(social_worker, child, D(2027, 1, 3)),
        "born_on",
        "on or after the first record of the unborn child (4 January 2027)",
    )


def test_a_child_is_born_at_most_40_weeks_after_their_first_referral(social_worker, manager, team):
    child = unborn(expected=D(2027, 3, 1))
    referral(social_worker, manager, team, decision="assessment", on=D(2026, 5, 4), child=child)

    refuses(  # 4 May 2026 + 40 weeks is 8 February 2027 (CIN census rule 8606)
        lambda: born(social_worker, child, D(2027, 2, 9)), "born_on", "the first referral was on 4 May 2026"
    )
    assert born(social_worker, child, D(2027, 2, 8)).date_of_birth == D(2027, 2, 8)


def test_one_refusal_names_every_problem_with_a_birth_and_writes_nothing(social_worker):
    child = unborn()
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        born(social_worker, child, D(2027, 3, 2), now=aware(2027, 3, 1), sex="X")

    assert set(refused.value.message_dict) == {"born_on", "sex"}
    assert row_counts() == before
    child.refresh_from_db()
    assert (child.date_of_birth, child.expected_date_of_birth) == (None, D(2027, 3, 1))


# --- death ------------------------------------------------------------------------------------------------------


def test_a_childs_death_is_recorded_and_their_case_then_closes_as_died(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")  # received Mon 4 Jan 2027
    refuses(
        lambda: episode_close(
            actor=social_worker, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 7), reason="RC2"
        ),
        "reason",
        "Record the child's date of death",
    )

    died(social_worker, ref.child, D(2027, 1, 7), now=aware(2027, 1, 8))
    closed = episode_close(
        actor=social_worker, now=aware(2027, 1, 8), referral=ref, closed_on=D(2027, 1, 7), reason="RC2"
    )

    ref.child.refresh_from_db()
    assert ref.child.date_of_death == D(2027, 1, 7)
    assert (closed.closed_on, closed.closure_reason) == (D(2027, 1, 7), "RC2")
    event = Event.objects.get(child=ref.child, kind=EventKind.DIED)
    assert (event.occurred_on, event.actor, event.summary) == (D(2027, 1, 7), social_worker, "Died.")


@pytest.mark.parametrize(
    ("child", "died_on", "words"),
    [
        (lambda: PersonFactory(), D(2027, 1, 9), "The date of death cannot be in the future."),
        (lambda: PersonFactory(date_of_birth=D(2018, 5, 4)), D(2018, 5, 3), "on or after the date of birth"),
        (lambda: unborn(), D(2027, 1, 8), "Record the child's birth before their death."),
        (lambda: PersonFactory(date_of_death=D(2027, 1, 2)), D(2027, 1, 2), "already recorded"),
    ],
)
def test_a_date_of_death_is_refused_in_the_future_before_birth_unborn_or_twice(social_worker, child, died_on, words):
    person = child()

    refuses(lambda: died(social_worker, person, died_on, now=aware(2027, 1, 8)), "died_on", words)


def test_a_death_is_refused_before_a_referral_or_plan_on_the_record(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team)  # received 4 Jan 2027
    plan(social_worker, chair, ref, held_on=D(2027, 1, 11))
    child = ref.child

    refuses(lambda: died(social_worker, child, D(2027, 1, 3)), "died_on", "shows a referral and a child protection")
    refuses(lambda: died(social_worker, child, D(2027, 1, 10)), "died_on", "shows a child protection plan after")


def test_a_death_is_refused_before_a_child_in_need_plan_starts_or_ends(social_worker, manager, team):
    ref = referral(social_worker, manager, team, decision="assessment")  # received 4 Jan 2027
    cin_plan_start(actor=social_worker, now=aware(2027, 1, 6), referral=ref, started_on=D(2027, 1, 6))

    refuses(lambda: died(social_worker, ref.child, D(2027, 1, 5)), "died_on", "shows a child in need plan after")


def test_nothing_is_done_for_a_child_after_their_death(social_worker, manager, chair, team):
    """Every dated step refuses a date after the child's death, naming the date and the rule (census rule 8555)."""
    on_plan = plan(social_worker, chair, referral(social_worker, manager, team))  # plan from Mon 11 Jan 2027
    Person.objects.filter(pk=on_plan.referral.child_id).update(date_of_death=D(2027, 1, 12))
    later, now = D(2027, 1, 13), aware(2027, 1, 14)
    after = "cannot be after the child's death (12 January 2027)"

    refuses(
        lambda: visit_record(
            actor=social_worker, now=now, plan=on_plan, visited_on=later, child_seen=True, child_seen_alone=False
        ),
        "visited_on",
        f"The date of the visit {after}",
    )
    refuses(lambda: core_group_record(actor=social_worker, now=now, plan=on_plan, held_on=later), "held_on", after)
    refuses(
        lambda: cp_plan_end(actor=social_worker, now=now, plan=on_plan, ended_on=later, reason="other"),
        "ended_on",
        f"The end date {after}",
    )
    visit_record(
        actor=social_worker, now=now, plan=on_plan, visited_on=D(2027, 1, 12), child_seen=True, child_seen_alone=False
    )  # on the day itself: allowed

    gone = PersonFactory(date_of_death=D(2027, 1, 2))
    refuses(
        lambda: referral_create(
            actor=social_worker, now=now, child=gone, received_on=D(2027, 1, 4), source="6", team=team
        ),
        "child",
        "The referral date cannot be after the child's death",
    )
    early = referral(social_worker, manager, team, decision="assessment", on=D(2027, 1, 4))
    Person.objects.filter(pk=early.child_id).update(date_of_death=D(2027, 1, 5))
    refuses(
        lambda: assessment_start(actor=social_worker, now=now, referral=early, started_on=D(2027, 1, 6)),
        "started_on",
        "The start date cannot be after the child's death (5 January 2027)",
    )
    strategy = referral(social_worker, manager, team, on=D(2027, 1, 4))
    Person.objects.filter(pk=strategy.child_id).update(date_of_death=D(2027, 1, 4))
    refuses(lambda: enquiry(social_worker, strategy, held_on=D(2027, 1, 5)), "held_on", "The date of the discussion")


# --- transfer in ------------------------------------------------------------------------------------------------


def transfer_case(social_worker, manager, team, **kwargs):
    """A referral from another local authority (source 5C) on Mon 4 Jan 2027, decided for an assessment."""
    return referral(social_worker, manager, team, decision="assessment", source="5C", **kwargs)


def test_a_transfer_in_conference_starts_a_plan_here_without_an_enquiry(social_worker, manager, chair, team):
    ref = transfer_case(social_worker, manager, team)

    conference = transfer_in(chair, ref, D(2027, 1, 15))

    assert (conference.kind, conference.s47, conference.held_on) == ("transfer_in", None, D(2027, 1, 15))
    assert (conference.plan.started_on, conference.plan.initial_category) == (D(2027, 1, 15), "NEG")
    assert not ref.s47_enquiries.exists()
    events = Event.objects.filter(child=ref.child, occurred_on=D(2027, 1, 15)).order_by("id")
    assert [(e.kind, e.actor) for e in events] == [(EventKind.CP_PLAN_STARTED, chair), (EventKind.CONFERENCE, chair)]
    assert events[1].summary == (
        "Transfer-in child protection conference chaired by Cass Chair. Decision: Child protection plan needed."
    )


def test_a_transfer_in_conference_may_decide_no_plan(social_worker, manager, chair, team):
    conference = transfer_in(
        chair, transfer_case(social_worker, manager, team), D(2027, 1, 15), decision="no_plan", category=""
    )

    assert (conference.decision, conference.plan) == ("no_plan", None)


def test_a_transfer_in_conference_follows_a_notification_from_another_local_authority(
    social_worker, manager, chair, team
):
    police_referral = referral(social_worker, manager, team, decision="assessment")  # source 6, the police

    refuses(lambda: transfer_in(chair, police_referral, D(2027, 1, 15)), "held_on", "notification from another local")


def test_a_case_with_an_enquiry_here_has_an_initial_conference_not_a_transfer_in(social_worker, manager, chair, team):
    ref = referral(social_worker, manager, team, source="5C")
    enquiry(social_worker, ref)

    refuses(lambda: transfer_in(chair, ref, D(2027, 1, 15)), "held_on", "This case has a section 47 enquiry")


def test_a_case_has_one_transfer_in_conference(social_worker, manager, chair, team):
    ref = transfer_case(social_worker, manager, team)
    transfer_in(chair, ref, D(2027, 1, 15), decision="no_plan", category="")

    refuses(lambda: transfer_in(chair, ref, D(2027, 1, 18)), "held_on", "already has a child protection conference")
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds the rule too
        Conference.objects.create(
            referral=ref,
            kind="transfer_in",
            held_on=D(2027, 1, 18),
            chair=chair,
            family_attended=False,
            decision="no_plan",
        )


@pytest.mark.parametrize(
    ("held_on", "words"),
    [
        (D(2027, 1, 1), "on or after the referral date (4 January 2027)"),
        (D(2027, 1, 16), "cannot be held on a Saturday or Sunday"),
    ],
)
def test_a_transfer_in_conference_is_on_a_weekday_after_the_referral(
    social_worker, manager, chair, team, held_on, words
):
    ref = transfer_case(social_worker, manager, team)

    refuses(lambda: transfer_in(chair, ref, held_on), "held_on", words)


def test_a_transfer_in_plan_does_not_run_alongside_a_child_in_need_plan(social_worker, manager, chair, team):
    ref = transfer_case(social_worker, manager, team)
    cin_plan_start(actor=social_worker, now=aware(2027, 1, 5), referral=ref, started_on=D(2027, 1, 5))

    refuses(lambda: transfer_in(chair, ref, D(2027, 1, 15)), "decision", "End the child in need plan first")


def test_one_refusal_names_every_problem_with_a_transfer_in_conference(social_worker, manager, chair, team):
    ref = transfer_case(social_worker, manager, team)
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        transfer_in(chair, ref, D(2027, 1, 16), decision="no_plan", category="NEG")  # a Saturday

    assert set(refused.value.message_dict) == {"held_on", "category"}
    assert row_counts() == before


def test_the_database_itself_refuses_a_transfer_in_conference_with_an_enquiry(social_worker, manager, chair, team):
    s47 = enquiry(social_worker, referral(social_worker, manager, team, source="5C"))

    with pytest.raises(IntegrityError), transaction.atomic():
        Conference.objects.create(
            referral=s47.referral,
            kind="transfer_in",
            s47=s47,
            held_on=D(2027, 1, 11),
            chair=chair,
            family_attended=False,
            decision="no_plan",
        )


def test_a_transfer_in_plan_has_the_plans_clocks_and_no_initial_conference_clock(social_worker, manager, chair, team):
    ref = transfer_case(social_worker, manager, team)  # received Mon 4 Jan 2027
    transfer_in(chair, ref, D(2027, 1, 15))

    case = child_case(user=social_worker, child_id=ref.child_id, today=D(2027, 1, 18))

    assert case.stage == "Child protection plan"
    keys = [c.key for c in case.clocks]
    assert "initial_conference" not in keys
    assert {"first_core_group", "first_review_conference", "statutory_visit"} <= set(keys)


def test_the_childs_page_shows_a_transfer_in_conference_and_offers_the_plans_steps(
    client, social_worker, manager, chair, team
):
    ref = transfer_case(social_worker, manager, team)
    transfer_in(chair, ref, D(2027, 1, 15))
    client.force_login(social_worker)

    body = client.get(reverse("child-detail", args=[ref.child_id])).content.decode()

    assert "Transfer-in child protection conference on 15 January 2027" in body
    assert "Record visit" in body and "Record initial conference" not in body


def test_the_census_records_a_transfer_in_plan_from_its_conference_without_a_section_47(
    social_worker, manager, chair, team
):
    ref = transfer_case(social_worker, manager, team, on=D(2025, 6, 2))
    transfer_in(chair, ref, D(2025, 6, 16))

    root = etree.fromstring(census_xml(year=2026, now=aware(2026, 5, 15)))

    (episode,) = root.xpath("Children/Child[ChildIdentifiers/LAchildID=$id]/CINdetails", id=ref.child.la_child_id)
    assert episode.findtext("ReferralSource") == "5C"
    assert episode.findtext("DateOfInitialCPC") == "2025-06-16"  # the episode's initial conference: CIN rule 2885
    assert episode.find("Section47") is None
    assert episode.findtext("ChildProtectionPlans/CPPstartDate") == "2025-06-16"


# --- pages ------------------------------------------------------------------------------------------------------


def test_a_social_worker_records_a_birth_from_the_childs_page(client, social_worker, manager, team):
    child = referral(social_worker, manager, team, decision="assessment", child=unborn(D(2027, 1, 20))).child
    with patch("django.utils.timezone.now", return_value=aware(2027, 1, 22)):  # sessions expire: sign in "then"
        client.force_login(social_worker)
        page = client.get(reverse("child-detail", args=[child.pk])).content.decode()
        response = client.post(
            reverse("child-birth", args=[child.pk]),
            {"born_on_day": "21", "born_on_month": "1", "born_on_year": "2027", "sex": "F", "given_name": "Ava"},
        )

    assert f'href="{reverse("child-birth", args=[child.pk])}"' in page
    assert f'href="{reverse("child-death", args=[child.pk])}"' not in page  # not before the birth
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.date_of_birth, child.sex, child.given_name) == (D(2027, 1, 21), "F", "Ava")


def test_a_death_recorded_from_the_page_says_what_to_do_next_and_a_bad_date_is_explained(
    client, social_worker, manager, team
):
    child = referral(social_worker, manager, team, decision="assessment").child  # referred 4 Jan 2027
    with patch("django.utils.timezone.now", return_value=aware(2027, 1, 8)):
        client.force_login(social_worker)
        refused = client.post(
            reverse("child-death", args=[child.pk]), {"died_on_day": "9", "died_on_month": "1", "died_on_year": "2027"}
        )
        saved = client.post(
            reverse("child-death", args=[child.pk]),
            {"died_on_day": "7", "died_on_month": "1", "died_on_year": "2027"},
            follow=True,
        )

    assert "The date of death cannot be in the future" in refused.content.decode()
    assert "then close the case with the reason &#x27;Died&#x27;" in saved.content.decode()
    child.refresh_from_db()
    assert child.date_of_death == D(2027, 1, 7)


@pytest.mark.parametrize("name", ["child-birth", "child-death"])
def test_a_police_officer_cannot_open_the_birth_or_death_page(client, social_worker, manager, team, name):
    child = referral(social_worker, manager, team, decision="assessment", child=unborn(D(2027, 1, 20))).child
    client.force_login(UserFactory(role="police_officer", team=team, agency=team.agency))

    response = client.get(reverse(name, args=[child.pk]))

    assert response.status_code == 403 and child.family_name not in response.content.decode()
