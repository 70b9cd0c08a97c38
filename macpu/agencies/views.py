from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from macpu.agencies.models import LocalAuthority, Role
from macpu.agencies.selectors import local_authority
from macpu.agencies.services import LOCAL_SETTINGS, local_settings_update
from macpu.core.forms import add_service_errors

# How each number is named in its error message, so the message says which setting is wrong.
SETTING_NAMES = {
    "visit_frequency_working_days": "Working days between statutory visits",
    "contact_decision_working_days": "Working days to decide a contact",
    "strategy_discussion_working_days": "Working days to hold a strategy discussion",
    "due_soon_working_days": "Working days before a clock shows as due soon",
    "small_cell_threshold": "The smallest count analytics shows",
}


def _limits(field: models.Field[Any, Any]) -> tuple[int | None, int | None]:
    """The smallest and largest values the model's validators allow."""
    lowest = next((v.limit_value for v in field.validators if isinstance(v, MinValueValidator)), None)
    highest = next((v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)), None)
    return lowest, highest


def number_field(name: str) -> forms.IntegerField:
    """A whole number with the model's range as min and max, and messages that name the setting."""
    field = cast("models.Field[Any, Any]", LocalAuthority._meta.get_field(name))
    lowest, highest = _limits(field)
    what = SETTING_NAMES.get(name) or str(field.verbose_name)
    described = f"{what[0].lower()}{what[1:]}"
    between = f" between {lowest} and {highest}" if lowest is not None and highest is not None else ""
    return forms.IntegerField(
        label=str(field.verbose_name)[0].upper() + str(field.verbose_name)[1:],
        min_value=lowest,
        max_value=highest,
        help_text=f"A whole number{between}.",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={
            "required": f"Enter the {described}.",
            "invalid": f"{what} must be a whole number{between}.",
            "min_value": f"{what} must be{between or ' larger'}.",
            "max_value": f"{what} must be{between or ' smaller'}.",
        },
    )


class LocalSettingsForm(forms.ModelForm):
    class Meta:
        model = LocalAuthority
        fields = LOCAL_SETTINGS
        help_texts = {
            "code": "The 3-digit code the Department for Education gives the local authority.",
            "start_day_counts": "Untick to count from the next working day instead.",
            "working_day_starts": "For information requests' deadlines. 24-hour clock, like 09:00.",
            "working_day_ends": "24-hour clock, like 17:00.",
            "green_working_hours": "Untick to count every hour, nights and weekends included.",
        }
        widgets = {
            name: forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input--width-5"})
            for name in ("working_day_starts", "working_day_ends")
        }
        error_messages = {
            "name": {"required": "Enter the local authority's name."},
            **{
                name: {
                    "required": f"Enter the time {what}, like {example}.",
                    "invalid": f"Enter the time {what} as hours and minutes, like {example}.",
                }
                for name, what, example in [
                    ("working_day_starts", "working hours start", "09:00"),
                    ("working_day_ends", "working hours end", "17:00"),
                ]
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            if isinstance(LocalAuthority._meta.get_field(name), models.IntegerField):
                self.fields[name] = number_field(name)
        # The code: only the model's own rule, not a length message beside it.
        code = self.fields["code"]
        code.validators = [
            v for v in LocalAuthority._meta.get_field("code").validators if isinstance(v, RegexValidator)
        ]
        code.max_length = None  # type: ignore[attr-defined]
        code.widget.attrs.pop("maxlength", None)
        code.widget.attrs.update({"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"})
        code.error_messages["required"] = "Enter the 3-digit Department for Education code."


def local_settings(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied
    form = LocalSettingsForm(request.POST if request.method == "POST" else None, instance=local_authority())
    if request.method == "POST" and form.is_valid():
        try:
            local_settings_update(actor=request.user, changes={f: form.cleaned_data[f] for f in LOCAL_SETTINGS})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Local settings saved")
            return redirect("local-settings")
    return render(request, "agencies/local_settings.html", {"form": form})
