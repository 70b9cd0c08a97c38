"""The "Evaluate a change in practice" page's content: a local authority against its statistical neighbours before
and after a date, from the published statistics, by difference in differences (macpu.analytics.evaluation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from macpu.analytics import benchmarking
from macpu.analytics import measures as m
from macpu.analytics.charts import Series, line_chart
from macpu.analytics.evaluation import evaluate
from macpu.analytics.published import ATTRIBUTION

DEFAULT_CHANGE = dt.date(2019, 4, 1)


@dataclass(frozen=True)
class Choices:
    la: str
    measure: str
    neighbours: str
    count: int
    population: str
    change_on: dt.date
    before: int
    after: int


def choices(params: Mapping[str, str], default_la: str, codes: set[str]) -> tuple[Choices, list[tuple[str, str]]]:
    """The page's choices from its GET parameters, and any errors (field id, message) for the date."""
    errors: list[tuple[str, str]] = []
    change_on = DEFAULT_CHANGE
    parts = [params.get(f"change-{p}", "").strip() for p in ("day", "month", "year")]
    if any(parts):
        try:
            change_on = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            errors.append(("change-day", "Enter the date of the change as a real date, for example 1 4 2019"))

    def years(name: str) -> int:
        value = params.get(name, "3")
        return int(value) if value in {"1", "2", "3", "4", "5"} else 3

    return (
        Choices(
            **benchmarking.comparison_choices(params, default_la, codes),
            change_on=change_on,
            before=years("before"),
            after=years("after"),
        ),
        errors,
    )


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "Not available"
    return m.display(value, unit)


def _difference(value: float | None, unit: str) -> str:
    if value is None:
        return "Not available"
    if unit == "share":
        return f"{value * 100:+.1f} percentage points"
    return f"{value:+,.1f} per 10,000 children" if unit == "rate" else f"{value:+,.0f}"


def context(chosen: Choices) -> dict[str, Any]:
    measure = m.MEASURES[chosen.measure]
    area, neighbours = benchmarking.yearly_figures(
        la=chosen.la, key=chosen.measure, model=chosen.neighbours, basis=chosen.population, count=chosen.count
    )
    result = evaluate(area, neighbours, chosen.change_on, before=chosen.before, after=chosen.after)
    p = result.periods
    years = [*p.before, *([p.left_out] if p.left_out else []), *p.after]

    def average(year: int) -> float | None:
        values = [n.get(year) for n in neighbours.values()]
        present = [v for v in values if v is not None]
        return fmean(present) if present else None

    _frames, measures = benchmarking.measures_for(chosen.population)
    name = str(measures["name"].xs(chosen.la, level="area_code").iloc[-1]) if chosen.la != "england" else "England"
    scale = 100 if measure.unit == "share" else 1
    rows = [
        (name, [_show(area.get(y), measure.unit) for y in years]),
        ("Neighbours' average", [_show(average(y), measure.unit) for y in years]),
        *((n, [_show(f.get(y), measure.unit) for y in years]) for n, f in neighbours.items()),
    ]
    chart = line_chart(
        measure.label,
        [str(y) for y in years],
        [
            *(Series(n, [None if f.get(y) is None else f[y] * scale for y in years]) for n, f in neighbours.items()),
            Series(
                "Neighbours' average",
                [None if average(y) is None else average(y) * scale for y in years],  # type: ignore[operator]
                "comparison",
            ),
            Series(name, [None if area.get(y) is None else area[y] * scale for y in years], "highlight"),
        ],
    )
    return {
        "chosen": chosen,
        "measure": measure,
        "name": name,
        "result": result,
        "years": years,
        "rows": rows,
        "chart": chart,
        "before_text": _show(result.area_before, measure.unit),
        "after_text": _show(result.area_after, measure.unit),
        "neighbours_before_text": _show(result.neighbours_before, measure.unit),
        "neighbours_after_text": _show(result.neighbours_after, measure.unit),
        "difference_text": _difference(result.difference, measure.unit),
        "trend_text": _difference(result.pre_trend_gap, measure.unit),
        "placebos": sorted(
            (
                (n, _difference(d, measure.unit), abs(d) >= abs(result.difference or 0))
                for n, d in result.placebos.items()
            ),
            key=lambda row: row[0],
        ),
    }


def csv_rows(chosen: Choices) -> list[list[str]]:
    """The page's tables as CSV: the figures by year, the result, and each neighbour's placebo difference."""
    page = context(chosen)
    result, measure = page["result"], page["measure"]
    return [
        [f"{measure.label} ({chosen.population} population, {chosen.neighbours} neighbours)"],
        ["Area", *(f"{y - 1} to {y}" + (" (change)" if y == result.periods.left_out else "") for y in page["years"])],
        *([row_name, *cells] for row_name, cells in page["rows"]),
        [],
        ["Change started on", chosen.change_on.isoformat()],
        [f"{page['name']} before", page["before_text"]],
        [f"{page['name']} after", page["after_text"]],
        ["Neighbours before", page["neighbours_before_text"]],
        ["Neighbours after", page["neighbours_after_text"]],
        ["Difference in differences", page["difference_text"]],
        ["Yearly change in the gap before the change", page["trend_text"]],
        [],
        ["Neighbour treated as if it had made the change", "Difference in differences", "At least as large"],
        *([name, text, "Yes" if larger else "No"] for name, text, larger in page["placebos"]),
        [],
        [ATTRIBUTION],
    ]
