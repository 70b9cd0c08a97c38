"""Forms for the front door: the one-page contact, the contact decision, the referral decision and allocation.

Also the small building blocks every pathway form shares (intake is the lowest app with pages, so casework and
protection import them from here): GOV.UK date, radios and yes/no fields. Forms only parse; the services hold the rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from macpu.agencies.models import User
from macpu.core.codes import Disability, Ethnicity, ReferralSource, Sex
from macpu.core.forms import GovukDateInput
from macpu.intake.models import ContactOutcome, ReferralDecision, Urgency
from macpu.people.models import RelationshipKind
from macpu.people.services import PersonDetails

DATE_HINT = "For example, 27 3 2025"
YES_NO = [("yes", "Yes"), ("no", "No")]


def date_field(label: str, *, required: bool = True, hint: str = DATE_HINT) -> forms.DateField:
    """A GOV.UK date input. Left empty, "Date of the decision" says "Enter the date of the decision"."""
    what = label[0].lower() + label[1:]
    if what.startswith("date"):
        what = f"the {what}"
    return forms.DateField(
        label=label,
        required=required,
        help_text=hint,
        widget=GovukDateInput,
        error_messages={"required": f"Enter {what}.", "invalid": f"{label} must be a real date."},
    )


def radios(
    label: str, choices: Iterable[tuple[str, str]], *, required: bool = True, hint: str = "", message: str = ""
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=list(choices),
        widget=forms.RadioSelect,
        required=required,
        help_text=hint,
        error_messages={"required": message or f"Choose {label[0].lower()}{label[1:]}".rstrip("?") + "."},
    )


def select(
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    required: bool = False,
    blank: str = "Choose",
    hint: str = "",
    message: str = "",
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", blank), *choices],
        required=required,
        help_text=hint,
        error_messages={"required": message or f"Choose {label[0].lower()}{label[1:]}."},
    )


def yes_no(label: str, *, message: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": message or "Choose yes or no."},
    )


def text(
    label: str, *, required: bool = False, hint: str = "", long: bool = False, message: str = ""
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 5}) if long else forms.TextInput
    return forms.CharField(
        label=label,
        required=required,
        help_text=hint,
        widget=widget,
        error_messages={"required": message or f"Enter {label[0].lower()}{label[1:]}."},
    )


def rows_rename(prefixes: Mapping[str, Sequence[int]]) -> Callable[[str], str]:
    """A `rename` for row forms: the service's `child_1_given_name` is form row rows[1]: `child_3_given_name`."""

    def rename(key: str) -> str:
        match = re.fullmatch(r"([a-z]+)_(\d+)(_?.*)", key)
        if match and match[1] in prefixes:
            rows, index = prefixes[match[1]], int(match[2])
            if index < len(rows):
                return f"{match[1]}_{rows[index]}{match[3]}"
        return key

    return rename


CHILD_ROWS = 4
ADULT_ROWS = 2
# What each household row started must have, with messages that say whose row it is ({who}: "child 2").
ROW_REQUIRED = {
    "given_name": "Enter {who}'s first name.",
    "family_name": "Enter {who}'s last name.",
    "sex": "Choose {who}'s sex: male, female or not known.",
}
ADULT_REQUIRED = {"relationship": "Choose what {who} is to the children."}


def row_owner(kind: str, i: int) -> str:
    """Whom row i is about, as the page's legend names it: "Child 1", "Adult 2"."""
    return f"{kind.capitalize()} {i + 1}"


def row_date_field(label: str, who: str, *, hint: str = DATE_HINT, what: str = "") -> forms.DateField:
    """An optional date in a household row, whose error says whose date it is."""
    field = date_field(label, required=False, hint=hint)
    field.error_messages["invalid"] = f"{who}'s {what or label[0].lower() + label[1:]} must be a real date."
    return field


