"""The statutory clocks on the child protection pathway, as pure functions of dates.

Each constructor takes the facts (dates from the record) plus ``calendar``, ``policy`` and
``today`` and returns a ``Clock``. Working-day due dates go through
``WorkingDayCalendar.add_working_days`` with ``policy.start_day_counts`` (see ``calendar``).

Review conferences run on calendar months, not working days: same day of the month N months
later, clamped to the end of a shorter month (31 Jan + 1 month = 28 or 29 Feb). Their due date is
not moved off a weekend or bank holiday. Something done on its due date is met, not late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from macpu.timescales.calendar import WorkingDayCalendar


class ClockStatus(StrEnum):
    DUE = "due"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    ClockStatus.DUE: "Due",
    ClockStatus.DUE_SOON: "Due soon",
    ClockStatus.OVERDUE: "Overdue",
    ClockStatus.MET: "Met",
    ClockStatus.MET_LATE: "Met late",
}


@dataclass(frozen=True)
class LocalPolicy:
    """Timescales a local authority sets for itself."""

    visit_frequency_working_days: int = 10
    contact_decision_working_days: int = 1
    strategy_discussion_working_days: int = 1
    due_soon_working_days: int = 2
    start_day_counts: bool = True


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    started_on: date
    due_on: date
    met_on: date | None
    status: ClockStatus
    subject_id: int | None = None


REFERRAL_DECISION_WORKING_DAYS = 1
ASSESSMENT_WORKING_DAYS = 45
INITIAL_CONFERENCE_WORKING_DAYS = 15
FIRST_CORE_GROUP_WORKING_DAYS = 10
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6


def clock_status(
    due_on: date,
    met_on: date | None,
    today: date,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
) -> ClockStatus:
    """Met or met late once done; otherwise overdue, due soon or due.

    Due soon: due within ``policy.due_soon_working_days`` working days counting today as day 1
    (so with 2: due today or on the next working day). 0 turns "due soon" off.
    """
    if met_on is not None:
        return ClockStatus.MET_LATE if met_on > due_on else ClockStatus.MET
    if today > due_on:
        return ClockStatus.OVERDUE
    if policy.due_soon_working_days > 0 and due_on <= calendar.add_working_days(
        today, policy.due_soon_working_days, start_day_counts=True
    ):
        return ClockStatus.DUE_SOON
    return ClockStatus.DUE


def _clock(
    key: str,
    label: str,
    started_on: date,
    due_on: date,
    met_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None,
) -> Clock:
    status = clock_status(due_on, met_on, today, calendar, policy)
    return Clock(key, label, started_on, due_on, met_on, status, subject_id)


def _working_day_clock(
    key: str,
    label: str,
    started_on: date,
    working_days: int,
    met_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None,
) -> Clock:
    due_on = calendar.add_working_days(started_on, working_days, start_day_counts=policy.start_day_counts)
    return _clock(
        key,
        label,
        started_on,
        due_on,
        met_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def contact_decision(
    received_on: date,
    decided_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """Decision on a contact, within ``policy.contact_decision_working_days`` (local)."""
    return _working_day_clock(
        "contact_decision",
        "Contact decision",
        received_on,
        policy.contact_decision_working_days,
        decided_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def referral_decision(
    received_on: date,
    decided_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """Decision on a referral, within 1 working day of receipt."""
    return _working_day_clock(
        "referral_decision",
        "Referral decision",
        received_on,
        REFERRAL_DECISION_WORKING_DAYS,
        decided_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def strategy_discussion(
    decided_on: date,
    held_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """A strategy discussion, once a manager has decided one is needed: "as soon as possible", so a local number
    of working days (``policy.strategy_discussion_working_days``) from that decision."""
    return _working_day_clock(
        "strategy_discussion",
        "Strategy discussion",
        decided_on,
        policy.strategy_discussion_working_days,
        held_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def assessment(
    referral_on: date,
    authorised_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """Child and family assessment authorised within 45 working days of the referral."""
    return _working_day_clock(
        "assessment",
        "Assessment",
        referral_on,
        ASSESSMENT_WORKING_DAYS,
        authorised_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def initial_conference(
    strategy_discussion_on: date,
    conference_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """Initial child protection conference within 15 working days of the strategy discussion
    that started the s47 enquiry."""
    return _working_day_clock(
        "initial_conference",
        "Initial child protection conference",
        strategy_discussion_on,
        INITIAL_CONFERENCE_WORKING_DAYS,
        conference_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def first_core_group(
    conference_on: date,
    first_core_group_on: date | None,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """First core group meeting within 10 working days of the initial conference."""
    return _working_day_clock(
        "first_core_group",
        "First core group",
        conference_on,
        FIRST_CORE_GROUP_WORKING_DAYS,
        first_core_group_on,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )


def review_conferences(
    plan_started_on: date,
    review_dates: Sequence[date],
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    plan_ended_on: date | None = None,
    subject_id: int | None = None,
) -> list[Clock]:
    """One clock per review held, then the next review due (none once the plan has ended).

    The first review is due 3 calendar months after the plan started (the initial conference),
    each later one 6 calendar months after the review before it.
    """
    clocks: list[Clock] = []
    held: list[date | None] = [*sorted(review_dates)]
    if plan_ended_on is None:
        held.append(None)
    started_on, months = plan_started_on, FIRST_REVIEW_MONTHS
    key, label = "first_review_conference", "First review conference"
    for held_on in held:
        due_on = started_on + relativedelta(months=months)
        clocks.append(
            _clock(
                key,
                label,
                started_on,
                due_on,
                held_on,
                calendar=calendar,
                policy=policy,
                today=today,
                subject_id=subject_id,
            )
        )
        if held_on is not None:
            started_on, months = held_on, LATER_REVIEW_MONTHS
            key, label = "review_conference", "Review conference"
    return clocks


def statutory_visit(
    last_visit_on_or_plan_start: date,
    *,
    calendar: WorkingDayCalendar,
    policy: LocalPolicy,
    today: date,
    subject_id: int | None = None,
) -> Clock:
    """The next visit in which the child is seen, ``policy.visit_frequency_working_days`` after
    the last such visit (or the plan start). Always unmet: a new visit starts a new clock."""
    return _working_day_clock(
        "statutory_visit",
        "Statutory visit",
        last_visit_on_or_plan_start,
        policy.visit_frequency_working_days,
        None,
        calendar=calendar,
        policy=policy,
        today=today,
        subject_id=subject_id,
    )
