"""The demo's agency records and their batch linkage (issue #6): what the police, health and a school hold.

Each agency's nightly extract is loaded through the real import service (`records_import`), with its provenance:
the police's Niche, the community health trust's SystmOne and the education partnership's SIMS. Each extract
holds

- copies of demo people, as those agencies would hold them: every child is known to health, school-age children
  to their school, and some adults and teenagers to the police; each copy has the errors real systems have (a
  nickname, a typo in the surname, the day and month of the date of birth swapped, an old address and postcode,
  no NHS number). The social worker's own caseload gets one of each, so the demo shows them; and
- a background of other made-up people (`macpu.people.synthetic.agency_records`), so that linkage has enough
  records to train its model on. A few of their rows break the import's rules (a mistyped NHS number): the
  import keeps a report of them, as an administrator would accept it.

Then batch linkage (`records_link`) runs as the demo administrator: the demo has a LinkageRun (whose model
matching at intake scores with), agency records linked to demo children, and possible matches waiting for a
practitioner, among them twins' records held because the first names differ.

Nothing here is real personal data; everything is drawn from ``seed``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from faker import Faker
from nicknames import NickNamer

from macpu.agencies.models import Agency, User
from macpu.people.models import Household, Person
from macpu.people.records import records_import
from macpu.people.services import LinkageSummary, records_link
from macpu.people.synthetic import agency_records

# Our source (synthetic.AGENCIES) -> the demo agency's name, its system, its record id prefix and the extract's file.
SYSTEMS = {
    "police": ("Demo Constabulary", "Niche", "NCH", "niche-persons"),
    "health": ("Demo Community Health Trust", "SystmOne", "S1-", "systmone-patients"),
    "school": ("Demo Education Partnership", "SIMS", "SIMS", "sims-pupils"),
}
BACKGROUND = 5000  # synthetic rows drawn for the background; those of the three agencies above (about 58%) load
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
COLUMNS = ["first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number"]  # from synthetic
ROW = dict[str, str]


@dataclass
class _Person:
    person: Person
    address: str
    postcode: str
    age: int

    @property
    def child(self) -> bool:
        return self.age < 18


class _Copier:
    """Copies of one demo person as an agency holds them, with that agency's errors."""

    def __init__(self, rng: random.Random, fake: Faker, today: date) -> None:
        self.rng, self.fake, self.today = rng, fake, today
        self.nicknamer = NickNamer()
        self.old_homes: dict[int, tuple[str, str]] = {}  # person pk: their previous address and postcode

    def nickname(self, name: str) -> str:
        options = sorted(n for n in self.nicknamer.nicknames_of(name) if len(n) > 2)
        return self.rng.choice(options).title() if options else name

    def typo(self, name: str) -> str:
        if len(name) < 4:
            return name
        i = self.rng.randrange(1, len(name) - 2)
        kind = self.rng.choice(["swap", "drop", "double"])
        if kind == "swap" and name[i] != name[i + 1]:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        if kind == "double":
            return name[: i + 1] + name[i] + name[i + 1 :]
        return name[:i] + name[i + 1 :]

    @staticmethod
    def swapped(born: date) -> date | None:
        if born.day > 12 or born.day == born.month:
            return None
        return born.replace(month=born.day, day=born.month)

    def old_home(self, who: _Person) -> tuple[str, str]:
        """The person's previous address: the same for every agency that still shows it."""
        if who.person.pk not in self.old_homes:
            area = self.rng.randint(1, 5)
            letters = "".join(self.rng.choice(POSTCODE_LETTERS) for _ in range(2))
            self.old_homes[who.person.pk] = (
                f"{self.fake.building_number()} {self.fake.street_name()}, Demo Borough",
                f"DB{area} {self.rng.randrange(10)}{letters}",
            )
        return self.old_homes[who.person.pk]

    def copy(self, who: _Person, source: str, errors: set[str]) -> ROW:
        """An agency's record of the person, with these errors: nickname, surname_typo, dob_swap, old_address,
        no_nhs (police and schools rarely hold an NHS number), upper (names in capitals)."""
        person = who.person
        first, surname = person.given_name, person.family_name
        if "nickname" in errors:
            first = self.nickname(first)
        if "surname_typo" in errors:
            surname = self.typo(surname)
        born = person.date_of_birth
        if born and "dob_swap" in errors:
            born = self.swapped(born) or born
        address, postcode = who.address, who.postcode
        if "old_address" in errors:
            address, postcode = self.old_home(who)
        elif self.rng.random() < 0.3:
            address = address.replace(" Road,", " Rd,").replace(" Street,", " St,").replace(", Demo Borough", "")
        if "upper" in errors:
            first, surname, address = first.upper(), surname.upper(), address.upper()
        return {
            "first_name": first,
            "surname": surname,
            "date_of_birth": born.isoformat() if born else "",
            "sex": person.sex,
            "postcode": postcode,
            "address": address,
            "nhs_number": "" if "no_nhs" in errors else person.nhs_number,
        }

    def random_errors(self, source: str) -> set[str]:
        """Errors drawn at about the rates real extracts show (a little higher, so the demo shows them)."""
        rng = self.rng
        errors = set()
        if source != "health":
            errors.add("no_nhs")
        if rng.random() < {"police": 0.15, "health": 0.04, "school": 0.15}[source]:
            errors.add("nickname")
        if rng.random() < 0.04:
            errors.add("surname_typo")
        if rng.random() < 0.03:
            errors.add("dob_swap")
        if rng.random() < 0.12:
            errors.add("old_address")
        if source == "police" and rng.random() < 0.6:
            errors.add("upper")
        return errors


