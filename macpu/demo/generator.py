"""Synthetic demo data: a fictional local authority whose children's cases are driven through the real services.

Nothing here is real personal data. Names come from Faker (en_GB) seeded with ``seed``; NHS numbers are in the
999 test range with a valid Modulus 11 check digit; postcodes use the non-existent "DB" area; unique pupil
numbers carry code 001 (not a geographic local authority) and a valid check letter.

The run has two phases:

1. **Plan** (pure Python, no database): every household and its story, as a list of dated operations, drawn
   from ``random.Random(seed)`` and calibrated on domain.md ("Calibration for synthetic data"). Stories run
   forward from a start date in the last ~18 months; anything dated after ``today`` is cut off, so cases
   near ``today`` are naturally in progress (contacts awaiting decision, assessments under way, plans open).
   A few scripted households make sure the demo logins have work, including overdue clocks.
2. **Execute**: each operation calls the real service (``macpu.*.services``) with ``now`` at noon on the
   event's date, so every record passes the entry rules and lands in the child's timeline. A refusal by a
   service is a bug in this generator: it propagates (nothing is caught).

Agencies, teams and staff accounts have no services yet (administrator set-up); they are written directly.
The local authority is set up through ``local_settings_update`` by the demo administrator. Same ``seed`` and
``today`` give the same people, dates and stages.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from faker import Faker

from macpu.access.models import BreakGlassReason, Meeting, RestrictionKind
from macpu.access.services import break_glass_open, invitation_create, restriction_impose
from macpu.agencies.models import Agency, AgencyKind, LocalAuthority, Role, Team, User
from macpu.agencies.selectors import working_day_calendar
from macpu.agencies.services import local_settings_update
from macpu.casework.models import Assessment, AssessmentOutcome, CinPlan
from macpu.casework.services import (
    assessment_complete,
    assessment_start,
    cin_plan_end,
    cin_plan_start,
    episode_close,
)
from macpu.chronology.models import Event, EventKind
from macpu.core.codes import CategoryOfAbuse, PrimaryNeed, ReasonForClosure, ReferralSource, Sex
from macpu.demo.records import BACKGROUND, load_and_link
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision, Urgency
from macpu.intake.services import (
    contact_decide,
    contact_record,
    person_birth_record,
    person_death_record,
    referral_allocate,
    referral_create,
    referral_decide,
)
from macpu.mash.models import Disclosure, ItemKind, LawfulBasis, Rag
from macpu.mash.services import Item, information_answer, information_request_send, late_requests_escalate
from macpu.people.identifiers import nhs_check_digit, upn_check_letter
from macpu.people.models import AgencyRecord, Household, Person, RelationshipKind, ReviewPair
from macpu.people.services import PersonDetails, household_record
from macpu.protection.models import (
    Conference,
    ConferenceDecision,
    ConferenceKind,
    CoreGroupMeeting,
    CpPlan,
    ImmediateProtection,
    ParticipantAgency,
    PlanEndReason,
    S47Enquiry,
    S47Outcome,
    StatutoryVisit,
    StrategyDecision,
    StrategyDiscussion,
)
from macpu.protection.selectors import pathway_stage
from macpu.protection.services import (
    Action,
    Attendance,
    Participant,
    core_group_record,
    cp_plan_end,
    initial_conference_record,
    review_conference_record,
    s47_child_seen,
    s47_complete,
    strategy_discussion_record,
    strategy_invite,
    transfer_in_conference_record,
    visit_record,
)

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the published password of the synthetic demo logins
DEMO_URL = "http://127.0.0.1:8000/"
LA_NAME = "Demo Borough Council"
LA_CODE = "999"  # real DfE codes run 201-938
# UPN characters 2-4 must be a code the DfE recognises (CIN census rule 1530 rejects 999); 001-005 are not
# geographic local authorities, so demo UPNs still belong to no real place.
UPN_LA_CODE = "001"
WINDOW_DAYS = 548  # about 18 months before today

SOCIAL_CARE = "Demo Borough Council children's social care"
POLICE = "Demo Constabulary"
ICB = "Demo Integrated Care Board"
HEALTH_TRUST = "Demo Community Health Trust"
HOSPITAL = "Demo University Hospitals NHS Trust"
EDUCATION = "Demo Education Partnership"
PROBATION = "Demo Probation Service"
HOUSING = "Demo Borough Council housing services"
YOUTH_JUSTICE = "Demo Youth Justice Service"

AGENCIES = [
    (SOCIAL_CARE, AgencyKind.SOCIAL_CARE),
    (POLICE, AgencyKind.POLICE),
    (ICB, AgencyKind.HEALTH),
    (HEALTH_TRUST, AgencyKind.HEALTH),
    (HOSPITAL, AgencyKind.HEALTH),
    (EDUCATION, AgencyKind.EDUCATION),
    (PROBATION, AgencyKind.PROBATION),
    (HOUSING, AgencyKind.HOUSING),
    (YOUTH_JUSTICE, AgencyKind.OTHER),
]

FRONT_DOOR_TEAM = "Front door (MASH)"
CHAIRS_TEAM = "Safeguarding and quality assurance"
ADMIN_TEAM = "Business support"
PERFORMANCE_TEAM = "Performance and intelligence"
POLICE_TEAM = "Child abuse investigation unit (MACPU)"
HEALTH_TEAM = "Safeguarding children team (MACPU)"
ICB_TEAM = "Designated safeguarding professionals"
EDUCATION_TEAM = "Education safeguarding (MACPU)"
PROBATION_TEAM = "Public protection team"
AREA_NAMES = ["North", "Central", "South", "East", "West"]


def area_team_name(index: int) -> str:
    name = AREA_NAMES[index] if index < len(AREA_NAMES) else f"Area {index + 1}"
    return f"Child protection team: {name}"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str
    job_title: str
    agency: str
    team: str | None


# The fixed demo logins. The social worker, manager and chair share the first area team, whose cases are theirs.
DEMO_LOGINS = [
    DemoLogin("social.worker", "Sam", "Walker", Role.SOCIAL_WORKER, "Social worker", SOCIAL_CARE, area_team_name(0)),
    DemoLogin("team.manager", "Morgan", "Hughes", Role.TEAM_MANAGER, "Team manager", SOCIAL_CARE, area_team_name(0)),
    DemoLogin(
        "conference.chair",
        "Cass",
        "Bennett",
        Role.CONFERENCE_CHAIR,
        "Child protection conference chair",
        SOCIAL_CARE,
        area_team_name(0),
    ),
    DemoLogin("police.officer", "Jordan", "Reid", Role.POLICE_OFFICER, "Detective constable", POLICE, POLICE_TEAM),
    DemoLogin(
        "health.practitioner",
        "Alex",
        "Morgan",
        Role.HEALTH_PRACTITIONER,
        "Specialist health visitor",
        HEALTH_TRUST,
        HEALTH_TEAM,
    ),
    DemoLogin(
        "education.lead",
        "Robin",
        "Clarke",
        Role.EDUCATION_LEAD,
        "Education safeguarding lead",
        EDUCATION,
        EDUCATION_TEAM,
    ),
    DemoLogin(
        "performance.analyst",
        "Pat",
        "Shah",
        Role.PERFORMANCE_ANALYST,
        "Performance analyst",
        SOCIAL_CARE,
        PERFORMANCE_TEAM,
    ),
    DemoLogin(
        "probation.officer",
        "Casey",
        "Lloyd",
        Role.PARTNER_PRACTITIONER,
        "Probation officer",
        PROBATION,
        PROBATION_TEAM,
    ),
    DemoLogin("admin", "Ash", "Taylor", Role.ADMINISTRATOR, "System administrator", SOCIAL_CARE, ADMIN_TEAM),
    DemoLogin(
        "privacy.officer",
        "Nia",
        "Okafor",
        Role.PRIVACY_OFFICER,
        "Information governance officer",
        SOCIAL_CARE,
        ADMIN_TEAM,
    ),
]
# The teams that work the unit's front door: its staff see the contacts and referrals waiting there.
FRONT_DOOR_TEAMS = {FRONT_DOOR_TEAM, POLICE_TEAM, HEALTH_TEAM, EDUCATION_TEAM}


# --------------------------------------------------------------------------------------------------------------
# Identifiers


class _NhsNumbers:
    """Distinct valid NHS numbers in the 999 test range, in a seeded order (a full-cycle affine permutation)."""

    SPACE = 1_000_000

    def __init__(self, rng: random.Random) -> None:
        self._step = rng.choice([104_729, 224_737, 350_377, 479_909, 611_953, 746_773])  # coprime to 10
        self._offset = rng.randrange(self.SPACE)
        self._i = 0

    def next(self) -> str:
        while self._i < self.SPACE:
            body = f"999{(self._step * self._i + self._offset) % self.SPACE:06d}"
            self._i += 1
            check = nhs_check_digit(body)
            if check is not None:
                return f"{body}{check}"
        return ""  # the test range is used up: leave the number unknown


# --------------------------------------------------------------------------------------------------------------
# Calibration: weights (domain.md, "Calibration for synthetic data", and the CIN census distributions)

HOUSEHOLD_SIZES = {1: 45, 2: 30, 3: 17, 4: 8}
AGE_BANDS = {(0, 0): 9, (1, 4): 22, (5, 9): 27, (10, 15): 33, (16, 17): 9}
ETHNICITIES = {
    "WBRI": 680,
    "WIRI": 3,
    "WIRT": 2,
    "WOTH": 60,
    "WROM": 6,
    "MWBC": 20,
    "MWBA": 10,
    "MWAS": 12,
    "MOTH": 25,
    "AIND": 13,
    "APKN": 30,
    "ABAN": 12,
    "AOTH": 15,
    "BCRB": 10,
    "BAFR": 30,
    "BOTH": 12,
    "CHNE": 2,
    "OOTH": 25,
    "REFU": 3,
    "NOBT": 20,
}
DISABILITIES = {"AUT": 30, "LD": 20, "BEH": 15, "COMM": 12, "MOB": 8, "HEAR": 5, "VIS": 4, "PC": 3, "CON": 3}

# code: (weight, agency, referrer role); individuals and anonymous have no agency
SOURCES: dict[str, tuple[float, str | None, str]] = {
    "6": (29, POLICE, "Police officer"),
    "2A": (20, EDUCATION, "Designated safeguarding lead"),
    "2B": (1, EDUCATION, "Education welfare officer"),
    "3A": (2, ICB, "GP"),
    "3B": (2.5, HEALTH_TRUST, "Health visitor"),
    "3C": (0.7, HEALTH_TRUST, "School nurse"),
    "3D": (2, HEALTH_TRUST, "Community midwife"),
    "3E": (2.5, HOSPITAL, "Emergency department nurse"),
    "3F": (4, HOSPITAL, "Mental health liaison practitioner"),
    "4": (2, HOUSING, "Housing officer"),
    "5A": (4, SOCIAL_CARE, "Social worker"),
    "5B": (2, YOUTH_JUSTICE, "Youth justice worker"),
    "5C": (1, None, "Social worker, another local authority"),  # with the transfers in (HOUSEHOLD_KINDS), about 3%
    "5D": (4, SOCIAL_CARE, "Early help practitioner"),
    "7": (3, PROBATION, "Probation officer"),
    "1A": (5, None, "Relative"),
    "1B": (1, None, "Neighbour"),
    "1C": (0.5, None, "The young person"),
    "1D": (0.5, None, "Member of the public"),
    "8": (3, None, "Voluntary sector worker"),
    "9": (1.3, None, "Anonymous"),
    "10": (0.5, None, "Not known"),
}
# Most households are an ordinary story. Some are recorded unborn (most of them born before today), some arrive from
# another local authority (TRANSFER_WITH_PLAN of them on a child protection plan there), and a few are a young child
# who came into care through a plan begun before the window and is adopted in it (the window is too short for an
# adoption to follow a plan that starts within it).
HOUSEHOLD_KINDS = {"": 92.9, "unborn": 4.5, "transfer_in": 2.0, "adoption": 0.6}
TRANSFER_WITH_PLAN = 0.25
# A child in a single-child household dies while a plan runs (every step applies to a whole household, so a death is
# modelled only where the child is alone): about 0.2% of the children referred.
DEATH_CHANCE = 0.012
PRE_BIRTH_SOURCES = {"3D": 60, "3A": 10, "6": 15, "7": 10, "5A": 5}
DIRECT_SOURCES = {"6": 60, "3E": 20, "3F": 10, "7": 10}

# theme: (weight, concern text, factors (first always, others maybe), primary need, plan category)
THEMES: dict[str, tuple[float, str, tuple[str, ...], str, str]] = {
    "domestic_abuse": (
        25,
        "Police attended a domestic incident at the family home; {child} was present and "
        "officers heard shouting and breaking glass. It is the third incident reported this year.",
        ("3B", "4B", "1B"),
        "N1",
        "EMO",
    ),
    "neglect": (
        22,
        "{child} has come to school hungry and in unwashed clothes most days this term and told "
        "staff there was no food at home at the weekend.",
        ("16A", "2B", "4B", "1B"),
        "N1",
        "NEG",
    ),
    "physical": (
        10,
        "{child} arrived with bruising to the upper arm and said an adult at home grabbed them "
        "hard when they were told off.",
        ("18C", "3B"),
        "N1",
        "PHY",
    ),
    "sexual": (
        5,
        "{child} told a member of staff about inappropriate touching by an adult known to the family.",
        ("19C", "17A"),
        "N1",
        "SAB",
    ),
    "emotional": (
        10,
        "Staff are worried about {child}'s low mood; {child} says the adults at home shout at "
        "and belittle them all the time.",
        ("17A", "3B", "4B"),
        "N1",
        "EMO",
    ),
    "mental_health": (
        8,
        "A parent says their mental health has deteriorated and they are struggling to care for the children.",
        ("4B", "16A"),
        "N3",
        "NEG",
    ),
    "substance": (
        6,
        "A parent was found intoxicated while the only adult caring for the children.",
        ("2B", "1B", "16A"),
        "N1",
        "NEG",
    ),
    "exploitation": (
        5,
        "{child} has been found in another town late at night with older young people, "
        "carrying cash and a second phone.",
        ("24A", "10A", "13A"),
        "N1",
        "PHY",
    ),
    "missing": (
        3,
        "{child} has been reported missing from home three times this month.",
        ("10A", "4A", "15A"),
        "N6",
        "EMO",
    ),
    "disability": (
        3,
        "The family asks for help: {child}'s needs are increasing and the parents are exhausted.",
        ("6A", "5A"),
        "N2",
        "NEG",
    ),
    "acute_stress": (
        3,
        "The family faces eviction next month; a parent says they cannot cope.",
        ("20", "4B"),
        "N4",
        "NEG",
    ),
}
PRE_BIRTH_CONCERN = (
    "The midwife is worried about the unborn baby: a parent has a history of drug use and "
    "domestic abuse, and an older child was removed from their care in the past."
)
PRE_BIRTH_FACTORS = ("2B", "3B", "4B", "5B")
TRANSFER_IN_CONCERN = (
    "The family has moved into the borough from another local authority, where {child} is {status}. The other "
    "authority has sent its records and asks us to take over."
)

CONTACT_REASONS = {
    ContactOutcome.NO_FURTHER_ACTION: "No role for children's social care; the referrer was told.",
    ContactOutcome.ADVICE: "Advice given to the referrer and the family signposted to local support.",
    ContactOutcome.EARLY_HELP: "Needs can be met by early help with the family's agreement.",
    ContactOutcome.REFERRAL: "The concerns meet the threshold for a statutory response.",
}
REFERRAL_REASONS = {
    ReferralDecision.NO_FURTHER_ACTION: "On checking, the concern is already resolved; no role for social care.",
    ReferralDecision.ASSESSMENT: "A child and family assessment is needed to understand the family's needs.",
    ReferralDecision.STRATEGY_DISCUSSION: "Reasonable cause to suspect significant harm: convene a strategy "
    "discussion.",
}
CHILD_VIEWS_OLDER = [
    "{name} said they want things at home to be calm and for the shouting to stop.",
    "{name} said they feel safest at their grandparents' house.",
    "{name} wrote that they love their mum but worry about her.",
    "{name} did not want to talk about home but said school is going well.",
    "{name} said they want to stay at home and see their friends more.",
]
CHILD_VIEWS_YOUNG = "{name} is too young to give a view; observed to be settled and responsive with the carer."


# --------------------------------------------------------------------------------------------------------------
# Plans: pure data, no database


@dataclass
class Op:
    on: date
    order: int
    seq: int
    kind: str
    args: dict[str, Any]


@dataclass
class HouseholdPlan:
    area: int
    address: str
    postcode: str
    children: list[PersonDetails]
    adults: list[PersonDetails]
    relationships: Sequence[str]
    eighteenth: date | None = None  # a single young person who turns 18 during the window
    birth: date | None = None  # the unborn child's birth, when it comes before today
    died: date | None = None  # a single child's death: nothing follows it
    first_episode: dict[str, Any] = field(default_factory=dict)  # forced choices of the first episode (its kind)
    ops: list[Op] = field(default_factory=list)

    def unborn_on(self, d: date) -> bool:
        return any(c.expected_date_of_birth for c in self.children) and (self.birth is None or self.birth > d)


# priority of an operation within one day, so that same-day steps happen in pathway order
ORDER = {
    "household": 0,
    "birth": 0,
    "contact": 1,
    "contact_decide": 2,
    "referral_direct": 3,
    "referral_decide": 4,
    "allocate": 5,
    "assessment_start": 6,
    "assessment_complete": 7,
    "strategy": 9,
    "s47_seen": 10,
    "s47_complete": 11,
    "assessment_complete_s47": 12,
    "cin_end_before_icpc": 13,
    "icpc": 14,
    "core_group": 15,
    "visit": 16,
    "review": 17,
    "plan_end": 18,
    "cin_start": 19,
    "cin_end": 20,
    "death": 21,
    "close": 22,
}


@dataclass
class _Episode:
    """What the planner knows about one episode while writing it."""

    theme: str
    worker: User
    manager: User
    chair: User
    received: date
    force: dict[str, Any]
    last: date
    assessment_due: date | None = None  # a running assessment's planned authorisation date
    second_plan_bias: bool = False
    had_s47: bool = False  # closure after an enquiry is "services ceased" (RC7), never RC8/RC9 (census rule 2990)


class _Staff:
    def __init__(self) -> None:
        self.agencies: dict[str, Agency] = {}
        self.front_door: Team
        self.front_workers: list[User] = []
        self.front_manager: User
        self.areas: list[Team] = []
        self.area_workers: list[list[User]] = []
        self.area_managers: list[User] = []
        self.area_weights: list[float] = []
        self.area_s47_factor: list[float] = []
        self.area_conference_factor: list[float] = []
        self.chairs: list[User] = []
        self.police: list[User] = []
        self.health: list[User] = []
        self.education: list[User] = []
        self.primary_worker: User
        self.primary_manager: User
        self.primary_chair: User
        self.admin: User
        self.privacy_officer: User
        self.probation: User


def _twinned(dobs: list[date], twins: list[bool]) -> list[date]:
    """The dates of birth with each twin given the date of the child before (the random draws stay the same)."""
    out: list[date] = []
    for i, d in enumerate(dobs):
        out.append(out[-1] if i < len(twins) and twins[i] and out else d)
    return out


class _Planner:
    def __init__(self, *, rng: random.Random, fake: Faker, today: date, staff: _Staff) -> None:
        self.rng, self.fake, self.today, self.staff = rng, fake, today, staff
        self.calendar = working_day_calendar()
        self.window_start = today - timedelta(days=WINDOW_DAYS)
        self.nhs = _NhsNumbers(rng)
        self.upns: set[str] = set()
        self._working: dict[date, bool] = {}
        self._seq = 0
        self.household: HouseholdPlan
        self.ep: _Episode

    # dates ---------------------------------------------------------------------------------------------------
    def is_working(self, d: date) -> bool:
        if d not in self._working:
            self._working[d] = self.calendar.is_working_day(d)
        return self._working[d]

    def roll(self, d: date) -> date:
        """The day itself if a working day, else the next working day (conferences never at weekends)."""
        while not self.is_working(d):
            d += timedelta(days=1)
        return d

    def add_wd(self, d: date, n: int) -> date:
        """``n`` working days after ``d`` (after rolling ``d`` to a working day)."""
        d = self.roll(d)
        for _ in range(n):
            d = self.roll(d + timedelta(days=1))
        return d

    def sub_wd(self, d: date, n: int) -> date:
        while not self.is_working(d):
            d -= timedelta(days=1)
        for _ in range(n):
            d -= timedelta(days=1)
            while not self.is_working(d):
                d -= timedelta(days=1)
        return d

    # random helpers ------------------------------------------------------------------------------------------
    def pick(self, weights: Mapping[Any, float]) -> Any:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def f(self, key: str, make: Callable[[], Any]) -> Any:
        """A forced choice from a script, else a random one."""
        return self.ep.force[key] if key in self.ep.force else make()

    def op(self, on: date, kind: str, order: str | None = None, **args: Any) -> date:
        self._seq += 1
        self.household.ops.append(Op(on, ORDER[order or kind], self._seq, kind, args))
        if hasattr(self, "ep"):
            self.ep.last = max(self.ep.last, on)
        return on

    # people --------------------------------------------------------------------------------------------------
    def _dob(self, age: int) -> date:
        return self.today - relativedelta(years=age) - timedelta(days=self.rng.randrange(365))

    def _sex_and_name(self) -> tuple[str, str]:
        sex = Sex.MALE if self.rng.random() < 0.51 else Sex.FEMALE
        return sex, self.fake.first_name_male() if sex == Sex.MALE else self.fake.first_name_female()

    def _child(self, family_name: str, dob: date | None, ethnicity: str, edb: date | None = None) -> PersonDetails:
        rng = self.rng
        if edb is not None:
            return PersonDetails(
                given_name="Unborn",
                family_name=family_name,
                sex=Sex.UNKNOWN,
                expected_date_of_birth=edb,
                ethnicity=ethnicity,
            )
        if dob is None:
            raise ValueError("A born child needs a date of birth.")
        sex, given = self._sex_and_name()
        roll = rng.random()
        disabilities: tuple[str, ...] = ()
        if roll < 0.1:
            disabilities = tuple(dict.fromkeys(self.pick(DISABILITIES) for _ in range(rng.choice([1, 1, 2]))))
        elif roll < 0.7:
            disabilities = ("NONE",)
        upn = ""
        age = relativedelta(self.today, dob).years
        if age >= 5 and rng.random() < 0.8:
            while not upn or upn in self.upns:
                serial = f"{rng.randrange(2000, 5000):04d}{(dob.year + 5) % 100:02d}{rng.randrange(1000):03d}"
                body = UPN_LA_CODE + serial
                upn = upn_check_letter(body) + body
            self.upns.add(upn)
        return PersonDetails(
            given_name=given,
            family_name=family_name,
            sex=sex,
            date_of_birth=dob,
            ethnicity=ethnicity,
            nhs_number=self.nhs.next(),
            upn=upn,
            disabilities=disabilities,
        )

    def _adult(self, sex: str, family_name: str, dob: date, ethnicity: str) -> PersonDetails:
        given = self.fake.first_name_male() if sex == Sex.MALE else self.fake.first_name_female()
        return PersonDetails(
            given_name=given,
            family_name=family_name,
            sex=sex,
            date_of_birth=dob,
            ethnicity=ethnicity,
            nhs_number=self.nhs.next() if self.rng.random() < 0.6 else "",
        )

    def new_household(self, *, area: int, start: date | None, size: int, kind: str = "") -> date:
        """Draw a household of a kind (HOUSEHOLD_KINDS, or "aged_out": a young person about to turn 18) and its
        start date (the first contact). Every born child is born by then; an unborn child is born after it."""
        rng, fake, today = self.rng, self.fake, self.today
        ethnicity = self.pick(ETHNICITIES)
        family_name = fake.last_name()
        edb = birth = None
        if kind == "unborn":
            edb = today + timedelta(days=rng.randint(30 - WINDOW_DAYS, 150))
            # born within two weeks of the expected date; one expected by today is born by yesterday
            birth = edb + timedelta(days=rng.randint(-14, 14 if edb > today else min(14, (today - edb).days - 1)))
            if birth >= today:
                birth = None
            if start is None:  # recorded unborn: on or before the expected date, before the birth
                earliest = max(edb - timedelta(days=260), self.window_start)
                latest = min(today - timedelta(days=3), edb, (birth or edb) - timedelta(days=1))
                start = earliest + timedelta(days=rng.randrange(max(1, (latest - earliest).days)))
        if kind == "adoption" and start is None:
            start = today - timedelta(days=rng.randint(480, 900))
        eighteenth = None
        ages: list[int] = []
        twins: list[bool] = []  # born the same day as the child before
        if kind == "aged_out":
            dob = today - relativedelta(years=18) - timedelta(days=rng.randrange(30, 300))
            eighteenth = dob + relativedelta(years=18)
            dobs = [dob]
            if start is None:
                latest = eighteenth - timedelta(days=200)
                start = latest - timedelta(days=rng.randrange(0, max(1, (latest - self.window_start).days)))
        else:
            n_born = size - 1 if edb else size
            if n_born:
                low, high = (0, 1) if kind == "adoption" else self.pick(AGE_BANDS)
                ages.append(rng.randint(low, high))
                twins.append(False)
            for _ in range(n_born - 1):
                gap = 0 if rng.random() < 0.03 else rng.randint(1, 4)
                if ages[-1] - gap < 0:
                    break
                ages.append(ages[-1] - gap)
                twins.append(gap == 0)
            dobs = [self._dob(a) for a in ages]
            dobs = _twinned(dobs, twins)
        fixed = start is not None
        if start is None:
            start = self.window_start + timedelta(days=rng.randrange(WINDOW_DAYS + 1))
        youngest = max(dobs, default=None)
        if youngest and youngest > start:
            if fixed or rng.random() < 0.5:  # the children were born earlier (a scripted start stays put)
                dobs = _twinned([min(d, start - timedelta(days=rng.randrange(20, 300))) for d in dobs], twins)
            else:  # or the story starts after the youngest was born
                start = min(today, youngest + timedelta(days=rng.randrange(0, 90)))
        children = [self._child(family_name, d, ethnicity) for d in sorted(dobs)[::-1]]
        if edb:
            children.append(self._child(family_name, None, ethnicity, edb=edb))

        # adults: usually the mother, often a father, step-parent or partner, sometimes a grandparent
        eldest = min(dobs, default=start)
        mother_dob = eldest - relativedelta(years=rng.randint(18, 38)) - timedelta(days=rng.randrange(365))
        adults = [
            self._adult(Sex.FEMALE, family_name if rng.random() < 0.75 else fake.last_name(), mother_dob, ethnicity)
        ]
        relationships = [RelationshipKind.PARENT]
        second = self.pick({"father": 45, "step": 10, "partner": 15, "none": 30})
        if second != "none":
            dob = mother_dob - timedelta(days=rng.randrange(-1500, 3650))
            name = family_name if second == "father" and rng.random() < 0.8 else fake.last_name()
            other = ethnicity if rng.random() < 0.8 else self.pick(ETHNICITIES)
            adults.append(self._adult(Sex.MALE, name, dob, other))
            relationships.append(
                {
                    "father": RelationshipKind.PARENT,
                    "step": RelationshipKind.STEP_PARENT,
                    "partner": RelationshipKind.PARTNER_OF_PARENT,
                }[second]
            )
        if rng.random() < 0.08:
            adults.append(
                self._adult(Sex.FEMALE, family_name, mother_dob - relativedelta(years=rng.randint(18, 30)), ethnicity)
            )
            relationships.append(RelationshipKind.GRANDPARENT)

        town = area_team_name(area).split(": ")[1]
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        self.household = HouseholdPlan(
            area=area,
            address=f"{fake.building_number()} {fake.street_name()}, {town}, Demo Borough",
            postcode=f"DB{area + 1} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}",
            children=children,
            adults=adults,
            relationships=relationships,
            eighteenth=eighteenth,
            birth=birth,
            first_episode=self._first_episode(kind),
        )
        self._seq = 0
        return start

    def _first_episode(self, kind: str) -> dict[str, Any]:
        """The forced choices that make a household's first episode its kind's."""
        if kind == "transfer_in":  # notified by the other authority; on a plan there, a transfer-in conference
            on_plan = self.rng.random() < TRANSFER_WITH_PLAN
            plan = {"contact_outcome": ContactOutcome.REFERRAL, "referral_decision": ReferralDecision.ASSESSMENT}
            status = "on a child protection plan" if on_plan else "a child in need"
            concern = TRANSFER_IN_CONCERN.replace("{status}", status)
            first = {"direct": False, "source": ReferralSource.LA_EXTERNAL, "concern": concern, "transfer_in": on_plan}
            return first | (plan if on_plan else {})
        if kind == "adoption":  # to a plan, which ends when the child comes into care; adopted later
            return {
                "contact_outcome": ContactOutcome.REFERRAL,
                "referral_decision": ReferralDecision.STRATEGY_DISCUSSION,
                "strategy_decision": StrategyDecision.S47_JOINT,
                "s47_outcome": S47Outcome.CONFERENCE,
                "icpc_decision": ConferenceDecision.PLAN,
                "plan_other_end": PlanEndReason.OTHER,
                "adopted": True,
                "rereferral": False,
            }
        return {}

    def born_on(self, child: PersonDetails) -> date | None:
        """The child's date of birth, or for an unborn child the planned birth (None if after today)."""
        return child.date_of_birth or (self.household.birth if child.expected_date_of_birth else None)

    def age_on(self, d: date) -> int | None:
        """The eldest born child's age on ``d`` (None while there is only an unborn child)."""
        dobs = [b for c in self.household.children if (b := self.born_on(c)) and b <= d]
        return relativedelta(d, min(dobs)).years if dobs else None

    def child_name(self, on: date) -> str:
        h = self.household
        born = [c for c in h.children if c.date_of_birth]
        if born:
            return born[0].given_name
        return "the unborn baby" if h.unborn_on(on) else "the baby"

    # the story -----------------------------------------------------------------------------------------------
    def story(self, start: date, scripts: Sequence[dict[str, Any]] = ()) -> None:
        h = self.household
        self.op(start, "household", actor=self.rng.choice(self.staff.front_workers))
        t, had_plan = start, False
        if h.birth:
            sex, name = self._sex_and_name()
            self.op(h.birth, "birth", actor=self.rng.choice(self.staff.area_workers[h.area]), sex=sex, given_name=name)
        for number in range(3):
            if number < len(scripts):
                force = scripts[number]
            elif scripts:
                force = {"rereferral": False}
            else:
                force = h.first_episode if number == 0 else {}
            ended, planned = self.episode(t, force, had_plan)
            had_plan = had_plan or planned
            if ended is None or ended >= self.today or h.died:
                break
            chance = 0.5 if had_plan else 0.28
            again = self.f("rereferral", lambda: self.rng.random() < chance)  # noqa: B023 - called at once
            if not again:
                break
            t = ended + timedelta(days=self.f("rereferral_days", lambda: self.rng.randint(20, 300)))
            if t > self.today:
                break
        h.ops = [o for o in h.ops if o.on <= self.today]
        h.ops.sort(key=lambda o: (o.on, o.order, o.seq))

    def episode(self, t0: date, force: dict[str, Any], had_plan: bool) -> tuple[date | None, bool]:
        """One contact and, if it becomes a referral, its episode. Returns (the date it ended, whether a plan began)."""
        rng, s, h = self.rng, self.staff, self.household
        area = h.area
        theme = "pre_birth" if h.unborn_on(t0) else self.pick({k: v[0] for k, v in THEMES.items()})
        chair_pool = s.chairs[1:] or s.chairs
        primary_area = area == 0
        self.ep = _Episode(
            theme=theme,
            force=force,
            received=t0,
            last=t0,
            second_plan_bias=had_plan,
            worker=force.get("worker") or rng.choice(s.area_workers[area]),
            manager=s.area_managers[area],
            chair=s.primary_chair
            if (primary_area and rng.random() < 0.7) or not s.chairs[1:]
            else rng.choice(chair_pool),
        )
        front_worker = rng.choice(s.front_workers)
        sources = PRE_BIRTH_SOURCES if theme == "pre_birth" else {k: v[0] for k, v in SOURCES.items()}

        if self.f("direct", lambda: rng.random() < 0.1):
            source = self.pick(DIRECT_SOURCES)
            received = self.roll(t0)
            self.op(received, "referral_direct", actor=front_worker, source=source, team=s.areas[area])
        else:
            source = self.f("source", lambda: self.pick(sources))
            received_contact = t0 if rng.random() < 0.12 else self.roll(t0)  # police notifications come at weekends
            outcome = self.f(
                "contact_outcome",
                lambda: self.pick(
                    {
                        ContactOutcome.REFERRAL: 76 if had_plan else 66,
                        ContactOutcome.NO_FURTHER_ACTION: 8,
                        ContactOutcome.ADVICE: 12,
                        ContactOutcome.EARLY_HELP: 14,
                    }
                ),
            )
            lag = self.f("contact_lag", lambda: self.pick({0: 55, 1: 33, 2: 8, 3: 4}))
            decided = self.add_wd(received_contact, lag)
            team = s.areas[area] if outcome == ContactOutcome.REFERRAL else s.front_door
            if decided > self.today and "contact_team" in force:
                team = s.areas[area] if force["contact_team"] == "area" else s.front_door
            weight, agency, role = SOURCES[source]
            referrer = self._referrer_name(source)
            concern = self.f("concern", lambda: PRE_BIRTH_CONCERN if theme == "pre_birth" else THEMES[theme][1])
            self.op(
                received_contact,
                "contact",
                actor=front_worker,
                team=team,
                source=source,
                referrer=referrer,
                referrer_role=role,
                agency=agency,
                concern=concern.format(child=self.child_name(received_contact)),
                urgency=self.pick({Urgency.IMMEDIATE: 10, Urgency.SAME_DAY: 30, Urgency.ROUTINE: 60}),
            )
            self.op(decided, "contact_decide", actor=s.front_manager, outcome=outcome, reasons=CONTACT_REASONS[outcome])
            if outcome != ContactOutcome.REFERRAL:
                return decided, False
            received = decided
        ep = self.ep
        ep.received = received

        decided = self.add_wd(received, self.f("referral_lag", lambda: self.pick({0: 75, 1: 17, 2: 5, 4: 3})))
        m = s.area_s47_factor[area] * (2.2 if had_plan else 1.0)
        decision = self.f(
            "referral_decision",
            lambda: self.pick(
                {
                    ReferralDecision.NO_FURTHER_ACTION: 6.5,
                    ReferralDecision.STRATEGY_DISCUSSION: 17 * m,
                    ReferralDecision.ASSESSMENT: 76.5 - 17 * (m - 1),
                }
            ),
        )
        self.op(decided, "referral_decide", actor=ep.manager, decision=decision, reasons=REFERRAL_REASONS[decision])
        if decision == ReferralDecision.NO_FURTHER_ACTION:
            return decided, False  # the service closes the episode (services ceased)
        self.op(decided, "allocate", actor=ep.manager, worker=ep.worker)

        if decision == ReferralDecision.STRATEGY_DISCUSSION:
            held = self.add_wd(decided, self.f("strategy_lag", lambda: self.pick({0: 70, 1: 30})))
            self._start_assessment(held)
            result, on = self.s47(held, from_cin=False)
        elif force.get("transfer_in"):
            result, on = self.transfer_in(decided)
        else:
            started = self._start_assessment(self.add_wd(decided, self.pick({0: 60, 1: 25, 2: 10, 3: 5})))
            done = max(started, ep.assessment_due or started)
            outcome = self.f(
                "assessment_outcome",
                lambda: self.pick(
                    {
                        AssessmentOutcome.NO_FURTHER_ACTION: 19,
                        AssessmentOutcome.EARLY_HELP: 11,
                        AssessmentOutcome.CHILD_IN_NEED_PLAN: 48,
                        AssessmentOutcome.STRATEGY_DISCUSSION: 22 * m,
                    }
                ),
            )
            self._complete_assessment(done, outcome)
            if outcome == AssessmentOutcome.STRATEGY_DISCUSSION:
                result, on = self.s47(self.add_wd(done, self.pick({0: 60, 1: 30, 2: 10})), from_cin=False)
            else:
                result, on = outcome, done
        return self.after(result, on)

    def after(self, result: str, on: date) -> tuple[date | None, bool]:
        if result == "plan":
            return self.plan(on), True
        if result == AssessmentOutcome.CHILD_IN_NEED_PLAN:
            return self.cin(on), False
        if self.ep.had_s47:
            reason = ReasonForClosure.SERVICES_CEASED
        elif result == AssessmentOutcome.EARLY_HELP:
            reason = ReasonForClosure.ASSESSMENT_EARLY_HELP
        else:
            reason = ReasonForClosure.ASSESSMENT_NFA
        return self.close(self.add_wd(on, self.pick({0: 50, 1: 20, 3: 15, 8: 15})), reason), False

    def _referrer_name(self, source: str) -> str:
        fake = self.fake
        if source == "9":
            return "Anonymous caller"
        if source == "10":
            return "Not recorded"
        if source == "1C":
            born = [c for c in self.household.children if c.date_of_birth]
            return f"{born[0].given_name} {born[0].family_name}" if born else fake.name()
        if source == "6":
            return f"PC {fake.first_name()} {fake.last_name()}"
        if source == "3A":
            return f"Dr {fake.first_name()} {fake.last_name()}"
        return f"{fake.first_name()} {fake.last_name()}"

    def _start_assessment(self, on: date) -> date:
        ep = self.ep
        wd = self.f(
            "assessment_wd",
            lambda: self.rng.randint(*self.pick({(10, 25): 30, (26, 38): 35, (39, 44): 20, (45, 60): 10, (61, 90): 5})),
        )
        ep.assessment_due = max(on, self.add_wd(ep.received, wd))
        return self.op(on, "assessment_start", actor=ep.worker)

    def _factors(self, outcome: str) -> list[str]:
        if outcome in (AssessmentOutcome.NO_FURTHER_ACTION, AssessmentOutcome.EARLY_HELP) and self.rng.random() < 0.3:
            return ["21"]
        pool = PRE_BIRTH_FACTORS if self.ep.theme == "pre_birth" else THEMES[self.ep.theme][2]
        chosen = [pool[0]] + [c for c in pool[1:] if self.rng.random() < 0.35]
        return chosen

    def _complete_assessment(self, on: date, outcome: str, order: str = "assessment_complete") -> None:
        ep = self.ep
        need = "N1" if ep.theme == "pre_birth" else THEMES[ep.theme][3]
        if outcome in (AssessmentOutcome.NO_FURTHER_ACTION, AssessmentOutcome.EARLY_HELP) and self.rng.random() < 0.5:
            need = self.pick(
                {PrimaryNeed.NOT_IN_NEED: 60, PrimaryNeed.ACUTE_STRESS: 20, PrimaryNeed.FAMILY_DYSFUNCTION: 20}
            )
        summaries: dict[str, str] = {
            AssessmentOutcome.NO_FURTHER_ACTION: "The family's needs are met; no further action.",
            AssessmentOutcome.EARLY_HELP: "Needs can be met by early help: referred with the family's agreement.",
            AssessmentOutcome.CHILD_IN_NEED_PLAN: "The child is in need: a child in need plan will be put in place.",
            AssessmentOutcome.STRATEGY_DISCUSSION: "Concerns of significant harm emerged: strategy discussion.",
            AssessmentOutcome.CONTINUE_PROTECTION: "Risk of significant harm: the work continues under child "
            "protection.",
        }
        summary = summaries[outcome]
        self.op(
            on,
            "assessment_complete",
            order=order,
            actor=ep.manager,
            outcome=outcome,
            factors=self._factors(outcome),
            need=need,
            summary=summary,
        )
        ep.assessment_due = None

    def s47(self, held: date, *, from_cin: bool) -> tuple[str, date]:
        """A strategy discussion and what follows. Returns ("plan", conference date) or the assessment outcome
        the episode continues with and the date it can."""
        rng, ep, s = self.rng, self.ep, self.staff
        area = self.household.area
        decision = self.f(
            "strategy_decision",
            lambda: self.pick(
                {StrategyDecision.NO_S47: 8, StrategyDecision.S47_SINGLE: 42, StrategyDecision.S47_JOINT: 50}
            ),
        )
        immediate = self.pick(
            {
                ImmediateProtection.NONE: 95.5,
                ImmediateProtection.POLICE_PROTECTION: 3,
                ImmediateProtection.EMERGENCY_PROTECTION_ORDER: 1.5,
            }
        )
        police, health = rng.choice(s.police), rng.choice(s.health)
        education = rng.choice(s.education) if (self.age_on(held) or 0) >= 4 else None
        self.op(
            held,
            "strategy",
            actor=ep.worker,
            decision=decision,
            immediate=immediate,
            manager=ep.manager,
            police=police,
            health=health,
            education=education,
        )
        if decision == StrategyDecision.NO_S47:
            return self._assessment_result(
                held, rng.choice([AssessmentOutcome.CHILD_IN_NEED_PLAN, AssessmentOutcome.NO_FURTHER_ACTION]), from_cin
            )
        ep.had_s47 = True
        seen = self.add_wd(held, self.pick({0: 45, 1: 35, 2: 15, 3: 5}))
        conf = 32 * s.area_conference_factor[area] * (1.6 if ep.second_plan_bias else 1.0)
        outcome = self.f(
            "s47_outcome",
            lambda: self.pick(
                {
                    S47Outcome.NOT_SUBSTANTIATED: 45,
                    S47Outcome.SUBSTANTIATED_NO_CONFERENCE: 24,
                    S47Outcome.CONFERENCE: conf,
                }
            ),
        )
        s47_wd = self.f("s47_wd", lambda: rng.randint(3, 10))
        if outcome != S47Outcome.CONFERENCE:
            done = self.op(self.add_wd(held, s47_wd), "s47_complete", actor=ep.worker, outcome=outcome)
            self._s47_seen(seen, done)
            result = (
                AssessmentOutcome.CHILD_IN_NEED_PLAN
                if outcome == S47Outcome.SUBSTANTIATED_NO_CONFERENCE
                else (
                    self.pick(
                        {
                            AssessmentOutcome.NO_FURTHER_ACTION: 40,
                            AssessmentOutcome.EARLY_HELP: 20,
                            AssessmentOutcome.CHILD_IN_NEED_PLAN: 40,
                        }
                    )
                )
            )
            return self._assessment_result(done, result, from_cin)
        icpc_wd = self.f(
            "icpc_wd", lambda: rng.randint(*self.pick({(9, 12): 30, (13, 14): 48, (15, 17): 15, (18, 25): 7}))
        )
        icpc = self.add_wd(held, icpc_wd)
        done = self.op(min(icpc, self.add_wd(held, s47_wd)), "s47_complete", actor=ep.worker, outcome=outcome)
        self._s47_seen(seen, done)
        plan = self.f("icpc_decision", lambda: self.pick({ConferenceDecision.PLAN: 85, ConferenceDecision.NO_PLAN: 15}))
        if ep.assessment_due is not None:
            auth = max(done, ep.assessment_due)
            self._complete_assessment(
                auth,
                AssessmentOutcome.CONTINUE_PROTECTION
                if plan == ConferenceDecision.PLAN
                else AssessmentOutcome.CHILD_IN_NEED_PLAN,
                order="assessment_complete_s47",
            )
        if from_cin and plan == ConferenceDecision.PLAN:
            self.op(icpc, "cin_end", order="cin_end_before_icpc", actor=ep.worker)
        self._conference(icpc, plan, police, health, education)
        if plan == ConferenceDecision.PLAN:
            return "plan", icpc
        return (("continue" if from_cin else AssessmentOutcome.CHILD_IN_NEED_PLAN), icpc)

    def _s47_seen(self, seen: date, done: date) -> None:
        """The children seen in the enquiry; a baby born while it runs is seen once born."""
        birth = self.household.birth
        if birth and seen < birth <= done:
            seen = birth
        ages = [self._age(c, seen) for c in self.household.children]
        alone = [a is not None and a >= 5 and self.rng.random() < 0.8 for a in ages]
        self.op(seen, "s47_seen", actor=self.ep.worker, alone=alone)

    def _conference(
        self, on: date, decision: str, police: User, health: User, education: User | None, transfer_in: bool = False
    ) -> None:
        """An initial conference (or a transfer-in conference) deciding whether the children need a plan."""
        self.op(
            on,
            "icpc",
            actor=self.ep.chair,
            chair=self.ep.chair,
            decision=decision,
            category=self._category(),
            family_attended=self.rng.random() < 0.85,
            attendance=self._attendance(police, health, education),
            views=self._views(on),
            transfer_in=transfer_in,
        )

    def transfer_in(self, decided: date) -> tuple[str, date]:
        """A child on a plan in another authority moves here: an assessment starts and a transfer-in conference is
        held, usually within 15 working days of the notification (WT2023), without an enquiry here. Returns ("plan",
        the conference date) or a child in need plan's outcome and date, as s47 does."""
        rng, ep, s = self.rng, self.ep, self.staff
        self._start_assessment(self.add_wd(decided, self.pick({0: 70, 1: 30})))
        held = self.add_wd(ep.received, rng.randint(*self.pick({(5, 10): 35, (11, 14): 50, (15, 20): 15})))
        decision = self.pick({ConferenceDecision.PLAN: 90, ConferenceDecision.NO_PLAN: 10})
        police, health = rng.choice(s.police), rng.choice(s.health)
        education = rng.choice(s.education) if (self.age_on(held) or 0) >= 4 else None
        self._conference(held, decision, police, health, education, transfer_in=True)
        plan = decision == ConferenceDecision.PLAN
        self._complete_assessment(
            max(held, ep.assessment_due or held),
            AssessmentOutcome.CONTINUE_PROTECTION if plan else AssessmentOutcome.CHILD_IN_NEED_PLAN,
            order="assessment_complete_s47",
        )
        return ("plan" if plan else AssessmentOutcome.CHILD_IN_NEED_PLAN), held

    def _assessment_result(self, on: date, result: str, from_cin: bool) -> tuple[str, date]:
        ep = self.ep
        if ep.assessment_due is not None:
            auth = max(on, ep.assessment_due)
            self._complete_assessment(auth, result, order="assessment_complete_s47")
            on = auth if result != AssessmentOutcome.CHILD_IN_NEED_PLAN else on
        return ("continue" if from_cin else result), on

    def _age(self, child: PersonDetails, on: date) -> int | None:
        born = self.born_on(child)
        return relativedelta(on, born).years if born and born <= on else None

    def _category(self) -> str:
        if self.rng.random() < 0.04:
            return CategoryOfAbuse.MULTIPLE
        return CategoryOfAbuse.NEGLECT if self.ep.theme == "pre_birth" else THEMES[self.ep.theme][4]

    def _attendance(self, police: User, health: User, education: User | None) -> list[Attendance]:
        rng, ep = self.rng, self.ep
        rows = [
            Attendance(ParticipantAgency.SOCIAL_CARE, ep.worker.display_name, attended=True, report_submitted=True),
            Attendance(
                ParticipantAgency.POLICE,
                police.display_name,
                attended=rng.random() < 0.9,
                report_submitted=rng.random() < 0.85,
            ),
            Attendance(
                ParticipantAgency.HEALTH,
                health.display_name,
                attended=rng.random() < 0.8,
                report_submitted=rng.random() < 0.75,
            ),
            Attendance(
                ParticipantAgency.HEALTH,
                f"Dr {self.fake.last_name()} (GP)",
                attended=False,
                report_submitted=rng.random() < 0.4,
            ),
        ]
        if education is not None:
            rows.append(
                Attendance(
                    ParticipantAgency.EDUCATION,
                    education.display_name,
                    attended=rng.random() < 0.75,
                    report_submitted=rng.random() < 0.8,
                )
            )
        return rows

    def _views(self, on: date) -> list[str]:
        views = []
        for child in self.household.children:
            age = self._age(child, on)
            if age is None:
                views.append("")
            elif age < 4:
                views.append(CHILD_VIEWS_YOUNG.format(name=child.given_name))
            else:
                views.append(self.rng.choice(CHILD_VIEWS_OLDER).format(name=child.given_name))
        return views

    def cin(self, start: date, *, escalate: bool = True) -> date | None:
        rng, ep, h = self.rng, self.ep, self.household
        self.op(start, "cin_start", actor=ep.worker)
        days = self.f("cin_days", lambda: int(rng.triangular(60, 420, 170)))
        end = self.roll(start + timedelta(days=days))
        if escalate and self.f("escalate", lambda: rng.random() < 0.07 * self.staff.area_s47_factor[h.area]):
            held = self.roll(start + timedelta(days=rng.randint(20, max(21, days - 10))))
            result, on = self.s47(held, from_cin=True)
            if result == "plan":
                return self.plan(on)
            end = max(end, self.roll(on + timedelta(days=rng.randint(20, 60))))
        reason = self.pick(
            {
                ReasonForClosure.SERVICES_CEASED: 80,
                ReasonForClosure.CHILD_ARRANGEMENTS_ORDER: 5,
                ReasonForClosure.SPECIAL_GUARDIANSHIP: 5,
                ReasonForClosure.TRANSFERRED_LA: 10,
            }
        )
        if h.eighteenth and h.eighteenth <= end:
            end, reason = max(start, h.eighteenth), ReasonForClosure.TRANSFERRED_ADULT
        died = self._death(start, end)
        if died:
            self.op(died, "cin_end", actor=ep.worker)
            return self.die(died)
        self.op(end, "cin_end", actor=ep.worker)
        return self.close(self.add_wd(end, self.pick({0: 70, 2: 20, 8: 10})), reason)

    def close(self, on: date, reason: str) -> date:
        on = max(on, self.ep.last)
        return self.op(on, "close", actor=self.ep.manager, reason=reason)

    def _death(self, after: date, before: date) -> date | None:
        """Rarely (DEATH_CHANCE), the day a lone child dies while a plan runs: after everything planned so far."""
        h = self.household
        if len(h.children) > 1 or self.rng.random() >= DEATH_CHANCE:
            return None
        born = self.born_on(h.children[0])
        first = max(after, self.ep.last, born or before) + timedelta(days=1)
        return first + timedelta(days=self.rng.randrange((before - first).days)) if first < before else None

    def die(self, on: date) -> date:
        """The child died: the case closes that day (RC2) and nothing follows on their record."""
        self.household.died = on
        self.op(on, "death", actor=self.ep.worker)
        return self.close(on, ReasonForClosure.DIED)

    def plan(self, start: date) -> date | None:
        """A child protection plan from its initial conference: core groups, visits, reviews and its end."""
        rng, ep, h, today = self.rng, self.ep, self.household, self.today
        end_review = self.f("end_review", lambda: self.pick({1: 20, 2: 45, 3: 25, 4: 10}))
        reviews: list[date] = []
        due = start + relativedelta(months=3)
        while (not end_review or len(reviews) < end_review) and (reviews[-1] if reviews else start) <= today:
            held = due - timedelta(days=rng.randint(0, 14 if not reviews else 25))
            if rng.random() < 0.07:
                held = due + timedelta(days=rng.randint(1, 12))
            held = self.roll(max(held, (reviews[-1] if reviews else start) + timedelta(days=1)))
            reviews.append(held)
            due = held + relativedelta(months=6)
        end: date | None = reviews[end_review - 1] if end_review and len(reviews) >= end_review else None
        reason: str = PlanEndReason.NO_LONGER_AT_RISK
        other = self.f(
            "plan_other_end",
            lambda: self.pick({"": 92, PlanEndReason.TRANSFERRED: 4, PlanEndReason.LEFT_UK: 1, PlanEndReason.OTHER: 3}),
        )
        horizon = end or today
        if other and (horizon - start).days > 30:
            end, reason = start + timedelta(days=rng.randint(20, (horizon - start).days - 1)), other
        if h.eighteenth and h.eighteenth > start and (end is None or h.eighteenth < end):
            end, reason = h.eighteenth, PlanEndReason.TURNED_18
        died = self._death(start, end or today)
        if died:
            end, reason = died, PlanEndReason.DIED
        stop = end or today + timedelta(days=1)
        visits_until = self.sub_wd(today, ep.force["visits_stop_wd"]) if "visits_stop_wd" in ep.force else today

        meeting = self.add_wd(start, rng.randint(3, 9) if rng.random() < 0.9 else rng.randint(10, 14))
        while meeting < stop and meeting <= today:
            self.op(meeting, "core_group", actor=ep.worker)
            meeting = self.add_wd(meeting, rng.randint(20, 30))
        visit = self.add_wd(start, rng.randint(1, 7))
        while visit < stop and visit <= visits_until:
            ages = [self._age(c, visit) for c in h.children]
            seen = [a is not None and rng.random() < 0.95 for a in ages]
            alone = [s and a is not None and a >= 5 and rng.random() < 0.7 for s, a in zip(seen, ages, strict=True)]
            self.op(visit, "visit", actor=ep.worker, seen=seen, alone=alone)
            visit = self.add_wd(visit, rng.randint(5, 9) if rng.random() < 0.8 else rng.randint(10, 16))
        category = None
        for held in reviews:
            if held > stop or (held == stop and reason != PlanEndReason.NO_LONGER_AT_RISK):
                break
            ending = end is not None and held == end and reason == PlanEndReason.NO_LONGER_AT_RISK
            if not ending and rng.random() < 0.1:
                category = self._category()
            self.op(
                held,
                "review",
                actor=ep.chair,
                chair=ep.chair,
                decision=ConferenceDecision.END if ending else ConferenceDecision.CONTINUE,
                category=category or "",
                family_attended=rng.random() < 0.8,
                attendance=self._attendance(rng.choice(self.staff.police), rng.choice(self.staff.health), None),
                views=self._views(held),
            )
        if end is None:
            return None
        if reason == PlanEndReason.NO_LONGER_AT_RISK:
            after = self.f("after_plan", lambda: self.pick({"cin": 55, "close": 45}))
            if after == "cin":
                return self.cin(end, escalate=False)
            return self.close(
                self.add_wd(end, rng.randint(0, 15)),
                self.pick(
                    {
                        ReasonForClosure.SERVICES_CEASED: 88,
                        ReasonForClosure.SPECIAL_GUARDIANSHIP: 6,
                        ReasonForClosure.CHILD_ARRANGEMENTS_ORDER: 6,
                    }
                ),
            )
        self.op(end, "plan_end", actor=ep.manager, reason=reason)
        if reason == PlanEndReason.DIED:
            return self.die(end)
        if reason == PlanEndReason.TRANSFERRED:
            return self.close(end, ReasonForClosure.TRANSFERRED_LA)
        if reason == PlanEndReason.LEFT_UK:
            return self.close(end, ReasonForClosure.SERVICES_CEASED)
        if reason == PlanEndReason.TURNED_18:
            return self.close(
                end,
                ReasonForClosure.TRANSFERRED_ADULT
                if ep.theme == "disability" or rng.random() < 0.5
                else ReasonForClosure.SERVICES_CEASED,
            )
        # OTHER: the child became looked after; the episode stays open until an order ends it (an adoption order
        # 9 to 18 months later for half of the young children)
        age = self.age_on(start)
        if self.f("adopted", lambda: (age or 0) < 5 and rng.random() < 0.5):
            return self.close(end + timedelta(days=rng.randint(270, 540)), ReasonForClosure.ADOPTED)
        if rng.random() < 0.4:
            return self.close(end + timedelta(days=rng.randint(240, 420)), ReasonForClosure.SPECIAL_GUARDIANSHIP)
        return None


