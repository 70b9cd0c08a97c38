"""Choosing members of staff; access for those who took part in a meeting; and the privacy officer's forms (which
child or member of staff, over which period, and a break-glass review)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.conf import settings

from macpu.access.selectors import unit_staff
from macpu.agencies.models import User
from macpu.intake.forms import date_field
from macpu.people.models import LA_CHILD_ID_PREFIX

CHILD_ID = re.compile(rf"^(?:{LA_CHILD_ID_PREFIX})?\s*(\d{{1,12}})$", re.IGNORECASE)
EXAMPLE_ID = f"{LA_CHILD_ID_PREFIX}0000123"


def staff_label(user: User) -> str:
    return f"{user.display_name}, {user.get_role_display()}" + (f", {user.agency}" if user.agency_id else "")


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return staff_label(obj)


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return staff_label(obj)


class MeetingAccessForm(forms.Form):
    """A meeting's form (strategy discussion, conference, core group) that also asks which of the unit's staff
    took part and need the child's record afterwards (access.services.meeting_access_give)."""

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access_for"] = StaffChoices(
            queryset=unit_staff(actor),
            label="Unit staff who took part and need to see the child's record",
            help_text=f"Each person you tick sees this child's record for {settings.ACCESS_INVITATION_MAX_DAYS} "
            "days, and the record's access history shows it. Leave them unticked if they can see it already.",
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )


class PrivacyPeriodForm(forms.Form):
    """An optional period, each end a GOV.UK date input: left empty, it runs from the start of the trail, or to
    now."""

    start = date_field("Start of the period", required=False, hint="Optional. For example, 1 4 2026")
    end = date_field("End of the period", required=False, hint="Optional. The whole of this day is included")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end of the period must be on or after its start.")
        return data


class PrivacyChildForm(PrivacyPeriodForm):
    child = forms.CharField(
        label="Child's ID",
        max_length=20,
        help_text=f"The local authority child ID, like {EXAMPLE_ID}. The number alone will do.",
        error_messages={"required": f"Enter the child's ID, like {EXAMPLE_ID}."},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    field_order = ["child", "start", "end"]

    def clean_child(self) -> int:
        """The child's record id (the number in their LA child id)."""
        text = re.sub(r"\s+", "", self.cleaned_data["child"])
        match = CHILD_ID.match(text)
        if not match or int(match.group(1)) == 0:
            raise forms.ValidationError(f"Enter the child's ID in the right format, like {EXAMPLE_ID}.")
        return int(match.group(1))


class PrivacyUserForm(PrivacyPeriodForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="The member of staff's username, as they sign in with it.",
        error_messages={"required": "Enter the username of the member of staff."},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    field_order = ["username", "start", "end"]

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()


class PrivacyReviewForm(forms.Form):
    review_note = forms.CharField(
        label="Review note",
        help_text="What you found: whether the use was justified, and anything you did about it.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter a review note saying what you found."},
    )
