"""GOV.UK Design System rendering for ordinary Django forms.

Every field renders through one template (core/field.html) that picks the GOV.UK markup for its widget:
label, hint, error message, and the input, textarea, select, radios, checkboxes or date input classes.

The choice of markup is made here, in Python, by `GovukBoundField` (which the renderer hands to every form), so
the template only branches on one word, `field.govuk_kind`. Forms stay plain `forms.Form`s: nothing to inherit.

Ids follow Django's own: the hint is `<id>_helptext` and the error message `<id>_error`, which is what Django
already puts in a widget's `aria-describedby` (and in a fieldset's, for radios, checkboxes and dates).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.http import HttpRequest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.safestring import SafeString

from macpu.agencies import signin

# widget class -> (GOV.UK class, GOV.UK error modifier)
_CLASSES = {
    "input": ("govuk-input", "govuk-input--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "checkbox": ("govuk-checkboxes__input", ""),
}


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes, for a `forms.DateField`.

    The three boxes come back to the field as one "year-month-day" string, which the field parses as usual:
    all empty is "no date" (the field's "required" message), anything that is not a real date is the field's
    "invalid" message.
    """

    use_fieldset = True
    parts = (
        ("day", "Day", "govuk-input--width-2"),
        ("month", "Month", "govuk-input--width-2"),
        ("year", "Year", "govuk-input--width-4"),
    )

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            name: forms.TextInput(attrs={"inputmode": "numeric"}) for name, _label, _width in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value.count("-") >= 2:
            year, month, day = value.split("-", 2)
            return [day, month, year]
        return [None, None, None]

    def value_from_datadict(self, data: Mapping[str, Any], files: MultiValueDict[str, Any], name: str) -> Any:
        day, month, year = (str(v or "").strip() for v in super().value_from_datadict(data, files, name))
        if not (day or month or year):
            return ""
        return f"{year}-{month}-{day}"


def govuk_kind(widget: forms.Widget) -> str:
    """Which GOV.UK component renders this widget."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, GovukDateInput):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # a subclass of RadioSelect: test it first
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.MultiWidget):
        return "other"
    return "input"


class GovukBoundField(BoundField):
    """A BoundField that knows its GOV.UK markup: used by every form rendered with `GovukFormRenderer`."""

    @property
    def govuk_kind(self) -> str:
        return govuk_kind(self.field.widget)

    @property
    def govuk_widget(self) -> SafeString:
        """The widget's own HTML with GOV.UK classes (input, textarea, select, file upload, single checkbox)."""
        kind = self.govuk_kind
        widget = self.field.widget
        base, error = _CLASSES.get(kind, ("", ""))
        classes = [base, error if self.errors else "", widget.attrs.get("class", "")]
        if isinstance(widget, forms.DateInput | forms.DateTimeInput):
            widget = copy.copy(widget)
            widget.attrs = dict(widget.attrs)
            if isinstance(widget, forms.DateTimeInput):
                widget.input_type, widget.format, width = "datetime-local", "%Y-%m-%dT%H:%M", "govuk-input--width-20"
            else:
                widget.input_type, widget.format, width = "date", "%Y-%m-%d", "govuk-input--width-10"
            if "govuk-input--width" not in widget.attrs.get("class", ""):
                classes.append(width)
        attrs: dict[str, str | bool] = {"class": " ".join(c for c in classes if c)} if any(classes) else {}
        return self.as_widget(widget=widget, attrs=attrs)

    @property
    def govuk_options(self) -> list[dict[str, Any]]:
        """Radios and checkboxes: one dict per option (id, name, value, label, checked, disabled)."""
        options = []
        for option in self.subwidgets:
            data = option.data
            options.append(
                {
                    "id": data["attrs"].get("id", ""),
                    "name": data["name"],
                    "value": data["value"],
                    "label": data["label"],
                    "checked": data["selected"],
                    "type": data["type"],
                    "disabled": bool(data["attrs"].get("disabled")),
                }
            )
        return options

    @property
    def govuk_inline(self) -> bool:
        """Two short radios (yes or no) sit side by side, as the design system suggests."""
        options = self.govuk_options
        return self.govuk_kind == "radios" and len(options) == 2 and all(len(str(o["label"])) <= 5 for o in options)

    @property
    def govuk_date_parts(self) -> list[dict[str, Any]]:
        """The GOV.UK date input's boxes: id, name, value, label and width class."""
        widget = self.field.widget
        attrs = self.build_widget_attrs({"id": self.auto_id} if self.auto_id else {})
        subwidgets = widget.get_context(self.html_name, self.value(), attrs)["widget"]["subwidgets"]
        parts = getattr(widget, "parts", ())
        return [
            {
                "id": f"{self.auto_id}_{name}" if self.auto_id else "",
                "name": sub["name"],
                "value": sub["value"] or "",
                "label": label,
                "width": width,
            }
            for sub, (name, label, width) in zip(subwidgets, parts, strict=False)
        ]

    @property
    def govuk_first_id(self) -> str:
        """The id an error summary links to: the field's first input."""
        kind = self.govuk_kind
        if kind in {"radios", "checkboxes"}:
            options = self.govuk_options
            return str(options[0]["id"]) if options else self.auto_id or ""
        if kind == "date":
            parts = self.govuk_date_parts
            return str(parts[0]["id"]) if parts else self.auto_id or ""
        return self.id_for_label or self.auto_id or ""


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "core/form.html"
    field_template_name = "core/field.html"
    bound_field_class = GovukBoundField


class SignInForm(AuthenticationForm):
    """Django's sign-in form with messages in GOV.UK style: step 1 of 2 (macpu.agencies.signin has step 2).

    Every failure counts towards locking the username as typed, whether or not the account exists, and a locked
    username gets one message, right password or wrong, after the same work a password check takes.
    """

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "Enter a correct username and password. Both are case-sensitive.",  # never says it exists
        "locked": signin.LOCKED_MESSAGE,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        now = timezone.now()
        if signin.is_locked(username, now):
            signin.spend_like_a_password_check(password)
            raise ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except ValidationError:
            if signin.record_failure(username, now):
                raise ValidationError(self.error_messages["locked"], code="locked") from None
            raise

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username."
        self.fields["password"].error_messages["required"] = "Enter your password."
        self.fields["username"].widget.attrs.update({"spellcheck": "false"})


def add_service_errors(
    form: forms.BaseForm,
    error: ValidationError,
    rename: Callable[[str], str] | None = None,
    *,
    reword: Callable[[str, str], str] | None = None,
) -> None:
    """Show a service's ValidationError on the form: each message beside the field its key names.

    `rename` turns a service key into a form field name (for rows, where the service counts only the rows
    filled in). Keys that name no field become errors for the whole form. `reword(field name, message)` may
    change a message (to say which row it is about).
    """
    items = error.message_dict.items() if hasattr(error, "error_dict") else [(NON_FIELD_ERRORS, error.messages)]
    for key, messages in items:
        name = rename(key) if rename else key
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, reword(name, message) if reword and field else message)
