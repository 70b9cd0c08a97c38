from datetime import date

from macpu.timescales.calendar import WorkingDayCalendar
from macpu.timescales.clocks import (
    Clock,
    ClockStatus,
    LocalPolicy,
    assessment,
    clock_status,
    contact_decision,
    first_core_group,
    initial_conference,
    referral_decision,
    review_conferences,
    statutory_visit,
    strategy_discussion,
)

CALENDAR = WorkingDayCalendar()
POLICY = LocalPolicy()  # DfE convention: the start day is day 1
NEXT_WORKING_DAY_IS_DAY_1 = LocalPolicy(start_day_counts=False)

# Christmas 2026: Fri 25 Dec and Mon 28 Dec (for Boxing Day) are bank holidays, so is Fri 1 Jan.
# Easter 2027: Good Friday 26 Mar and Easter Monday 29 Mar are bank holidays.


def status(due_on: date, met_on: date | None, today: date, policy: LocalPolicy = POLICY) -> str:
    return clock_status(due_on, met_on, today, CALENDAR, policy)


def test_a_clock_met_on_its_due_date_is_met() -> None:
    assert status(date(2027, 3, 31), date(2027, 3, 31), today=date(2027, 6, 1)) == "met"


def test_a_clock_met_after_its_due_date_is_met_late() -> None:
    assert status(date(2027, 3, 31), date(2027, 4, 1), today=date(2027, 4, 1)) == "met_late"


def test_an_unmet_clock_past_its_due_date_is_overdue() -> None:
    assert status(date(2027, 3, 31), None, today=date(2027, 4, 1)) == "overdue"


def test_an_unmet_clock_due_today_is_due_soon() -> None:
    assert status(date(2027, 3, 31), None, today=date(2027, 3, 31)) == "due_soon"


def test_an_unmet_clock_due_on_the_next_working_day_is_due_soon() -> None:
    # Today Thu 24 Dec 2026 is day 1 of the 2-working-day window; Tue 29 Dec is day 2.
    assert status(date(2026, 12, 29), None, today=date(2026, 12, 24)) == "due_soon"


def test_an_unmet_clock_due_beyond_the_due_soon_window_is_due() -> None:
    # Today Thu 24 Dec 2026 (day 1), Tue 29 Dec (day 2), Wed 30 Dec is day 3.
    assert status(date(2026, 12, 30), None, today=date(2026, 12, 24)) == "due"


def test_a_due_soon_window_of_zero_working_days_turns_due_soon_off() -> None:
    policy = LocalPolicy(due_soon_working_days=0)
    assert status(date(2027, 3, 31), None, today=date(2027, 3, 31), policy=policy) == "due"


def test_every_status_has_a_plain_english_label() -> None:
    assert [s.label for s in ClockStatus] == [
        "Due",
        "Due soon",
        "Overdue",
        "Met",
        "Met late",
    ]
    assert [str(s) for s in ClockStatus] == [
        "due",
        "due_soon",
        "overdue",
        "met",
        "met_late",
    ]


def test_a_contact_on_christmas_eve_must_be_decided_the_same_day_by_default() -> None:
    # Local policy 1 WD, start day counts: Thu 24 Dec 2026 is day 1, so due that day.
    clock = contact_decision(
        date(2026, 12, 24),
        date(2026, 12, 29),
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 1, 4),
    )
    assert clock.key == "contact_decision"
    assert clock.label == "Contact decision"
    assert clock.due_on == date(2026, 12, 24)
    assert clock.status is ClockStatus.MET_LATE


def test_a_contact_decision_follows_the_local_number_of_working_days() -> None:
    # 2 WD: Thu 24 Dec 2026 day 1; 25 Fri, 26-27 weekend, 28 Mon all skipped; Tue 29 Dec day 2.
    clock = contact_decision(
        date(2026, 12, 24),
        date(2026, 12, 29),
        calendar=CALENDAR,
        policy=LocalPolicy(contact_decision_working_days=2),
        today=date(2027, 1, 4),
    )
    assert clock.due_on == date(2026, 12, 29)
    assert clock.status is ClockStatus.MET


def test_a_strategy_discussion_follows_the_local_number_of_working_days_from_the_decision() -> None:
    # Decided Thu 24 Dec 2026. 1 WD: due that day; 2 WD: 25-28 Dec skipped, due Tue 29 Dec.
    today = date(2026, 12, 29)
    same_day = strategy_discussion(date(2026, 12, 24), None, calendar=CALENDAR, policy=POLICY, today=today)
    two_days = strategy_discussion(
        date(2026, 12, 24),
        date(2026, 12, 29),
        calendar=CALENDAR,
        policy=LocalPolicy(strategy_discussion_working_days=2),
        today=today,
    )
    assert (same_day.key, same_day.label) == ("strategy_discussion", "Strategy discussion")
    assert (same_day.due_on, same_day.status) == (date(2026, 12, 24), ClockStatus.OVERDUE)
    assert (two_days.due_on, two_days.status) == (date(2026, 12, 29), ClockStatus.MET)


