"""Pages about access to a child's record: who may see it and why, its access history, invitations, restriction,
and emergency access (break-glass). Every read goes through the scope filter; every change through a service."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from macpu.access import services
from macpu.access.forms import StaffChoice, StaffChoices
from macpu.access.models import (
    AuditSubject,
    BreakGlassReason,
    Invitation,
    Meeting,
    Restriction,
    RestrictionGrant,
    RestrictionKind,
)
from macpu.access.selectors import UNIT_ROLES, bases_for, unit_staff
from macpu.agencies import security_keys
from macpu.agencies.models import Role, User
from macpu.core.forms import add_service_errors
from macpu.core.services import SOCIAL_CARE
from macpu.intake.forms import date_field, radios
from macpu.people.models import LA_CHILD_ID_PREFIX, Person
from macpu.people.selectors import person_get

HISTORY_ROWS = 200


class InvitationForm(forms.Form):
    user = StaffChoice(
        queryset=User.objects.none(),
        label="Who to invite",
        empty_label="Choose a member of staff",
        error_messages={"required": "Choose who to invite."},
    )
    meeting = radios("What they are invited to", Meeting.choices, message="Choose the meeting they are invited to.")
    ends_on = date_field(
        "Last day they need to see the record", hint="No more than 90 days from today. For example, 27 3 2027"
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = unit_staff(actor)  # type: ignore[attr-defined]


class RestrictionForm(forms.Form):
    kind = radios("Why is the record restricted?", RestrictionKind.choices)
    reason = forms.CharField(
        label="Details", widget=forms.Textarea, error_messages={"required": "Say why the record is restricted."}
    )
    named = StaffChoices(
        queryset=User.objects.none(),
        label="Who else may see the record",
        help_text="You are named automatically. Everyone else, including the allocated worker, must be named here.",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    review_by = date_field("Review their access by", hint="No more than 90 days from today. For example, 27 3 2027")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["named"].queryset = unit_staff(actor)  # type: ignore[attr-defined]


class NameForm(forms.Form):
    user = StaffChoice(
        queryset=User.objects.none(),
        label="Who to name on the record",
        empty_label="Choose a member of staff",
        error_messages={"required": "Choose who to name."},
    )
    review_by = date_field("Review their access by", hint="No more than 90 days from today. For example, 27 3 2027")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = unit_staff(actor)  # type: ignore[attr-defined]


class GrantReviewForm(forms.Form):
    keep = radios(
        "Do they still need to see the record?",
        [("yes", "Yes, keep their access until a new review date"), ("no", "No, end their access now")],
        message="Choose whether they still need to see the record.",
    )
    review_by = date_field(
        "Next review", required=False, hint="If you keep their access. No more than 90 days from today."
    )


class LiftForm(forms.Form):
    lift_reason = forms.CharField(
        label="Why should the restriction be lifted?",
        widget=forms.Textarea,
        error_messages={"required": "Say why the restriction should be lifted."},
    )


class BreakGlassForm(forms.Form):
    child = forms.CharField(
        label="The child's ID",
        help_text=f"For example, {LA_CHILD_ID_PREFIX}0000123",
        error_messages={"required": "Enter the child's ID."},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    reason = radios("Why do you need the record now?", BreakGlassReason.choices)
    explanation = forms.CharField(
        label="Explain what has happened",
        help_text="The privacy officer reviews every use of emergency access.",
        widget=forms.Textarea,
        error_messages={"required": "Explain in at least 20 characters why you need the record now."},
    )
    # Your security key's answer, to confirm it is you (filled in by macpu/static/js/webauthn.js).
    second_factor = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)

    def clean_child(self) -> int:
        text = self.cleaned_data["child"].strip().upper().removeprefix(LA_CHILD_ID_PREFIX)
        if not text.isdigit():
            raise forms.ValidationError(f"Enter the child's ID as {LA_CHILD_ID_PREFIX} and 7 digits.")
        return int(text)


def _child(request: HttpRequest, pk: int) -> Person:
    child = person_get(user=request.user, person_id=pk)  # type: ignore[arg-type]
    if child is None:
        raise Http404("Page not found")
    return child


def _social_care(request: HttpRequest) -> None:
    if request.user.role not in SOCIAL_CARE:  # type: ignore[union-attr]
        raise PermissionDenied


def child_access(request: HttpRequest, pk: int) -> HttpResponse:
    """Who may see the child's record and why, and its access history: for the child's social workers."""
    _social_care(request)
    child = _child(request, pk)
    now = timezone.now()
    restriction = (
        Restriction.objects.filter(child=child, lifted_at__isnull=True).select_related("lift_asked_by").first()
    )
    history = (
        AuditSubject.objects.filter(person_id=child.pk).select_related("event").order_by("-event__seq")[:HISTORY_ROWS]
    )
    return render(
        request,
        "access/child_access.html",
        {
            "child": child,
            "basis": bases_for(request.user, [child.pk]).get(child.pk),  # type: ignore[arg-type]
            "invitations": Invitation.objects.filter(child=child, withdrawn_at__isnull=True, ends_at__gt=now)
            .select_related("user", "invited_by")
            .order_by("ends_at"),
            "restriction": restriction,
            "grants": restriction.grants.filter(ended_at__isnull=True).select_related("user") if restriction else [],
            "history": history,
            "history_rows": HISTORY_ROWS,
            "is_manager": request.user.role == Role.TEAM_MANAGER,  # type: ignore[union-attr]
            "lift_form": LiftForm(),
        },
    )


def _form_page(request: HttpRequest, form: forms.Form, child: Person, **context: Any) -> HttpResponse:
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "caption": child.full_name,
            "back_url": reverse("child-access", args=[child.pk]),
            **context,
        },
    )


def child_invite(request: HttpRequest, pk: int) -> HttpResponse:
    _social_care(request)
    child = _child(request, pk)
    form = InvitationForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user, child=child, now=timezone.now(), **form.cleaned_data
            )  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{invitation.user.display_name} can see this record until {form.cleaned_data['ends_on']:%-d %B %Y}",
            )
            return redirect("child-access", pk=child.pk)
    return _form_page(
        request,
        form,
        child,
        title="Invite someone to a meeting about this child",
        submit_text="Invite",
        intro="They will see this child's record until the last day you give, and the access history will show it.",
    )


@require_POST
def invitation_withdraw(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    _social_care(request)
    child = _child(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_id, child=child)
    try:
        services.invitation_withdraw(actor=request.user, invitation=invitation, now=timezone.now())  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{invitation.user.display_name} can no longer see this record through the invitation"
        )
    return redirect("child-access", pk=child.pk)


def child_restrict(request: HttpRequest, pk: int) -> HttpResponse:
    _social_care(request)
    child = _child(request, pk)
    form = RestrictionForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.restriction_impose(
                actor=request.user,  # type: ignore[arg-type]
                child=child,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                named=list(form.cleaned_data["named"]),
                review_by=form.cleaned_data["review_by"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The record is restricted: only the people named can find or open it")
            return redirect("child-access", pk=child.pk)
    return _form_page(
        request,
        form,
        child,
        title="Restrict this record",
        submit_text="Restrict the record",
        intro="A restricted record is hidden from search, lists and counts for everyone but the people named on it.",
    )


def restriction_name(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager named on a restricted record names someone else on it."""
    _social_care(request)
    child = _child(request, pk)
    restriction = get_object_or_404(Restriction, child=child, lifted_at__isnull=True)
    form = NameForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.restriction_name(
                actor=request.user,
                restriction=restriction,
                now=timezone.now(),
                **form.cleaned_data,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{grant.user.display_name} is named on the record")
            return redirect("child-access", pk=child.pk)
    return _form_page(request, form, child, title="Name someone on the restricted record", submit_text="Name them")


def grant_review(request: HttpRequest, pk: int, grant_id: int) -> HttpResponse:
    """A manager named on a restricted record reviews someone else's access: keep it until a new date, or end it."""
    _social_care(request)
    child = _child(request, pk)
    grant = get_object_or_404(RestrictionGrant, pk=grant_id, restriction__child=child, ended_at__isnull=True)
    form = GrantReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["keep"] == "yes"
        try:
            services.restriction_grant_review(
                actor=request.user,  # type: ignore[arg-type]
                grant=grant,
                keep=keep,
                review_by=form.cleaned_data["review_by"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = "kept" if keep else "ended"
            messages.success(request, f"{grant.user.display_name}'s access is {done}")
            return redirect("child-access", pk=child.pk)
    return _form_page(
        request, form, child, title=f"Review {grant.user.display_name}'s access", submit_text="Save the review"
    )


@require_POST
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to lift the restriction, or agree to lift it if someone else has asked."""
    _social_care(request)
    child = _child(request, pk)
    restriction = get_object_or_404(Restriction, child=child, lifted_at__isnull=True)
    form = LiftForm(request.POST)
    now = timezone.now()
    try:
        if restriction.lift_asked_at is None:
            reason = form.data.get("lift_reason", "")
            services.restriction_lift_ask(actor=request.user, restriction=restriction, reason=str(reason), now=now)  # type: ignore[arg-type]
            messages.success(request, "You have asked to lift the restriction: another named manager must agree")
        else:
            services.restriction_lift_agree(actor=request.user, restriction=restriction, now=now)  # type: ignore[arg-type]
            messages.success(request, "The restriction is lifted")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("child-access", pk=child.pk)


def break_glass(request: HttpRequest) -> HttpResponse:
    """Emergency access to a record the user has no relationship with. The user confirms it is them with their
    security key (a WebAuthn authentication, macpu.agencies.security_keys); without one they are sent to add one."""
    user: User = request.user  # type: ignore[assignment]  # login required: a User
    if user.role not in UNIT_ROLES:
        raise PermissionDenied
    now = timezone.now()
    has_key = security_keys.has_key(user)
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and has_key and form.is_valid():
        data = form.cleaned_data
        key = security_keys.security_key_use(
            user=user,
            credential=data["second_factor"],
            expected_challenge=security_keys.take_challenge(request, security_keys.BREAK_GLASS, now),
            rp_id=security_keys.rp_id(request),
            origin=security_keys.origin(request),
            now=now,
        )
        try:
            use = services.break_glass_open(
                actor=user,
                child=Person.objects.filter(pk=data["child"]).first(),
                reason=data["reason"],
                explanation=data["explanation"],
                second_factor_ok=key is not None,
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Emergency access is open until {timezone.localtime(use.ends_at):%-H:%M}. "
                "The privacy officer has been told.",
            )
            return redirect("child-detail", pk=use.child_id)
    options = security_keys.authentication_options(request, user, security_keys.BREAK_GLASS, now) if has_key else ""
    return render(
        request,
        "access/break_glass.html",
        {
            "form": form,
            "has_key": has_key,
            "webauthn_options": json.loads(options) if options else None,
            "back_url": reverse("child-search"),
        },
    )
