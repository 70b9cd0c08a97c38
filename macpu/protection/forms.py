"""Forms for strategy discussions, section 47 enquiries, conferences and child protection plans.

Row forms (participants, actions, conference attendance) ignore rows left blank; they parse, the services decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from macpu.access.forms import MeetingAccessForm
from macpu.agencies.models import Agency, AgencyKind, User
from macpu.core.codes import CategoryOfAbuse
from macpu.intake.forms import date_field, radios, select, text, yes_no
from macpu.mash.forms import QuestionForm
from macpu.protection.models import (
    ConferenceDecision,
    ImmediateProtection,
    ParticipantAgency,
    PlanEndReason,
    S47Outcome,
    StrategyAttendance,
    StrategyDecision,
    StrategyInvitation,
)
from macpu.protection.services import Action, Attendance, Participant

PARTICIPANT_ROWS = 6
ACTION_ROWS = 3
ACTION_KEYS = ("action", "agency", "owner", "due_on")
# The first rows are for the agencies every strategy discussion needs: the row's heading is its agency, so the
# row does not ask for one again, and its role hint fits the agency.
PRE_LABELLED = [ParticipantAgency.SOCIAL_CARE, ParticipantAgency.POLICE, ParticipantAgency.HEALTH]
ROLE_HINTS = {
    ParticipantAgency.SOCIAL_CARE: "For example, social worker",
    ParticipantAgency.POLICE: "For example, detective constable",
    ParticipantAgency.HEALTH: "For example, named nurse for safeguarding",
}
OTHER_ROLE_HINT = "For example, designated safeguarding lead"
ATTENDANCE_AGENCIES = [
    ParticipantAgency.SOCIAL_CARE,
    ParticipantAgency.POLICE,
    ParticipantAgency.HEALTH,
    ParticipantAgency.EDUCATION,
    ParticipantAgency.OTHER,
]
ATTENDANCE_STATUS = [("invited", "Invited"), ("attended", "Attended"), ("report", "Report submitted")]


class Row:
    """One repeated group of fields on a page, shown as a GOV.UK fieldset with its own legend."""

    def __init__(self, legend: str, fields: list[forms.BoundField]) -> None:
        self.legend, self.fields = legend, fields


class AgencyChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})" if obj.kind == AgencyKind.OTHER else obj.name


class StrategyInviteForm(QuestionForm):
    """Invite agencies to a strategy discussion; each not yet asked about the contact is asked what it knows."""

    field_order = ["meeting_on", "meeting_time", "agencies"]

    meeting_on = date_field("Date of the discussion")
    meeting_time = forms.TimeField(
        label="Time of the discussion",
        help_text="Use the 24-hour clock, for example 14:30",
        input_formats=["%H:%M", "%H.%M"],
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the time of the discussion.",
            "invalid": "Enter the time of the discussion in hours and minutes, for example 14:30.",
        },
    )
    agencies = AgencyChoices(
        queryset=Agency.objects.exclude(kind=AgencyKind.SOCIAL_CARE),
        label="Agencies to invite",
        help_text="A strategy discussion needs the police and health, with children's social care. Agencies not yet "
        "asked about this contact are asked what they know about everyone in the household.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the agencies to invite."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies"].initial = list(  # the two every discussion needs
            Agency.objects.filter(kind__in=[AgencyKind.POLICE, AgencyKind.HEALTH]).values_list("pk", flat=True)
        )
        self.fields["rag"].initial = "red"

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        meeting_at = timezone.make_aware(datetime.combine(data["meeting_on"], data["meeting_time"]))
        return {
            "meeting_at": meeting_at,
            "agencies": list(data["agencies"]),
            **{k: data[k] for k in ("question", "rag", "rag_rationale")},
        }


class StrategyDiscussionForm(MeetingAccessForm):
    held_on = date_field("Date of the discussion")
    decision = radios("Decision", StrategyDecision.choices, message="Choose the decision of the discussion.")
    immediate_protection = radios(
        "Was immediate protection taken?",
        ImmediateProtection.choices,
        message="Choose whether immediate protection was taken.",
    )
    reasons = text("Reasons for the decision", long=True)
    missing_agency_reason = text(
        "If children's social care, the police or health could not take part, why it went ahead without them",
        long=True,
        hint="Only when one of them is missing. Leave empty otherwise.",
    )

    def __init__(self, *args: Any, invitations: Sequence[StrategyInvitation] = (), **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"immediate_protection": ImmediateProtection.NONE})
        super().__init__(*args, **kwargs)
        self.invitations = list(invitations)
        for invitation in self.invitations:
            self.fields[f"attendance_{invitation.pk}"] = radios(
                f"Did {invitation.agency} take part?",
                StrategyAttendance.choices,
                message=f"Say whether {invitation.agency} took part.",
            )
        self.agencies = {str(a.pk): a for a in Agency.objects.all()}
        for i in range(PARTICIPANT_ROWS):
            fixed = PRE_LABELLED[i] if i < len(PRE_LABELLED) else None
            self.fields[f"participant_{i}_name"] = text("Name")
            self.fields[f"participant_{i}_role"] = text("Role", hint=ROLE_HINTS[fixed] if fixed else OTHER_ROLE_HINT)
            if not fixed:
                self.fields[f"participant_{i}_agency"] = select("Agency", ParticipantAgency.choices)
            self.fields[f"participant_{i}_view"] = text("Their agency's view, in their own words", long=True)
        for i in range(ACTION_ROWS):
            self.fields[f"action_{i}_action"] = text("Action")
            self.fields[f"action_{i}_agency"] = select(
                "Agency responsible", [(pk, a.name) for pk, a in self.agencies.items()]
            )
            self.fields[f"action_{i}_owner"] = text("Who will do it")
            self.fields[f"action_{i}_due_on"] = date_field("Due by", required=False)
        self.order_fields(
            [
                "held_on",
                *[n for n in self.fields if n.startswith("attendance_")],
                *[n for n in self.fields if n.startswith("participant_")],
                "decision",
                "immediate_protection",
                "reasons",
            ]
        )

    @property
    def attendance_fields(self) -> list[forms.BoundField]:
        return [self[f"attendance_{i.pk}"] for i in self.invitations]

    @property
    def participant_rows(self) -> list[Row]:
        def legend(i: int) -> str:
            return ParticipantAgency(PRE_LABELLED[i]).label if i < len(PRE_LABELLED) else f"Person {i + 1}"

        return [
            Row(legend(i), [self[n] for n in self.fields if n.startswith(f"participant_{i}_")])
            for i in range(PARTICIPANT_ROWS)
        ]

    @property
    def action_rows(self) -> list[Row]:
        return [
            Row(f"Action {i + 1}", [self[n] for n in self.fields if n.startswith(f"action_{i}_")])
            for i in range(ACTION_ROWS)
        ]

    def _filled(self, kind: str, count: int, keys: Sequence[str]) -> list[int]:
        return [i for i in range(count) if any(self.cleaned_data.get(f"{kind}_{i}_{k}") for k in keys)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in self._filled("action", ACTION_ROWS, ACTION_KEYS):
            if not data.get(f"action_{i}_due_on") and f"action_{i}_due_on" not in self.errors:
                self.add_error(f"action_{i}_due_on", "Enter the date the action is due by.")
        return data

    def rows(self) -> dict[str, list[int]]:
        return {
            "participant": self._filled("participant", PARTICIPANT_ROWS, ("name", "role", "view")),
            "action": self._filled("action", ACTION_ROWS, ACTION_KEYS),
        }

    def service_kwargs(self) -> dict[str, Any]:
        data, rows = self.cleaned_data, self.rows()

        def value(kind: str, i: int, key: str) -> Any:
            return data.get(f"{kind}_{i}_{key}") or ""

        return {
            "held_on": data["held_on"],
            "decision": data["decision"],
            "immediate_protection": data["immediate_protection"],
            "reasons": data["reasons"],
            "missing_agency_reason": data.get("missing_agency_reason") or "",
            "access_for": list(data.get("access_for") or ()),
            "attendance": {i.pk: data[f"attendance_{i.pk}"] for i in self.invitations},
            "participants": [
                Participant(
                    name=value("participant", i, "name"),
                    role=value("participant", i, "role"),
                    agency_kind=PRE_LABELLED[i] if i < len(PRE_LABELLED) else value("participant", i, "agency"),
                    view=value("participant", i, "view"),
                )
                for i in rows["participant"]
            ],
            "actions": [
                Action(
                    action=value("action", i, "action"),
                    owner=value("action", i, "owner"),
                    due_on=data[f"action_{i}_due_on"],
                    agency=self.agencies.get(value("action", i, "agency")),
                )
                for i in rows["action"]
            ],
        }


class S47SeenForm(forms.Form):
    seen_on = date_field("Date the child was seen")
    seen_alone = yes_no("Was the child seen alone?", message="Choose whether the child was seen alone.")


class S47OutcomeForm(forms.Form):
    outcome = radios("Outcome of the enquiry", S47Outcome.choices, message="Choose the outcome of the enquiry.")
    completed_on = date_field("Date of the outcome")


class ConferenceForm(MeetingAccessForm):
    """An initial or review conference: who was invited and came, the family, the child's views, the decision."""

    held_on = date_field("Date of the conference")
    chair = forms.ChoiceField(label="Chair", error_messages={"required": "Choose the chair of the conference."})
    family_attended = yes_no("Did the family attend?", message="Choose whether the family attended.")
    child_views = text("The child's views", long=True, hint="In the child's own words where you can")

    decision_choices: Sequence[str] = ()
    plan_field = "summary"
    plan_label = "Summary"

    def __init__(self, *args: Any, chairs: Sequence[User], actor: User, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.chairs = {str(u.pk): u for u in chairs}
        chair = self.fields["chair"]
        chair.choices = [("", "Choose the chair"), *((pk, u.display_name) for pk, u in self.chairs.items())]  # type: ignore[attr-defined]
        if str(actor.pk) in self.chairs:
            chair.initial = str(actor.pk)
        for kind in ATTENDANCE_AGENCIES:
            self.fields[f"attendance_{kind}_name"] = text("Name", hint="Leave empty if nobody was invited")
            self.fields[f"attendance_{kind}_status"] = forms.MultipleChoiceField(
                label="Invitation and attendance",
                choices=ATTENDANCE_STATUS,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                initial=["invited"],
            )
        self.fields["decision"] = radios(
            "Decision",
            [(v, ConferenceDecision(v).label) for v in self.decision_choices],
            message="Choose the conference's decision.",
        )
        self.fields["category"] = radios(
            "Category of abuse", CategoryOfAbuse.choices, required=False, hint="Needed when the child has a plan"
        )
        self.fields[self.plan_field] = text(self.plan_label, long=True)

    @property
    def attendance_rows(self) -> list[Row]:
        return [
            Row(ParticipantAgency(kind).label, [self[f"attendance_{kind}_name"], self[f"attendance_{kind}_status"]])
            for kind in ATTENDANCE_AGENCIES
        ]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("held_on", "chair")]

    @property
    def outcome_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("family_attended", "child_views", "decision", "category", self.plan_field)]

    def clean_chair(self) -> User:
        return self.chairs[self.cleaned_data["chair"]]

    def clean(self) -> dict[str, Any]:
        """No plan, no category: a category left ticked from before choosing "No plan" or "End the plan" goes."""
        data = super().clean() or {}
        if data.get("decision") in (ConferenceDecision.NO_PLAN, ConferenceDecision.END):
            data["category"] = ""
        return data

    def attending_kinds(self) -> list[str]:
        return [kind for kind in ATTENDANCE_AGENCIES if self.cleaned_data.get(f"attendance_{kind}_name")]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        attendance = []
        for kind in self.attending_kinds():
            status = data.get(f"attendance_{kind}_status") or []
            attendance.append(
                Attendance(
                    agency_kind=kind,
                    name=data[f"attendance_{kind}_name"],
                    invited="invited" in status,
                    attended="attended" in status,
                    report_submitted="report" in status,
                )
            )
        return {
            "held_on": data["held_on"],
            "chair": data["chair"],
            "family_attended": data["family_attended"],
            "child_views": data["child_views"],
            "decision": data["decision"],
            "category": data["category"],
            self.plan_field: data[self.plan_field],
            "attendance": attendance,
            "access_for": list(data.get("access_for") or ()),
        }


