"""The privacy officer's pages: the audit trail, never case content.

A privacy officer sees who looked at which child, when, as what and why, and reviews break-glass uses and overdue
restricted-record grants. Children are named only by their LA child id and staff by username and display name: no
child's name, date of birth, address or case text appears here (an audit row's `reason` can quote case text, so it
is never shown). Looking at a child's access history, or at a user's activity, is itself audited, and so is every
CSV download.

Each table is a MoJ Frontend sortable table (base.html initialises MoJ Frontend); without JavaScript it reads in
the order the server gives it, latest first. `?format=csv` on the same URL downloads the same columns.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from macpu.access import audit, services
from macpu.access.forms import PrivacyChildForm, PrivacyPeriodForm, PrivacyReviewForm, PrivacyUserForm
from macpu.access.models import AuditAction, AuditEvent, AuditSubject, BreakGlass, RestrictionGrant
from macpu.agencies.models import Role, User
from macpu.chronology.models import EventKind
from macpu.core.forms import add_service_errors
from macpu.people.models import LA_CHILD_ID_PREFIX, Person

BASIS = "Privacy officer's audit"
PAGE_ROWS = 1000  # a page shows at most this many rows; the CSV has them all
ROLE_LABELS = dict(Role.choices)

# (action, what) -> what the user did, in words. `what` is a view name for reads, a timeline kind for changes.
WORDS: dict[tuple[str, str], str] = {
    ("view", "child-detail"): "Viewed the child's record",
    ("view", "api:child-detail"): "Viewed the child's record through the API",
    ("view", "child-details-change"): "Opened the page to change the child's details",
    ("view", "contact-detail"): "Viewed a contact about the child",
    ("view", "api:contact-detail"): "Viewed a contact about the child through the API",
    ("view", "contact-decision"): "Viewed a contact's decision page",
    ("view", "contact-decide"): "Opened the page to decide a contact",
    ("view", "referral-decision"): "Viewed a referral's decision page",
    ("view", "referral-decide"): "Opened the page to decide a referral",
    ("view", "cin-census"): "Checked the CIN census (the child was listed)",
    ("search", "child-search"): "Searched (the child was in the results)",
    ("search", "api:child-search"): "Searched through the API (the child was in the results)",
    ("list", "my-work"): "Listed in their work",
    ("list", "team-work"): "Listed in the team's work",
    ("export", "cin-census-download"): "Exported the CIN census",
    ("export", "cin-census"): "Exported the CIN census",
    ("export", "annex-a"): "Exported Ofsted Annex A",
    ("grant", "invitation"): "Invited someone to a meeting about the child",
    ("revoke", "invitation"): "Withdrew an invitation to a meeting about the child",
    ("restrict", "restriction"): "Restricted the record",
    ("grant", "restriction grant"): "Named someone on the restricted record",
    ("grant", "restriction review"): "Reviewed a named person's access: kept it",
    ("revoke", "restriction review"): "Reviewed a named person's access: ended it",
    ("restrict", "restriction lift asked"): "Asked to lift the restriction",
    ("restrict", "restriction lifted"): "Agreed to lift the restriction",
    ("break_glass", "break-glass"): "Opened the record with break-glass (emergency access)",
    ("review", "break-glass review"): "Reviewed a break-glass use",
    ("audit_view", "privacy-child"): "Looked at the child's access history",
    ("audit_view", "privacy-user"): "Looked at a user's activity (the child was in it)",
    ("export", "privacy-child-csv"): "Exported the child's access history",
    ("export", "privacy-user-csv"): "Exported a user's activity (the child was in it)",
    ("export", "privacy-break-glass-csv"): "Exported the break-glass uses to review",
    ("export", "privacy-overdue-csv"): "Exported the overdue restricted-record reviews",
    ("grant", "api-key-issue"): "Issued an API key for a partner system",
    ("revoke", "api-key-revoke"): "Revoked a partner system's API key",
}


def describe(action: str, what: str) -> str:
    """What an audit row's user did, in plain English; an unknown pair falls back to the raw `what`."""
    if (action, what) in WORDS:
        return WORDS[action, what]
    if action == AuditAction.CHANGE and what in EventKind.values:
        return f"Changed the record: {EventKind(what).label.lower()}"
    if action in AuditAction.values:
        return f"{AuditAction(action).label}: {what}"
    return what


