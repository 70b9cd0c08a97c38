"""The one scope filter (design rule 2): which children's records a user may see, and on what basis.

A user sees a child through a relationship: allocated worker or manager of the team holding an open case; on duty
at the front door (the council's own staff: every child known to the unit, to check each new concern against; other
agencies' staff: while a contact or referral about the child waits there); the person who recorded a contact, until it
is decided; invited to a strategy discussion,
conference or core group about the child, for a set period; chair for a child awaiting or on a plan; a performance
analyst for the statutory returns; or break-glass. A restricted record is seen only by its named people. Partner
agency practitioners, analysts, administrators and privacy officers see no child's record here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import Now

from macpu.access.models import BreakGlass, Invitation, Restriction, RestrictionGrant
from macpu.agencies.models import UNIT_ROLES, AgencyKind, Role, User
from macpu.people.models import AgencyRecord, Person

# Roles that may read a child's record at all, given a relationship.
RECORD_ROLES = UNIT_ROLES | {Role.PERFORMANCE_ANALYST}


def _bases(user: User) -> list[tuple[str, Q]]:
    """Each basis on which this user may see a child, as a condition on Person."""
    from macpu.intake.models import Contact, Referral  # above people and access; only their tables are read
    from macpu.protection.models import Conference, CpPlan, S47Enquiry, S47Outcome

    child = OuterRef("pk")
    open_case = Referral.objects.filter(child=child, closed_on__isnull=True)
    bases = [
        ("Allocated worker", Q(Exists(open_case.filter(allocated_worker=user)))),
        (
            "Invited to a meeting about the child",
            Q(
                Exists(
                    Invitation.objects.filter(
                        child=child, user=user, withdrawn_at__isnull=True, starts_at__lte=Now(), ends_at__gt=Now()
                    )
                )
            ),
        ),
        (
            "Recorded the contact, which waits for a decision",
            Q(Exists(Contact.objects.filter(children=child, recorded_by=user, outcome=""))),
        ),
        (
            "Break-glass",
            Q(Exists(BreakGlass.objects.filter(child=child, user=user, started_at__lte=Now(), ends_at__gt=Now()))),
        ),
    ]
    if user.role == Role.TEAM_MANAGER and user.team_id:
        bases.append(("Manager of the team holding the case", Q(Exists(open_case.filter(team_id=user.team_id)))))
    known = Q(Exists(Referral.objects.filter(child=child))) | Q(Exists(Contact.objects.filter(children=child)))
    if user.team_id and user.team.front_door:
        if user.agency_id and user.agency.kind == AgencyKind.SOCIAL_CARE:
            # The council's own front door checks every new concern against what the unit already knows.
            bases.append(("On duty at the front door", known))
        else:
            waiting = Q(Exists(Contact.objects.filter(children=child, outcome=""))) | Q(
                Exists(open_case.filter(Q(decision="") | Q(allocated_worker__isnull=True)))
            )
            bases.append(("On duty at the front door", waiting))
    if user.role == Role.CONFERENCE_CHAIR:
        awaiting = S47Enquiry.objects.filter(
            referral__child=child, referral__closed_on__isnull=True, outcome=S47Outcome.CONFERENCE
        ).exclude(Exists(Conference.objects.filter(s47=OuterRef("pk"))))
        on_plan = CpPlan.objects.filter(referral__child=child, referral__closed_on__isnull=True, ended_on__isnull=True)
        chaired = Conference.objects.filter(referral__child=child, referral__closed_on__isnull=True, chair=user)
        bases.append(("Conference chair", Q(Exists(awaiting)) | Q(Exists(on_plan)) | Q(Exists(chaired))))
    if user.role == Role.PERFORMANCE_ANALYST:
        bases.append(("Statutory returns", known))
    return bases


def _named(user: User) -> Q:
    return Q(
        Exists(
            RestrictionGrant.objects.filter(
                restriction__child=OuterRef("pk"),
                restriction__lifted_at__isnull=True,
                user=user,
                ended_at__isnull=True,
            )
        )
    )


RESTRICTED = Q(Exists(Restriction.objects.filter(child=OuterRef("pk"), lifted_at__isnull=True)))


def visible_people(user: User) -> QuerySet[Person]:
    """The children whose records this user may see: out of scope is indistinguishable from not existing."""
    if not user.is_authenticated or not user.is_active or user.role not in RECORD_ROLES:
        return Person.objects.none()
    related = Q()
    for _, condition in _bases(user):
        related |= condition
    return Person.objects.filter((~RESTRICTED & related) | _named(user))


# Roles that may see the agency records (what each agency's own system holds about people, macpu.people.records):
# the unit's own staff, who check every new concern against them at intake. Partner agency practitioners, analysts,
# administrators and privacy officers do not.
AGENCY_RECORD_ROLES = UNIT_ROLES


def visible_agency_records(user: User) -> QuerySet[AgencyRecord]:
    """The agency records this user may see: every one for the unit's staff, except those linked to a restricted
    child the user is not named on (the restriction covers everything known about the child)."""
    if not user.is_authenticated or not user.is_active or user.role not in AGENCY_RECORD_ROLES:
        return AgencyRecord.objects.none()
    child = OuterRef("person_id")
    restricted = Exists(Restriction.objects.filter(child=child, lifted_at__isnull=True))
    named = Exists(
        RestrictionGrant.objects.filter(
            restriction__child=child, restriction__lifted_at__isnull=True, user=user, ended_at__isnull=True
        )
    )
    return AgencyRecord.objects.filter(Q(person__isnull=True) | ~Q(restricted) | Q(named))


def _asked(user: User) -> list[tuple[str, Q | Exists]]:
    """Bases that give no access to the record itself: the user's agency was asked what it knows about the child
    (macpu.mash), so its staff see the request, with the names it asks about; or invited to a strategy discussion
    about the child, so they see the actions agreed for their agency."""
    if user.agency_id is None:
        return []
    requests = apps.get_model("mash", "InformationRequest").objects  # mash builds on access, not the reverse
    asked = requests.filter(agency_id=user.agency_id, contact__children=OuterRef("pk"))
    invitations = apps.get_model("protection", "StrategyInvitation").objects
    invited = invitations.filter(agency_id=user.agency_id, referral__child=OuterRef("pk"))
    return [
        ("Their agency was asked what it knows about the child", Exists(asked)),
        ("Their agency was invited to a strategy discussion about the child", Exists(invited)),
    ]


def bases_for(user: User, children: Iterable[int]) -> dict[int, str]:
    """Why the user may see each of these children, in words for the audit trail ("Allocated worker; ...")."""
    ids = list(children)
    if not ids or not user.is_authenticated:
        return {}
    bases = (_bases(user) if user.role in RECORD_ROLES else []) + _asked(user)
    conditions = [condition for _, condition in bases] + [_named(user)]
    annotations = {f"basis_{i}": ExpressionWrapper(c, output_field=BooleanField()) for i, c in enumerate(conditions)}
    labels = [label for label, _ in bases]
    rows = Person.objects.filter(pk__in=ids).annotate(**annotations).values("pk", *annotations)
    found: dict[int, str] = {}
    for row in rows:
        words = [label for i, label in enumerate(labels) if row[f"basis_{i}"]]
        if row[f"basis_{len(labels)}"]:
            words.insert(0, "Named on the restricted record")
        found[row["pk"]] = "; ".join(words) or "No current relationship"
    return found


def unit_staff(excluding: User) -> QuerySet[User]:
    """The unit's active staff but `excluding`, by name: those who may be invited to see a child's record."""
    return (
        User.objects.filter(is_active=True, role__in=UNIT_ROLES)
        .exclude(pk=excluding.pk)
        .select_related("agency")
        .order_by("last_name", "first_name")
    )
