"""The SVG chart layouts: axes a person would label, gaps where a figure is missing, bars and intervals to scale."""

from __future__ import annotations

import pytest

from macpu.analytics.charts import BarValue, Series, bar_chart, line_chart, nice_ticks


def test_axis_ticks_are_round_numbers_covering_the_values():
    assert nice_ticks(0, 212) == [0, 50, 100, 150, 200, 250]
    assert nice_ticks(0, 0.34) == [0, 0.1, 0.2, 0.3, 0.4]


def test_a_missing_year_breaks_the_line_instead_of_joining_across_it():
    chart = line_chart("Rate", ["2019", "2020", "2021", "2022"], [Series("Hampshire", [10, None, 30, 40], "highlight")])
    (line,) = chart.lines
    assert len(line.paths) == 2
    assert len(line.points) == 3
    assert line.paths[0].count(",") == 1  # one point: 2019 alone


def test_higher_values_are_drawn_higher_and_the_highlighted_series_on_top():
    chart = line_chart(
        "Rate",
        ["2020", "2021"],
        [
            Series("Hampshire", [100, 200], "highlight"),
            Series("Neighbour", [50, 60]),
            Series("England", [1, 2], "comparison"),
        ],
    )
    assert [line.name for line in chart.lines] == ["Neighbour", "England", "Hampshire"]
    hampshire = chart.lines[-1]
    assert hampshire.points[1][1] < hampshire.points[0][1]  # SVG's y grows downwards
    assert hampshire.width > chart.lines[0].width


def test_bars_and_their_intervals_are_drawn_to_one_scale_and_a_suppressed_value_has_no_bar():
    chart = bar_chart(
        "Share followed by a plan",
        [BarValue("Police", 0.5, 0.4, 0.6), BarValue("Schools", 0.25, 0.2, 0.3), BarValue("Health", None)],
        percent=True,
    )
    police, schools, health = chart.bars
    assert police.width == pytest.approx(2 * schools.width, abs=0.1)
    assert police.low_x < police.x + police.width < police.high_x
    assert police.value_text == "50%"
    assert health.width == 0 and health.low_x is None and health.value_text == "Not shown"
    assert chart.ticks[-1].label == "60%"


def test_the_caption_names_the_coloured_series_highlighted_first_and_says_what_the_grey_lines_are():
    chart = line_chart(
        "Rate",
        ["2020"],
        [Series("Neighbour", [1]), Series("England", [2], "comparison"), Series("Hampshire", [3], "highlight")],
    )
    assert [line.name for line in chart.key] == ["Hampshire", "England"]
    assert chart.grey_lines
    assert not line_chart("Rate", ["2020"], [Series("Hampshire", [3], "highlight")]).grey_lines


def test_bars_leave_room_for_the_longest_label_and_keep_at_least_250_for_themselves():
    short = bar_chart("Share", [BarValue("Police", 0.5)])
    long = bar_chart("Share", [BarValue("Individual: family member, relative or carer", 0.5)])
    assert short.plot_left < long.plot_left
    assert long.plot_left >= 7 * len("Individual: family member, relative or carer")
    endless = bar_chart("Share", [BarValue("x" * 200, 0.5)])
    assert endless.plot_right - endless.plot_left >= 250
