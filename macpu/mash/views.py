"""Pages for information requests: the unit asks an agency (from a contact), changes a rating, and each agency
sees and answers the requests sent to it. What a page shows of an answer goes through mash.selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from macpu.access import audit
from macpu.agencies.models import User
from macpu.core.forms import add_service_errors
from macpu.core.services import SOCIAL_CARE
from macpu.intake.models import Contact
from macpu.intake.selectors import contact_get
from macpu.mash import services, upload
from macpu.mash.forms import AnswerForm, AskForm, RagChangeForm
from macpu.mash.models import EscalationStep, InformationRequest
from macpu.mash.selectors import agency_actions, agency_requests, items_for_family, picture
from macpu.people.models import Person


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y at %-H:%M}"


def _contact_for_social_care(request: HttpRequest, pk: int) -> Contact:
    user: User = request.user  # type: ignore[assignment]
    if user.role not in SOCIAL_CARE:
        raise PermissionDenied
    contact = contact_get(user=user, contact_id=pk)
    if contact is None:
        raise Http404
    return contact


def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask an agency about people in a contact's household."""
    contact = _contact_for_social_care(request, pk)
    household = Person.objects.filter(pk__in=services.household(contact))
    form = AskForm(request.POST if request.method == "POST" else None, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            asked = services.information_request_send(
                actor=request.user,  # type: ignore[arg-type]
                now=timezone.now(),
                contact=contact,
                people=list(form.cleaned_data["people"]),
                **{k: form.cleaned_data[k] for k in ("agency", "question", "rag", "rag_rationale")},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{asked.agency} asked: the answer is due by {_when(asked.due_at)}")
            return redirect("contact-detail", pk=contact.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Ask an agency what it knows",
            "caption": f"Contact received {contact.received_on:%-d %B %Y}",
            "back_url": reverse("contact-detail", args=[contact.pk]),
            "submit_text": "Send the request",
        },
    )


def family_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """What agencies said about a contact's household that the family may be told, to print or read to them: only
    items marked as shareable with the family (mash.selectors.items_for_family)."""
    contact = _contact_for_social_care(request, pk)
    return render(
        request,
        "mash/family.html",
        {"contact": contact, "items": items_for_family(contact), "outcome": contact.get_outcome_display()},
    )


def rag_change(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.role not in SOCIAL_CARE:
        raise PermissionDenied
    asked = InformationRequest.objects.select_related("agency").filter(pk=pk).first()
    contact = contact_get(user=user, contact_id=asked.contact_id) if asked else None
    if asked is None or contact is None:
        raise Http404
    form = RagChangeForm(request.POST if request.method == "POST" else None, initial={"rag": asked.rag})
    if request.method == "POST" and form.is_valid():
        try:
            services.rag_change(actor=user, now=timezone.now(), request=asked, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            asked.refresh_from_db()
            messages.success(request, f"Rating changed: {asked.agency}'s answer is due by {_when(asked.due_at)}")
            return redirect("contact-detail", pk=contact.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": f"Change the rating of the request to {asked.agency}",
            "caption": f"Rated {asked.get_rag_display().lower()}, due by {_when(asked.due_at)}",
            "back_url": reverse("contact-detail", args=[contact.pk]),
            "submit_text": "Change the rating",
        },
    )


def _audit_people(request: InformationRequest) -> None:
    audit.seen(request.contact.children.values_list("pk", flat=True))


def agency_request_list(request: HttpRequest) -> HttpResponse:
    """The requests sent to the user's own agency: waiting ones first, by deadline."""
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    requests = list(agency_requests(user).order_by(F("answered_at").desc(nulls_first=True), "due_at"))
    actions = list(agency_actions(user))
    children = {c for r in requests for c in r.contact.children.values_list("pk", flat=True)}
    audit.seen(children | {a.discussion.referral.child_id for a in actions}, "list")
    rows = [{"request": r, "late": (r.answered_at or now) > r.due_at} for r in requests]
    return render(
        request,
        "mash/agency_requests.html",
        {"rows": rows, "actions": actions, "today": timezone.localdate(), "agency": user.agency},
    )


def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """One request to the user's agency: what the unit asks, and the agency's answer (or the form for it)."""
    user: User = request.user  # type: ignore[assignment]
    asked = agency_requests(user).filter(pk=pk).first()
    if asked is None:
        raise Http404
    _audit_people(asked)
    people = list(asked.people.order_by("family_name", "given_name"))
    form = None
    if asked.answered_at is None:
        form = AnswerForm(request.POST if request.method == "POST" else None, people=people)
        if request.method == "POST" and form.is_valid():
            items, prefixes = form.items()
            try:
                services.information_answer(actor=user, now=timezone.now(), request=asked, items=items)
            except ValidationError as error:
                add_service_errors(form, error, _rename(prefixes))
            else:
                messages.success(request, f"Answer sent to the unit for {asked.contact.team}")
                return redirect("agency-request", pk=asked.pk)
    answers = picture(user, asked.contact, timezone.now())
    own = next(a for a in answers if a.request.pk == asked.pk)
    views = asked.contact.agency_views.filter(agency_id=user.agency_id).select_related("agency", "recorded_by")
    return render(
        request,
        "mash/answer.html",
        {
            "asked": asked,
            "people": people,
            "form": form,
            "answer": own,
            "contact": asked.contact,
            "agency_views": views.prefetch_related("steps"),
            "may_give_view": bool(asked.contact.outcome) and not views.exists(),
        },
    )


def _rename(prefixes: list[str]) -> Any:
    """The service's `item_2_summary` is the form's `p1_i0_summary`: the third item sent."""

    def rename(key: str) -> str:
        parts = key.split("_", 2)
        if len(parts) == 3 and parts[0] == "item" and parts[1].isdigit() and int(parts[1]) < len(prefixes):
            prefix = prefixes[int(parts[1])]
            return prefix if prefix.endswith("nothing") else prefix + parts[2]
        return key

    return rename


class UploadForm(forms.Form):
    answers = forms.FileField(
        label="CSV file of answers",
        help_text="One row per item, or per person with nothing known. The columns are described below.",
        error_messages={"required": "Choose the CSV file to upload."},
    )


def answers_upload_page(request: HttpRequest) -> HttpResponse:
    """Answers to several requests at once, from a spreadsheet saved as CSV: all saved, or none."""
    user: User = request.user  # type: ignore[assignment]
    if user.agency_id is None:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = upload.read(form.cleaned_data["answers"].read())
            answered = upload.answers_upload(actor=user, now=timezone.now(), rows=rows)
        except upload.UploadProblems as problems:
            for message in problems.messages:
                form.add_error("answers", message)
        else:
            messages.success(request, f"{len(answered)} answer{'s' if len(answered) != 1 else ''} sent to the unit")
            return redirect("agency-requests")
    return render(request, "mash/upload.html", {"form": form, "columns": upload.COLUMNS})


def _contact_for_view(user: User, pk: int) -> tuple[Contact, str]:
    """A contact whose decision the user's agency may give its view on, and the page to go back to: the contact's
    page for those who see it; for a partner agency, its request about the contact (its only view of it)."""
    contact = contact_get(user=user, contact_id=pk)
    if contact is not None:
        return contact, reverse("contact-detail", args=[contact.pk])
    asked = agency_requests(user).filter(contact_id=pk).first()
    if asked is None:
        raise Http404
    _audit_people(asked)
    return asked.contact, reverse("agency-request", args=[asked.pk])


@require_POST
def agency_view_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the user's agency's view of the decision on a contact they can see, or were asked about."""
    user: User = request.user  # type: ignore[assignment]
    contact, back = _contact_for_view(user, pk)
    try:
        services.agency_view_record(
            actor=user,
            now=timezone.now(),
            contact=contact,
            view=request.POST.get("view", ""),
            disagrees=request.POST.get("disagrees") == "yes",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{user.agency}'s view recorded")
    return redirect(back)


@require_POST
def escalation_step_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    step = EscalationStep.objects.select_related("view").filter(pk=pk).first()
    if step is None:
        raise Http404
    _contact, back = _contact_for_view(user, step.view.contact_id)
    try:
        services.escalation_step_decide(
            actor=user,
            now=timezone.now(),
            step=step,
            outcome=request.POST.get("outcome", ""),
            notes=request.POST.get("notes", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Outcome of '{step.label}' recorded")
    return redirect(back)