class InitialConferenceForm(ConferenceForm):
    decision_choices = (ConferenceDecision.PLAN, ConferenceDecision.NO_PLAN)
    plan_field = "outline_plan"
    plan_label = "Outline plan"


class ReviewConferenceForm(ConferenceForm):
    decision_choices = (ConferenceDecision.CONTINUE, ConferenceDecision.END)
    plan_field = "summary"
    plan_label = "Summary of the review"


class CoreGroupForm(MeetingAccessForm):
    held_on = date_field("Date of the meeting")
    notes = text("Notes", long=True)


class VisitForm(forms.Form):
    visited_on = date_field("Date of the visit")
    child_seen = yes_no("Was the child seen?", message="Choose whether the child was seen.")
    child_seen_alone = yes_no("Was the child seen alone?", message="Choose whether the child was seen alone.")
    notes = text("Notes", long=True)


class PlanEndForm(forms.Form):
    ended_on = date_field("Date the plan ended")
    reason = radios(
        "Why is the plan ending?",
        [(v, label) for v, label in PlanEndReason.choices if v != PlanEndReason.NO_LONGER_AT_RISK],
        hint="A plan ends because the child is no longer at risk only at a review conference.",
        message="Choose why the plan is ending.",
    )


class StrategyActionDoneForm(forms.Form):
    done_on = date_field("Date the action was done")
