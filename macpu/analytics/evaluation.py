"""Was a change in practice followed by a change in the figures? Difference in differences (pure Python).

An area that changed its practice (the unit's start, say) is compared with its statistical neighbours, which did not:
the change in the area's measure from the years before to the years after, minus the average change in its
neighbours' over the same years. The neighbours stand for what would have happened in the area without the change.

That rests on assumptions the page states beside the result:

- Parallel trends: before the change, the area and its neighbours moved together. `pre_trend_gap` measures how far
  they did not: the yearly change in the gap between them before the change.
- Nothing else changed at the same time in the area and not in its neighbours (an inspection, a new director).
- The neighbours did not make the same change.

With only a handful of neighbours there is no honest standard error, so the result is set against placebos: each
neighbour in turn treated as if it had made the change and compared with the others. If the area's difference is
larger than every neighbour's placebo difference, that is some evidence of an effect; if it sits among them, there is
none (Abadie, Diamond and Hainmueller's permutation inference).

Published figures are for years ending 31 March (year Y runs from 1 April Y-1). The year in which the change happened
is left out: it is part before and part after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

Figures = Mapping[int, float | None]  # year -> value, None where missing or suppressed


def year_ending_march(day: dt.date) -> int:
    """The published year (ending 31 March) that holds a date."""
    return day.year + 1 if day.month >= 4 else day.year


@dataclass(frozen=True)
class Periods:
    before: tuple[int, ...]
    after: tuple[int, ...]
    left_out: int  # the year the change happened in


def periods(change_on: dt.date, years: Sequence[int], *, before: int = 3, after: int = 3) -> Periods:
    """Up to `before` whole years before the change and `after` whole years after it, among the years there are."""
    changed = year_ending_march(change_on)
    if change_on == dt.date(changed - 1, 4, 1):  # the change began with a year: that year is wholly after
        changed -= 1
        return Periods(
            tuple(y for y in sorted(years) if changed - before < y <= changed),
            tuple(y for y in sorted(years) if changed < y <= changed + after),
            left_out=0,
        )
    return Periods(
        tuple(y for y in sorted(years) if changed - before <= y < changed),
        tuple(y for y in sorted(years) if changed < y <= changed + after),
        left_out=changed,
    )


def _mean(figures: Figures, years: Sequence[int]) -> float | None:
    values = [figures.get(y) for y in years]
    if not years or any(v is None for v in values):
        return None  # a missing year would change which years are compared
    return fmean(v for v in values if v is not None)


def _difference(area: Figures, others: Sequence[Figures], p: Periods) -> float | None:
    before, after = _mean(area, p.before), _mean(area, p.after)
    others_before = [_mean(o, p.before) for o in others]
    others_after = [_mean(o, p.after) for o in others]
    pairs = [(b, a) for b, a in zip(others_before, others_after, strict=True) if b is not None and a is not None]
    if before is None or after is None or not pairs:
        return None
    return (after - before) - fmean(a - b for b, a in pairs)


@dataclass(frozen=True)
class Evaluation:
    periods: Periods
    area_before: float | None
    area_after: float | None
    neighbours_before: float | None  # the neighbours' average, over the neighbours with every year
    neighbours_after: float | None
    difference: float | None  # the difference in differences: the estimated effect of the change
    placebos: dict[str, float]  # each neighbour's difference, as if it had made the change
    pre_trend_gap: float | None  # the yearly change in the area-minus-neighbours gap before the change
    neighbours_used: int

    @property
    def larger_placebos(self) -> int:
        """How many neighbours' placebo differences are at least as large, in either direction, as the area's."""
        if self.difference is None:
            return 0
        return sum(abs(p) >= abs(self.difference) for p in self.placebos.values())

    @property
    def stands_out(self) -> bool:
        return self.difference is not None and len(self.placebos) >= 3 and self.larger_placebos == 0


def evaluate(
    area: Figures, neighbours: Mapping[str, Figures], change_on: dt.date, *, before: int = 3, after: int = 3
) -> Evaluation:
    years = sorted(set(area) | {y for n in neighbours.values() for y in n})
    p = periods(change_on, years, before=before, after=after)
    complete = {
        name: n for name, n in neighbours.items() if _mean(n, p.before) is not None and _mean(n, p.after) is not None
    }
    others = list(complete.values())

    def average(which: Sequence[int]) -> float | None:
        means = [_mean(n, which) for n in others]
        return fmean(m for m in means if m is not None) if others else None

    placebos = {}
    for name, n in complete.items():
        d = _difference(n, [o for other, o in complete.items() if other != name], p)
        if d is not None:
            placebos[name] = d
    gaps = [
        (y, area[y] - fmean(n[y] for n in others))  # type: ignore[operator, misc]
        for y in p.before
        if area.get(y) is not None and others and all(n.get(y) is not None for n in others)
    ]
    trend = (gaps[-1][1] - gaps[0][1]) / (gaps[-1][0] - gaps[0][0]) if len(gaps) >= 2 else None
    return Evaluation(
        periods=p,
        area_before=_mean(area, p.before),
        area_after=_mean(area, p.after),
        neighbours_before=average(p.before),
        neighbours_after=average(p.after),
        difference=_difference(area, others, p),
        placebos=placebos,
        pre_trend_gap=trend,
        neighbours_used=len(others),
    )
