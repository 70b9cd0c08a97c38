"""The statutory clocks on the child protection pathway, as pure functions of dates.

Each constructor takes the facts (dates from the record) plus the keyword arguments ``calendar``,
``policy``, ``today`` and optionally ``subject_id`` (``ClockContext``) and returns a ``Clock``.
Working-day clocks count a fixed or local (``LocalPolicy``) number of working days from their start
date, through ``WorkingDayCalendar.add_working_days`` with ``policy.start_day_counts`` (see
``calendar``); each constructor's docstring gives the rule and what the due date counts from.

Review conferences run on calendar months, not working days: same day of the month N months
later, clamped to the end of a shorter month (31 Jan + 1 month = 28 or 29 Feb). Their due date is
not moved off a weekend or bank holiday. Something done on its due date is met, not late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import NotRequired, TypedDict, Unpack

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


class ClockContext(TypedDict):
    """The keyword arguments every clock constructor takes besides the record's dates."""

    calendar: WorkingDayCalendar
    policy: LocalPolicy
    today: date
    subject_id: NotRequired[int | None]  # the record the clock belongs to


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
    subject_id: int | None = None,
) -> Clock:
    status = clock_status(due_on, met_on, today, calendar, policy)
    return Clock(key, label, started_on, due_on, met_on, status, subject_id)


def _working_day_clock(
    key: str, label: str, started_on: date, working_days: int, met_on: date | None, **kw: Unpack[ClockContext]
) -> Clock:
    policy = kw["policy"]
    due_on = kw["calendar"].add_working_days(started_on, working_days, start_day_counts=policy.start_day_counts)
    return _clock(key, label, started_on, due_on, met_on, **kw)


def contact_decision(received_on: date, decided_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """Decision on a contact, within ``policy.contact_decision_working_days`` (local)."""
    days = kw["policy"].contact_decision_working_days
    return _working_day_clock("contact_decision", "Contact decision", received_on, days, decided_on, **kw)


def referral_decision(received_on: date, decided_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """Decision on a referral, within 1 working day of receipt."""
    days = REFERRAL_DECISION_WORKING_DAYS
    return _working_day_clock("referral_decision", "Referral decision", received_on, days, decided_on, **kw)


def strategy_discussion(decided_on: date, held_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """A strategy discussion, once a manager has decided one is needed: "as soon as possible", so a local number
    of working days (``policy.strategy_discussion_working_days``) from that decision."""
    days = kw["policy"].strategy_discussion_working_days
    return _working_day_clock("strategy_discussion", "Strategy discussion", decided_on, days, held_on, **kw)


def assessment(referral_on: date, authorised_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """Child and family assessment authorised within 45 working days of the referral."""
    days = ASSESSMENT_WORKING_DAYS
    return _working_day_clock("assessment", "Assessment", referral_on, days, authorised_on, **kw)


def initial_conference(strategy_discussion_on: date, conference_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """Initial child protection conference within 15 working days of the strategy discussion
    that started the s47 enquiry."""
    days, label = INITIAL_CONFERENCE_WORKING_DAYS, "Initial child protection conference"
    return _working_day_clock("initial_conference", label, strategy_discussion_on, days, conference_on, **kw)


def first_core_group(conference_on: date, first_core_group_on: date | None, **kw: Unpack[ClockContext]) -> Clock:
    """First core group meeting within 10 working days of the initial conference."""
    days = FIRST_CORE_GROUP_WORKING_DAYS
    return _working_day_clock("first_core_group", "First core group", conference_on, days, first_core_group_on, **kw)


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


def statutory_visit(last_visit_on_or_plan_start: date, **kw: Unpack[ClockContext]) -> Clock:
    """The next visit in which the child is seen, ``policy.visit_frequency_working_days`` after
    the last such visit (or the plan start). Always unmet: a new visit starts a new clock."""
    days = kw["policy"].visit_frequency_working_days
    return _working_day_clock("statutory_visit", "Statutory visit", last_visit_on_or_plan_start, days, None, **kw)