# --------------------------------------------------------------------------------------------------------------
# Staff


def demo_totp_secret(username: str) -> str:
    """A demo login's authenticator app secret: derived from the username, so the same on every run.

    Published, like DEMO_PASSWORD: `macpu demo-code USERNAME` prints the code (development only).
    """
    return base64.b32encode(hashlib.sha256(f"macpu demo second factor: {username}".encode()).digest()[:20]).decode()


def _make_staff(*, children: int, rng: random.Random, fake: Faker, password_hash: str) -> _Staff:
    s = _Staff()
    for name, kind in AGENCIES:
        s.agencies[name] = Agency.objects.create(name=name, kind=kind)

    sw_total = max(6, ceil(children * 0.35 / 18))
    n_areas = max(3, ceil(sw_total / 8))
    base = [0.42, 0.34, 0.24]
    weights = base + [rng.uniform(0.2, 0.4) for _ in range(n_areas - 3)]
    total = sum(weights)
    s.area_weights = [w / total for w in weights]
    # different practice between areas: Central investigates more and convenes conferences less often
    s.area_s47_factor = [1.0, 1.3, 0.8] + [round(rng.uniform(0.8, 1.3), 2) for _ in range(n_areas - 3)]
    s.area_conference_factor = [1.0, 0.75, 1.15] + [round(rng.uniform(0.75, 1.2), 2) for _ in range(n_areas - 3)]

    teams: dict[tuple[str, str], Team] = {}

    def team(agency: str, name: str) -> Team:
        if (agency, name) not in teams:
            teams[agency, name] = Team.objects.create(
                agency=s.agencies[agency], name=name, front_door=name in FRONT_DOOR_TEAMS
            )
        return teams[agency, name]

    s.front_door = team(SOCIAL_CARE, FRONT_DOOR_TEAM)
    s.areas = [team(SOCIAL_CARE, area_team_name(i)) for i in range(n_areas)]
    for name in (CHAIRS_TEAM, ADMIN_TEAM):
        team(SOCIAL_CARE, name)
    team(POLICE, POLICE_TEAM), team(HEALTH_TRUST, HEALTH_TEAM), team(ICB, ICB_TEAM), team(EDUCATION, EDUCATION_TEAM)

    users: list[User] = []
    usernames = {login.username for login in DEMO_LOGINS}

    def user(
        first: str, last: str, role: str, job: str, agency: str, team_: Team | None, username: str | None = None
    ) -> User:
        if username is None:
            stem = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
            username, n = stem, 1
            while username in usernames:
                n += 1
                username = f"{stem}{n}"
            usernames.add(username)
        u = User(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            job_title=job,
            agency=s.agencies[agency],
            team=team_,
            password=password_hash,
            totp_secret=demo_totp_secret(username),
            is_staff=role == Role.ADMINISTRATOR,
        )
        users.append(u)
        return u

    def generated(role: str, job: str, agency: str, team_: Team | None) -> User:
        first = fake.first_name()
        return user(first, fake.last_name(), role, job, agency, team_)

    fixed = {
        login.username: user(
            login.first_name,
            login.last_name,
            login.role,
            login.job_title,
            login.agency,
            team(login.agency, login.team) if login.team else None,
            username=login.username,
        )
        for login in DEMO_LOGINS
    }
    s.primary_worker, s.primary_manager = fixed["social.worker"], fixed["team.manager"]
    s.primary_chair, s.admin = fixed["conference.chair"], fixed["admin"]
    s.privacy_officer = fixed["privacy.officer"]
    s.probation = fixed["probation.officer"]

    s.front_manager = generated(Role.TEAM_MANAGER, "Front door team manager", SOCIAL_CARE, s.front_door)
    s.front_workers = [
        generated(Role.SOCIAL_WORKER, "Front door social worker", SOCIAL_CARE, s.front_door)
        for _ in range(max(2, ceil(children / 150)))
    ]
    for i, area in enumerate(s.areas):
        manager = s.primary_manager if i == 0 else generated(Role.TEAM_MANAGER, "Team manager", SOCIAL_CARE, area)
        s.area_managers.append(manager)
        n = max(2, round(sw_total * s.area_weights[i]))
        workers = [s.primary_worker] if i == 0 else []
        workers += [
            generated(
                Role.SOCIAL_WORKER,
                rng.choice(["Social worker", "Senior social worker", "Advanced practitioner"]),
                SOCIAL_CARE,
                area,
            )
            for _ in range(n - len(workers))
        ]
        s.area_workers.append(workers)
    chairs_team = teams[SOCIAL_CARE, CHAIRS_TEAM]
    s.chairs = [s.primary_chair] + [
        generated(Role.CONFERENCE_CHAIR, "Child protection conference chair", SOCIAL_CARE, chairs_team)
        for _ in range(max(1, ceil(children / 250) - 1))
    ]
    s.police = [fixed["police.officer"]] + [
        generated(
            Role.POLICE_OFFICER,
            rng.choice(["Detective constable", "Detective sergeant"]),
            POLICE,
            teams[POLICE, POLICE_TEAM],
        )
        for _ in range(max(1, ceil(children / 200) - 1))
    ]
    s.health = [fixed["health.practitioner"]] + [
        generated(Role.HEALTH_PRACTITIONER, job, agency, teams[agency, team_name])
        for job, agency, team_name in [
            ("Named nurse for safeguarding", HEALTH_TRUST, HEALTH_TEAM),
            ("Designated doctor (paediatrician)", ICB, ICB_TEAM),
        ]
        * max(1, ceil(children / 400))
    ]
    s.education = [fixed["education.lead"]] + [
        generated(Role.EDUCATION_LEAD, "Education safeguarding adviser", EDUCATION, teams[EDUCATION, EDUCATION_TEAM])
        for _ in range(max(0, ceil(children / 800) - 1))
    ]
    User.objects.bulk_create(users)
    return s


