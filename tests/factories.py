"""factory_boy factories shared by every test module, and small helpers for reading pages."""

from __future__ import annotations

import datetime as dt
import re

import factory
import pyotp
from django.utils import timezone

from macpu.agencies.models import Agency, AgencyKind, LocalAuthority, Role, Team, User
from macpu.core.codes import Sex
from macpu.intake.models import Contact
from macpu.intake.services import contact_record
from macpu.people.models import Person
from macpu.people.services import PersonDetails, household_record


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority

    name = "Demo Borough Council"
    code = "999"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = "Demo Borough Council children's social care"
    kind = AgencyKind.SOCIAL_CARE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("agency", "name")

    agency = factory.SubFactory(AgencyFactory)
    name = "Multi-agency child protection unit"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    role = Role.SOCIAL_WORKER
    agency = factory.SubFactory(AgencyFactory)
    team = factory.LazyAttribute(lambda u: TeamFactory(agency=u.agency))
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")
    totp_secret = factory.LazyFunction(pyotp.random_base32)  # codes: macpu.agencies.second_factor.code_at

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook signature
        if create:
            obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Child{n}")
    family_name = "Example"
    sex = Sex.FEMALE
    date_of_birth = dt.date(2018, 5, 4)
    ethnicity = "WBRI"


def aware(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    """A timezone-aware moment in England, for passing `now` into services."""
    return timezone.make_aware(dt.datetime(year, month, day, hour))  # noqa: DTZ001


def words(html: str) -> str:
    """What a page says: its text without tags or attributes (a CSRF token can hold "2A" by chance)."""
    return re.sub(r"<[^>]*>", " ", html)


def police_notification(
    actor: User, team: Team, now: dt.datetime, *, child: str = "Ava", with_kai: bool = True
) -> Contact:
    """A police notification recorded at the front door: a domestic incident at the home of a three-year-old girl
    (Ava by default), her mother Jo Sample and, unless `with_kai` is false, Jo's partner Kai Other."""
    adults = [(PersonDetails(given_name="Jo", family_name="Sample", sex="F"), "parent")]
    if with_kai:
        adults.append((PersonDetails(given_name="Kai", family_name="Other", sex="M"), "partner_of_parent"))
    people = household_record(
        actor=actor,
        now=now,
        address=f"3 {child} Street",
        postcode="ZZ3 3ZZ",
        children=[PersonDetails(given_name=child, family_name="Sample", sex="F", date_of_birth=dt.date(2023, 3, 2))],
        adults=[details for details, _ in adults],
        adult_relationships=[relationship for _, relationship in adults],
    )
    return contact_record(
        actor=actor,
        now=now,
        children=people.children,
        household=people.household,
        received_on=timezone.localdate(now),
        referrer_name="PC Lee",
        referral_source="6",
        concern=f"Police called to a domestic incident; {child} was in the house.",
        urgency="same_day",
        team=team,
    )


def partner_agencies() -> dict[str, Agency]:
    """The four agencies the front door asks in the multi-agency tests, by kind."""
    names = {
        AgencyKind.POLICE: "Demo Constabulary",
        AgencyKind.HEALTH: "Demo health visiting",
        AgencyKind.EDUCATION: "Demo nursery",
        AgencyKind.PROBATION: "Demo probation",
    }
    return {kind: AgencyFactory(name=name, kind=kind) for kind, name in names.items()}


def partner_practitioners(agencies: dict[str, Agency]) -> dict[str, User]:
    """A partner practitioner in each agency, in a team of its own."""
    return {
        kind: UserFactory(role=Role.PARTNER_PRACTITIONER, agency=agency, team=TeamFactory(agency=agency))
        for kind, agency in agencies.items()
    }
