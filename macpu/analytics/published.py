"""Published statistics: read and check the Department for Education's files, load them, and read them back.

`read_published(directory)` checks every file and row and returns the typed rows, or raises `PublishedProblems`
naming each file, row, column and rule broken; `published_import(...)` writes them all in one transaction, replacing
the previous import; `published_frames()` reads the stored figures back as pandas frames for `macpu.analytics.measures`.
The files and their quirks are described in PROVENANCE.md beside them and in docs/adr/0013.
"""

from __future__ import annotations

import csv
import hashlib
import re
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import transaction

from macpu.analytics.models import (
    ENGLAND,
    FIGURES,
    AreaYear,
    Basis,
    Neighbour,
    NeighbourModel,
    Population,
    PublishedImport,
)

TEAM_COPY = Path("/work/shared/data/dfe-cin")  # where the team's machines keep the files
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Department for Education; Office for National Statistics)"
)
LETTERS = {"c", "u", "x", "z"}
LETTER_WORDS = {"c": "suppressed", "u": "low reliability", "x": "not available", "z": "not applicable"}
COMMON = ("time_period", "geographic_level", "old_la_code", "new_la_code", "la_name")
LEVELS = {"National", "Regional", "Local authority"}
SHOWN = 50  # problems listed; the rest are counted


@dataclass(frozen=True)
class FigureFile:
    name: str
    columns: dict[str, str]  # the file's column -> AreaYear field


FIGURE_FILES = (
    FigureFile("c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv", {"Section47": "s47", "ICPC": "icpc"}),
    FigureFile("d3_cpps_subsequent_plan_2013_to_2025.csv", {"CPP_start": "cpp_start"}),
    FigureFile("d5_cpps_at31march_by_duration_2013_to_2025.csv", {"CPP_At31": "cpp_at31"}),
    FigureFile(
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
        {"referral_count": "referrals", "rereferral_count": "rereferrals"},
    ),
)
VINTAGE = "b1_children_in_need_2013_to_2023__vintage2023.csv"
VINTAGE_COUNTS = (
    "Anypoint_episodes",
    "Anypoint_child",
    "Started_episodes",
    "Started_child",
    "Ended_episodes",
    "Ended_child",
    "At31_episodes",
)
ONS = "ons_mid-year_population_estimates_2012_to_2024.csv"
NEIGHBOURS_2021 = "New_Statistical_Neighbour_Groupings_April_2021.csv"
NEIGHBOURS_2025 = "sn_model_2025_wide.csv"
ALL_FILES = (*(f.name for f in FIGURE_FILES), VINTAGE, ONS, NEIGHBOURS_2021, NEIGHBOURS_2025)

YEAR = re.compile(r"^(19|20)\d\d$")
OLD_CODE = re.compile(r"^\d{3}$")
GSS_CODE = re.compile(r"^[EWSN]\d{8}$")
WHOLE = re.compile(r"^\d+$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")


def published_stats_dir() -> Path:
    """MACPU_PUBLISHED_STATS_DIR, else ../shared/data/dfe-cin beside the repository, else the team machines' copy."""
    if settings.PUBLISHED_STATS_DIR:
        return Path(settings.PUBLISHED_STATS_DIR)
    beside = Path(settings.BASE_DIR).parent / "shared" / "data" / "dfe-cin"
    return beside if beside.is_dir() else TEAM_COPY


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # the line in the file (the header is line 1); 0 for the file as a whole
    column: str
    rule: str
    detail: str

    def __str__(self) -> str:
        where = self.file if not self.row else f"{self.file}, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.rule}: {self.detail}"


