"""Forms for assessments, child in need plans and closing a case. They parse; the services decide."""

from __future__ import annotations

from django import forms

from macpu.casework.models import AssessmentOutcome
from macpu.core.codes import AssessmentFactor, PrimaryNeed, ReasonForClosure
from macpu.intake.forms import date_field, radios, select, text


class AssessmentStartForm(forms.Form):
    started_on = date_field("Date the assessment started")


# The census codes' order, with "No factors identified" moved from the middle of the list to its end.
FACTOR_CHOICES = [
    *((v, label) for v, label in AssessmentFactor.choices if v != AssessmentFactor.NO_FACTORS),
    (AssessmentFactor.NO_FACTORS.value, AssessmentFactor.NO_FACTORS.label),
]


class AssessmentCompleteForm(forms.Form):
    authorised_on = date_field("Date the assessment was authorised")
    factors = forms.MultipleChoiceField(
        label="Factors identified",
        choices=FACTOR_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply. If there are none, select 'No factors identified', at the end of the list.",
    )
    outcome = radios(
        "Outcome of the assessment", AssessmentOutcome.choices, message="Choose the outcome of the assessment."
    )
    primary_need = select("The child's primary need", PrimaryNeed.choices, blank="Choose the primary need")
    summary = text("Summary", long=True)


class CinPlanStartForm(forms.Form):
    started_on = date_field("Date the plan started")


class CinPlanEndForm(forms.Form):
    ended_on = date_field("Date the plan ended")


class EpisodeCloseForm(forms.Form):
    closed_on = date_field("Date the case closed")
    reason = radios(
        "Reason for closing the case", ReasonForClosure.choices, message="Choose the reason for closing the case."
    )
