"""Difference in differences: the area's change minus its neighbours' change, set against placebos."""

from __future__ import annotations

import datetime as dt

import pytest

from macpu.analytics.evaluation import evaluate, periods, year_ending_march

YEARS = range(2015, 2024)


def flat(value: float, **changes: float) -> dict[int, float | None]:
    figures: dict[int, float | None] = {y: value for y in YEARS}
    figures.update({int(y[1:]): v for y, v in changes.items()})
    return figures


def test_a_date_belongs_to_the_published_year_ending_the_next_31_march():
    assert year_ending_march(dt.date(2019, 3, 31)) == 2019
    assert year_ending_march(dt.date(2019, 4, 1)) == 2020


def test_the_year_of_the_change_is_left_out_unless_the_change_began_with_it():
    mid_year = periods(dt.date(2019, 9, 1), YEARS)
    assert (mid_year.before, mid_year.left_out, mid_year.after) == ((2017, 2018, 2019), 2020, (2021, 2022, 2023))
    from_april = periods(dt.date(2019, 4, 1), YEARS)
    assert (from_april.before, from_april.after) == ((2017, 2018, 2019), (2020, 2021, 2022))


def test_the_difference_is_the_areas_change_less_the_neighbours_average_change():
    area = {**flat(200), **{y: 150.0 for y in (2021, 2022, 2023)}}  # down 50
    neighbours = {
        "A": {**flat(100), **{y: 90.0 for y in (2021, 2022, 2023)}},  # down 10
        "B": {**flat(120), **{y: 110.0 for y in (2021, 2022, 2023)}},  # down 10
        "C": flat(80),  # no change
    }
    result = evaluate(area, neighbours, dt.date(2019, 9, 1))
    assert result.area_before == 200 and result.area_after == 150
    assert result.neighbours_before == pytest.approx(100)
    assert result.neighbours_after == pytest.approx(100 - 20 / 3)
    assert result.difference == pytest.approx(-50 + 20 / 3)
    assert result.pre_trend_gap == 0


def test_placebos_treat_each_neighbour_as_if_it_had_changed_and_say_whether_the_area_stands_out():
    area = {**flat(200), **{y: 150.0 for y in (2021, 2022, 2023)}}
    neighbours = {name: flat(100 + i) for i, name in enumerate("ABCD")}
    neighbours["D"] = {**flat(103), 2021: 98.0, 2022: 98.0, 2023: 98.0}
    result = evaluate(area, neighbours, dt.date(2019, 9, 1))
    assert result.placebos["D"] == pytest.approx(-5)
    assert result.placebos["A"] == pytest.approx(5 / 3)
    assert result.larger_placebos == 0 and result.stands_out

    result = evaluate(flat(200), neighbours, dt.date(2019, 9, 1))  # no change in the area: nothing stands out
    assert result.difference == pytest.approx(5 / 4)
    assert result.larger_placebos >= 1 and not result.stands_out


def test_a_neighbour_missing_a_year_is_left_out_and_a_diverging_trend_before_the_change_is_measured():
    area = {y: 100.0 + 10 * (y - 2015) for y in YEARS}  # rising 10 a year, the neighbours flat
    neighbours = {"A": flat(100), "B": flat(100, y2018=None)}
    result = evaluate(area, neighbours, dt.date(2019, 9, 1))
    assert result.neighbours_used == 1
    assert result.pre_trend_gap == pytest.approx(10)


def test_no_difference_when_the_area_has_a_missing_year():
    result = evaluate(flat(100, y2022=None), {"A": flat(90)}, dt.date(2019, 9, 1))
    assert result.difference is None
