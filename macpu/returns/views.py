"""Pages for the performance team: the children in need census with its pre-submission check, and Annex A.

Files are built whole before anything is sent, so a failure sends an error page, never part of a file."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from macpu.access import audit
from macpu.agencies.models import Role, User
from macpu.agencies.selectors import local_authority
from macpu.returns.annex_a import annex_a_workbook
from macpu.returns.census import CollectionYear, census_people, census_xml
from macpu.returns.checks import dfe_findings, record_findings
from macpu.returns.forms import AnnexAForm
from macpu.returns.validator import ValidatorUnavailable, run_dfe_checks

YEARS_OFFERED = 3


def may_produce_returns(user: User) -> bool:
    return user.is_active and user.role == Role.PERFORMANCE_ANALYST


def _analyst(request: HttpRequest) -> None:
    if not may_produce_returns(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


def collection_years(today: date) -> list[CollectionYear]:
    """The year in progress and the ones before it, latest first."""
    current = CollectionYear.containing(today).year
    return [CollectionYear(current - i) for i in range(YEARS_OFFERED)]


def _year(text: str | None, today: date) -> CollectionYear:
    years = collection_years(today)
    if text is None:
        return years[1]  # the latest year that has ended: the one a return is due for
    for year in years:
        if text == str(year.year):
            return year
    raise Http404("No such collection year.")


def cin_census(request: HttpRequest) -> HttpResponse:
    """The census for a year: what goes in the header, how many children, what to fix, and the DfE's check."""
    _analyst(request)
    now = timezone.now()
    today = timezone.localdate(now)
    year = _year(request.GET.get("year"), today)
    context = {
        "year": year,
        "years": collection_years(today),
        "la": local_authority(),
        "software_code": settings.CIN_CENSUS_SOFTWARE_CODE,
        "release": settings.CIN_CENSUS_RELEASE,
        "children": census_people(year).count(),
        "record_findings": record_findings(year),
        "in_progress": year.reference_date > today,
        "checked": request.method == "POST",
    }
    if request.method == "POST" and context["children"]:
        try:
            report = run_dfe_checks(census_xml(year=year.year, now=now))
        except ValidatorUnavailable as error:
            context["dfe_error"] = str(error)
        else:
            context["dfe_report"] = report
            context["dfe_whole"], context["dfe_children"] = dfe_findings(report)
            audit.seen(f.person.pk for f in context["dfe_children"] if f.person)
    audit.seen(f.person.pk for f in context["record_findings"] if f.person)
    return render(request, "returns/cin_census.html", context)


def cin_census_download(request: HttpRequest, year: int) -> HttpResponse:
    """The return as an XML file."""
    _analyst(request)
    now = timezone.now()
    collection = _year(str(year), timezone.localdate(now))
    xml = census_xml(year=collection.year, now=now)
    response = HttpResponse(xml, content_type="application/xml")
    filename = f"cin-census-{local_authority().code}-{collection.year}.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def annex_a(request: HttpRequest) -> HttpResponse:
    """Ofsted Annex A lists 1 to 7 for an inspection date, as an Excel workbook."""
    _analyst(request)
    now = timezone.now()
    today = timezone.localdate(now)
    asked = any(key.startswith("as_of") for key in request.GET)
    form = AnnexAForm(request.GET if asked else None, today=today, initial={"as_of": today})
    if asked and form.is_valid():
        as_of: date = form.cleaned_data["as_of"]
        response = HttpResponse(annex_a_workbook(as_of=as_of, now=now), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="annex-a-{local_authority().code}-{as_of}.xlsx"'
        return response
    return render(request, "returns/annex_a.html", {"form": form})
