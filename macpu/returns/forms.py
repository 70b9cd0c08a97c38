"""The performance team's forms."""

from __future__ import annotations

from datetime import date

from django import forms

from macpu.intake.forms import date_field


class AnnexAForm(forms.Form):
    as_of = date_field("Inspection date", hint="The lists cover the 6 months up to this date. For example, 27 3 2026")
    as_of.error_messages["required"] = "Enter the inspection date."

    def __init__(self, *args: object, today: date, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today

    def clean_as_of(self) -> date:
        as_of: date = self.cleaned_data["as_of"]
        if as_of > self.today:
            raise forms.ValidationError("The inspection date must be today or in the past.")
        return as_of