def test_a_referral_decision_is_due_within_1_working_day_either_way() -> None:
    # Referral on Thu 24 Dec 2026. Start day counts: 24 Dec is day 1, due that day.
    # Next working day is day 1: 25 Fri and 28 Mon are bank holidays, so Tue 29 Dec.
    today = date(2026, 12, 24)
    dfe = referral_decision(date(2026, 12, 24), None, calendar=CALENDAR, policy=POLICY, today=today)
    other = referral_decision(
        date(2026, 12, 24),
        None,
        calendar=CALENDAR,
        policy=NEXT_WORKING_DAY_IS_DAY_1,
        today=today,
    )
    assert (dfe.due_on, dfe.status) == (date(2026, 12, 24), ClockStatus.DUE_SOON)
    assert (other.due_on, other.status) == (date(2026, 12, 29), ClockStatus.DUE_SOON)


def test_an_undecided_referral_is_overdue_on_the_next_day_even_a_holiday() -> None:
    # Due Thu 24 Dec 2026 (start day counts); today is Fri 25 Dec.
    clock = referral_decision(
        date(2026, 12, 24),
        None,
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2026, 12, 25),
    )
    assert clock.status is ClockStatus.OVERDUE


def test_a_referral_received_on_a_saturday_is_due_on_the_monday() -> None:
    # Sat 19 Dec 2026 is day 1 but not a working day; a deadline cannot fall on it: Mon 21 Dec.
    clock = referral_decision(
        date(2026, 12, 19),
        date(2026, 12, 21),
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2026, 12, 21),
    )
    assert clock.due_on == date(2026, 12, 21)
    assert clock.status is ClockStatus.MET


def test_an_assessment_is_due_45_working_days_after_referral_over_christmas() -> None:
    # Referral Mon 7 Dec 2026 is day 1. 7-11 Dec days 1-5; 14-18 days 6-10; 21-24 days 11-14;
    # 25 and 28 Dec bank holidays; 29-31 Dec days 15-17; 1 Jan bank holiday; 4-8 Jan days 18-22;
    # 11-15 Jan 23-27; 18-22 Jan 28-32; 25-29 Jan 33-37; 1-5 Feb 38-42; 8, 9, 10 Feb days 43-45.
    clock = assessment(
        date(2026, 12, 7),
        date(2027, 2, 11),
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 2, 11),
        subject_id=42,
    )
    assert clock == Clock(
        key="assessment",
        label="Assessment",
        started_on=date(2026, 12, 7),
        due_on=date(2027, 2, 10),
        met_on=date(2027, 2, 11),
        status=ClockStatus.MET_LATE,
        subject_id=42,
    )


def test_an_open_assessment_becomes_due_soon_the_working_day_before_it_is_due() -> None:
    # Due Wed 10 Feb 2027 (above). On Mon 8 Feb the window is Mon 8 and Tue 9: still due.
    # On Tue 9 Feb the window is Tue 9 and Wed 10: due soon.
    def on(today: date) -> ClockStatus:
        return assessment(date(2026, 12, 7), None, calendar=CALENDAR, policy=POLICY, today=today).status

    assert on(date(2027, 2, 8)) is ClockStatus.DUE
    assert on(date(2027, 2, 9)) is ClockStatus.DUE_SOON
    assert on(date(2027, 2, 11)) is ClockStatus.OVERDUE


def test_an_icpc_is_due_15_working_days_from_the_strategy_discussion() -> None:
    # Strategy discussion Fri 12 Mar 2027 is day 1. 15-19 Mar days 2-6; 22-25 Mar days 7-10;
    # 26 and 29 Mar Easter bank holidays; 30, 31 Mar days 11-12; 1, 2 Apr days 13-14;
    # Mon 5 Apr day 15.
    # With the next working day as day 1, every day moves on one: Tue 6 Apr.
    clock = initial_conference(
        date(2027, 3, 12),
        date(2027, 4, 5),
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 4, 5),
    )
    assert clock.key == "initial_conference"
    assert clock.label == "Initial child protection conference"
    assert (clock.due_on, clock.status) == (date(2027, 4, 5), ClockStatus.MET)
    other = initial_conference(
        date(2027, 3, 12),
        None,
        calendar=CALENDAR,
        policy=NEXT_WORKING_DAY_IS_DAY_1,
        today=date(2027, 3, 12),
    )
    assert (other.due_on, other.status) == (date(2027, 4, 6), ClockStatus.DUE)


def test_a_first_core_group_is_due_10_working_days_from_the_conference() -> None:
    # Conference Wed 16 Dec 2026 is day 1; 17, 18 Dec days 2-3; 21-24 Dec days 4-7;
    # 25 and 28 Dec bank holidays; 29, 30, 31 Dec days 8-10. Meeting on Mon 4 Jan 2027 is late.
    clock = first_core_group(
        date(2026, 12, 16),
        date(2027, 1, 4),
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 1, 4),
    )
    assert clock.key == "first_core_group"
    assert clock.label == "First core group"
    assert (clock.due_on, clock.status) == (date(2026, 12, 31), ClockStatus.MET_LATE)


