"""Deadlines in working hours: an information request rated red is due 4 working hours after it is sent.

Working time is the hours between ``starts`` and ``ends`` (local time, England) on working days
(``WorkingDayCalendar``: Monday to Friday, not a bank holiday). A request sent outside working time starts
counting at the next start of working time. Counting is done on the local clock, so a deadline across the
clocks changing is still "3 working hours after 2 pm" = 5 pm, whatever the offset.

Example, with the default 9:00 to 17:00: sent Fri 4 Dec 2026 at 15:30, 4 working hours are 1.5 hours on Friday
and 2.5 on Monday: due Mon 7 Dec 2026 at 11:30. Sent Thu 24 Dec 2026 at 16:00, 24 working hours: 1 hour on
Thursday; Fri 25 (Christmas) and Mon 28 Dec (the Boxing Day substitute) are bank holidays; 8 hours each on Tue 29
and Wed 30 Dec make 17; the last 7 run on Thu 31 Dec from 9:00: due at 16:00.

Elapsed hours (``hours``) are plain clock hours, weekends and nights included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from macpu.timescales.calendar import WorkingDayCalendar

ENGLAND = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class WorkingHours:
    starts: time = time(9)
    ends: time = time(17)
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)

    def __post_init__(self) -> None:
        if self.ends <= self.starts:
            raise ValueError("Working hours must end after they start.")

    def _at(self, day: datetime, t: time) -> datetime:
        return datetime.combine(day.date(), t)

    def _next_start(self, local: datetime) -> datetime:
        """The start of the next working period at or after ``local`` (naive local time)."""
        day = local
        while True:
            if self.calendar.is_working_day(day.date()):
                start, end = self._at(day, self.starts), self._at(day, self.ends)
                if local < end:
                    return max(local, start)
            day = self._at(day + timedelta(days=1), time(0))
            local = day

    def add(self, start: datetime, hours: float) -> datetime:
        """``hours`` working hours after ``start`` (an aware datetime); the answer is aware, in England's time."""
        local = start.astimezone(ENGLAND).replace(tzinfo=None)
        left = timedelta(hours=hours)
        cursor = self._next_start(local)
        while True:
            room = self._at(cursor, self.ends) - cursor
            if left <= room:
                return (cursor + left).replace(tzinfo=ENGLAND)
            left -= room
            cursor = self._next_start(self._at(cursor, self.ends))


def deadline(start: datetime, amount: float, unit: str, working_hours: WorkingHours) -> datetime:
    """``amount`` hours after ``start``: working hours (``unit="working_hours"``) or clock hours (``"hours"``)."""
    if unit == "working_hours":
        return working_hours.add(start, amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    raise ValueError(f"Unknown unit {unit!r}: use 'working_hours' or 'hours'.")
