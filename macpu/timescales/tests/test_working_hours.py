"""Working-hour deadlines, hand-worked across weekends, bank holidays, nights and the clocks changing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from macpu.timescales.calendar import WorkingDayCalendar
from macpu.timescales.working_hours import ENGLAND, WorkingHours, deadline

HOURS = WorkingHours()


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ENGLAND)


@pytest.mark.parametrize(
    ("sent", "hours", "due"),
    [
        (at(2026, 12, 2, 10), 4, at(2026, 12, 2, 14)),  # Wed: all on the day
        (at(2026, 12, 2, 15), 4, at(2026, 12, 3, 11)),  # 2 h Wed, 2 h Thu
        (at(2026, 12, 4, 15, 30), 4, at(2026, 12, 7, 11, 30)),  # Fri afternoon: over the weekend
        (at(2026, 12, 5, 11), 4, at(2026, 12, 7, 13)),  # sent on a Saturday: counts from Mon 9:00
        (at(2026, 12, 2, 7), 4, at(2026, 12, 2, 13)),  # before work: counts from 9:00
        (at(2026, 12, 2, 19), 4, at(2026, 12, 3, 13)),  # after work: counts from 9:00 the next day
        (at(2026, 12, 2, 17), 8, at(2026, 12, 3, 17)),  # sent as work ends: the whole next day
        (at(2026, 12, 4, 15, 30), 24, at(2026, 12, 9, 15, 30)),  # 1.5 + 8 + 8 + 6.5: Wed
        (at(2026, 12, 24, 16), 24, at(2026, 12, 31, 16)),  # Christmas and the Boxing Day substitute
        (at(2027, 3, 26, 10), 4, at(2027, 3, 30, 13)),  # sent on Good Friday: counts from Tue after Easter Monday
        (at(2027, 3, 25, 15), 4, at(2027, 3, 30, 11)),  # 2 h Thu, 2 h Tue; the clocks went forward on Sun 28 Mar
        (at(2026, 10, 23, 16), 3, at(2026, 10, 26, 11)),  # the clocks went back on Sun 25 Oct
    ],
)
def test_working_hours_are_counted_on_working_days_between_9_and_5(sent: datetime, hours: float, due: datetime) -> None:
    assert HOURS.add(sent, hours) == due


def test_the_answer_does_not_depend_on_the_time_zone_the_start_is_given_in() -> None:
    sent_utc = at(2027, 6, 4, 15, 30).astimezone(UTC)  # 14:30 UTC, 15:30 in England (summer time)

    assert HOURS.add(sent_utc, 4) == at(2027, 6, 7, 11, 30)


def test_working_hours_and_closed_days_are_local_choices() -> None:
    early = WorkingHours(starts=time(8), ends=time(18), calendar=WorkingDayCalendar([date(2026, 12, 7)]))

    assert early.add(at(2026, 12, 4, 17), 4) == at(2026, 12, 8, 11)  # 1 h Fri; Mon 7 closed; 3 h Tue from 8:00


def test_clock_hours_run_through_nights_and_weekends() -> None:
    assert deadline(at(2026, 12, 4, 15), 72, "hours", HOURS) == at(2026, 12, 7, 15)
    assert deadline(at(2026, 12, 4, 15), 4, "working_hours", HOURS) == at(2026, 12, 7, 11)


def test_bad_settings_are_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="end after they start"):
        WorkingHours(starts=time(17), ends=time(9))
    with pytest.raises(ValueError, match="Unknown unit 'days'"):
        deadline(at(2026, 12, 4, 15), 1, "days", HOURS)
    assert timedelta(0) < HOURS.add(at(2026, 12, 4, 15), 0.5) - at(2026, 12, 4, 15)