def test_a_statutory_visit_is_due_10_working_days_after_the_child_was_seen() -> None:
    # Seen Thu 17 Dec 2026, day 1; 18 Dec day 2; 21-24 Dec days 3-6; 25 and 28 Dec bank holidays;
    # 29-31 Dec days 7-9; Fri 1 Jan bank holiday; Mon 4 Jan 2027 day 10.
    def on(today: date) -> Clock:
        return statutory_visit(date(2026, 12, 17), calendar=CALENDAR, policy=POLICY, today=today)

    clock = on(date(2026, 12, 30))
    assert (clock.key, clock.label) == ("statutory_visit", "Statutory visit")
    assert (clock.started_on, clock.due_on, clock.met_on) == (
        date(2026, 12, 17),
        date(2027, 1, 4),
        None,
    )
    assert clock.status is ClockStatus.DUE
    assert on(date(2026, 12, 31)).status is ClockStatus.DUE_SOON  # window: Thu 31 Dec, Mon 4 Jan
    assert on(date(2027, 1, 5)).status is ClockStatus.OVERDUE


def test_a_statutory_visit_follows_the_local_visit_frequency() -> None:
    # 5 WD from Thu 17 Dec 2026: 17 day 1, 18 day 2, 21, 22, 23 days 3-5: Wed 23 Dec.
    clock = statutory_visit(
        date(2026, 12, 17),
        calendar=CALENDAR,
        policy=LocalPolicy(visit_frequency_working_days=5),
        today=date(2026, 12, 17),
    )
    assert clock.due_on == date(2026, 12, 23)


def test_reviews_are_due_3_months_after_the_plan_then_6_after_the_last() -> None:
    # Plan starts Wed 10 Feb 2027: first review due 10 May 2027, held 6 May (met).
    # Second due 6 Nov 2027 (6 months after 6 May), held 15 Nov (met late).
    # Third due 15 May 2028 (6 months after 15 Nov), not yet held; today 1 Dec 2027.
    clocks = review_conferences(
        date(2027, 2, 10),
        [date(2027, 5, 6), date(2027, 11, 15)],
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 12, 1),
        subject_id=7,
    )
    assert [(c.key, c.label, c.started_on, c.due_on, c.met_on, c.status) for c in clocks] == [
        ("first_review_conference", "First review conference", date(2027, 2, 10), date(2027, 5, 10), date(2027, 5, 6), ClockStatus.MET),  # noqa: E501
        ("review_conference", "Review conference", date(2027, 5, 6), date(2027, 11, 6), date(2027, 11, 15), ClockStatus.MET_LATE),  # noqa: E501
        ("review_conference", "Review conference", date(2027, 11, 15), date(2028, 5, 15), None, ClockStatus.DUE),
    ]  # fmt: skip
    assert {c.subject_id for c in clocks} == {7}


def test_a_plan_with_no_review_yet_has_only_the_first_review_due() -> None:
    # Plan starts Wed 10 Feb 2027; first review due Mon 10 May 2027; today Tue 11 May.
    clocks = review_conferences(date(2027, 2, 10), [], calendar=CALENDAR, policy=POLICY, today=date(2027, 5, 11))
    assert [(c.key, c.due_on, c.status) for c in clocks] == [
        ("first_review_conference", date(2027, 5, 10), ClockStatus.OVERDUE)
    ]


def test_review_due_dates_are_clamped_to_the_end_of_a_shorter_month() -> None:
    # 30 Nov 2026 + 3 months = 30 Feb, clamped to Sun 28 Feb 2027 (not moved off the weekend).
    clocks = review_conferences(
        date(2026, 11, 30),
        [],
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2026, 12, 1),
    )
    assert clocks[0].due_on == date(2027, 2, 28)
    # 31 May 2027 + 3 months = 31 Aug 2027, held that day (met);
    # 31 Aug 2027 + 6 months = 31 Feb, clamped to 29 Feb 2028 (a leap year).
    clocks = review_conferences(
        date(2027, 5, 31),
        [date(2027, 8, 31)],
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 9, 1),
    )
    assert [(c.due_on, c.status) for c in clocks] == [
        (date(2027, 8, 31), ClockStatus.MET),  # noqa: E501
        (date(2028, 2, 29), ClockStatus.DUE),
    ]


def test_no_next_review_is_due_once_the_plan_has_ended() -> None:
    # Review on 6 May 2027 ended the plan: one met clock, nothing due.
    clocks = review_conferences(
        date(2027, 2, 10),
        [date(2027, 5, 6)],
        calendar=CALENDAR,
        policy=POLICY,
        today=date(2027, 12, 1),
        plan_ended_on=date(2027, 5, 6),
    )
    assert [(c.due_on, c.status) for c in clocks] == [(date(2027, 5, 10), ClockStatus.MET)]