def child_id(person_id: int | None) -> str:
    return f"{LA_CHILD_ID_PREFIX}{person_id:07d}" if person_id is not None else ""


def may_audit(user: User) -> bool:
    return user.is_active and user.role == Role.PRIVACY_OFFICER


def _officer(request: HttpRequest) -> None:
    if not may_audit(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


# Rows ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One line of an access history: an audit row, and one child it was about (or none)."""

    at: datetime
    seq: int
    username: str
    display_name: str
    role: str
    agency: str
    child: str
    did: str
    basis: str
    source: str

    @property
    def local(self) -> datetime:
        return timezone.localtime(self.at)


def _display_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {pk for pk in user_ids if pk is not None}
    users = User.objects.filter(pk__in=ids).only("pk", "first_name", "last_name", "username")
    return {u.pk: u.display_name for u in users}


def _row(event: AuditEvent, person_id: int | None, basis: str, names: dict[int, str]) -> AuditRow:
    return AuditRow(
        at=event.at,
        seq=event.seq,
        username=event.username,
        display_name=names.get(event.user_id, "") if event.user_id is not None else "",
        role=ROLE_LABELS.get(event.role, event.role),
        agency=event.agency,
        child=child_id(person_id),
        did=describe(event.action, event.what),
        basis=basis,
        source=event.source,
    )


def _period(start: date | None, end: date | None) -> Q:
    """Audit events in the period, each end a whole local day."""
    condition = Q()
    if start:
        condition &= Q(at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if end:
        condition &= Q(at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)))
    return condition


def child_history(person_id: int, start: date | None, end: date | None) -> list[AuditRow]:
    """Every audit row about this child in the period, latest first."""
    period = _period(start, end)
    subjects = (
        AuditSubject.objects.filter(person_id=person_id, event__in=AuditEvent.objects.filter(period))
        .select_related("event")
        .order_by("-event__seq")
    )
    found = list(subjects)
    names = _display_names(s.event.user_id for s in found)
    return [_row(s.event, s.person_id, s.basis, names) for s in found]


def user_activity(events: QuerySet[AuditEvent]) -> list[AuditRow]:
    """Every child each of these rows touched, one line each, and the rows about no child, latest first."""
    events = events.order_by("-seq")
    found = list(events)
    subjects: dict[int, list[tuple[int, str]]] = {}
    for event_id, person_id, basis in AuditSubject.objects.filter(event__in=events).values_list(
        "event_id", "person_id", "basis"
    ):
        subjects.setdefault(event_id, []).append((person_id, basis))
    names = _display_names(e.user_id for e in found)
    rows = []
    for event in found:
        about = subjects.get(event.pk) or [(None, "")]
        rows.extend(_row(event, person_id, basis, names) for person_id, basis in sorted(about, key=_by_person))
    return rows


def _by_person(subject: tuple[int | None, str]) -> int:
    return subject[0] or 0


def _events_of(username: str, user: User | None, start: date | None, end: date | None) -> QuerySet[AuditEvent]:
    who = Q(user_id=user.pk) if user is not None else Q(username=username)
    return AuditEvent.objects.filter(who & _period(start, end))


# CSV -------------------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def _when(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


def _audit(request: HttpRequest, *, action: str, what: str, reason: str, people: Iterable[int], now: datetime) -> None:
    """The privacy officer's own look at, or download of, the trail, with the children it was about."""
    audit.record(
        user=request.user,
        action=action,
        what=what,
        reason=reason,
        now=now,
        subjects=[(pk, BASIS) for pk in dict.fromkeys(people)],
    )


def _period_words(start: date | None, end: date | None) -> str:
    if start and end:
        return f"from {start:%-d %B %Y} to {end:%-d %B %Y}"
    if start:
        return f"from {start:%-d %B %Y}"
    if end:
        return f"up to {end:%-d %B %Y}"
    return "over the whole trail"


def _csv_url(request: HttpRequest, **extra: str) -> str:
    query = {k: v for k, v in request.GET.items() if k != "format"}
    return f"{request.path}?{urlencode({**query, **extra, 'format': 'csv'})}"