# --------------------------------------------------------------------------------------------------------------
# Scripts: households that make sure the demo logins have work (and every stage appears, even for a small run)


def _scripts(p: _Planner) -> list[tuple[str, int, date, list[dict[str, Any]]]]:
    """(name, number of children, start date, forced choices per episode), most important first."""
    s, today = p.staff, p.today
    mine = {
        "worker": s.primary_worker,
        "direct": False,
        "contact_outcome": ContactOutcome.REFERRAL,
        "contact_lag": 0,
        "referral_lag": 0,
        "rereferral": False,
    }
    to_plan = {
        **mine,
        "referral_decision": ReferralDecision.STRATEGY_DISCUSSION,
        "strategy_lag": 0,
        "strategy_decision": StrategyDecision.S47_JOINT,
        "s47_outcome": S47Outcome.CONFERENCE,
        "icpc_decision": ConferenceDecision.PLAN,
        "plan_other_end": "",
        "assessment_wd": 30,
    }
    return [
        # open plan, reviewed once, whose statutory visit is overdue
        (
            "visit overdue",
            2,
            today - timedelta(days=150),
            [{**to_plan, "icpc_wd": 12, "end_review": 0, "visits_stop_wd": 14}],
        ),
        # assessment in progress beyond 45 working days
        (
            "assessment overdue",
            1,
            p.sub_wd(today, 56),
            [{**mine, "referral_decision": ReferralDecision.ASSESSMENT, "assessment_wd": 400}],
        ),
        # enquiry decided a conference is needed; the conference is late
        (
            "conference overdue",
            1,
            p.sub_wd(today, 18),
            [
                {
                    **to_plan,
                    "strategy_decision": StrategyDecision.S47_SINGLE,
                    "s47_wd": 5,
                    "icpc_wd": 400,
                    "assessment_wd": 400,
                }
            ],
        ),
        ("referral awaiting decision", 1, p.sub_wd(today, 3), [{**mine, "contact_lag": 1, "referral_lag": 400}]),
        # a strategy discussion decided on yesterday, to be held this afternoon (agencies invited at the end)
        ("strategy discussion to hold", 1, p.sub_wd(today, 1), [{**to_plan, "strategy_lag": 400}]),
        ("contact awaiting decision (front door)", 2, today, [{**mine, "contact_lag": 400, "contact_team": "front"}]),
        (
            "NFA referral",
            1,
            today - timedelta(days=200),
            [{**mine, "referral_decision": ReferralDecision.NO_FURTHER_ACTION}],
        ),
        (
            "child in need plan",
            1,
            today - timedelta(days=130),
            [
                {
                    **mine,
                    "referral_decision": ReferralDecision.ASSESSMENT,
                    "assessment_wd": 25,
                    "escalate": False,
                    "assessment_outcome": AssessmentOutcome.CHILD_IN_NEED_PLAN,
                    "cin_days": 400,
                }
            ],
        ),
        # first plan ended at its first review and the case closed; re-referred, now on a second plan
        (
            "second plan",
            1,
            today - timedelta(days=520),
            [
                {
                    **to_plan,
                    "icpc_wd": 13,
                    "end_review": 1,
                    "after_plan": "close",
                    "rereferral": True,
                    "rereferral_days": 250,
                },
                {**to_plan, "icpc_wd": 14, "end_review": 0},
            ],
        ),
        ("plan review due", 1, today - timedelta(days=80), [{**to_plan, "icpc_wd": 13, "end_review": 0}]),
        (
            "enquiry in progress",
            1,
            p.sub_wd(today, 3),
            [{**to_plan, "s47_wd": 30, "icpc_wd": 400, "assessment_wd": 400}],
        ),
        (
            "contact awaiting decision (team)",
            1,
            p.sub_wd(today, 1),
            [{**mine, "contact_lag": 400, "contact_team": "area"}],
        ),
    ]


