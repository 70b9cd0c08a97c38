"""Small helpers every service uses: rule checks that name the field and the rule, date sanity, and who may
record each step."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from macpu.agencies.models import Role, User


class _Mortal(Protocol):
    date_of_death: date | None


class Rules:
    """Collects broken rules, then raises them together as one ValidationError keyed by field.

    rules = Rules()
    rules.check(held_on <= today, "held_on", "The date of the conference cannot be in the future.")
    rules.raise_if_broken()
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def check(self, ok: bool, field: str, message: str) -> bool:
        if not ok:
            self.errors.setdefault(field, []).append(message)
        return ok

    def not_in_future(self, value: date | None, field: str, label: str, today: date) -> None:
        if value is not None:
            self.check(value <= today, field, f"{label} cannot be in the future.")

    def not_before(self, value: date | None, earliest: date, field: str, label: str, earlier_label: str) -> None:
        if value is not None:
            self.check(value >= earliest, field, f"{label} must be on or after {earlier_label} ({earliest:%-d %B %Y}).")

    def alive_on(self, value: date | None, child: _Mortal, field: str, label: str) -> None:
        """Nothing is done with or for a child after their death (CIN census rules 8555, 4008, 4009, 8915, 8920)."""
        died = child.date_of_death
        if value is not None and died is not None:
            self.check(value <= died, field, f"{label} cannot be after the child's death ({died:%-d %B %Y}).")

    def raise_if_broken(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


M = TypeVar("M", bound=models.Model)


def locked(instance: M) -> M:
    """The row as it is now in the database, locked until the transaction ends: services decide on fresh state."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def today_of(now: datetime) -> date:
    """The calendar day in England for an aware `now` passed in from the edge."""
    from django.utils import timezone

    return timezone.localdate(now)


# Who may record each step: the one place the role rules live. Services refuse with `check_role`; pages offer a
# step only when `may_record` allows it. Recording a contact is open to every unit case role (police notifications
# are contacts), so it is not listed.
SOCIAL_CARE = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
MANAGER = frozenset({Role.TEAM_MANAGER})
CONFERENCE = frozenset({Role.CONFERENCE_CHAIR, Role.TEAM_MANAGER})
STEP_ROLES: dict[str, tuple[frozenset[Role], str]] = {
    "contact_decide": (SOCIAL_CARE, "Only children's social care staff can decide what happens to a contact."),
    "referral_create": (SOCIAL_CARE, "Only children's social care staff can record a referral."),
    "referral_decide": (MANAGER, "Only a team manager can decide a referral."),
    "referral_allocate": (MANAGER, "Only a team manager can allocate a case."),
    "strategy_invite": (
        SOCIAL_CARE,
        "Only children's social care staff can invite agencies to a strategy discussion: children's social care "
        "convenes it.",
    ),
    "strategy_discussion_record": (
        SOCIAL_CARE,
        "Only children's social care staff can record a strategy discussion: children's social care convenes it.",
    ),
    "s47_child_seen": (
        SOCIAL_CARE,
        "Only children's social care staff can record when the child was seen in a section 47 enquiry.",
    ),
    "s47_complete": (SOCIAL_CARE, "Only children's social care staff can record the outcome of a section 47 enquiry."),
    "strategy_action_done": (
        SOCIAL_CARE,
        "Only children's social care staff can record that an action from a strategy discussion was done.",
    ),
    "assessment_start": (SOCIAL_CARE, "Only children's social care staff can start an assessment."),
    "assessment_complete": (MANAGER, "Only a team manager can authorise an assessment."),
    "cin_plan_start": (SOCIAL_CARE, "Only children's social care staff can start a child in need plan."),
    "cin_plan_end": (SOCIAL_CARE, "Only children's social care staff can end a child in need plan."),
    "episode_close": (SOCIAL_CARE, "Only children's social care staff can close a case."),
    "core_group_record": (SOCIAL_CARE, "Only children's social care staff can record a core group meeting."),
    "visit_record": (SOCIAL_CARE, "Only children's social care staff can record a statutory visit."),
    "cp_plan_end": (SOCIAL_CARE, "Only children's social care staff can end a child protection plan."),
    "initial_conference_record": (
        CONFERENCE,
        "Only a conference chair or a team manager can record an initial child protection conference.",
    ),
    "person_details_correct": (SOCIAL_CARE, "Only children's social care staff can change a child's details."),
    "review_conference_record": (
        CONFERENCE,
        "Only a conference chair or a team manager can record a review child protection conference.",
    ),
    "transfer_in_conference_record": (
        CONFERENCE,
        "Only a conference chair or a team manager can record a transfer-in child protection conference.",
    ),
    "person_birth_record": (SOCIAL_CARE, "Only children's social care staff can record a child's birth."),
    "person_death_record": (SOCIAL_CARE, "Only children's social care staff can record a child's death."),
    "review_pair_decide": (
        SOCIAL_CARE,
        "Only children's social care staff can decide whether two records are about the same person.",
    ),
    "people_merge": (SOCIAL_CARE, "Only children's social care staff can merge two people's records."),
    "people_unmerge": (SOCIAL_CARE, "Only children's social care staff can undo a merge."),
}


def may_record(user: User, step: str) -> bool:
    """Whether the user's role may record this step (a key of STEP_ROLES, named after its service)."""
    return user.is_active and user.role in STEP_ROLES[step][0]


def check_role(rules: Rules, actor: User, step: str, field: str = "__all__") -> bool:
    """Refuse the step, under `field`, unless the actor's role may record it."""
    return rules.check(may_record(actor, step), field, STEP_ROLES[step][1])
