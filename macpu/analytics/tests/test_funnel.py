"""The unit's funnel and the measures followed per enquiry, on a small scenario counted by hand.

The records are written directly (the analytics only read them); financial years run April to March; the measures
are judged on Wed 30 Jun 2027.

    child  referral (source)          decision               enquiry and conference                plan
    Ann    R1 Mon 5 May 2025 (police) strategy, same day  SD Tue 6 May, s47, ICPC Fri 23 May    23 May-20 Aug 2025
    Ann    R2 Tue 5 May 2026 (police) strategy, Thu 7 May SD Thu 7 May, s47 not substantiated
    Ben    R3 Mon 2 Jun 2025 (school) assessment, same day
    Ben    R4 Wed 3 Jun 2026 (school) no further action
    Cat    R5 Tue 1 Jul 2025 (police) strategy, same day  SD 1 Jul, s47, ICPC Tue 22 Jul (late) 22 Jul 2025-9 Jan 2026
    Cat    R6 Wed 1 Jul 2026 (police) strategy, same day  SD 1 Jul, s47, ICPC Fri 10 Jul        10 Jul 2026-
    Dan    R7 Mon 1 Jun 2026 (police) not decided; its contact names Dan and Eve, with a red information request

Hand-worked: R2 is exactly 12 months after R1 (a re-referral), R4 one day more than 12 months after R3 (not one);
Cat's second enquiry is exactly 12 months after her first (a repeat), Ann's one day more (not one). The initial
conference clock for R1's enquiry runs 15 working days from Tue 6 May 2025 over the Spring bank holiday (Mon 26 May):
due Tue 27 May 2025, held 23 May, on time; for R5's from Tue 1 Jul 2025: due Mon 21 Jul, held 22 Jul, late.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection

from macpu.agencies.selectors import working_day_calendar
from macpu.analytics import funnel as f
from macpu.analytics.tests.funnel_scenario import build_scenario
from macpu.intake.models import Referral
from macpu.timescales.clocks import LocalPolicy
from tests.factories import PersonFactory

D = dt.date
TODAY = D(2027, 6, 30)
FY2025, FY2026 = D(2025, 4, 1), D(2026, 4, 1)


@pytest.fixture
def scenario(team, manager, chair, social_worker):
    return build_scenario(team, manager, chair, social_worker)


def funnel_counts(*, period="year", breakdown="none"):
    counts = f.funnel(f.load(breakdown=breakdown), period=period, breakdown=breakdown)
    table: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(dict)
    for c in counts:
        table[c.period, c.group][c.stage] = c.count
    return table


def tallies(*, breakdown="none", period="year", policy=None):
    rows = f.measures(
        f.load(breakdown=breakdown),
        period=period,
        breakdown=breakdown,
        today=TODAY,
        calendar=working_day_calendar(),
        policy=policy or LocalPolicy(),
    )
    return {(t.measure, t.period, t.group): (t.events, t.total) for t in rows}


pytestmark = pytest.mark.django_db


def test_the_funnel_counts_each_step_in_the_year_of_its_own_date(scenario):
    table = funnel_counts()

    assert table[FY2025, "all"] == {"referrals": 3, "strategy": 2, "s47": 2, "icpc": 2, "plans": 2}
    assert table[FY2026, "all"] == {"contacts": 2, "referrals": 4, "strategy": 2, "s47": 2, "icpc": 1, "plans": 1}


def test_the_funnel_counts_by_quarter_and_month(scenario):
    quarters, months = funnel_counts(period="quarter"), funnel_counts(period="month")

    assert quarters[D(2026, 4, 1), "all"]["referrals"] == 3  # R2, R4, R7
    assert quarters[D(2026, 7, 1), "all"] == {"referrals": 1, "strategy": 1, "s47": 1, "icpc": 1, "plans": 1}
    assert months[D(2025, 5, 1), "all"] == {"referrals": 1, "strategy": 1, "s47": 1, "icpc": 1, "plans": 1}
    assert f.period_label("quarter", D(2026, 1, 1)) == "January to March 2026"
    assert f.period_label("year", FY2026) == "April 2026 to March 2027"
    assert f.period_label("month", D(2026, 5, 1)) == "May 2026"


def test_the_funnel_breaks_down_by_who_referred_and_the_information_request_rating(scenario):
    by_source, by_rag = funnel_counts(breakdown="source"), funnel_counts(breakdown="rag")

    assert by_source[FY2026, "6"] == {"contacts": 2, "referrals": 3, "strategy": 2, "s47": 2, "icpc": 1, "plans": 1}
    assert by_source[FY2026, "2A"] == {"referrals": 1}
    assert by_rag[FY2026, "red"] == {"contacts": 2, "referrals": 1}
    assert by_rag[FY2026, "none"]["referrals"] == 3
    assert f.group_labels("rag", ["red", "none"]) == {"red": "Red", "none": "No information request"}
    assert f.group_labels("source", ["6", "2A"]) == {"6": "Police", "2A": "Schools"}


def test_the_funnel_breaks_down_by_the_childs_age_on_the_day_sex_ethnicity_and_disability(scenario):
    by_age = funnel_counts(breakdown="age")
    by_sex, by_ethnicity = funnel_counts(breakdown="sex"), funnel_counts(breakdown="ethnicity")
    by_disability = funnel_counts(breakdown="disability")

    # Dan turned 5 on the day of his contact and referral, Mon 1 Jun 2026 (Cat was 5 at R6); Eve has no birth date.
    assert by_age[FY2026, "5"] == {"contacts": 1, "referrals": 2, "strategy": 1, "s47": 1, "icpc": 1, "plans": 1}
    assert by_age[FY2026, "unknown"] == {"contacts": 1}
    assert by_age[FY2025, "10"]["referrals"] == 2  # Ann (10) and Ben (13)
    assert by_sex[FY2026, "M"] == {"contacts": 1, "referrals": 2}  # Dan; Ben's second referral
    assert by_ethnicity[FY2026, "none"] == {"contacts": 1, "referrals": 1}
    assert by_disability[FY2025, "yes"] == {"referrals": 1, "strategy": 1, "s47": 1, "icpc": 1, "plans": 1}
    assert by_disability[FY2025, "no"] == {"referrals": 1}
    assert by_disability[FY2026, "unknown"]["contacts"] == 2


def test_the_funnel_breaks_down_by_team_and_decision_maker_with_their_names(scenario, manager, team):
    by_maker, by_team = funnel_counts(breakdown="decided_by"), funnel_counts(breakdown="team")

    assert by_maker[FY2026, str(manager.pk)]["referrals"] == 3
    assert by_maker[FY2026, "none"] == {"contacts": 2, "referrals": 1}
    assert by_team[FY2026, str(team.pk)]["referrals"] == 4
    assert f.group_labels("decided_by", [str(manager.pk), "none"]) == {
        str(manager.pk): "Morgan Manager",
        "none": "Not yet decided",
    }
    assert f.group_labels("team", [str(team.pk)]) == {str(team.pk): team.name}


def test_each_measure_follows_its_records_forward_with_12_month_windows_at_their_edges(scenario):
    t = tallies()

    assert t["s47_plan", FY2025, "all"] == (2, 2)
    assert t["s47_plan", FY2026, "all"] == (1, 2)  # Ann's second enquiry was not substantiated
    assert t["re_referral", FY2025, "all"] == (2, 3)  # R1 (exactly 12 months) and R5; not R3 (one day over)
    assert t["re_referral", FY2026, "all"] == (0, 3)  # R6 has not had 12 months yet, so is left out
    assert t["repeat_s47", FY2025, "all"] == (1, 2)  # Cat's (exactly 12 months); not Ann's (one day over)
    assert t["repeat_s47", FY2026, "all"] == (0, 1)
    assert t["plan_short", FY2025, "all"] == (1, 2)
    assert t["plan_short", FY2026, "all"] == (0, 1)
    assert t["plan_repeat", FY2025, "all"] == (0, 2)
    assert t["plan_repeat", FY2026, "all"] == (1, 1)


def test_a_12_month_window_counts_only_once_it_has_fully_passed(scenario):
    on_the_day = f.measures(
        f.load(),
        period="year",
        breakdown="none",
        today=D(2026, 7, 1),
        calendar=working_day_calendar(),
        policy=LocalPolicy(),
    )
    rows = {(t.measure, t.period): (t.events, t.total) for t in on_the_day}

    # R5 (Tue 1 Jul 2025) is judged on Wed 1 Jul 2026 and its re-referral that day counts; later ones wait.
    assert rows["re_referral", FY2025] == (2, 3)
    assert ("re_referral", FY2026) not in rows


def test_every_clock_counts_met_late_and_overdue_with_working_days_from_timescales(scenario):
    t = tallies()

    assert t["t_referral", FY2025, "all"] == (3, 3)
    assert t["t_referral", FY2026, "all"] == (2, 4)  # R2 decided 2 days late; R7 never decided and overdue
    assert t["t_icpc", FY2025, "all"] == (1, 2)  # on time over the bank holiday; a day late in July
    assert t["t_icpc", FY2026, "all"] == (1, 1)
    assert t["t_strategy", FY2025, "all"] == (2, 2)
    assert t["t_strategy", FY2026, "all"] == (2, 2)  # R2's clock started with its (late) decision
    assert t["t_contact", FY2026, "all"] == (0, 2)  # one contact, two children, never decided
    assert t["t_core_group", FY2025, "all"] == (0, 2)  # no core group recorded: overdue
    assert t["t_first_review", FY2025, "all"] == (0, 1)  # P1 ended before its review was due; P2 not reviewed


def test_measures_break_down_by_group(scenario):
    t = tallies(breakdown="source")

    assert t["t_referral", FY2026, "6"] == (1, 3)
    assert t["t_referral", FY2026, "2A"] == (1, 1)


def test_the_group_table_hides_small_groups_and_one_more_and_gives_differences_with_intervals():
    rows = [
        f.Tally("s47_plan", FY2025, "6", 20, 40),
        f.Tally("s47_plan", FY2025, "2A", 3, 10),
        f.Tally("s47_plan", FY2025, "3A", 10, 30),
        f.Tally("s47_plan", FY2025, "8", 30, 60),
    ]

    shown, total = f.measure_by_group(rows, measure="s47_plan", breakdown="source", shown=FY2025, threshold=5)

    by_label = {r.label: r for r in shown}
    assert by_label["Schools"].events is None and by_label["Schools"].share_text == "Not shown"
    assert by_label["Health services: GP"].total is None  # the smallest other group, hidden with it
    police = by_label["Police"]
    assert (police.events, police.total, police.share) == (20, 40, 0.5)
    assert police.difference == pytest.approx(0.5 - 43 / 100)
    assert police.low == pytest.approx(0.3520, abs=5e-5) and police.high == pytest.approx(0.6480, abs=5e-5)
    assert police.difference_low is not None and police.difference_low < 0 < police.difference_high
    assert (total.events, total.total) == (63, 140)


def test_the_funnel_table_hides_a_small_count_and_its_complement_but_shows_zeros():
    counts = [
        f.Count("referrals", FY2025, "6", 30),
        f.Count("referrals", FY2025, "2A", 2),
        f.Count("referrals", FY2025, "3A", 9),
        f.Count("plans", FY2025, "6", 6),
    ]

    rows, total = f.funnel_by_group(counts, breakdown="source", shown=FY2025, threshold=5)

    assert [r.label for r in rows] == ["Schools", "Health services: GP", "Police"]  # the code set's order
    values = {r.label: [c.value for c in r.cells] for r in rows}
    assert values["Schools"][1] is None and values["Health services: GP"][1] is None and values["Police"][1] == 30
    assert values["Police"][5] == 6 and values["Schools"][5] == 0
    assert [c.value for c in total.cells] == [0, 41, 0, 0, 0, 6]


def test_the_smallest_threshold_2_hides_only_counts_of_1():
    counts = [f.Count("plans", FY2025, "all", 1), f.Count("s47", FY2025, "all", 2)]

    (row,) = f.funnel_over_time(counts, period="year", threshold=2)

    assert [c.value for c in row.cells] == [0, 0, 0, 2, 0, None]


def test_measures_read_merged_children_as_one_child(scenario):
    ann = Referral.objects.get(received_on=D(2025, 5, 5)).child
    twin = PersonFactory(given_name="Ann again", merged_into=ann)
    Referral.objects.create(
        child=twin, received_on=D(2025, 9, 1), source="6", team=scenario.team, closed_on=D(2025, 9, 2),
        closure_reason="RC7",
    )  # fmt: skip

    t = tallies()

    # Ann's records under either person: R1 is followed by this referral, and this one by R2.
    assert t["re_referral", FY2025, "all"] == (3, 4)


def test_read_outside_a_transaction_the_counts_are_the_same(transactional_db, team, manager, chair, social_worker):
    """A page view is not inside a transaction: on PostgreSQL the tables are then read on two connections sharing
    one snapshot (the tests above all run inside one, on a single connection)."""
    build_scenario(team, manager, chair, social_worker)
    assert not connection.in_atomic_block

    by_rag = funnel_counts(breakdown="rag")
    assert by_rag[FY2026, "red"] == {"contacts": 2, "referrals": 1}
    assert by_rag[FY2026, "none"]["referrals"] == 3
    assert funnel_counts()[FY2026, "all"] == {
        "contacts": 2,
        "referrals": 4,
        "strategy": 2,
        "s47": 2,
        "icpc": 1,
        "plans": 1,
    }
    t = tallies()
    assert t["s47_plan", FY2026, "all"] == (1, 2)
    assert t["repeat_s47", FY2025, "all"] == (1, 2)