class ContactForm(forms.Form):
    """A contact on one page: the household, up to four children, up to two adults, and who raised it."""

    # Every field the contact cannot do without is required here, so that one submit reports them all at once
    # (the services check the same again, and the rules a form cannot: dates in the future, for example).
    received_on = date_field("Date the contact was received")
    address = text("Household address", required=True, message="Enter the household's address.")
    postcode = text("Postcode")

    referrer_name = text(
        "Name of the person who raised the concern", required=True, message="Enter who raised the concern."
    )
    referrer_role = text("Their role or relationship to the child", hint="For example, class teacher or aunt")
    referral_source = select(
        "Referral source",
        ReferralSource.choices,
        required=True,
        blank="Choose where the concern came from",
        message="Choose where the concern came from.",
    )
    concern = text(
        "The concern, in their words", long=True, required=True, message="Enter the concern, in the referrer's words."
    )
    urgency = radios("How urgent is it?", Urgency.choices, message="Choose how urgent the concern is.")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for i in range(CHILD_ROWS):
            who = row_owner("child", i)
            self.fields[f"child_{i}_given_name"] = text("First name")
            self.fields[f"child_{i}_family_name"] = text("Last name")
            self.fields[f"child_{i}_date_of_birth"] = row_date_field("Date of birth", who)
            self.fields[f"child_{i}_expected_date_of_birth"] = row_date_field(
                "Expected date of birth (unborn child)",
                who,
                hint="Only for an unborn child. Leave the date of birth empty.",
                what="expected date of birth",
            )
            self.fields[f"child_{i}_sex"] = select("Sex", Sex.choices)
            self.fields[f"child_{i}_ethnicity"] = select("Ethnicity", Ethnicity.choices, blank="Not known yet")
            self.fields[f"child_{i}_nhs_number"] = text("NHS number (if known)", hint="10 digits, like 485 777 3456")
        for i in range(ADULT_ROWS):
            who = row_owner("adult", i)
            self.fields[f"adult_{i}_given_name"] = text("First name")
            self.fields[f"adult_{i}_family_name"] = text("Last name")
            self.fields[f"adult_{i}_date_of_birth"] = row_date_field(
                "Date of birth (if known)", who, what="date of birth"
            )
            self.fields[f"adult_{i}_sex"] = select("Sex", Sex.choices)
            self.fields[f"adult_{i}_relationship"] = select("What they are to the children", RelationshipKind.choices)
        # the field order decides the order of the error summary: keep it the order of the page
        order = ["received_on", "address", "postcode"]
        order += [f for f in self.fields if f.startswith("child_")] + [f for f in self.fields if f.startswith("adult_")]
        self.order_fields(order)

    def _rows(self, kind: str, count: int) -> list[list[forms.BoundField]]:
        return [[self[name] for name in self.fields if name.startswith(f"{kind}_{i}_")] for i in range(count)]

    @property
    def child_rows(self) -> list[list[forms.BoundField]]:
        return self._rows("child", CHILD_ROWS)

    @property
    def adult_rows(self) -> list[list[forms.BoundField]]:
        return self._rows("adult", ADULT_ROWS)

    def _filled(self, kind: str, count: int) -> list[int]:
        """The rows the user has started: anything typed or chosen in them (child 1 always counts)."""
        data, errors = self.cleaned_data, self.errors
        rows = []
        for i in range(count):
            names = [n for n in self.fields if n.startswith(f"{kind}_{i}_")]
            if (kind == "child" and i == 0) or any(data.get(n) or n in errors for n in names):
                rows.append(i)
        return rows

    def clean(self) -> dict[str, object]:
        """Each row started needs a first name, a last name and a sex (and, for an adult, who they are)."""
        data = super().clean() or {}
        required = {"child": ROW_REQUIRED, "adult": {**ROW_REQUIRED, **ADULT_REQUIRED}}
        for kind, count in (("child", CHILD_ROWS), ("adult", ADULT_ROWS)):
            for i in self._filled(kind, count):
                who = row_owner(kind, i)
                for key, message in required[kind].items():
                    name = f"{kind}_{i}_{key}"
                    if not data.get(name) and name not in self.errors:
                        self.add_error(name, message.format(who=who.lower()))
        return data

    def reword_row_error(self, name: str, message: str) -> str:
        """A service's message about a row says whose it is: "Child 2: the date of birth cannot be in the future."."""
        match = re.match(r"(child|adult)_(\d+)_", name)
        if not match or message.lower().startswith(match[1]):
            return message
        return f"{row_owner(match[1], int(match[2]))}: {message[0].lower()}{message[1:]}"

    def _details(self, kind: str, i: int) -> PersonDetails:
        data = self.cleaned_data

        def value(key: str) -> object:
            return data.get(f"{kind}_{i}_{key}")

        return PersonDetails(
            given_name=str(value("given_name") or ""),
            family_name=str(value("family_name") or ""),
            sex=str(value("sex") or ""),
            ethnicity=str(value("ethnicity") or ""),
            date_of_birth=value("date_of_birth"),  # type: ignore[arg-type]
            expected_date_of_birth=value("expected_date_of_birth"),  # type: ignore[arg-type]
            nhs_number=re.sub(r"\s", "", str(value("nhs_number") or "")),
        )

    @classmethod
    def as_typed(cls, data: Mapping[str, Any]) -> ContactForm:
        """The form showing what was typed, not checked: for the "Check for people already known" button, which
        sends the form without saving it."""
        form = cls(data)
        form._errors = ErrorDict()  # type: ignore[attr-defined]  # bound, so the fields show what was typed; no errors, as nothing was saved
        return form

    def household(self) -> dict[str, object]:
        """Keyword arguments for `people.services.household_record`, and the form rows they came from."""
        child_rows = self._filled("child", CHILD_ROWS)  # child 1 always
        adult_rows = self._filled("adult", ADULT_ROWS)
        return {
            "address": self.cleaned_data["address"],
            "postcode": self.cleaned_data["postcode"],
            "children": [self._details("child", i) for i in child_rows],
            "adults": [self._details("adult", i) for i in adult_rows],
            "adult_relationships": [self.cleaned_data.get(f"adult_{i}_relationship", "") for i in adult_rows],
            "rows": {"child": child_rows, "adult": adult_rows},
        }

    def contact(self) -> dict[str, object]:
        """Keyword arguments for `intake.services.contact_record` (the form's part of them)."""
        data = self.cleaned_data
        return {
            k: data[k]
            for k in ("received_on", "referrer_name", "referrer_role", "referral_source", "concern", "urgency")
        }