# The social worker's caseload: one of each error, so the demo shows how linkage sees through them.
SHOWCASE: list[dict[str, set[str]]] = [
    {"police": {"nickname", "upper", "no_nhs"}, "health": {"dob_swap"}, "school": {"old_address", "no_nhs"}},
    {"health": {"surname_typo"}, "school": {"nickname", "no_nhs"}},
    {"health": {"old_address"}, "police": {"no_nhs", "upper"}},
    # two errors in one record
    {"health": set(), "school": {"surname_typo", "dob_swap", "no_nhs"}},
]
SHOWCASE_ADULT: dict[str, set[str]] = {"police": {"nickname", "no_nhs", "upper"}, "health": {"old_address"}}


def _people(today: date) -> list[_Person]:
    """Every demo person with a date of birth, with their household's address (the most recent household)."""
    homes: dict[int, tuple[str, str]] = {}
    for household in Household.objects.prefetch_related("members").order_by("created_at", "pk"):
        for member in household.members.all():
            homes[member.pk] = (household.address, household.postcode)
    people = []
    for person in Person.objects.filter(date_of_birth__isnull=False, date_of_death__isnull=True).order_by("pk"):
        address, postcode = homes.get(person.pk, ("", ""))
        people.append(_Person(person, address, postcode, relativedelta(today, person.date_of_birth).years))
    return people


def _copies(people: list[_Person], showcase: dict[int, dict[str, set[str]]], copier: _Copier) -> dict[str, list[ROW]]:
    """Each agency's rows about demo people: the showcase people's planned copies, then everyone else's."""
    rows: dict[str, list[ROW]] = {source: [] for source in SYSTEMS}
    rng = copier.rng
    for who in people:
        plan = showcase.get(who.person.pk)
        if plan is not None:
            for source, errors in plan.items():
                rows[source].append(copier.copy(who, source, errors))
            continue
        held = []
        if who.child or rng.random() < 0.8:
            held.append("health")
        if 4 <= who.age <= 16:
            held.append("school")
        if rng.random() < (0.35 if not who.child else 0.15 if who.age >= 10 else 0.03):
            held.append("police")
        for source in held:
            rows[source].append(copier.copy(who, source, copier.random_errors(source)))
    return rows


