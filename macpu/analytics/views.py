"""Analytics pages: published figures for every local authority, the unit's own funnel, and evaluation.

Only the analyst, manager and privacy officer roles see them (macpu.analytics.access), and they never show an
identifiable child: figures are counts and rates, with small cells suppressed (macpu.analytics.stats)."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from macpu.agencies.models import LocalAuthority
from macpu.agencies.selectors import local_authority, local_policy, working_day_calendar
from macpu.analytics import benchmarking, funnel, published_evaluation
from macpu.analytics.access import may_see_analytics
from macpu.analytics.charts import Series, line_chart
from macpu.analytics.measures import MEASURES
from macpu.analytics.published import ATTRIBUTION, latest_import


def _allowed(request: HttpRequest) -> None:
    if not may_see_analytics(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


def home(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "analytics/home.html")


def _csv_download(name: str, rows: list[list[str]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    csv.writer(response).writerows(rows)
    return response


def _own_or_first(codes: list[str]) -> str:
    """The unit's own local authority if the published figures have it, else the first."""
    own = LocalAuthority.objects.values_list("code", flat=True).first()
    return own if own in codes else (codes[0] if codes else "england")


# --- Published statistics: local authorities compared (docs/adr/0013) -----------------------------------------


def _compare_choices(request: HttpRequest):  # noqa: ANN202 - a small bundle for the two views below
    codes = [code for code, _name in benchmarking.areas(benchmarking.measures_for("published")[1])]
    chosen = benchmarking.comparison_choices(request.GET, _own_or_first(codes), set(codes), england=True)
    frames, measures = benchmarking.measures_for(chosen["population"])
    return frames, measures, chosen


def published_compare(request: HttpRequest) -> HttpResponse:
    """Local authorities compared: one measure for an LA, its statistical neighbours and England, by year."""
    _allowed(request)
    if latest_import() is None:
        return render(request, "analytics/published_compare.html", {"imported": None})
    frames, measures, chosen = _compare_choices(request)
    measure = MEASURES[chosen["measure"]]
    years, rows = benchmarking.series_table(
        frames, measures, chosen["la"], chosen["measure"], chosen["neighbours"], chosen["count"]
    )
    emphasis = {"Local authority": "highlight", "England": "comparison"}
    scale = 100 if measure.unit == "share" else 1
    chart = line_chart(
        measure.label,
        [str(y) for y in years],
        [
            Series(
                row.name,
                [None if c.value is None else c.value * scale for c in row.cells],
                emphasis="highlight" if chosen["la"] == "england" else emphasis.get(row.role, "other"),
            )
            for row in rows
        ],
        y_label="per cent" if measure.unit == "share" else ("number" if measure.unit == "count" else "per 10,000"),
    )
    context = {
        "imported": latest_import(),
        "chosen": chosen,
        "measure": measure,
        "measures": MEASURES.values(),
        "areas": benchmarking.areas(measures),
        "years": years,
        "rows": rows,
        "flags": [(row.name, y, c.flag) for row in rows for y, c in zip(years, row.cells, strict=True) if c.flag],
        "chart": chart,
        "csv_query": urlencode(chosen),
    }
    return render(request, "analytics/published_compare.html", context)


def published_compare_csv(request: HttpRequest) -> HttpResponse:
    """The same table as the page, as CSV."""
    _allowed(request)
    if latest_import() is None:
        return HttpResponse("No published statistics have been imported.\n", content_type="text/plain", status=404)
    frames, measures, chosen = _compare_choices(request)
    measure = MEASURES[chosen["measure"]]
    years, rows = benchmarking.series_table(
        frames, measures, chosen["la"], chosen["measure"], chosen["neighbours"], chosen["count"]
    )
    return _csv_download(
        f"{chosen['measure']}-{chosen['la']}",
        [
            [f"{measure.label} ({chosen['population']} population, {chosen['neighbours']} neighbours)"],
            ["Area", "Code", "Compared as", *(benchmarking.year_label(y) for y in years)],
            *(
                [row.name, row.code, row.role, *(c.text + (f" (check: {c.flag})" if c.flag else "") for c in row.cells)]
                for row in rows
            ),
            [ATTRIBUTION],
        ],
    )


# --- The unit's own records: the funnel and the measures followed per enquiry (macpu.analytics.funnel) ---------------


def _unit_records(request: HttpRequest, page: str) -> dict:  # type: ignore[type-arg]
    """The chosen page's figures, read from the records once (aggregates only, small counts hidden)."""
    threshold = local_authority().small_cell_threshold
    if page == "funnel":
        return funnel.funnel_page(request.GET, threshold=threshold)
    return funnel.measures_page(
        request.GET,
        threshold=threshold,
        today=timezone.localdate(),
        calendar=working_day_calendar(),
        policy=local_policy(),
    )


def unit_funnel(request: HttpRequest) -> HttpResponse:
    """The funnel from contact to plan, per period, broken down one way."""
    _allowed(request)
    return render(request, "analytics/unit_funnel.html", _unit_records(request, "funnel"))


def unit_funnel_csv(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    context = _unit_records(request, "funnel")
    table = "over-time" if request.GET.get("table") == "over-time" else "groups"
    name = f"unit-funnel-{table}-{context['period']}" + ("" if table == "over-time" else f"-{context['breakdown']}")
    return _csv_download(name, funnel.funnel_csv(context, table))


def unit_measures(request: HttpRequest) -> HttpResponse:
    """Measures followed per enquiry, with confidence intervals, broken down one way."""
    _allowed(request)
    return render(request, "analytics/unit_measures.html", _unit_records(request, "measures"))


def unit_measures_csv(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    context = _unit_records(request, "measures")
    table = "all" if request.GET.get("table") == "all" else "groups"
    name = f"unit-measures-{table}-{context['period']}" + (
        "" if table == "all" else f"-{context['measure'].key}-{context['breakdown']}"
    )
    return _csv_download(name, funnel.measures_csv(context, table))


def _evaluation_choices(request: HttpRequest) -> tuple[published_evaluation.Choices, list[tuple[str, str]], Any]:
    _frames, measures = benchmarking.measures_for("published")
    areas = benchmarking.areas(measures)
    codes = [code for code, _name in areas]
    chosen, errors = published_evaluation.choices(request.GET, _own_or_first(codes), set(codes))
    return chosen, errors, areas


def published_evaluation_page(request: HttpRequest) -> HttpResponse:
    """Evaluate a change in practice: an LA against its statistical neighbours before and after a date."""
    _allowed(request)
    if latest_import() is None:
        return render(request, "analytics/published_evaluation.html", {"imported": None})
    chosen, errors, areas = _evaluation_choices(request)
    context = {
        "csv_query": request.GET.urlencode(),
        "imported": latest_import(),
        "areas": areas,
        "measures": MEASURES.values(),
        "errors": errors,
        "entered": {
            part: request.GET.get(f"change-{part}", getattr(chosen.change_on, part))
            for part in ("day", "month", "year")
        },
        **published_evaluation.context(chosen),
    }
    return render(request, "analytics/published_evaluation.html", context)


def published_evaluation_csv(request: HttpRequest) -> HttpResponse:
    """The evaluation's tables, as CSV."""
    _allowed(request)
    if latest_import() is None:
        return HttpResponse("No published statistics have been imported.\n", content_type="text/plain", status=404)
    chosen, _errors, _areas = _evaluation_choices(request)
    return _csv_download(f"evaluation-{chosen.measure}-{chosen.la}", published_evaluation.csv_rows(chosen))
