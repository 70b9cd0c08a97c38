"""Benchmarking a local authority against its statistical neighbours and England, from the latest import of the
published statistics: the reads behind `macpu benchmark` and the "Local authorities compared" page.

Measures for every area and year are computed once per import and population basis (macpu.analytics.measures), so
a page or a command only picks rows out of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from macpu.analytics import measures as m
from macpu.analytics.models import ENGLAND
from macpu.analytics.published import ATTRIBUTION, Frames, import_key, latest_import, published_frames

INDICATOR = (
    "It is an indicator, not a tracked conversion: the published figures do not follow each enquiry to its outcome."
)
_MEASURES: dict[tuple[tuple[int, str], str], pd.DataFrame] = {}


class BenchmarkError(ValueError):
    """Nothing to compare: no import yet, or an LA or year the figures do not have."""


def all_measures(frames: Frames, basis: str) -> pd.DataFrame:
    return m.compute(frames.figures, frames.populations, basis)


def measures_for(basis: str) -> tuple[Frames, pd.DataFrame]:
    """The latest import's frames and every measure on `basis`, computed once per import."""
    frames = published_frames()
    latest = latest_import()
    if frames is None or latest is None:
        raise BenchmarkError(
            "No published statistics have been imported. Run: macpu import-published-stats DIR "
            "(DIR holds DfE's files, by default ../shared/data/dfe-cin)."
        )
    key = (import_key(latest), basis)
    if key not in _MEASURES:
        if len(_MEASURES) > 4:  # an earlier import's
            _MEASURES.clear()
        _MEASURES[key] = all_measures(frames, basis)
    return frames, _MEASURES[key]


def areas(measures: pd.DataFrame) -> list[tuple[str, str]]:
    """(code, name) of every local authority in the figures, by name; England is not in it."""
    names = measures["name"].groupby(level="area_code").last()
    return sorted(((str(c), str(n)) for c, n in names.items() if c != ENGLAND), key=lambda a: a[1])


def resolve_la(measures: pd.DataFrame, text: str) -> str:
    """An LA's code from its 3-digit DfE code, its ONS code, its name, or "england"."""
    wanted = text.strip().lower()
    if wanted in (ENGLAND, "e92000001"):
        return ENGLAND
    codes = set(measures.index.get_level_values("area_code"))
    if wanted in codes:
        return wanted
    for code, name in areas(measures):
        if name.lower() == wanted:
            return code
    raise BenchmarkError(
        f"{text!r} is not a local authority in the published statistics: give its 3-digit DfE code (like 850 for "
        "Hampshire), its name, or england."
    )


def _pick(params: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """The parameter if it is one of `allowed`, else the first of them."""
    value = params.get(name, "")
    return value if value in allowed else allowed[0]


def comparison_choices(
    params: Mapping[str, str], default_la: str, codes: set[str], *, england: bool = False
) -> dict[str, Any]:
    """What both published-figures pages compare, from their GET parameters: the LA (or England, where offered),
    the measure, the neighbour model, how many neighbours and the population basis; anything not offered falls
    back to the default."""
    la = params.get("la", default_la)
    return {
        "la": la if la in codes or (england and la == ENGLAND) else default_la,
        "measure": _pick(params, "measure", ("s47_rate", *(k for k in m.MEASURES if k != "s47_rate"))),
        "neighbours": _pick(params, "neighbours", ("2021", "2025")),
        "count": 10 if params.get("count") == "10" else 5,
        "population": _pick(params, "population", ("published", "current")),
    }


def benchmark_table(*, la: str, year: int, model: str, basis: str, count: int = 10) -> dict[str, Any]:
    """One year's measures for an LA, its nearest `count` neighbours and England, as plain data."""
    frames, measures = measures_for(basis)
    code = resolve_la(measures, la)
    years = sorted(set(measures.index.get_level_values("year")))
    if (code, year) not in measures.index:
        raise BenchmarkError(
            f"The published statistics have no figures for {la} in {year}: they cover the years ending 31 March "
            f"{years[0]} to {years[-1]}, and an authority only the years it existed."
        )
    rows = []
    for row in m.comparison_rows(measures, frames.neighbours, code, model, count):
        record: dict[str, Any] = {"code": row.code, "name": row.name, "role": row.role}
        for key, measure in m.MEASURES.items():
            value, note, flag = m.value_at(measures, row.code, year, key)
            record[key] = m.rounded(value, measure.unit)
            record[f"{key}_note"] = note if note else (f"check: {flag}" if flag else "")
        rows.append(record)
    return {
        "la": code,
        "year": year,
        "year_label": year_label(year),
        "neighbours": model,
        "population": basis,
        "units": {
            k: {"rate": "per 10,000 children", "share": "percent", "count": "number"}[v.unit]
            for k, v in m.MEASURES.items()
        },
        "rows": rows,
        "explanations": {k: v.explanation for k, v in m.MEASURES.items()}
        | {"plan_share": m.MEASURES["plan_share"].explanation + " " + INDICATOR},
        "attribution": ATTRIBUTION,
    }


def year_label(year: int) -> str:
    """CIN year 2021 is "2020 to 2021" (1 April 2020 to 31 March 2021)."""
    return f"{year - 1} to {year}"


@dataclass(frozen=True)
class Cell:
    text: str  # the value as shown, or why there is none, in words
    value: float | None
    flag: str  # why the value is implausible, or ""


@dataclass(frozen=True)
class SeriesRow:
    code: str
    name: str
    role: str
    cells: list[Cell]


def series_table(
    frames: Frames, measures: pd.DataFrame, code: str, key: str, model: str, count: int
) -> tuple[list[int], list[SeriesRow]]:
    """The measure for the LA, its neighbours and England in every year: the page's table and chart."""
    unit = m.MEASURES[key].unit
    years = sorted(set(int(y) for y in measures.index.get_level_values("year")))
    rows = []
    for row in m.comparison_rows(measures, frames.neighbours, code, model, count):
        cells = []
        for year in years:
            value, note, flag = m.value_at(measures, row.code, year, key)
            text = m.display(value, unit) if value is not None else (note or "not available").capitalize()
            cells.append(Cell(text, value, flag))
        rows.append(SeriesRow(row.code, row.name, row.role, cells))
    return years, rows


def yearly_figures(
    *, la: str, key: str, model: str, basis: str, count: int = 5
) -> tuple[dict[int, float | None], dict[str, dict[int, float | None]]]:
    """An LA's measure by year and each of its nearest `count` neighbours', from the latest import: the input of
    macpu.analytics.evaluation (difference in differences). Missing and implausible (flagged) values are None."""
    frames, measures = measures_for(basis)
    code = resolve_la(measures, la)
    values = m.rankable(measures, key)

    def by_year(area: str) -> dict[int, float | None]:
        if area not in values.index.get_level_values("area_code"):
            return {}
        return {int(y): (None if pd.isna(v) else float(v)) for y, v in values.xs(area, level="area_code").items()}

    names = measures["name"].groupby(level="area_code").last()
    neighbours = {
        str(names.get(n, n)): by_year(n) for n, _closeness in m.neighbours_of(frames.neighbours, code, model, count)
    }
    return by_year(code), neighbours
