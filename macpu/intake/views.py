"""Front-door pages: record a contact, decide it, and the manager's referral decision and allocation.

Also `ChildFormView`, the one pattern behind every simple pathway form page (casework and protection use it):
find the record through the user's scope (404 if out of scope), parse the form, call the service with `now`
taken here at the edge, show the service's errors beside the fields, and go back to the child's page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.views import View
from django.views.decorators.http import require_http_methods, require_POST

from macpu.agencies.models import User
from macpu.agencies.selectors import team_social_workers
from macpu.core.forms import add_service_errors
from macpu.core.services import SOCIAL_CARE, may_record
from macpu.intake.forms import (
    CHILD_ROWS,
    AllocateForm,
    BirthForm,
    ChildDetailsForm,
    ContactDecisionForm,
    ContactForm,
    DeathForm,
    ReferralDecisionForm,
    child_match_details,
    rows_rename,
)
from macpu.intake.models import Contact, ContactOutcome, Referral
from macpu.intake.selectors import case_record_get, contact_get
from macpu.intake.services import (
    contact_decide,
    contact_with_household_record,
    may_record_contact,
    person_birth_record,
    person_death_record,
    person_details_correct,
    referral_allocate,
    referral_decide,
    referrer_message,
    referrer_tell,
)
from macpu.mash.selectors import picture
from macpu.people.matching import enough_to_match
from macpu.people.models import Person, Relationship
from macpu.people.selectors import intake_candidates, visible_people

FORM_PAGE = "core/form_page.html"


class ChildFormView(View):
    """A form page about one record on a child's case. Subclasses say what the record is and which service to call.

    `model` is the record the URL's pk names; `child_path` is how to reach the child from it. The record is read
    only through the user's scope, so a record the user may not see is a 404 that shows nothing of it.

    `service` is the service function the page records, set as `staticmethod(service)` so it is not bound, and
    called as `service(actor=..., now=..., <subject_arg>=record, **service_kwargs(form))`; `subject_arg` is the
    keyword the service takes the record as (`referral`, `plan`, ...). `service_kwargs` is the form's cleaned data
    unless a subclass builds it otherwise. `step`, checked with `may_record` before anything is read, is the
    service's name (a key of core.services.STEP_ROLES).
    """

    model: ClassVar[type[models.Model]]
    child_path: ClassVar[str] = "referral__child"
    form_class: ClassVar[type[forms.Form]]
    title: ClassVar[str]
    submit_text: ClassVar[str] = "Save"
    success_message: ClassVar[str]
    service: ClassVar[Callable[..., object]]
    subject_arg: ClassVar[str]
    template_name: ClassVar[str] = FORM_PAGE

    subject: Any
    child: Person

    @property
    def step(self) -> str:
        return self.service.__name__

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: User = request.user  # type: ignore[assignment]  # LoginRequiredMiddleware: always signed in here
        if not may_record(user, self.step):
            raise PermissionDenied  # before anything about the case is read
        self.subject = case_record_get(user=user, model=self.model, child_path=self.child_path, pk=kwargs["pk"])
        if self.subject is None:
            raise Http404
        child: Any = self.subject
        for part in filter(None, self.child_path.split("__")):
            child = getattr(child, part)
        self.child = child
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data, **self.get_form_kwargs())

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        cleaned_data: dict[str, Any] = form.cleaned_data
        return cleaned_data

    def perform(self, form: forms.Form, *, actor: User, now: datetime) -> object:
        return self.service(actor=actor, now=now, **{self.subject_arg: self.subject}, **self.service_kwargs(form))

    def rename_error(self, key: str) -> str:
        return key

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.perform(form, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
            except ValidationError as error:
                add_service_errors(form, error, self.rename_error)
            else:
                messages.success(request, self.success_message)
                return redirect("child-detail", pk=self.child.pk)
        return self.render(form, status=200)

    def get_context(self) -> dict[str, Any]:
        return {}

    def render(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "title": self.title,
            "caption": self.child.full_name,
            "child": self.child,
            "back_url": reverse("child-detail", args=[self.child.pk]),
            "submit_text": self.submit_text,
            **self.get_context(),
        }
        return render(self.request, self.template_name, context, status=status)


def _match_row(value: object) -> int:
    """Which child row a look-up is for (0 when the value is not a row)."""
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) < CHILD_ROWS else 0


def _matches(request: HttpRequest, row: int) -> dict[str, Any]:
    """The people already known who may be child `row` of the form's data: for the partial and the form page."""
    details = child_match_details(request.POST, row)
    enough = enough_to_match(details)
    candidates = (
        intake_candidates(user=request.user, details=details, now=timezone.now())  # type: ignore[arg-type]
        if enough
        else []
    )
    return {"row": row, "enough": enough, "candidates": candidates, "checked": True}


