"""Working days in England, and the two ways of counting "within N working days".

A working day is Monday to Friday, excluding England and Wales bank holidays (taken from the
``holidays`` library, England subdivision, which includes substitute days such as Mon 28 Dec 2026
for Boxing Day and one-off holidays such as the coronation on Mon 8 May 2023). Years are loaded on
demand, so any year works.

Two conventions, chosen with the keyword ``start_day_counts``:

``start_day_counts=True`` (the DfE CIN census validator's convention, macpu's default)
    The start day is day 1. Something due "within N working days of D" is due on the
    (N-1)th working day after D. The start day is day 1 even when it is not a working day, so a
    Saturday start gets the same due date as the Friday before it. One exception: a 1-working-day
    deadline from a non-working day is the next working day (a deadline never falls on a
    day nobody works).

``start_day_counts=False``
    The first working day after D is day 1: due on the Nth working day after D.

Example: an s47 enquiry that must reach an initial conference within 15 working days, around
Easter 2027 (Good Friday 26 Mar and Easter Monday 29 Mar are bank holidays):

* start Tue 9 Mar 2027, True: 9 Mar is day 1, 10-12 Mar days 2-4, 15-19 Mar days 5-9,
  22-25 Mar days 10-13, 30 Mar day 14, Wed 31 Mar 2027 day 15: due Wed 31 Mar 2027.
* start Tue 9 Mar 2027, False: 10 Mar is day 1 ... due Thu 1 Apr 2027.
* start Sat 6 Mar 2027, True: 6 Mar is day 1, Mon 8 Mar day 2, ... due Thu 25 Mar 2027
  (the same as a start on Fri 5 Mar).

What the DfE validator does (PyPI ``csc-validator-be-cin`` 0.1.13; its source read and its code
run, not assumed). The rules are in ``cin_validator/rules/cin2022_23/`` and are carried unchanged
into the 2026-27 rule set:

* Rule 8675Q (Section47): if there is no ``DateOfInitialCPC`` and ``ICPCnotReqiured`` is false,
  ``S47ActualStartDate`` should not be before ``ReferenceDate`` (census end, 31 March) minus
  15 working days.
* Rule 8670Q (Assessments): if there is no ``AssessmentAuthorisationDate``,
  ``AssessmentActualStartDate`` should not be before ``ReferenceDate`` minus 45 working days.
* Both compute ``collection_end - england_working_days(N)`` from ``cin_validator/utils.py``::

      pd.offsets.CustomBusinessDay(n=N - 1, calendar=np.busdaycalendar(holidays=england_holidates))

  (its comment: "CustomBusinessDay doesn't seem to include the end date so offset by 1 so that
  it does") and flag a row when the start date is strictly before the result. For the dates
  in the tests this equals ``np.busday_offset(E, -(N - 1), roll="forward", holidays=england_holidates)``.
  So a row is flagged when "start + (N-1) working days < census end": the start day is day 1.
  A Saturday start is flagged exactly when the Friday before it would be, hence the rule above
  for non-working start days.
* Bank holidays: yes, from a hard-coded list, ``cin_validator/england_holidates.py``, covering
  3 Jan 2022 to 28 Dec 2027 only (outside it the validator skips only weekends). For 2022-2027
  the list equals the weekday holidays this module gets from ``holidays`` (tested).
* Rule 8569Q uses the same helper with N=1, i.e. ``CustomBusinessDay(n=0)``, which only rolls a
  non-working collection start forward. No rule calls ``numpy.busday_count``. No rule compares
  ``InitialCPCtarget`` with the s47 start or strategy discussion: rule 8870Q only queries an
  ``InitialCPCtarget`` that is a Saturday or Sunday (bank holidays are not checked).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

_ONE_DAY = timedelta(days=1)


class WorkingDayCalendar:
    """Working days in England; ``extra_non_working_days`` adds further closed days."""

    def __init__(self, extra_non_working_days: Iterable[date] = ()) -> None:
        # No ``years``: the holidays object loads each year the first time a date in it is checked.
        self._bank_holidays = holidays.country_holidays("GB", subdiv="ENG")
        self._extra_non_working_days = frozenset(extra_non_working_days)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self._extra_non_working_days and d not in self._bank_holidays

    def _next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int, *, start_day_counts: bool) -> date:
        """The due date of something that must happen "within ``n`` working days of ``start``"."""
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        steps = n - 1 if start_day_counts else n
        if steps == 0:
            return start if self.is_working_day(start) else self._next_working_day(start)
        due = start
        for _ in range(steps):
            due = self._next_working_day(due)
        return due

    def working_days_between(self, start: date, end: date, *, start_day_counts: bool) -> int:
        """Which working day of the clock ``end`` falls on: the count used for timeliness.

        With ``start_day_counts=True`` the start day is 1 and each working day after it adds one;
        with ``False`` the start day is 0. For a working-day ``end``, ``end`` is on time for an
        ``n``-working-day clock exactly when this is at most ``n`` (except for the 1-working-day
        clock from a non-working day, whose due date gives 2). A non-working ``end`` gets the count
        of the last working day before it.
        """
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        count = 1 if start_day_counts else 0
        d = start + _ONE_DAY
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count
