from datetime import date, timedelta

import pytest

from macpu.timescales.calendar import WorkingDayCalendar

CALENDAR = WorkingDayCalendar()


def test_saturday_and_sunday_are_not_working_days() -> None:
    assert not CALENDAR.is_working_day(date(2027, 6, 5))  # Sat
    assert not CALENDAR.is_working_day(date(2027, 6, 6))  # Sun
    assert CALENDAR.is_working_day(date(2027, 6, 4))  # Fri
    assert CALENDAR.is_working_day(date(2027, 6, 7))  # Mon


def test_christmas_2026_closes_fri_25_dec_and_mon_28_dec_for_boxing_day() -> None:
    assert CALENDAR.is_working_day(date(2026, 12, 24))  # Thu
    assert not CALENDAR.is_working_day(date(2026, 12, 25))  # Fri, Christmas Day
    assert not CALENDAR.is_working_day(date(2026, 12, 28))  # Mon, substitute for Boxing Day (Sat)
    assert CALENDAR.is_working_day(date(2026, 12, 29))  # Tue


def test_good_friday_and_easter_monday_2027_are_not_working_days() -> None:
    assert CALENDAR.is_working_day(date(2027, 3, 25))  # Thu
    assert not CALENDAR.is_working_day(date(2027, 3, 26))  # Good Friday
    assert not CALENDAR.is_working_day(date(2027, 3, 29))  # Easter Monday
    assert CALENDAR.is_working_day(date(2027, 3, 30))  # Tue


def test_the_early_may_bank_holiday_2027_is_monday_3_may() -> None:
    assert not CALENDAR.is_working_day(date(2027, 5, 3))
    assert CALENDAR.is_working_day(date(2027, 5, 4))


def test_bank_holidays_are_known_for_any_year_without_configuration() -> None:
    assert not CALENDAR.is_working_day(date(2045, 12, 25))  # Mon, Christmas Day
    assert not CALENDAR.is_working_day(date(2045, 12, 26))  # Tue, Boxing Day
    assert not CALENDAR.is_working_day(date(1999, 12, 28))  # Tue, substitute for Boxing Day


def test_extra_non_working_days_given_to_the_calendar_are_not_working_days() -> None:
    calendar = WorkingDayCalendar(extra_non_working_days=[date(2027, 6, 9)])  # a Wednesday
    assert not calendar.is_working_day(date(2027, 6, 9))
    assert CALENDAR.is_working_day(date(2027, 6, 9))


# cin_validator/england_holidates.py in csc-validator-be-cin 0.1.13, copied verbatim.
DFE_VALIDATOR_BANK_HOLIDAYS = {
    # 2022 (incl. the Platinum Jubilee, 3 Jun, and the Queen's funeral, 19 Sep)
    date(2022, 1, 3), date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2), date(2022, 6, 2),
    date(2022, 6, 3), date(2022, 8, 29), date(2022, 9, 19), date(2022, 12, 26), date(2022, 12, 27),
    # 2023 (incl. the coronation, 8 May)
    date(2023, 1, 2), date(2023, 4, 7), date(2023, 4, 10), date(2023, 5, 1), date(2023, 5, 8),
    date(2023, 5, 29), date(2023, 8, 28), date(2023, 12, 25), date(2023, 12, 26),
    # 2024
    date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6), date(2024, 5, 27),
    date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26),
    # 2025
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5), date(2025, 5, 26),
    date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    # 2026
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    # 2027
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
    date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
}  # fmt: skip


def test_bank_holidays_2022_to_2027_match_the_dfe_validators_list() -> None:
    day = date(2022, 1, 1)
    closed_weekdays = set()
    while day <= date(2027, 12, 31):
        if day.weekday() < 5 and not CALENDAR.is_working_day(day):
            closed_weekdays.add(day)
        day += timedelta(days=1)
    assert closed_weekdays == DFE_VALIDATOR_BANK_HOLIDAYS


def test_counting_the_start_day_15_working_days_from_9_mar_2027_is_31_mar() -> None:
    # Tue 9 Mar is day 1; 10-12 Mar days 2-4; 15-19 Mar days 5-9; 22-25 Mar days 10-13;
    # Fri 26 (Good Friday) and Mon 29 (Easter Monday) skipped; 30 Mar day 14; Wed 31 Mar day 15.
    due = CALENDAR.add_working_days(date(2027, 3, 9), 15, start_day_counts=True)
    assert due == date(2027, 3, 31)


def test_counting_from_the_next_day_15_working_days_from_9_mar_2027_is_1_apr() -> None:
    # Wed 10 Mar is day 1, so everything above moves one working day on: Thu 1 Apr is day 15.
    due = CALENDAR.add_working_days(date(2027, 3, 9), 15, start_day_counts=False)
    assert due == date(2027, 4, 1)


def test_1_working_day_from_christmas_eve_2026_is_that_day_or_29_dec() -> None:
    # Thu 24 Dec; 25 Fri bank holiday, 26-27 weekend, 28 Mon substitute bank holiday.
    start = date(2026, 12, 24)
    assert CALENDAR.add_working_days(start, 1, start_day_counts=True) == date(2026, 12, 24)
    assert CALENDAR.add_working_days(start, 1, start_day_counts=False) == date(2026, 12, 29)