class PublishedProblems(Exception):
    """The files break one or more rules: nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(p) for p in problems[:SHOWN]]
        if len(problems) > SHOWN:
            lines.append(f"... and {len(problems) - SHOWN:,} more problems")
        super().__init__("Nothing was imported. Fix these problems in the files and import again:\n" + "\n".join(lines))


@dataclass
class Published:
    """What the files hold, checked and typed, ready to store."""

    area_years: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)
    populations: list[tuple[str, int, str, int]] = field(default_factory=list)  # area, CIN year, basis, children
    neighbours: list[tuple[str, str, str, int, str, str]] = field(default_factory=list)  # model, area, name, rank...
    digest: str = ""


def digest(directory: Path) -> str:
    """A fingerprint of the files read, so an unchanged directory is not imported twice."""
    sha = hashlib.sha256()
    for name in ALL_FILES:
        path = directory / name
        sha.update(name.encode())
        sha.update(path.read_bytes() if path.is_file() else b"(missing)")
    return sha.hexdigest()


def _rows(path: Path, required: tuple[str, ...], problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        for column in missing:
            problems.append(Problem(path.name, 1, column, "required column", "the header has no such column"))
        if missing:
            return []
        return [(number, row) for number, row in enumerate(reader, start=2)]


def _area(path: Path, number: int, row: dict[str, str], problems: list[Problem]) -> tuple[str, str, int] | None:
    """The row's area code, level and CIN year; None for a regional row or a row with a problem (recorded)."""
    year, level = row["time_period"].strip(), row["geographic_level"].strip()
    ok = True
    if not YEAR.match(year):
        problems.append(Problem(path.name, number, "time_period", "year", f"{year!r} is not a year like 2021"))
        ok = False
    if level not in LEVELS:
        problems.append(
            Problem(
                path.name,
                number,
                "geographic_level",
                "level",
                f"{level!r} is not National, Regional or Local authority",
            )
        )
        return None
    if level == "Regional":
        return None
    code = ENGLAND
    if level == "Local authority":
        code = row["old_la_code"].strip()
        if not OLD_CODE.match(code):
            problems.append(Problem(path.name, number, "old_la_code", "LA code", f"{code!r} is not a 3-digit DfE code"))
            ok = False
        gss = row["new_la_code"].strip()
        if gss and not GSS_CODE.match(gss):
            problems.append(
                Problem(path.name, number, "new_la_code", "LA code", f"{gss!r} is not an ONS code like E10000014")
            )
            ok = False
    return (code, level, int(year)) if ok else None


def _value(path: Path, number: int, column: str, raw: str, problems: list[Problem], *, decimal: bool = False):
    """A whole number (or a decimal, for rates), or a suppression letter; None after recording a problem."""
    value = raw.strip()
    if value in LETTERS:
        return value
    if (DECIMAL if decimal else WHOLE).match(value):
        return float(value) if decimal else int(value)
    rule = "suppression letter" if value.isalpha() and len(value) == 1 else "value"
    kind = "a number" if decimal else "a whole number"
    problems.append(
        Problem(path.name, number, column, rule, f"{value!r} is not {kind} or a known suppression letter (c, u, x, z)")
    )
    return None


def _read_figures(directory: Path, published: Published, problems: list[Problem]) -> None:
    for spec in FIGURE_FILES:
        path = directory / spec.name
        seen: set[tuple[str, int]] = set()
        for number, row in _rows(path, (*COMMON, *spec.columns), problems):
            area = _area(path, number, row, problems)
            values = {col: _value(path, number, col, row[col], problems) for col in spec.columns}
            if area is None or any(v is None for v in values.values()):
                continue
            code, level, year = area
            if (code, year) in seen:
                problems.append(Problem(path.name, number, "old_la_code", "duplicate", f"{code} {year} appears twice"))
                continue
            seen.add((code, year))
            record = published.area_years.setdefault(
                (code, year),
                {"area_code": code, "year": year, "name": "England" if code == ENGLAND else row["la_name"].strip()}
                | ({"gss_code": row["new_la_code"].strip()} if code != ENGLAND else {})
                | {f: None for f in FIGURES}
                | {f"{f}_missing": "x" for f in FIGURES},  # a figure no file gives is not available
            )
            for col, target in spec.columns.items():
                value = values[col]
                record[target], record[f"{target}_missing"] = (None, value) if isinstance(value, str) else (value, "")


def recover_population(pairs: list[tuple[int, float]], rounding: int) -> int | None:
    """The population behind published rates: each (count, rate per 10,000 to 1 decimal) bounds it; the midpoint of
    where all the bounds agree (or the median estimate, if rounding leaves them disagreeing). `rounding`: how far a
    count may be from the true one (5 for national counts rounded to 10, 0 for exact LA counts)."""
    pairs = [(c, r) for c, r in pairs if r > 0.05 and c > 0]
    if not pairs:
        return None
    low = max((c - rounding) / (r + 0.05) * 10_000 for c, r in pairs)
    high = min((c + rounding) / (r - 0.05) * 10_000 for c, r in pairs)
    if low <= high:
        return round((low + high) / 2)
    return round(statistics.median(c / r * 10_000 for c, r in pairs))