# --------------------------------------------------------------------------------------------------------------
# Execution: every operation through the real service


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


class _Executor:
    def __init__(self, staff: _Staff) -> None:
        self.staff = staff

    def run(self, plan: HouseholdPlan) -> None:
        self.plan = plan
        self.children: list[Person] = []
        self.household: Household | None = None
        self.contact: Contact | None = None
        self.referral: dict[int, Referral] = {}
        self.assessment: dict[int, Any] = {}
        self.enquiry: dict[int, S47Enquiry] = {}
        self.cp_plan: dict[int, CpPlan] = {}
        self.cin_plan: dict[int, Any] = {}
        for o in plan.ops:
            getattr(self, f"do_{o.kind}")(on=o.on, now=_aware(o.on), **o.args)

    def each(self) -> list[tuple[int, Person, Referral]]:
        return [(i, c, self.referral[c.pk]) for i, c in enumerate(self.children)]

    def do_birth(self, *, on: date, now: datetime, actor: User, sex: str, given_name: str) -> None:
        for i, child in enumerate(self.children):
            if child.is_unborn:
                self.children[i] = person_birth_record(
                    actor=actor, now=now, person=child, born_on=on, sex=sex, given_name=given_name
                )

    def do_death(self, *, on: date, now: datetime, actor: User) -> None:
        for i, child in enumerate(self.children):
            self.children[i] = person_death_record(actor=actor, now=now, person=child, died_on=on)

    def do_household(self, *, on: date, now: datetime, actor: User) -> None:
        p = self.plan
        people = household_record(
            actor=actor,
            now=now,
            address=p.address,
            postcode=p.postcode,
            children=p.children,
            adults=p.adults,
            adult_relationships=p.relationships,
        )
        self.children, self.household = people.children, people.household

    def do_contact(
        self,
        *,
        on: date,
        now: datetime,
        actor: User,
        team: Team,
        source: str,
        referrer: str,
        referrer_role: str,
        agency: str | None,
        concern: str,
        urgency: str,
    ) -> None:
        self.contact = contact_record(
            actor=actor,
            now=now,
            children=self.children,
            received_on=on,
            referrer_name=referrer,
            referral_source=source,
            concern=concern,
            urgency=urgency,
            team=team,
            household=self.household,
            referrer_role=referrer_role,
            referrer_agency=self.staff.agencies[agency] if agency else None,
        )

    def do_contact_decide(self, *, on: date, now: datetime, actor: User, outcome: str, reasons: str) -> None:
        if self.contact is None:
            raise RuntimeError("A contact decision needs its contact.")
        for referral in contact_decide(
            actor=actor, now=now, contact=self.contact, outcome=outcome, reasons=reasons, decided_on=on
        ):
            self.referral[referral.child_id] = referral

    def do_referral_direct(self, *, on: date, now: datetime, actor: User, source: str, team: Team) -> None:
        for child in self.children:
            self.referral[child.pk] = referral_create(
                actor=actor, now=now, child=child, received_on=on, source=source, team=team
            )

    def do_referral_decide(self, *, on: date, now: datetime, actor: User, decision: str, reasons: str) -> None:
        for _, child, referral in self.each():
            self.referral[child.pk] = referral_decide(
                actor=actor, now=now, referral=referral, decision=decision, reasons=reasons, decided_on=on
            )

    def do_allocate(self, *, on: date, now: datetime, actor: User, worker: User) -> None:
        for _, _, referral in self.each():
            referral_allocate(actor=actor, now=now, referral=referral, worker=worker)

    def do_assessment_start(self, *, on: date, now: datetime, actor: User) -> None:
        for _, child, referral in self.each():
            self.assessment[child.pk] = assessment_start(actor=actor, now=now, referral=referral, started_on=on)

    def do_assessment_complete(
        self, *, on: date, now: datetime, actor: User, outcome: str, factors: list[str], need: str, summary: str
    ) -> None:
        for child in self.children:
            assessment_complete(
                actor=actor,
                now=now,
                assessment=self.assessment[child.pk],
                authorised_on=on,
                factors=factors,
                outcome=outcome,
                primary_need=need,
                summary=summary,
            )

    def do_strategy(
        self,
        *,
        on: date,
        now: datetime,
        actor: User,
        decision: str,
        immediate: str,
        manager: User,
        police: User,
        health: User,
        education: User | None,
    ) -> None:
        sc, pol = self.staff.agencies[SOCIAL_CARE], self.staff.agencies[POLICE]
        participants = [
            Participant(
                actor.display_name,
                ParticipantAgency.SOCIAL_CARE,
                actor.job_title,
                "Shares the referral and what is known of the family.",
                sc,
            ),
            Participant(manager.display_name, ParticipantAgency.SOCIAL_CARE, "Team manager", "", sc),
            Participant(
                police.display_name,
                ParticipantAgency.POLICE,
                police.job_title,
                "Police checks on the household completed; shares previous call-outs.",
                pol,
            ),
            Participant(
                health.display_name,
                ParticipantAgency.HEALTH,
                health.job_title,
                "Health records checked: shares immunisations, attendances and any missed appointments.",
                health.agency,
            ),
        ]
        actions = [
            Action(
                "See the children and speak to them alone where possible",
                actor.display_name,
                on + timedelta(days=1),
                sc,
            )
        ]
        if education is not None:
            participants.append(
                Participant(
                    education.display_name,
                    ParticipantAgency.EDUCATION,
                    education.job_title,
                    "Attendance and school's observations shared.",
                    education.agency,
                )
            )
            actions.append(
                Action(
                    "Share attendance and any concerns noted by school",
                    education.display_name,
                    on + timedelta(days=2),
                    education.agency,
                )
            )
        if decision == StrategyDecision.S47_JOINT:
            actions.append(
                Action(
                    "Joint visit and consider achieving best evidence interview",
                    police.display_name,
                    on + timedelta(days=1),
                    pol,
                )
            )
        for _, child, referral in self.each():
            discussion = strategy_discussion_record(
                actor=actor,
                now=now,
                referral=referral,
                held_on=on,
                participants=participants,
                decision=decision,
                immediate_protection=immediate,
                reasons="Reasonable cause to suspect significant harm.",
                actions=actions,
            )
            if discussion.starts_s47:
                self.enquiry[child.pk] = discussion.s47

    def do_s47_seen(self, *, on: date, now: datetime, actor: User, alone: list[bool]) -> None:
        for i, child, _ in self.each():
            if child.date_of_birth is not None:
                s47_child_seen(actor=actor, now=now, enquiry=self.enquiry[child.pk], seen_on=on, seen_alone=alone[i])

    def do_s47_complete(self, *, on: date, now: datetime, actor: User, outcome: str) -> None:
        for child in self.children:
            s47_complete(actor=actor, now=now, enquiry=self.enquiry[child.pk], outcome=outcome, completed_on=on)

    def do_icpc(
        self,
        *,
        on: date,
        now: datetime,
        actor: User,
        chair: User,
        decision: str,
        category: str,
        family_attended: bool,
        attendance: list[Attendance],
        views: list[str],
        transfer_in: bool,
    ) -> None:
        record = transfer_in_conference_record if transfer_in else initial_conference_record
        for i, child, referral in self.each():
            subject = {"referral": referral} if transfer_in else {"enquiry": self.enquiry[child.pk]}
            conference = record(
                actor=actor,
                now=now,
                **subject,
                held_on=on,
                chair=chair,
                family_attended=family_attended,
                child_views=views[i],
                decision=decision,
                attendance=attendance,
                category=category if decision == ConferenceDecision.PLAN else "",
                outline_plan="Outline plan agreed: safety plan, core group to meet within 10 working days."
                if decision == ConferenceDecision.PLAN
                else "No plan needed; support under a child in need plan.",
            )
            if conference.plan is not None:
                self.cp_plan[child.pk] = conference.plan

    def do_core_group(self, *, on: date, now: datetime, actor: User) -> None:
        for child in self.children:
            core_group_record(
                actor=actor,
                now=now,
                plan=self.cp_plan[child.pk],
                held_on=on,
                notes="Progress on the plan reviewed; actions updated.",
            )

    def do_visit(self, *, on: date, now: datetime, actor: User, seen: list[bool], alone: list[bool]) -> None:
        for i, child in enumerate(self.children):
            visit_record(
                actor=actor,
                now=now,
                plan=self.cp_plan[child.pk],
                visited_on=on,
                child_seen=seen[i],
                child_seen_alone=alone[i],
                notes="Home visit.",
            )

    def do_review(
        self,
        *,
        on: date,
        now: datetime,
        actor: User,
        chair: User,
        decision: str,
        category: str,
        family_attended: bool,
        attendance: list[Attendance],
        views: list[str],
    ) -> None:
        for i, child in enumerate(self.children):
            plan = self.cp_plan[child.pk]
            review_conference_record(
                actor=actor,
                now=now,
                plan=plan,
                held_on=on,
                chair=chair,
                family_attended=family_attended,
                child_views=views[i],
                decision=decision,
                attendance=attendance,
                category=(category or plan.latest_category) if decision == ConferenceDecision.CONTINUE else "",
                summary="The plan continues."
                if decision == ConferenceDecision.CONTINUE
                else "The child is no longer at risk of significant harm.",
            )
            plan.refresh_from_db(fields=["latest_category"])

    def do_plan_end(self, *, on: date, now: datetime, actor: User, reason: str) -> None:
        for child in self.children:
            cp_plan_end(actor=actor, now=now, plan=self.cp_plan[child.pk], ended_on=on, reason=reason)

    def do_cin_start(self, *, on: date, now: datetime, actor: User) -> None:
        for _, child, referral in self.each():
            self.cin_plan[child.pk] = cin_plan_start(actor=actor, now=now, referral=referral, started_on=on)

    def do_cin_end(self, *, on: date, now: datetime, actor: User) -> None:
        for child in self.children:
            cin_plan_end(actor=actor, now=now, plan=self.cin_plan[child.pk], ended_on=on)

    def do_close(self, *, on: date, now: datetime, actor: User, reason: str) -> None:
        for _, _, referral in self.each():
            episode_close(actor=actor, now=now, referral=referral, closed_on=on, reason=reason)