def test_a_saturday_start_counts_as_day_1_so_is_due_with_the_friday_before() -> None:
    # Sat 6 Mar 2027 is day 1; Mon 8 Mar day 2; 9-12 Mar days 3-6; 15-19 Mar days 7-11;
    # 22-25 Mar days 12-15: Thu 25 Mar. From Fri 5 Mar: 5 Mar day 1, then the same days follow.
    assert CALENDAR.add_working_days(date(2027, 3, 6), 15, start_day_counts=True) == date(2027, 3, 25)
    assert CALENDAR.add_working_days(date(2027, 3, 5), 15, start_day_counts=True) == date(2027, 3, 25)


def test_a_saturday_start_not_counting_the_start_day_begins_on_monday() -> None:
    # Mon 8 Mar 2027 is day 1; 8-12 days 1-5; 15-19 days 6-10; 22-25 days 11-14;
    # Easter 26 and 29 Mar skipped; Tue 30 Mar day 15.
    due = CALENDAR.add_working_days(date(2027, 3, 6), 15, start_day_counts=False)
    assert due == date(2027, 3, 30)


def test_a_1_working_day_deadline_from_a_bank_holiday_is_the_next_working_day() -> None:
    # Fri 25 Dec 2026 is not a working day, so a deadline cannot fall on it: 26-27 weekend,
    # 28 Mon bank holiday, Tue 29 Dec. With 2 working days, 25 Dec is day 1 and 29 Dec day 2.
    start = date(2026, 12, 25)
    assert CALENDAR.add_working_days(start, 1, start_day_counts=True) == date(2026, 12, 29)
    assert CALENDAR.add_working_days(start, 2, start_day_counts=True) == date(2026, 12, 29)
    assert CALENDAR.add_working_days(start, 1, start_day_counts=False) == date(2026, 12, 29)


def test_adding_zero_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2027, 3, 9), 0, start_day_counts=True)


def test_working_days_between_counts_the_start_day_only_if_it_counts() -> None:
    # See the 15-working-day example above: Wed 31 Mar 2027 is day 15 from Tue 9 Mar, or day 14.
    start, end = date(2027, 3, 9), date(2027, 3, 31)
    assert CALENDAR.working_days_between(start, end, start_day_counts=True) == 15
    assert CALENDAR.working_days_between(start, end, start_day_counts=False) == 14
    assert CALENDAR.working_days_between(start, start, start_day_counts=True) == 1
    assert CALENDAR.working_days_between(start, start, start_day_counts=False) == 0


def test_working_days_from_a_start_to_its_due_date_are_the_days_allowed() -> None:
    start = date(2026, 12, 1)
    while start < date(2027, 4, 30):
        if CALENDAR.is_working_day(start):
            for n in range(1, 46):
                for start_day_counts in (True, False):
                    due = CALENDAR.add_working_days(start, n, start_day_counts=start_day_counts)
                    count = CALENDAR.working_days_between(start, due, start_day_counts=start_day_counts)
                    assert count == n, (start, n, start_day_counts)
        start += timedelta(days=1)


def test_working_days_between_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValueError):
        CALENDAR.working_days_between(date(2027, 3, 9), date(2027, 3, 8), start_day_counts=True)


# Rules 8675Q (15 WD, S47ActualStartDate) and 8670Q (45 WD, AssessmentActualStartDate) flag a
# start date strictly before `collection_end - england_working_days(N)`. Each threshold below was
# computed by running exactly that expression,
#     pd.Timestamp(end) - cin_validator.utils.england_working_days(n)
# in the validator's own environment (~/.cache/cin-validate-venv: csc-validator-be-cin 0.1.13,
# pandas 1.5.3, numpy 1.26.4); np.busday_offset(end, -(n - 1), roll="forward",
# holidays=england_holidates) gave the same dates. They are hard-coded here, not recomputed.
VALIDATOR_THRESHOLDS = [
    (
        15,
        date(2027, 3, 31),
        date(2027, 3, 9),
    ),  # 8675Q, 2026-27 census end (Wed), across Easter
    (45, date(2027, 3, 31), date(2027, 1, 26)),  # 8670Q, 2026-27 census end
    (15, date(2026, 3, 31), date(2026, 3, 11)),  # 8675Q, 2025-26 census end (Tue)
    (45, date(2026, 3, 31), date(2026, 1, 28)),  # 8670Q, 2025-26 census end
    (
        15,
        date(2024, 3, 31),
        date(2024, 3, 11),
    ),  # 8675Q, 2023-24 census end: Easter Sunday
    (45, date(2024, 3, 31), date(2024, 1, 29)),  # 8670Q, 2023-24 census end
    (
        15,
        date(2027, 1, 8),
        date(2026, 12, 16),
    ),  # same expression, a Friday after Christmas 2026
]


@pytest.mark.parametrize(("n", "end", "threshold"), VALIDATOR_THRESHOLDS)
def test_counting_the_start_day_overdue_starts_are_exactly_those_the_dfe_validator_flags(
    n: int, end: date, threshold: date
) -> None:
    # Every start within a fortnight of the threshold, weekends and bank holidays included.
    for offset in range(-14, 15):
        start = threshold + timedelta(days=offset)
        validator_flags = start < threshold
        overdue_at_end = CALENDAR.add_working_days(start, n, start_day_counts=True) < end
        assert overdue_at_end == validator_flags, start
