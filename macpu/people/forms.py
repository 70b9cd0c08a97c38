"""Forms for reviewing possible matches and for merging and unmerging people."""

from __future__ import annotations

from typing import Any

from django import forms

from macpu.people.models import Person

REASON_HINT = "Optional. What you checked, like the date of birth with the school or the GP."


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("same", "They are the same person"), ("different", "They are different people")],
        error_messages={"required": "Choose whether they are the same person or different people."},
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label="Why (optional)", help_text=REASON_HINT, required=False, max_length=2000, widget=forms.Textarea
    )


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(
        label="Which record should be kept?",
        help_text="The other person's agency records, contacts, cases, households and relationships move to it. "
        "The other record stays, marked as merged, and the merge can be undone.",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which record to keep."},
    )
    reason = forms.CharField(
        label="Why (optional)", help_text=REASON_HINT, required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = self.fields["keep"]
        assert isinstance(keep, forms.TypedChoiceField)  # noqa: S101 - for the type checker
        keep.choices = [(p.pk, _describe(p)) for p in people]


def _describe(person: Person) -> str:
    born = f", born {person.date_of_birth:%-d %B %Y}" if person.date_of_birth else ""
    return f"{person.full_name} ({person.la_child_id}{born})"


class UnmergeForm(forms.Form):
    reason = forms.CharField(
        label="Why (optional)",
        help_text="Optional. Like: the school confirmed they are twins.",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
    )