# --------------------------------------------------------------------------------------------------------------
# Entry points


def demo_data_exists() -> bool:
    """Anything a demo run would create is already there (the database is not empty)."""
    return (
        LocalAuthority.objects.exists()
        or Agency.objects.exists()
        or Person.objects.exists()
        or User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).exists()
    )


@dataclass
class Result:
    children: int
    households: int
    summary: dict[str, int]
    stages: dict[str, int]


def generate(*, children: int, seed: int, today: date, agency_records: int = BACKGROUND) -> Result:
    """Create the demo local authority with ``children`` children, deterministic for ``seed`` and ``today``; then
    load the police's, health's and a school's records of them (with ``agency_records`` synthetic rows of other
    people behind them; 0 loads none and links nothing) and run batch linkage (macpu.demo.records)."""
    if children < 1:
        raise ValueError("children must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    fake = Faker(locale="en_GB")
    fake.seed_instance(seed)
    with transaction.atomic():
        staff = _make_staff(children=children, rng=rng, fake=fake, password_hash=make_password(DEMO_PASSWORD))
        local_settings_update(actor=staff.admin, changes={"name": LA_NAME, "code": LA_CODE})
        planner = _Planner(rng=rng, fake=fake, today=today, staff=staff)
        executor = _Executor(staff)
        remaining, households = children, 0

        def household(area: int, start: date | None, size: int, scripts: Sequence[dict[str, Any]] = ()) -> None:
            nonlocal remaining, households
            kind = "" if scripts else planner.pick(HOUSEHOLD_KINDS)
            if not scripts and not kind and size == 1 and rng.random() < 0.015:
                kind = "aged_out"
            size = min(1 if kind == "adoption" else size, remaining)
            start = planner.new_household(area=area, start=start, size=size, kind=kind)
            planner.story(start, scripts)
            executor.run(planner.household)
            remaining -= len(planner.household.children)
            households += 1

        for _name, size, start, scripts in _scripts(planner):
            if remaining <= 0:
                break
            household(0, start, size, scripts)
        while remaining > 0:
            area = rng.choices(range(len(staff.areas)), weights=staff.area_weights)[0]
            household(area, None, planner.pick(HOUSEHOLD_SIZES))
        _access(staff, rng, today)
        _information_requests(staff, rng, today)
        _strategy_invitations(staff, today)
        if agency_records:
            load_and_link(
                admin=staff.admin, today=today, seed=seed, background=agency_records, worker=staff.primary_worker
            )
        summary, stages = summarise()
    return Result(children=children, households=households, summary=summary, stages=stages)


def _access(staff: _Staff, rng: random.Random, today: date) -> None:
    """Who else sees which records: police and health invited to recent strategy discussions and conferences;
    one record restricted; one out-of-hours break-glass for the privacy officer to review. Timed from the start
    of ``today``, because access is timed in real time."""
    midnight = timezone.make_aware(datetime.combine(today, time(0)))
    recent = (
        StrategyDiscussion.objects.filter(held_on__gte=today - timedelta(days=60), referral__closed_on__isnull=True)
        .exclude(referral__allocated_worker=None)
        .select_related("referral__child", "referral__allocated_worker")
        .order_by("held_on", "pk")
    )
    for discussion in recent:
        referral = discussion.referral
        for invitee in (rng.choice(staff.police), rng.choice(staff.health)):
            invitation_create(
                actor=referral.allocated_worker,
                child=referral.child,
                user=invitee,
                meeting=Meeting.STRATEGY_DISCUSSION,
                ends_on=min(discussion.held_on + timedelta(days=90), today + timedelta(days=90)),
                now=midnight,
            )
    own = [r for r in _current_referrals() if r.team_id == staff.areas[0].pk and r.allocated_worker_id]
    if len(own) > 2:
        restriction_impose(
            actor=staff.primary_manager,
            child=own[1].child,
            kind=RestrictionKind.STAFF,
            reason="The child's aunt works in the council's children's services.",
            named=[own[1].allocated_worker],
            review_by=today + timedelta(days=60),
            now=midnight,
        )
    others = [r for r in _current_referrals() if r.team_id != staff.areas[0].pk]
    if others:
        break_glass_open(
            actor=staff.police[0],
            child=others[0].child,
            reason=BreakGlassReason.OUT_OF_HOURS,
            explanation="Called to the family home at 2am after a neighbour heard shouting; needed to know if the "
            "children were known.",
            second_factor_ok=True,  # the demo officer used their security key
            now=midnight + timedelta(hours=2),
        )


def _information_requests(staff: _Staff, rng: random.Random, today: date) -> None:
    """The front door asked police, health and probation about each contact still waiting for a decision, and
    about those referred in the last month; the agencies have answered most requests whose deadline has passed
    (now and then late). The demo's clock stands at 9:00 today."""
    rating = {Urgency.IMMEDIATE: Rag.RED, Urgency.SAME_DAY: Rag.AMBER}
    answerers = {POLICE: staff.police[0], HEALTH_TRUST: staff.health[0], PROBATION: staff.probation}
    for name, manager in answerers.items():  # each agency's named manager for late requests
        Agency.objects.filter(name=name).update(manager=manager)
    demo_now = timezone.make_aware(datetime.combine(today, time(9)))
    recent = Q(outcome="") | Q(outcome=ContactOutcome.REFERRAL, received_on__gte=today - timedelta(days=30))
    for contact in Contact.objects.filter(recent).select_related("household").order_by("received_on", "pk"):
        sent_at = timezone.make_aware(datetime.combine(contact.received_on, time(9, 30)))
        people = list(contact.household.members.all()) if contact.household else list(contact.children.all())
        children = {c.pk for c in contact.children.all()}
        adults = [p for p in people if p.pk not in children]
        for agency in (POLICE, HEALTH_TRUST, PROBATION):
            about = adults if agency == PROBATION else people
            if not about:
                continue
            rag = rating.get(contact.urgency, Rag.GREEN)  # type: ignore[call-overload]
            request = information_request_send(
                actor=staff.front_workers[0],
                now=sent_at,
                contact=contact,
                agency=staff.agencies[agency],
                people=about,
                question="What does your agency know about the household that bears on the children's safety?",
                rag=rag,
                rag_rationale=contact.get_urgency_display() + ": " + contact.concern[:120],
            )
            answered_at = request.due_at - timedelta(hours=rng.choice([1, 2, 3, -2]))  # now and then late
            if answered_at >= demo_now or (not contact.outcome and rng.random() < 0.2):
                continue  # still waiting
            items = [_demo_item(agency, person, person.pk in children, rng, contact.received_on) for person in about]
            information_answer(actor=answerers[agency], now=answered_at, request=request, items=items)
    late_requests_escalate(now=demo_now)


def _strategy_invitations(staff: _Staff, today: date) -> None:
    """Children whose referral awaits its strategy discussion: social care has invited the police and health to
    one at 2 pm today. The demo's clock stands at 9:00."""
    demo_now = timezone.make_aware(datetime.combine(today, time(9)))
    waiting = (
        Referral.objects.filter(
            decision=ReferralDecision.STRATEGY_DISCUSSION, closed_on__isnull=True, strategy_discussions__isnull=True
        )
        .select_related("allocated_worker", "contact")
        .order_by("received_on", "pk")
    )
    for referral in waiting:
        strategy_invite(
            actor=referral.allocated_worker or staff.front_workers[0],
            now=demo_now,
            referral=referral,
            meeting_at=demo_now + timedelta(hours=5),
            agencies=[staff.agencies[POLICE], staff.agencies[HEALTH_TRUST]],
            question="What does your agency know about the household, for the strategy discussion?",
            rag=Rag.RED,
            rag_rationale="A strategy discussion is needed: possible significant harm.",
        )


def _demo_item(agency: str, person: Person, child: bool, rng: random.Random, received: date) -> Item:
    """What an agency might hold about one person: often nothing; otherwise an item of its own kind."""
    if rng.random() < 0.5:
        return Item(person=person, nothing_known=True)
    on = received - timedelta(days=rng.randint(20, 400))
    if agency == POLICE and not child:
        return Item(
            person=person,
            occurred_on=on,
            kind=ItemKind.DOMESTIC_ABUSE,
            summary="Police attended a domestic incident at the address; no arrest was made.",
            source_reference=f"DC-{rng.randint(10000, 99999)}",
            lawful_basis=LawfulBasis.LAW_ENFORCEMENT,
            disclosure=Disclosure.RESTRICTED,
            restricted_to=[Role.POLICE_OFFICER, Role.SOCIAL_WORKER, Role.TEAM_MANAGER],
        )
    if agency == HEALTH_TRUST:
        return Item(
            person=person,
            occurred_on=on,
            kind=ItemKind.MISSED_APPOINTMENTS if child else ItemKind.MENTAL_HEALTH,
            summary="Two health visiting appointments missed; not followed up."
            if child
            else "Told the health visitor of low mood and feeling unsafe at home.",
            source_reference=f"RiO-{rng.randint(100000, 999999)}",
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            disclosure=Disclosure.FAMILY if child else Disclosure.NOT_FAMILY,
            disclosure_reason="" if child else "Telling the family could put the parent at risk.",
        )
    return Item(
        person=person,
        occurred_on=on,
        kind=ItemKind.PROBATION if agency == PROBATION else ItemKind.MISSING,
        summary="On licence after a sentence for assault; supervised by the probation service."
        if agency == PROBATION
        else "Reported missing from home overnight; found safe.",
        source_reference=f"{'DC' if agency == POLICE else 'NDEL'}-{rng.randint(10000, 99999)}",
        lawful_basis=LawfulBasis.LAW_ENFORCEMENT if agency == POLICE else LawfulBasis.PUBLIC_TASK,
        disclosure=Disclosure.NOT_FAMILY,
        disclosure_reason="Shared for the children's safety; not to be passed to the household.",
    )


def _current_referrals() -> list[Referral]:
    return list(
        Referral.objects.prefetch_related(
            "assessments",
            "cin_plans",
            "cp_plans",
            Prefetch("strategy_discussions__s47", queryset=S47Enquiry.objects.select_related("initial_conference")),
        ).order_by("child_id", "-received_on", "-id")
    )


def summarise() -> tuple[dict[str, int], dict[str, int]]:
    """Counts of what exists, and of children by where they are on the pathway now."""
    referrals = Referral.objects
    conferences = Conference.objects
    plans = CpPlan.objects
    summary = {
        "households": Household.objects.count(),
        "people (children and adults)": Person.objects.count(),
        "children born after being recorded unborn": Event.objects.filter(kind=EventKind.BORN).count(),
        "children who died": Person.objects.filter(date_of_death__isnull=False).count(),
        "contacts": Contact.objects.count(),
        "contacts awaiting decision": Contact.objects.filter(outcome="").count(),
        "referrals": referrals.count(),
        "referrals awaiting decision": referrals.filter(decision="").count(),
        "referrals decided no further action": referrals.filter(decision=ReferralDecision.NO_FURTHER_ACTION).count(),
        "assessments": Assessment.objects.count(),
        "assessments in progress": Assessment.objects.filter(authorised_on__isnull=True).count(),
        "assessed not in need (closed RC8/RC9)": referrals.filter(closure_reason__in=["RC8", "RC9"]).count(),
        "child in need plans": CinPlan.objects.count(),
        "child in need plans open": CinPlan.objects.filter(ended_on__isnull=True).count(),
        "strategy discussions": StrategyDiscussion.objects.count(),
        "section 47 enquiries": S47Enquiry.objects.count(),
        "section 47 enquiries in progress": S47Enquiry.objects.filter(outcome="").count(),
        "initial conferences": conferences.filter(kind=ConferenceKind.INITIAL).count(),
        "initial conferences deciding a plan": conferences.filter(
            kind=ConferenceKind.INITIAL, decision=ConferenceDecision.PLAN
        ).count(),
        "transfer-in conferences": conferences.filter(kind=ConferenceKind.TRANSFER_IN).count(),
        "review conferences": conferences.filter(kind=ConferenceKind.REVIEW).count(),
        "child protection plans": plans.count(),
        "child protection plans open": plans.filter(ended_on__isnull=True).count(),
        "second or later child protection plans": plans.count() - plans.values("referral__child_id").distinct().count(),
        "core group meetings": CoreGroupMeeting.objects.count(),
        "statutory visits": StatutoryVisit.objects.count(),
        "episodes open": referrals.filter(closed_on__isnull=True).count(),
        "episodes closed": referrals.filter(closed_on__isnull=False).count(),
        "timeline events": Event.objects.count(),
        "agency records (police, health, school)": AgencyRecord.objects.count(),
        "agency records linked to a person": AgencyRecord.objects.filter(person__isnull=False).count(),
        "possible matches waiting for review": ReviewPair.objects.filter(decision="").count(),
    }
    for code, count in sorted(
        Counter(referrals.exclude(closure_reason="").values_list("closure_reason", flat=True)).items()
    ):
        label = ReasonForClosure(code).label
        summary[f"closed {code}: {label if len(label) <= 45 else label[:44] + '…'}"] = count

    latest: dict[int, Referral] = {}
    for referral in _current_referrals():
        current = latest.get(referral.child_id)
        if current is None or (referral.is_open and not current.is_open):
            latest[referral.child_id] = referral
    stages: Counter[str] = Counter()
    for referral in latest.values():
        stages[pathway_stage(referral if referral.is_open else None).replace("No open case", "Case closed")] += 1
    contact_only = Person.objects.filter(contacts__isnull=False, referrals__isnull=True).distinct()
    stages["Contact awaiting decision"] = contact_only.filter(contacts__outcome="").distinct().count()
    stages["Contact decided, no referral"] = contact_only.exclude(contacts__outcome="").distinct().count()
    return summary, dict(stages.most_common())


def fingerprint() -> str:
    """A digest of the people, dates and stages a run produced, and of the agency records, their links and the
    possible matches (not database ids), to compare two runs."""
    digest = hashlib.sha256()
    row: tuple[Any, ...]
    for row in Person.objects.order_by("id").values_list(
        "given_name", "family_name", "date_of_birth", "expected_date_of_birth", "sex", "ethnicity", "nhs_number", "upn"
    ):
        digest.update(repr(row).encode())
    for row in Contact.objects.order_by("id").values_list("received_on", "outcome", "decided_on", "referral_source"):
        digest.update(repr(row).encode())
    for row in Referral.objects.order_by("id").values_list(
        "child__given_name", "received_on", "decision", "decided_on", "closed_on", "closure_reason"
    ):
        digest.update(repr(row).encode())
    for row in Event.objects.order_by("id").values_list(
        "child__given_name", "child__family_name", "kind", "occurred_on", "summary"
    ):
        digest.update(repr(row).encode())
    for row in AgencyRecord.objects.order_by("agency__name", "record_id").values_list(
        "agency__name",
        "record_id",
        "first_name",
        "surname",
        "date_of_birth",
        "person__given_name",
        "person__family_name",
    ):
        digest.update(repr(row).encode())
    pairs = ReviewPair.objects.values_list(
        "kind",
        "reason",
        "person__given_name",
        "person__family_name",
        "other_person__given_name",
        "record__record_id",
        "other_record__record_id",
    )
    # Not the match probabilities: Splink samples the pairs it trains u on by the records' keys, database ids
    # (the same in every run on an empty database, not in a run after another on PostgreSQL, whose sequences
    # a rollback does not reset), so they move in the third decimal place.
    for row in sorted(pairs, key=repr):
        digest.update(repr(row).encode())
    return digest.hexdigest()