AUDIT_HEADER = ["When (UK time)", "Username", "Name", "Role", "Agency", "Child ID", "What they did", "Basis", "From"]


def _audit_csv_rows(rows: list[AuditRow]) -> Iterator[list[object]]:
    for row in rows:
        yield [
            _when(row.at),
            row.username,
            row.display_name,
            row.role,
            row.agency,
            row.child,
            row.did,
            row.basis,
            row.source,
        ]


def _person_ids(rows: list[AuditRow]) -> list[int]:
    return [int(r.child[len(LA_CHILD_ID_PREFIX) :]) for r in rows if r.child]


# Pages -----------------------------------------------------------------------------------------------------------


def unreviewed_break_glass() -> QuerySet[BreakGlass]:
    return BreakGlass.objects.filter(reviewed_at__isnull=True).select_related("user__agency").order_by("-started_at")


def overdue_grants(today: date) -> QuerySet[RestrictionGrant]:
    return (
        RestrictionGrant.objects.filter(ended_at__isnull=True, restriction__lifted_at__isnull=True, review_by__lt=today)
        .select_related("restriction", "user", "granted_by")
        .order_by("review_by", "pk")
    )


def home(request: HttpRequest) -> HttpResponse:
    """The privacy officer's landing page: break-glass uses to review, and overdue restricted-record reviews."""
    _officer(request)
    now = timezone.now()
    uses = list(unreviewed_break_glass())
    grants = list(overdue_grants(timezone.localdate(now)))
    if request.GET.get("format") == "csv":
        if request.GET.get("table") == "overdue":
            _audit(
                request,
                action="export",
                what="privacy-overdue-csv",
                reason="Overdue restricted-record reviews downloaded",
                people=[g.restriction.child_id for g in grants],
                now=now,
            )
            return csv_response(
                "overdue-restricted-record-reviews.csv",
                ["Child ID", "Person named", "Name", "Review by", "Granted by", "Granted by name", "Granted"],
                (
                    [
                        child_id(g.restriction.child_id),
                        g.user.username,
                        g.user.display_name,
                        g.review_by.isoformat(),
                        g.granted_by.username,
                        g.granted_by.display_name,
                        _when(g.granted_at),
                    ]
                    for g in grants
                ),
            )
        _audit(
            request,
            action="export",
            what="privacy-break-glass-csv",
            reason="Break-glass uses to review downloaded",
            people=[u.child_id for u in uses],
            now=now,
        )
        return csv_response(
            "break-glass-to-review.csv",
            ["Started (UK time)", "Username", "Name", "Role", "Agency", "Child ID", "Reason", "Explanation", "Ends"],
            (
                [
                    _when(u.started_at),
                    u.user.username,
                    u.user.display_name,
                    u.user.get_role_display(),
                    str(u.user.agency or ""),
                    child_id(u.child_id),
                    u.get_reason_display(),
                    u.explanation,
                    _when(u.ends_at),
                ]
                for u in uses
            ),
        )
    context = {
        "uses": [(u, child_id(u.child_id), u.ends_at > now) for u in uses],
        "grants": [(g, child_id(g.restriction.child_id)) for g in grants],
        "break_glass_csv": _csv_url(request),
        "overdue_csv": _csv_url(request, table="overdue"),
    }
    return render(request, "access/privacy_home.html", context)


def _results_context(request: HttpRequest, form: PrivacyPeriodForm, rows: list[AuditRow], about: str) -> dict[str, Any]:
    return {
        "form": form,
        "rows": rows[:PAGE_ROWS],
        "total": len(rows),
        "cut": len(rows) > PAGE_ROWS,
        "about": about,
        "period": _period_words(form.cleaned_data.get("start"), form.cleaned_data.get("end")),
        "csv_url": _csv_url(request),
        "searched": True,
    }