def _fits(who: _Person, plan: dict[str, set[str]]) -> bool:
    """A swapped date needs a day of 12 or less; a school's record, a child of school age."""
    swap = any("dob_swap" in errors for errors in plan.values())
    born = who.person.date_of_birth
    return (not swap or (born is not None and _Copier.swapped(born) is not None)) and (
        "school" not in plan or 4 <= who.age <= 16
    )


def _showcase(people: list[_Person], worker: User) -> dict[int, dict[str, set[str]]]:
    """The copies planned for the primary social worker's children (SHOWCASE, one plan each) and for an adult
    of the first one's household (SHOWCASE_ADULT)."""
    from macpu.intake.models import Referral

    known = {who.person.pk: who for who in people}
    caseload = (
        Referral.objects.filter(allocated_worker=worker, closed_on__isnull=True)
        .order_by("received_on", "pk")
        .values_list("child_id", flat=True)
    )
    children = [pk for pk in dict.fromkeys(caseload) if pk in known and known[pk].child]
    plans: dict[int, dict[str, set[str]]] = {}
    for plan in SHOWCASE:
        chosen = next((pk for pk in children if _fits(known[pk], plan)), children[0] if children else None)
        if chosen is not None:
            plans[chosen] = plan
            children.remove(chosen)
    children = list(plans)
    if children:
        home = Household.objects.filter(members=children[0]).order_by("-created_at", "-pk").first()
        adults = [pk for pk in home.members.order_by("pk").values_list("pk", flat=True) if pk in known] if home else []
        adults = [pk for pk in adults if not known[pk].child]
        if adults:
            plans[adults[0]] = SHOWCASE_ADULT
    return plans


def load_and_link(
    *, admin: User, today: date, seed: int, background: int = BACKGROUND, worker: User | None = None
) -> LinkageSummary:
    """Load the three agencies' extracts (demo people's copies and `background` synthetic rows) and run batch
    linkage. Extracts are taken at 01:30 today, imported at 07:00; linkage runs at 07:30."""
    rng = random.Random(f"demo agency records {seed}")  # noqa: S311 - synthetic data, reproducible by design
    fake = Faker(locale="en_GB")
    fake.seed_instance(seed + 6)
    copier = _Copier(rng, fake, today)
    people = _people(today)
    rows = _copies(people, _showcase(people, worker) if worker is not None else {}, copier)

    frame = agency_records(background, seed=seed) if background else None
    extracted_at = timezone.make_aware(datetime.combine(today, time(1, 30)))
    imported_at = timezone.make_aware(datetime.combine(today, time(7)))
    for source, (name, system, prefix, file_stem) in SYSTEMS.items():
        own = rows[source]
        if frame is not None:
            theirs = frame[frame["source"] == source]
            own = own + [
                {column: (value or "") for column, value in zip(COLUMNS, values, strict=True)}
                for values in theirs[COLUMNS].itertuples(index=False, name=None)
            ]
        order = list(range(len(own)))
        rng.shuffle(order)  # an extract is in the agency's order, not ours
        width = len(str(len(own) + 1000))
        extract = [{"record_id": f"{prefix}{n + 1000:0{width}d}", **own[i]} for n, i in enumerate(order)]
        records_import(
            actor=admin,
            now=imported_at,
            agency=Agency.objects.get(name=name),
            system=system,
            extracted_at=extracted_at,
            file_name=f"{file_stem}-{today:%Y%m%d}.csv",
            rows=extract,
            accept_rejects=True,
        )
    started = imported_at + timedelta(minutes=30)
    logging.disable(logging.WARNING)  # Splink's training notes (levels not observed...): not for the demo's output
    try:
        return records_link(actor=admin, now=started, finished=_finished(started))
    finally:
        logging.disable(logging.NOTSET)


def _finished(started: datetime) -> Callable[[], datetime]:
    return lambda: started + timedelta(minutes=2)