def _read_populations(directory: Path, published: Published, problems: list[Problem]) -> None:
    path = directory / VINTAGE
    rates = tuple(f"{c}_rate" for c in VINTAGE_COUNTS)
    for number, row in _rows(path, (*COMMON, *VINTAGE_COUNTS, *rates), problems):
        area = _area(path, number, row, problems)
        counts = [_value(path, number, c, row[c], problems) for c in VINTAGE_COUNTS]
        per = [_value(path, number, r, row[r], problems, decimal=True) for r in rates]
        if area is None or None in counts or None in per:
            continue
        code, level, year = area
        pairs = [(c, r) for c, r in zip(counts, per, strict=True) if isinstance(c, int) and isinstance(r, float)]
        children = recover_population(pairs, rounding=0 if level == "Local authority" else 5)
        if children:
            published.populations.append((code, year, Basis.PUBLISHED, children))
    path = directory / ONS
    for number, row in _rows(path, (*COMMON, "population_estimate"), problems):
        area = _area(path, number, row, problems)
        value = _value(path, number, "population_estimate", row["population_estimate"], problems)
        if area is None or value is None or isinstance(value, str) or value == 0:
            continue
        code, _level, mid_year = area
        # CIN year Y (1 April Y-1 to 31 March Y) is measured against the mid-(Y-1) estimate.
        published.populations.append((code, mid_year + 1, Basis.CURRENT, value))
    seen: set[tuple[str, int, str]] = set()
    for code, year, basis, _children in published.populations:
        if (code, year, basis) in seen:
            problems.append(Problem(VINTAGE if basis == Basis.PUBLISHED else ONS, 0, "", "duplicate", f"{code} {year}"))
        seen.add((code, year, basis))


def _read_neighbours(directory: Path, published: Published, problems: list[Problem]) -> None:
    for model, name, code_column, name_column, pattern in (
        (NeighbourModel.APRIL_2021, NEIGHBOURS_2021, "LA num", "LA Name", "SN{}"),
        (NeighbourModel.MODEL_2025, NEIGHBOURS_2025, "old_la_code", "la_name", "SN_{}"),
    ):
        path = directory / name
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            wanted = [code_column, name_column, *(pattern.format(k) for k in range(1, 11))]
            missing = [c for c in wanted if c not in header]
            for column in missing:
                problems.append(Problem(name, 1, column, "required column", "the header has no such column"))
            if missing:
                continue
            at = {c: header.index(c) for c in wanted}
            seen: set[str] = set()
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (len(header) - len(row))
                code = row[at[code_column]].strip()
                if not code and not any(row[at[pattern.format(k)]].strip() for k in range(1, 11)):
                    continue  # a heading inside the file, like "Old SNs:" above the pre-2019/2021 authorities
                if not OLD_CODE.match(code):
                    problems.append(
                        Problem(name, number, code_column, "LA code", f"{code!r} is not a 3-digit DfE code")
                    )
                    continue
                if code in seen:
                    problems.append(Problem(name, number, code_column, "duplicate", f"{code} appears twice"))
                    continue
                seen.add(code)
                for rank in range(1, 11):
                    column = pattern.format(rank)
                    neighbour = row[at[column]].strip()
                    closeness = row[at[column] + 1].strip() if at[column] + 1 < len(row) else ""
                    if not OLD_CODE.match(neighbour):
                        problems.append(
                            Problem(name, number, column, "LA code", f"{neighbour!r} is not a 3-digit DfE code")
                        )
                        continue
                    published.neighbours.append(
                        (model, code, row[at[name_column]].strip(), rank, neighbour, closeness.capitalize())
                    )


def read_published(directory: Path) -> Published:
    """Every file checked, every problem found; raises PublishedProblems if there is any."""
    directory = Path(directory)
    missing = [
        Problem(name, 0, "", "required file", "not found") for name in ALL_FILES if not (directory / name).is_file()
    ]
    if missing:
        raise PublishedProblems(missing)
    problems: list[Problem] = []
    published = Published(digest=digest(directory))
    _read_figures(directory, published, problems)
    _read_populations(directory, published, problems)
    _read_neighbours(directory, published, problems)
    if not published.area_years and not problems:
        problems.append(Problem(FIGURE_FILES[0].name, 0, "", "rows", "no national or local authority rows"))
    if problems:
        raise PublishedProblems(problems)
    return published