@require_POST
def contact_matches(request: HttpRequest) -> HttpResponse:
    """Matching at intake: the people in the index and the agency records that may be the child whose details
    are being typed on the contact form, as a piece of HTML for the form's script to show beside the child. Sent
    by POST so that no child's details are in an address (and so in logs)."""
    if not may_record_contact(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    return render(request, "intake/_matches.html", _matches(request, _match_row(request.POST.get("row"))))


def contact_create(request: HttpRequest) -> HttpResponse:
    """Record the household and the contact together: one submit shows everything wrong with both. The "Check for
    people already known" button beside a child (name "check", value the child's row) sends the form without
    saving it and shows the page again with the people already known who may be that child."""
    user: User = request.user  # type: ignore[assignment]
    if not may_record_contact(user):
        raise PermissionDenied
    if request.method == "POST" and "check" in request.POST:
        row = _match_row(request.POST.get("check"))
        return render(
            request,
            "intake/contact_form.html",
            {"form": ContactForm.as_typed(request.POST), "matches": _matches(request, row)},
        )
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        household = form.household()
        rows = household.pop("rows")
        try:
            contact = contact_with_household_record(
                actor=user,
                now=timezone.now(),
                household=household,
                team=user.team,  # type: ignore[arg-type]  # may_record_contact: in a team
                **form.contact(),  # type: ignore[arg-type]
            )
        except ValidationError as error:
            add_service_errors(form, error, rows_rename(rows), reword=form.reword_row_error)  # type: ignore[arg-type]
        else:
            messages.success(request, "Contact recorded")
            return redirect("contact-detail", pk=contact.pk)
    return render(request, "intake/contact_form.html", {"form": form})


def _contact_page(request: HttpRequest, contact: Contact, form: ContactDecisionForm | None) -> HttpResponse:
    """The contact, its household (the children, and each adult with what they are to the children) and decision.

    The household's people and their relationships to the children are two queries, whatever the household's size.
    """
    children = list(contact.children.order_by("family_name", "given_name"))
    referrals = list(contact.referrals.select_related("child").order_by("child__family_name", "child__given_name"))
    adults: list[tuple[Person, str]] = []
    if contact.household is not None:
        child_ids = {child.pk for child in children}
        others = [m for m in contact.household.members.order_by("family_name", "given_name") if m.pk not in child_ids]
        kinds: dict[int, dict[str, list[str]]] = {other.pk: {} for other in others}  # adult -> label -> children
        names = {child.pk: child.full_name for child in children}
        for relationship in Relationship.objects.filter(person__in=children, relative__in=others).order_by(
            "person__family_name", "person__given_name"
        ):
            label = relationship.get_kind_display()
            kinds[relationship.relative_id].setdefault(label, []).append(names[relationship.person_id])
        for other in others:
            by_label = kinds[other.pk]
            if not by_label:
                text = "Not recorded"
            elif len(by_label) == 1 and len(next(iter(by_label.values()))) == len(children):
                text = next(iter(by_label))  # the same to every child, e.g. "Parent"
            else:
                text = "; ".join(f"{label} to {get_text_list(of, 'and')}" for label, of in by_label.items())
            adults.append((other, text))
    return render(
        request,
        "intake/contact_detail.html",
        {
            "contact": contact,
            "children": children,
            "adults": adults,
            "referrals": referrals,
            "form": form if not contact.outcome and may_record(request.user, "contact_decide") else None,  # type: ignore[arg-type]
            "is_referral": contact.outcome == ContactOutcome.REFERRAL,
            "answers": picture(request.user, contact, timezone.now()),  # type: ignore[arg-type]
            "referrer_message": contact.referrer_message or (referrer_message(contact) if contact.outcome else ""),
            "may_tell": may_record(request.user, "contact_decide"),  # type: ignore[arg-type]
            "agency_views": contact.agency_views.select_related("agency", "recorded_by").prefetch_related("steps"),
            # Social care's view is its decision; the other agencies say whether they agree with it.
            "may_give_view": request.user.role not in SOCIAL_CARE  # type: ignore[union-attr]
            and request.user.agency_id is not None  # type: ignore[union-attr]
            and not contact.agency_views.filter(agency_id=request.user.agency_id).exists(),  # type: ignore[union-attr]
            "may_ask": request.user.role in SOCIAL_CARE  # type: ignore[union-attr]
            and contact.outcome in ("", ContactOutcome.REFERRAL),
        },
    )


def _contact(request: HttpRequest, pk: int) -> Contact:
    contact = contact_get(user=request.user, contact_id=pk)  # type: ignore[arg-type]
    if contact is None:
        raise Http404
    return contact


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contact_page(request, _contact(request, pk), ContactDecisionForm())


@require_http_methods(["GET", "POST"])
def contact_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    if not may_record(request.user, "contact_decide"):  # type: ignore[arg-type]
        raise PermissionDenied
    if request.method != "POST":  # the decision form lives on the contact's page
        return redirect("contact-detail", pk=contact.pk)
    form = ContactDecisionForm(request.POST)
    if form.is_valid():
        try:
            contact_decide(actor=request.user, now=timezone.now(), contact=contact, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Decision recorded")
            return redirect("contact-detail", pk=contact.pk)
    return _contact_page(request, contact, form)


@require_POST
def referrer_told_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    try:
        referrer_tell(actor=request.user, now=timezone.now(), contact=contact)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recorded that {contact.referrer_name} was told the outcome")
    return redirect("contact-detail", pk=contact.pk)


class ReferralDecideView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = ReferralDecisionForm
    service = staticmethod(referral_decide)
    subject_arg = "referral"
    title = "Decide the referral"
    submit_text = "Save decision"
    success_message = "Referral decision recorded"

    def get_context(self) -> dict[str, Any]:
        """Above the form, what the manager decides on: the child, who raised the concern and why, the contact's
        decision, and the brothers and sisters in the same contact (each has their own referral to decide)."""
        referral: Referral = self.subject
        user: User = self.request.user  # type: ignore[assignment]
        contact = contact_get(user=user, contact_id=referral.contact_id) if referral.contact_id else None
        siblings: list[tuple[Person, Referral | None]] = []
        if contact is not None:
            referrals = {r.child_id: r for r in contact.referrals.all()}
            others = (
                contact.children.filter(pk__in=visible_people(user))
                .exclude(pk=self.child.pk)
                .order_by("family_name", "given_name")
            )
            siblings = [(other, referrals.get(other.pk)) for other in others]
        return {
            "before_form": "intake/referral_summary.html",
            "referral": referral,
            "contact": contact,
            "siblings": siblings,
        }


class ReferralAllocateView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = AllocateForm
    service = staticmethod(referral_allocate)
    subject_arg = "referral"
    title = "Allocate a social worker"
    submit_text = "Allocate"
    success_message = "Social worker allocated"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"workers": team_social_workers(self.subject.team)}


class ChildRecordView(ChildFormView):
    """A form page about the child's own record: the URL's pk is the child."""

    model = Person
    child_path = ""
    subject_arg = "person"


class ChildDetailsView(ChildRecordView):
    form_class = ChildDetailsForm
    service = staticmethod(person_details_correct)
    title = "Change the child's details"
    submit_text = "Save details"
    success_message = "Child's details saved"

    def get_form(self, data: Any = None) -> forms.Form:
        child: Person = self.subject
        initial = {
            "given_name": child.given_name,
            "family_name": child.family_name,
            "sex": child.sex,
            "ethnicity": child.ethnicity,
            "nhs_number": child.nhs_number,
            "upn": child.upn,
            "disabilities": [d.code for d in child.disabilities.all()],
        }
        return self.form_class(data, initial=initial)


class ChildBirthView(ChildRecordView):
    form_class = BirthForm
    service = staticmethod(person_birth_record)
    title = "Record the birth"
    submit_text = "Save birth"
    success_message = "Birth recorded"


class ChildDeathView(ChildRecordView):
    form_class = DeathForm
    service = staticmethod(person_death_record)
    title = "Record the child's death"
    submit_text = "Save"
    success_message = "Death recorded. End any open plan, then close the case with the reason 'Died'."
