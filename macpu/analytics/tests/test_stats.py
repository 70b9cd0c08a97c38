"""Confidence intervals against published worked examples, and the small-number rules."""

from __future__ import annotations

import pytest

from macpu.analytics.stats import complementary, newcombe, rate_suppressed, suppress_column, suppressed, wilson


@pytest.mark.parametrize(
    ("events", "total", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table II, method 3 (Wilson score without correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_the_wilson_interval_matches_newcombes_worked_examples(events, total, low, high):
    interval = wilson(events, total)

    assert interval is not None
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_the_wilson_interval_of_all_events_mirrors_that_of_none():
    none, every = wilson(0, 20), wilson(20, 20)

    assert none is not None and every is not None
    assert every.low == pytest.approx(1 - none.high) and every.high == 1.0


def test_there_is_no_interval_for_nothing_counted():
    assert wilson(0, 0) is None
    assert newcombe(1, 2, 0, 0) is None


def test_an_impossible_count_is_refused():
    with pytest.raises(ValueError, match="between 0 and total"):
        wilson(3, 2)


@pytest.mark.parametrize(
    ("e1", "n1", "e2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
    ],
)
def test_the_difference_interval_matches_newcombes_method_10(e1, n1, e2, n2, low, high):
    interval = newcombe(e1, n1, e2, n2)

    assert interval is not None
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_counts_from_1_to_one_below_the_threshold_are_hidden_and_0_is_shown():
    assert [suppressed(n, 5) for n in (0, 1, 4, 5, 6)] == [False, True, True, False, False]


def test_a_single_hidden_count_hides_the_smallest_other_so_the_total_cannot_reveal_it():
    assert suppress_column([10, 3, 7, 20], 5) == [False, True, True, False]


def test_two_hidden_counts_need_no_more_hiding():
    assert suppress_column([10, 3, 2, 20], 5) == [False, True, True, False]


def test_complementary_hiding_prefers_a_count_above_0():
    assert suppress_column([0, 3, 8, 0], 5) == [False, True, True, False]
    assert suppress_column([0, 3, 0], 5) == [True, True, False]


def test_complementary_hiding_of_whole_rows_takes_the_smallest_row():
    assert complementary([False, True, False], [40, 6, 12]) == [False, True, True]


def test_a_share_is_hidden_when_its_count_the_rest_or_its_total_is_small():
    assert rate_suppressed(3, 40, 5)  # 3 counted
    assert rate_suppressed(38, 40, 5)  # 2 not counted
    assert rate_suppressed(0, 4, 5)  # out of 4
    assert not rate_suppressed(0, 40, 5)
    assert not rate_suppressed(20, 40, 5)
