"""Measures from the published figures (pure: pandas in, pandas out, no database), for every area and year at once.

Rates are per 10,000 children aged 0 to 17, on the population basis chosen: "published" (the estimates DfE used at
the time, recovered from its 2023 edition's rates; DfE's later editions used the current ONS series, so years after
the 2023 edition use that) or "current" (the ONS series revised after Census 2021). A measure whose inputs are
missing has no value and a reason in plain English; one resting on an implausible ratio keeps its value but is
flagged and left out of rankings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from macpu.analytics.models import ENGLAND

LETTER_WORDS = {"c": "suppressed", "u": "low reliability", "x": "not available", "z": "not applicable"}


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "rate" (per 10,000), "share" (a fraction, shown as a percentage) or "count"
    explanation: str


MEASURES = {
    m.key: m
    for m in (
        Measure(
            "s47_rate",
            "Section 47 enquiries per 10,000 children",
            "rate",
            "Child protection enquiries starting in the year, per 10,000 children aged 0 to 17.",
        ),
        Measure("s47", "Section 47 enquiries", "count", "Child protection enquiries starting in the year."),
        Measure(
            "icpc_rate",
            "Initial child protection conferences per 10,000 children",
            "rate",
            "Initial child protection conferences in the year, per 10,000 children aged 0 to 17.",
        ),
        Measure(
            "cpp_start_rate",
            "Child protection plans started per 10,000 children",
            "rate",
            "Child protection plans starting in the year, per 10,000 children aged 0 to 17.",
        ),
        Measure(
            "plan_share",
            "Plans started as a share of section 47 enquiries",
            "share",
            "Plans starting in the year divided by enquiries starting in the same year. Some of the plans come from "
            "enquiries of the year before.",
        ),
        Measure(
            "not_followed",
            "Section 47 enquiries not followed by a plan",
            "count",
            "Enquiries starting in the year minus plans starting in the year: roughly how many families went "
            "through an enquiry that did not lead to a plan.",
        ),
        Measure(
            "cpp_at31_rate",
            "Child protection plans at 31 March per 10,000 children",
            "rate",
            "Children on a child protection plan at the end of the year, per 10,000 children aged 0 to 17.",
        ),
        Measure(
            "rereferral_rate",
            "Re-referrals within 12 months",
            "share",
            "Referrals in the year that came within 12 months of a previous referral of the same child.",
        ),
    )
}

CHECKS = {
    # measure -> (numerator, denominator, plain English) for ratios that cannot be above 1 if the counts are right
    "icpc_rate": ("icpc", "s47", "more conferences than enquiries"),
    "plan_share": ("cpp_start", "s47", "more plans started than enquiries"),
    "not_followed": ("cpp_start", "s47", "more plans started than enquiries"),
    "rereferral_rate": ("rereferrals", "referrals", "more re-referrals than referrals"),
}


def _reason(frame: pd.DataFrame, fields: Sequence[str]) -> pd.Series:
    """The first missing input's reason in words, "" where every input is there."""
    reason = pd.Series("", index=frame.index, dtype=object)
    for f in reversed(fields):
        letters = frame[f"{f}_missing"].fillna("")
        reason = reason.where(letters == "", letters.map(LETTER_WORDS).fillna("not available"))
    return reason


def population_for(populations: pd.DataFrame, basis: str) -> pd.DataFrame:
    """area_code, year, children on the chosen basis."""
    current = populations[populations["basis"] == "current"][["area_code", "year", "children"]]
    if basis == "current":
        return current
    published = populations[populations["basis"] == "published"][["area_code", "year", "children"]]
    last = published["year"].max() if len(published) else 0
    return pd.concat([published, current[current["year"] > last]], ignore_index=True)


