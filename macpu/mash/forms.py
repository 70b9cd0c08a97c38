"""Forms for asking agencies, changing a rating, and an agency's answer. They parse; the services decide."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet

from macpu.agencies.models import UNIT_ROLES, Agency, AgencyKind, Role
from macpu.intake.forms import date_field, radios, select, text
from macpu.mash.models import Disclosure, ItemKind, LawfulBasis, Rag
from macpu.mash.services import Item
from macpu.people.models import Person

ITEMS_PER_PERSON = 2
RAG_HINTS = {
    Rag.RED: "The child may be at immediate risk",
    Rag.AMBER: "A risk of significant harm, but not immediate",
    Rag.GREEN: "No immediate risk; the unit needs the picture to decide",
}
# Roles an agency may restrict an item to: the unit's staff who see case records.
RESTRICTABLE = [(r.value, r.label) for r in Role if r in UNIT_ROLES]


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.full_name


class QuestionForm(forms.Form):
    """What the unit asks an agency, and the rating that sets when the answer is due."""

    question = text("What the unit needs to know", long=True, required=True, message="Say what the unit needs to know.")
    rag = radios("Rating", [(r.value, f"{r.label}: {RAG_HINTS[r]}") for r in Rag], message="Choose a rating.")
    rag_rationale = text("Why this rating", long=True, required=True, message="Say why you chose this rating.")


class AskForm(QuestionForm):
    field_order = ["agency", "people"]

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.exclude(kind=AgencyKind.SOCIAL_CARE),
        label="Agency to ask",
        empty_label="Choose an agency",
        error_messages={"required": "Choose the agency to ask."},
    )
    people = PeopleChoice(
        queryset=Person.objects.none(),
        label="Who to ask about",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one person to ask about."},
    )

    def __init__(self, *args: Any, household: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = self.fields["people"]
        people.queryset = household.order_by("family_name", "given_name")  # type: ignore[attr-defined]
        people.initial = list(household.values_list("pk", flat=True))


class RagChangeForm(forms.Form):
    rag = radios("New rating", [(r.value, f"{r.label}: {RAG_HINTS[r]}") for r in Rag], message="Choose a rating.")
    reason = text("Why the rating has changed", long=True, required=True, message="Say why the rating has changed.")


class AnswerForm(forms.Form):
    """For each person asked about: nothing known, or up to ITEMS_PER_PERSON items."""

    def __init__(self, *args: Any, people: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = list(people)
        for j, person in enumerate(self.people):
            self.fields[f"p{j}_nothing"] = forms.BooleanField(
                label=f"Nothing known about {person.full_name}", required=False
            )
            for k in range(ITEMS_PER_PERSON):
                p = f"p{j}_i{k}_"
                self.fields[p + "occurred_on"] = date_field("Date", required=False)
                self.fields[p + "kind"] = select("What it is", ItemKind.choices)
                self.fields[p + "summary"] = text("What your agency holds", long=True)
                self.fields[p + "source_reference"] = text("Reference in your system")
                self.fields[p + "lawful_basis"] = select("Lawful basis for sharing", LawfulBasis.choices)
                self.fields[p + "disclosure"] = radios("Who may see it", Disclosure.choices, required=False)
                self.fields[p + "disclosure_reason"] = text("Why the family must not be told", long=True)
                self.fields[p + "restricted_to"] = forms.MultipleChoiceField(
                    label="Roles who may see a restricted item",
                    choices=RESTRICTABLE,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                )

    def _filled(self, j: int, k: int) -> bool:
        p = f"p{j}_i{k}_"
        keys = ("occurred_on", "kind", "summary", "source_reference", "lawful_basis", "disclosure")
        return any(self.cleaned_data.get(p + key) for key in keys)

    def person_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "person": person,
                "nothing": self[f"p{j}_nothing"],
                "items": [
                    [self[n] for n in self.fields if n.startswith(f"p{j}_i{k}_")] for k in range(ITEMS_PER_PERSON)
                ],
            }
            for j, person in enumerate(self.people)
        ]

    def items(self) -> tuple[list[Item], list[str]]:
        """The service's items, and for each the form prefix its errors belong to."""
        data, items, prefixes = self.cleaned_data, [], []
        for j, person in enumerate(self.people):
            if data.get(f"p{j}_nothing"):
                items.append(Item(person=person, nothing_known=True))
                prefixes.append(f"p{j}_nothing")
            for k in range(ITEMS_PER_PERSON):
                if not self._filled(j, k):
                    continue
                p = f"p{j}_i{k}_"
                items.append(
                    Item(
                        person=person,
                        occurred_on=data.get(p + "occurred_on"),
                        kind=data.get(p + "kind") or "",
                        summary=data.get(p + "summary") or "",
                        source_reference=data.get(p + "source_reference") or "",
                        lawful_basis=data.get(p + "lawful_basis") or "",
                        disclosure=data.get(p + "disclosure") or "",
                        disclosure_reason=data.get(p + "disclosure_reason") or "",
                        restricted_to=data.get(p + "restricted_to") or [],
                    )
                )
                prefixes.append(p)
        return items, prefixes