class ContactDecisionForm(forms.Form):
    outcome = radios("What happens next?", ContactOutcome.choices, message="Choose what happens next.")
    reasons = text("Reasons for the decision", long=True, required=True, message="Give the reasons for the decision.")
    decided_on = date_field("Date of the decision")


class ReferralDecisionForm(forms.Form):
    decision = radios(
        "What is the response to the referral?",
        ReferralDecision.choices,
        message="Choose the response to the referral.",
    )
    reasons = text("Reasons for the decision", long=True, required=True, message="Give the reasons for the decision.")
    decided_on = date_field("Date of the decision")


class AllocateForm(forms.Form):
    worker = forms.ChoiceField(label="Social worker", error_messages={"required": "Choose a social worker."})

    def __init__(self, *args: object, workers: Sequence[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.workers = {str(w.pk): w for w in workers}
        self.fields["worker"].choices = [("", "Choose a social worker")] + [  # type: ignore[attr-defined]
            (pk, w.display_name) for pk, w in self.workers.items()
        ]

    def clean_worker(self) -> User:
        return self.workers[self.cleaned_data["worker"]]


class ChildDetailsForm(forms.Form):
    """Correct a child's details: what the census needs and what other agencies match on."""

    given_name = text("First name", required=True)
    family_name = text("Last name", required=True)
    sex = radios("Sex", Sex.choices)
    ethnicity = select(
        "Ethnicity",
        Ethnicity.choices,
        blank="Not recorded",
        hint="The census needs an ethnicity for every child. If the family will not say, choose Refused; if it "
        "is not known yet, choose Information not yet obtained.",
    )
    nhs_number = text("NHS number (optional)", hint="10 digits, for example 943 476 5919")
    upn = text("Unique pupil number (optional)", hint="From the child's school: a letter and 12 digits or letters")
    disabilities = forms.MultipleChoiceField(
        label="Disability",
        choices=Disability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply, or No disability.",
    )

    def clean_nhs_number(self) -> str:
        return "".join(str(self.cleaned_data["nhs_number"]).split())

    def clean_upn(self) -> str:
        return "".join(str(self.cleaned_data["upn"]).split()).upper()


class BirthForm(forms.Form):
    born_on = date_field("Date of birth")
    sex = radios("Sex", Sex.choices)
    given_name = text("First name (optional)", hint="Leave it empty if the baby has not been named yet.")


class DeathForm(forms.Form):
    died_on = date_field("Date of death")


def child_match_details(data: Mapping[str, Any], row: int) -> dict[str, object]:
    """What has been typed so far about child `row` and the household, for matching at intake (linkage.COLUMNS).
    Read leniently: a date of birth that is not (yet) a real date is left out, nothing is an error."""
    prefix = f"child_{row}_"

    def value(name: str) -> str:
        return str(data.get(name) or "").strip()

    born: date | None = None
    day, month, year = (value(f"{prefix}date_of_birth_{part}") for part in ("day", "month", "year"))
    if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
        try:
            born = date(int(year), int(month), int(day))
        except ValueError:
            born = None
    return {
        "first_name": value(f"{prefix}given_name"),
        "surname": value(f"{prefix}family_name"),
        "date_of_birth": born,
        "sex": value(f"{prefix}sex"),
        "postcode": value("postcode"),
        "address": value("address"),
        "nhs_number": re.sub(r"\s", "", value(f"{prefix}nhs_number")),
    }