def latest_import() -> PublishedImport | None:
    return PublishedImport.objects.order_by("-imported_at", "-pk").first()


def published_import_unchanged(directory: Path) -> bool:
    """True when the latest import read exactly these files."""
    latest = latest_import()
    return latest is not None and latest.digest == digest(Path(directory))


@transaction.atomic
def published_import(*, directory: Path, by: str, now: datetime) -> PublishedImport:
    """Check the files and store them, replacing the previous import; all or nothing."""
    published = read_published(Path(directory))
    PublishedImport.objects.all().delete()  # cascades to the figures; rolled back with the rest if anything fails
    source = PublishedImport.objects.create(
        imported_at=now, imported_by=by, source=str(directory), digest=published.digest, attribution=ATTRIBUTION
    )
    AreaYear.objects.bulk_create(
        [AreaYear(source=source, **record) for record in published.area_years.values()], batch_size=1000
    )
    Population.objects.bulk_create(
        [
            Population(source=source, area_code=code, year=year, basis=basis, children=children)
            for code, year, basis, children in published.populations
        ],
        batch_size=2000,
    )
    Neighbour.objects.bulk_create(
        [
            Neighbour(
                source=source,
                model=model,
                area_code=code,
                area_name=name,
                rank=rank,
                neighbour_code=neighbour,
                closeness=closeness,
            )
            for model, code, name, rank, neighbour, closeness in published.neighbours
        ],
        batch_size=2000,
    )
    _CACHE.clear()
    return source


@dataclass(frozen=True)
class Frames:
    """The stored figures as pandas frames (macpu.analytics.measures computes from these)."""

    figures: pd.DataFrame  # one row per area x year: area_code, name, year, each figure and its _missing letter
    populations: pd.DataFrame  # area_code, year, basis, children
    neighbours: pd.DataFrame  # model, area_code, rank, neighbour_code, closeness


_CACHE: dict[tuple[int, str], Frames] = {}  # by import id and time: SQLite may reuse an id


def frames_from(published: Published) -> Frames:
    """The frames straight from checked files (no database): what the import stores."""
    figures = pd.DataFrame(list(published.area_years.values()))
    figures = figures.drop(columns=["gss_code"], errors="ignore")
    populations = pd.DataFrame(published.populations, columns=["area_code", "year", "basis", "children"])
    populations["basis"] = populations["basis"].astype(str)
    neighbours = pd.DataFrame(
        [(str(m), c, r, n, cl) for m, c, _name, r, n, cl in published.neighbours],
        columns=["model", "area_code", "rank", "neighbour_code", "closeness"],
    )
    return Frames(figures=figures, populations=populations, neighbours=neighbours)


def import_key(source: PublishedImport) -> tuple[int, str]:
    return source.pk, source.imported_at.isoformat()


def published_frames(*, cached: bool = True) -> Frames | None:
    """The latest import as frames, read once per import; None if nothing has been imported."""
    latest = latest_import()
    if latest is None:
        return None
    key = import_key(latest)
    if cached and key in _CACHE:
        return _CACHE[key]
    columns = ["area_code", "name", "year", *FIGURES, *(f"{f}_missing" for f in FIGURES)]
    figures = pd.DataFrame(list(AreaYear.objects.filter(source=latest).values_list(*columns)), columns=columns)
    pop_columns = ["area_code", "year", "basis", "children"]
    populations = pd.DataFrame(
        list(Population.objects.filter(source=latest).values_list(*pop_columns)), columns=pop_columns
    )
    nb_columns = ["model", "area_code", "rank", "neighbour_code", "closeness"]
    neighbours = pd.DataFrame(
        list(Neighbour.objects.filter(source=latest).values_list(*nb_columns)), columns=nb_columns
    )
    frames = Frames(figures=figures, populations=populations, neighbours=neighbours)
    if cached:
        _CACHE.clear()
        _CACHE[key] = frames
    return frames
