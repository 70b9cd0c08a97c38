from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from macpu.agencies.models import User
from macpu.core.codes import Ethnicity, Sex
from macpu.core.services import Rules, today_of
from macpu.people.identifiers import is_valid_nhs_number, upn_problem
from macpu.people.models import Household, Person, PersonDisability, Relationship, RelationshipKind


@dataclass(frozen=True)
class PersonDetails:
    given_name: str
    family_name: str
    sex: str = Sex.UNKNOWN
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    ethnicity: str = ""
    nhs_number: str = ""
    upn: str = ""
    disabilities: Sequence[str] = field(default_factory=tuple)


def check_person(rules: Rules, details: PersonDetails, prefix: str, today: date) -> None:
    rules.check(bool(details.given_name.strip()), f"{prefix}given_name", "Enter a first name.")
    rules.check(bool(details.family_name.strip()), f"{prefix}family_name", "Enter a last name.")
    rules.check(details.sex in Sex.values, f"{prefix}sex", "Choose male, female or not known.")
    rules.check(
        details.ethnicity in ("", *Ethnicity.values), f"{prefix}ethnicity", "Choose an ethnicity from the list."
    )
    rules.check(
        not (details.date_of_birth and details.expected_date_of_birth),
        f"{prefix}date_of_birth",
        "Give a date of birth or, for an unborn child, an expected date of birth: not both.",
    )
    rules.not_in_future(details.date_of_birth, f"{prefix}date_of_birth", "The date of birth", today)
    if details.expected_date_of_birth:
        rules.check(
            details.expected_date_of_birth >= today,
            f"{prefix}expected_date_of_birth",
            "An expected date of birth must be today or later; record a born child's date of birth instead.",
        )
    if details.nhs_number:
        if rules.check(
            details.nhs_number.isdigit() and len(details.nhs_number) == 10,
            f"{prefix}nhs_number",
            "An NHS number is 10 digits.",
        ):
            rules.check(
                is_valid_nhs_number(details.nhs_number),
                f"{prefix}nhs_number",
                f"The NHS number {details.nhs_number} fails its check digit: a digit is wrong. Check it with the GP "
                "or the health visitor.",
            )
    if details.upn:
        problem = upn_problem(details.upn)
        rules.check(problem is None, f"{prefix}upn", problem or "")
    if "NONE" in details.disabilities:
        rules.check(
            len(details.disabilities) == 1,
            f"{prefix}disabilities",
            "'No disability' cannot be chosen with a disability.",
        )


def _eighteenth_birthday(born: date) -> date:
    """The day a person turns 18 (someone born on 29 February turns 18 on 1 March in a common year)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return date(born.year + 18, 3, 1)


def _create_person(details: PersonDetails) -> Person:
    person = Person.objects.create(
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        sex=details.sex,
        date_of_birth=details.date_of_birth,
        expected_date_of_birth=details.expected_date_of_birth,
        ethnicity=details.ethnicity,
        nhs_number=details.nhs_number,
        upn=details.upn,
    )
    PersonDisability.objects.bulk_create(PersonDisability(person=person, code=c) for c in details.disabilities)
    return person


@dataclass(frozen=True)
class HouseholdPeople:
    household: Household
    children: list[Person]
    adults: list[Person]


@transaction.atomic
def household_record(
    *,
    actor: User,
    now: datetime,
    address: str,
    postcode: str,
    children: Sequence[PersonDetails],
    adults: Sequence[PersonDetails] = (),
    adult_relationships: Sequence[str] = (),
) -> HouseholdPeople:
    """Record a household: its children, its adults, and each adult's relationship to the children.

    ``adult_relationships[i]`` is what adult i is to each child (a RelationshipKind). Children are recorded
    as brothers and sisters of one another.
    """
    today = today_of(now)
    rules = Rules()
    rules.check(bool(address.strip()), "address", "Enter the household's address.")
    rules.check(len(children) > 0, "children", "Enter at least one child.")
    for i, child in enumerate(children):
        check_person(rules, child, f"child_{i}_", today)
        if child.date_of_birth and child.date_of_birth <= today:
            rules.check(
                today < _eighteenth_birthday(child.date_of_birth),
                f"child_{i}_date_of_birth",
                "A child must be under 18: this date of birth makes them 18 or over. Record them as an adult.",
            )
    for i, adult in enumerate(adults):
        check_person(rules, adult, f"adult_{i}_", today)
        kind = adult_relationships[i] if i < len(adult_relationships) else ""
        rules.check(
            kind in RelationshipKind.values, f"adult_{i}_relationship", "Choose what this adult is to the children."
        )
    rules.raise_if_broken()

    household = Household.objects.create(address=address.strip(), postcode=postcode.strip().upper())
    child_people = [_create_person(c) for c in children]
    adult_people = [_create_person(a) for a in adults]
    household.members.add(*child_people, *adult_people)
    relationships = [
        Relationship(person=c, relative=a, kind=adult_relationships[i])
        for i, a in enumerate(adult_people)
        for c in child_people
    ]
    relationships += [
        Relationship(person=c, relative=s, kind=RelationshipKind.SIBLING)
        for c in child_people
        for s in child_people
        if c is not s
    ]
    Relationship.objects.bulk_create(relationships)
    return HouseholdPeople(household=household, children=child_people, adults=adult_people)