def _results(
    request: HttpRequest,
    form: Any,
    rows: list[Any],
    *,
    page: str,
    what: str,
    label: str,
    about: str,
    filename: str,
    people: Callable[[list[Any]], Iterable[int]],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The rows as a page or, with ?format=csv, as a download; either way the look is itself audited, with the
    children `people` finds in what was shown."""
    now = timezone.now()
    period = _period_words(form.cleaned_data.get("start"), form.cleaned_data.get("end"))
    if request.GET.get("format") == "csv":
        reason = f"{about} {period} downloaded ({len(rows)} rows)"
        _audit(request, action="export", what=f"{what}-csv", reason=reason, people=people(rows), now=now)
        return csv_response(filename, AUDIT_HEADER, _audit_csv_rows(rows))
    reason = f"{about} {period} viewed"
    _audit(request, action="audit_view", what=what, reason=reason, people=people(rows[:PAGE_ROWS]), now=now)
    return render(request, page, {**_results_context(request, form, rows, label), **(extra or {})})


def child(request: HttpRequest) -> HttpResponse:
    """A child's access history: every audit row about them in the period."""
    _officer(request)
    asked = "child" in request.GET
    form = PrivacyChildForm(request.GET if asked else None)
    if not (asked and form.is_valid()):
        return render(request, "access/privacy_child.html", {"form": form, "searched": False})
    person_id: int = form.cleaned_data["child"]
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    if not Person.objects.filter(pk=person_id).exists():
        form.add_error("child", f"There is no child with the ID {child_id(person_id)}.")
        return render(request, "access/privacy_child.html", {"form": form, "searched": False})
    rows = child_history(person_id, start, end)
    return _results(
        request,
        form,
        rows,
        page="access/privacy_child.html",
        what="privacy-child",
        label=child_id(person_id),
        about=f"Access history of {child_id(person_id)}",
        filename=f"access-history-{child_id(person_id)}.csv",
        people=lambda shown: [person_id],
    )


def user(request: HttpRequest) -> HttpResponse:
    """A member of staff's activity: every child their audit rows touched in the period, and the rows about no
    child."""
    _officer(request)
    asked = "username" in request.GET
    form = PrivacyUserForm(request.GET if asked else None)
    if not (asked and form.is_valid()):
        return render(request, "access/privacy_user.html", {"form": form, "searched": False})
    username: str = form.cleaned_data["username"]
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    account = User.objects.filter(username=username).first()
    if account is None and not AuditEvent.objects.filter(username=username).exists():
        form.add_error("username", f"There is no member of staff with the username {username}.")
        return render(request, "access/privacy_user.html", {"form": form, "searched": False})
    rows = user_activity(_events_of(username, account, start, end))
    return _results(
        request,
        form,
        rows,
        page="access/privacy_user.html",
        what="privacy-user",
        label=username,
        about=f"Activity of {username}",
        filename=f"activity-{username}.csv",
        people=_person_ids,
        extra={"account": account},
    )


def break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    """One break-glass use: what was asked and why, and the privacy officer's review of it."""
    _officer(request)
    use = get_object_or_404(BreakGlass.objects.select_related("user__agency", "reviewed_by"), pk=pk)
    form = PrivacyReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and use.reviewed_at is None and form.is_valid():
        try:
            services.break_glass_review(
                actor=request.user,  # type: ignore[arg-type]
                use=use,
                note=form.cleaned_data["review_note"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Break-glass use by {use.user.username} on {child_id(use.child_id)} reviewed.")
            return redirect("privacy-home")
    now = timezone.now()
    history = reverse("privacy-child") + "?" + urlencode(_history_query(use))
    context = {
        "use": use,
        "child_id": child_id(use.child_id),
        "open": use.ends_at > now,
        "form": form,
        "history_url": history,
    }
    return render(request, "access/privacy_break_glass.html", context)


def _history_query(use: BreakGlass) -> dict[str, str]:
    """The child's access history from the day the use started to the day it ended."""
    start, end = timezone.localdate(use.started_at), timezone.localdate(use.ends_at)
    return {
        "child": child_id(use.child_id),
        "start_day": str(start.day),
        "start_month": str(start.month),
        "start_year": str(start.year),
        "end_day": str(end.day),
        "end_month": str(end.month),
        "end_year": str(end.year),
    }


urlpatterns = [
    path("", home, name="privacy-home"),
    path("child/", child, name="privacy-child"),
    path("user/", user, name="privacy-user"),
    path("break-glass/<int:pk>/", break_glass, name="privacy-break-glass"),
]
