"""Ordinary Django forms rendered through GovukFormRenderer come out in GOV.UK markup."""

import datetime
import re

import pytest
from django import forms
from django.template.loader import render_to_string

from macpu.core.forms import GovukDateInput


class ExampleForm(forms.Form):
    name = forms.CharField(label="Full name", help_text="As on their birth certificate")
    email = forms.EmailField(label="Email address", required=False)
    age = forms.IntegerField(label="Age", required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    agency = forms.ChoiceField(label="Agency", choices=[("", "Choose"), ("police", "Police")], required=False)
    urgent = forms.ChoiceField(
        label="Is it urgent?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        help_text="Urgent means today",
    )
    factors = forms.MultipleChoiceField(
        label="Factors",
        choices=[("1a", "Alcohol"), ("2a", "Drugs")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agreed = forms.BooleanField(label="I agree", required=False)
    seen_on = forms.DateField(
        label="Date seen",
        widget=GovukDateInput,
        help_text="For example, 27 3 2025",
        error_messages={"invalid": "Date seen must be a real date."},
    )
    held_on = forms.DateField(label="Date held", widget=forms.DateInput, required=False)
    held_at = forms.DateTimeField(label="Time held", widget=forms.DateTimeInput, required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def tag(html, element_id):
    """The opening tag of the element with this id."""
    match = re.search(rf'<[a-z]+[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def test_text_inputs_get_govuk_labels_hints_and_classes():
    html = str(ExampleForm())

    assert '<label class="govuk-label" for="id_name">Full name</label>' in html
    assert '<div class="govuk-hint" id="id_name_helptext">As on their birth certificate</div>' in html
    name = tag(html, "id_name")
    assert 'class="govuk-input"' in name and 'aria-describedby="id_name_helptext"' in name
    assert 'class="govuk-input"' in tag(html, "id_email")
    assert 'type="number"' in tag(html, "id_age") and 'class="govuk-input"' in tag(html, "id_age")
    assert 'class="govuk-textarea"' in tag(html, "id_notes")
    assert 'class="govuk-select"' in tag(html, "id_agency")
    assert 'type="hidden"' in tag(html, "id_token")
    assert "govuk-error" not in html


def test_radios_checkboxes_and_dates_are_fieldsets_with_govuk_items():
    html = str(ExampleForm())

    assert '<legend class="govuk-fieldset__legend">Is it urgent?</legend>' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_urgent_helptext">' in html
    assert 'class="govuk-radios govuk-radios--inline"' in html
    assert '<input class="govuk-radios__input" id="id_urgent_0" name="urgent" type="radio" value="yes">' in html
    assert '<label class="govuk-label govuk-radios__label" for="id_urgent_0">Yes</label>' in html
    assert '<input class="govuk-checkboxes__input" id="id_factors_1" name="factors" type="checkbox" value="2a">' in html
    assert 'class="govuk-checkboxes govuk-checkboxes--small"' in html
    assert 'class="govuk-checkboxes__input"' in tag(html, "id_agreed")
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_seen_on_helptext">' in html
    for part, width in (("day", 2), ("month", 2), ("year", 4)):
        box = tag(html, f"id_seen_on_{part}")
        assert f"govuk-date-input__input govuk-input--width-{width}" in box and f'name="seen_on_{part}"' in box
    held_on, held_at = tag(html, "id_held_on"), tag(html, "id_held_at")
    assert 'type="date"' in held_on and 'class="govuk-input govuk-input--width-10"' in held_on
    assert 'type="datetime-local"' in held_at


def test_errors_are_shown_with_a_hidden_prefix_and_described_by_the_field():
    form = ExampleForm(
        data={"name": "", "urgent": "", "seen_on_day": "31", "seen_on_month": "2", "seen_on_year": "2025"}
    )

    assert not form.is_valid()
    html = str(form)

    assert html.count("govuk-form-group--error") == 3
    assert (
        '<p class="govuk-error-message" id="id_name_error"><span class="govuk-visually-hidden">Error:</span> '
        "This field is required.</p>"
    ) in html
    name = tag(html, "id_name")
    assert 'class="govuk-input govuk-input--error"' in name
    assert 'aria-describedby="id_name_helptext id_name_error"' in name
    assert 'aria-invalid="true"' in name
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_urgent_helptext id_urgent_error">' in html
    assert "Date seen must be a real date." in html
    assert 'value="31"' in tag(html, "id_seen_on_day")
    assert "govuk-input--error" in tag(html, "id_seen_on_year")


def test_the_error_summary_links_each_message_to_its_fields_first_input():
    form = ExampleForm(data={"name": "", "seen_on_day": "", "seen_on_month": "", "seen_on_year": ""})
    form.is_valid()
    form.add_error(None, "Something about the whole form.")

    html = render_to_string("core/error_summary.html", {"form": form})

    assert 'class="govuk-error-summary" data-module="govuk-error-summary"' in html
    assert '<div role="alert">' in html
    assert '<a href="#non-field-errors">Something about the whole form.</a>' in html
    assert '<a href="#id_name">This field is required.</a>' in html
    assert '<a href="#id_urgent_0">This field is required.</a>' in html
    assert '<a href="#id_seen_on_day">This field is required.</a>' in html
    assert html.index("#non-field-errors") < html.index("#id_name") < html.index("#id_urgent_0")
    assert 'id="non-field-errors"' in str(form)


def test_no_errors_no_summary():
    assert render_to_string("core/error_summary.html", {"form": ExampleForm()}).strip() == ""


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [("27", "3", "2025", datetime.date(2025, 3, 27)), (" 1 ", "01", "2024", datetime.date(2024, 1, 1))],
)
def test_the_date_input_gives_the_field_a_date(day, month, year, expected):
    form = ExampleForm(
        data={"name": "x", "urgent": "no", "seen_on_day": day, "seen_on_month": month, "seen_on_year": year}
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["seen_on"] == expected


def test_a_date_shows_in_its_three_boxes():
    html = str(ExampleForm(initial={"seen_on": datetime.date(2025, 3, 7), "held_on": datetime.date(2025, 3, 7)}))

    assert 'value="7"' in tag(html, "id_seen_on_day")
    assert 'value="2025"' in tag(html, "id_seen_on_year")
    assert 'value="2025-03-07"' in tag(html, "id_held_on")
