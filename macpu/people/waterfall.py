"""Why two records may be the same person, in words and as a chart: Splink's waterfall (pure Python, no ORM).

A pair's match weight is the prior (how likely two records picked at random are one person) plus each field's
match weight: positive when the field's agreement is more common between records of one person than between
records of two people, negative when it is rarer. The probability is 1 / (1 + 2^-weight).

`steps` turns a review pair's stored comparisons into rows in plain English; `chart` lays the same numbers out as
an SVG bar chart (each bar starting where the one before ended), which the page shows beside the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FIELDS = {
    "first_name": "First name",
    "surname": "Last name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "address": "Address",
    "nhs_number": "NHS number",
}

# Splink's level labels (macpu.people.linkage) in plain English.
LEVELS = [
    (r"^Exact match on (.+)$", "The same"),
    (r"is NULL$|IS NULL", "Not known on one or both records"),
    (r"^Nickname of the same name$", "A nickname of the other, or both nicknames of one name"),
    (r"^First name and surname swapped$", "First and last names the other way round"),
    (r"^Jaro-Winkler distance of .+ >= 0\.9", "Spelt almost the same"),
    (r"^Jaro-Winkler distance of .+ >= 0\.", "Spelt similarly"),
    (r"^Part of a double surname$", "One is part of the other's double-barrelled name"),
    (r"^Day and month swapped$", "Day and month the other way round"),
    (r"^Levenshtein distance of .+ <= 1$|^One digit wrong$", "One digit different"),
    (r"^Same year$", "Only the year is the same"),
    (r"^Same postcode and house number$", "Same postcode and house number"),
    (r"^Same house number and street$", "Same house number and street, the postcode different or missing"),
    (r"^Same street, 3\+ words$", "Same street (3 or more words of the address in common)"),
    (r"^Same address, 3\+ words$", "Same address (3 or more words in common)"),
    (r"^Same postcode$", "Same postcode, different house"),
    (r"^Address shares 2 words$", "2 words of the address in common"),
    (r"^Same postcode district$", "Only the postcode district is the same"),
    (r"^All other comparisons$", "Different"),
]


def in_words(label: str) -> str:
    for pattern, words in LEVELS:
        if re.search(pattern, label):
            return words
    return label


def probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight)) if weight > -1000 else 0.0


def percentage(p: float) -> str:
    """A probability as a percentage a reader can compare: whole numbers, with a decimal near the ends."""
    if p > 0.999:
        return "more than 99.9%"
    if p < 0.001:
        return "less than 0.1%"
    if p >= 0.99 or p <= 0.01:
        return f"{p * 100:.1f}%"
    return f"{p * 100:.0f}%"


@dataclass(frozen=True)
class Step:
    field: str  # in words
    compare: str  # how the two records compare, in words
    weight: float
    start: float  # the running total before this step
    end: float  # and after it
    kind: str  # "prior", "field" or "total"

    @property
    def effect(self) -> str:
        if self.kind == "total":
            return ""
        if abs(self.weight) < 0.005:
            return "No effect"
        return "Towards the same person" if self.weight > 0 else "Towards different people"

    @property
    def direction(self) -> str:
        return "up" if self.weight > 0 else "down" if self.weight < 0 else "none"


def steps(prior_weight: float, comparisons: list[dict[str, Any]]) -> list[Step]:
    """The prior, each field, and the total, with running totals."""
    rows = [Step("Starting point", "Two records picked at random", prior_weight, 0.0, prior_weight, "prior")]
    total = prior_weight
    for c in comparisons:
        weight = float(c["weight"])
        compare = "Not known on one or both records" if c.get("null") else in_words(str(c["label"]))
        rows.append(Step(FIELDS.get(c["field"], c["field"]), compare, weight, total, total + weight, "field"))
        total += weight
    rows.append(Step("Total", percentage(probability(total)), total, 0.0, total, "total"))
    return rows


@dataclass(frozen=True)
class Bar:
    y: int
    x: float
    width: float
    label: str
    value: str
    colour: str
    text_x: float
    anchor: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    zero_x: float
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    axis_y: int
    label_width: int


COLOURS = {"prior": "#505a5f", "up": "#00703c", "down": "#d4351c", "none": "#b1b4b6", "total": "#1d70b8"}


def chart(rows: list[Step], *, width: int = 640, label_width: int = 130, row_height: int = 30) -> Chart:
    """An SVG layout of the steps: one bar a row, from the running total before it to the one after it."""
    ends = [0.0] + [s.start for s in rows] + [s.end for s in rows]
    low, high = min(ends), max(ends)
    low, high = min(low, -1.0), max(high, 1.0)
    plot_left, plot_right = label_width + 50, width - 60  # room either side for a bar's value
    scale = (plot_right - plot_left) / (high - low)

    def x(weight: float) -> float:
        return plot_left + (weight - low) * scale

    bars = []
    for i, s in enumerate(rows):
        colour = (
            COLOURS["total"] if s.kind == "total" else COLOURS["prior"] if s.kind == "prior" else COLOURS[s.direction]
        )
        a, b = sorted((x(s.start), x(s.end)))
        value = f"{s.weight:+.1f}"
        right = s.end >= s.start
        bars.append(
            Bar(
                y=10 + i * row_height,  # whole numbers: the template adds to them
                x=round(a, 1),
                width=round(max(b - a, 1.0), 1),
                label=s.field,
                value=value,
                colour=colour,
                text_x=round((b + 4) if right else (a - 4), 1),
                anchor="start" if right else "end",
            )
        )
    step = 5 if high - low <= 40 else 10
    first = int(low // step) * step
    ticks = [(round(x(t), 1), f"{t:+d}" if t else "0") for t in range(first, int(high) + 1, step) if low <= t <= high]
    axis_y = 10 + len(rows) * row_height
    return Chart(
        width=width,
        height=axis_y + 30,
        zero_x=round(x(0.0), 1),
        bars=bars,
        ticks=ticks,
        axis_y=axis_y,
        label_width=label_width,
    )