def compute(figures: pd.DataFrame, populations: pd.DataFrame, basis: str = "published") -> pd.DataFrame:
    """Every measure for every area and year: a column per measure, `<measure>_note` (why it has no value) and
    `<measure>_flag` (why it is implausible), indexed by (area_code, year)."""
    frame = figures.merge(population_for(populations, basis), on=["area_code", "year"], how="left")
    frame = frame.set_index(["area_code", "year"]).sort_index()
    values = {
        f: frame[f].astype("float64") for f in ("s47", "icpc", "cpp_start", "cpp_at31", "referrals", "rereferrals")
    }
    children = frame["children"].astype("float64")
    no_population = children.isna()
    out = pd.DataFrame(index=frame.index)
    out["name"] = frame["name"]

    def per_10k(count: pd.Series) -> pd.Series:
        return count / children * 10_000

    def share(top: pd.Series, bottom: pd.Series) -> pd.Series:
        return top / bottom.where(bottom > 0)

    out["s47_rate"] = per_10k(values["s47"])
    out["s47"] = values["s47"]
    out["icpc_rate"] = per_10k(values["icpc"])
    out["cpp_start_rate"] = per_10k(values["cpp_start"])
    out["plan_share"] = share(values["cpp_start"], values["s47"])
    out["not_followed"] = values["s47"] - values["cpp_start"]
    out["cpp_at31_rate"] = per_10k(values["cpp_at31"])
    out["rereferral_rate"] = share(values["rereferrals"], values["referrals"])
    inputs = {
        "s47_rate": ["s47"],
        "s47": ["s47"],
        "icpc_rate": ["icpc"],
        "cpp_start_rate": ["cpp_start"],
        "plan_share": ["cpp_start", "s47"],
        "not_followed": ["s47", "cpp_start"],
        "cpp_at31_rate": ["cpp_at31"],
        "rereferral_rate": ["rereferrals", "referrals"],
    }
    for key, fields in inputs.items():
        note = _reason(frame, fields)
        if MEASURES[key].unit == "rate":
            note = note.where((note != "") | ~no_population, "no population estimate")
        note = note.where((note != "") | out[key].notna(), "not applicable")
        out[f"{key}_note"] = note
        flag = pd.Series("", index=frame.index, dtype=object)
        if key in CHECKS:
            top, bottom, words = CHECKS[key]
            flag = flag.where(~(values[top] > values[bottom]), words)
        out[f"{key}_flag"] = flag
    return out


def rankable(measures: pd.DataFrame, key: str) -> pd.Series:
    """A measure's values fit to rank: present and not flagged as implausible."""
    return measures[key].where(measures[f"{key}_flag"] == "")


def neighbours_of(neighbours: pd.DataFrame, code: str, model: str, count: int = 10) -> list[tuple[str, str]]:
    """(neighbour code, closeness), nearest first."""
    rows = neighbours[(neighbours["model"] == model) & (neighbours["area_code"] == code)].sort_values("rank")
    return list(rows[["neighbour_code", "closeness"]].head(count).itertuples(index=False, name=None))


@dataclass(frozen=True)
class Row:
    """One area in a comparison."""

    code: str
    name: str
    role: str  # "Local authority", "Neighbour 1 (very close)", "England"


def comparison_rows(measures: pd.DataFrame, neighbours: pd.DataFrame, code: str, model: str, count: int) -> list[Row]:
    """The LA, its nearest `count` neighbours in `model`, then England."""
    names = measures["name"].groupby(level="area_code").last()
    rows = [Row(code, str(names.get(code, code)), "Local authority")] if code != ENGLAND else []
    for rank, (neighbour, closeness) in enumerate(neighbours_of(neighbours, code, model, count), start=1):
        label = f"Neighbour {rank}" + (f" ({closeness.lower()})" if closeness else "")
        rows.append(Row(neighbour, str(names.get(neighbour, f"Authority {neighbour} (no figures)")), label))
    rows.append(Row(ENGLAND, "England", "England"))
    return rows


def value_at(measures: pd.DataFrame, code: str, year: int, key: str) -> tuple[float | None, str, str]:
    """(value, note, flag) for one area and year; a missing row reads as "not available"."""
    try:
        row = measures.loc[(code, year)]
    except KeyError:
        return None, "not available", ""
    value = row[key]
    return (None if pd.isna(value) else float(value)), str(row[f"{key}_note"]), str(row[f"{key}_flag"])


def display(value: float | None, unit: str) -> str:
    """A value as the pages and the CSV show it: rates to 1 decimal place, shares as percentages, counts whole."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.1f}"


def rounded(value: float | None, unit: str) -> float | int | None:
    """A value for machine-readable output (JSON, CSV): rates to 1 dp, shares as percentages to 1 dp, counts whole."""
    if value is None:
        return None
    if unit == "share":
        return round(value * 100, 1)
    if unit == "count":
        return round(value)
    return round(value, 1)
