"""Confidence intervals for proportions and their differences, and small-cell suppression (pure Python).

- ``wilson``: the Wilson score interval for one proportion (Newcombe 1998, method 3). It stays inside 0 to 1 and
  behaves well for small counts and for 0 or 100%, unlike the plain "plus or minus 1.96 standard errors".
- ``newcombe``: the interval for the difference of two independent proportions built from their Wilson intervals
  (Newcombe 1998, method 10, the "hybrid score" interval).
- ``suppressed``: whether a count is small enough to hide (1 up to the threshold less one; 0 is shown).
- ``suppress_column`` and ``complementary``: hide small counts in one column of a table with a total, and then one
  more count where a single hidden count could be worked out from the total (complementary suppression).
- ``rate_suppressed``: whether a share (events out of a total) is hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson(events: int, total: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval for events / total; None when total is 0."""
    if total <= 0:
        return None
    if not 0 <= events <= total:
        raise ValueError(f"events {events} must be between 0 and total {total}")
    p = events / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe(events1: int, total1: int, events2: int, total2: int, z: float = Z95) -> Interval | None:
    """The interval for p1 - p2 (Newcombe's method 10); None when either total is 0."""
    one, two = wilson(events1, total1, z), wilson(events2, total2, z)
    if one is None or two is None:
        return None
    p1, p2 = events1 / total1, events2 / total2
    difference = p1 - p2
    low = difference - math.sqrt((p1 - one.low) ** 2 + (two.high - p2) ** 2)
    high = difference + math.sqrt((one.high - p1) ** 2 + (p2 - two.low) ** 2)
    return Interval(low, high)


def suppressed(count: int, threshold: int) -> bool:
    """A count from 1 to threshold - 1 is hidden; 0 is shown (it reveals no child)."""
    return 0 < count < threshold


def complementary(hidden: Sequence[bool], sizes: Sequence[int]) -> list[bool]:
    """Add complementary suppression to a column whose total is shown.

    If exactly one count is hidden, the total minus the others would give it away, so the smallest other non-zero
    count is hidden too (or, if every other count is 0, another 0). With two or more hidden, none of them can be
    worked out from the total alone (only their sum).
    """
    hidden = list(hidden)
    if sum(hidden) == 1 and len(sizes) > 1:
        _, _, index = min((size == 0, size, i) for i, size in enumerate(sizes) if not hidden[i])
        hidden[index] = True
    return hidden


def suppress_column(counts: Sequence[int], threshold: int) -> list[bool]:
    """Which counts in a column to hide when the column's total is shown: every small count, then complementary."""
    return complementary([suppressed(c, threshold) for c in counts], counts)


def rate_suppressed(events: int, total: int, threshold: int) -> bool:
    """A share is hidden when what it is out of is small, or when either the records counted in it or the records
    not counted in it are small (so neither can be worked out)."""
    return total < threshold or suppressed(events, threshold) or suppressed(total - events, threshold)
