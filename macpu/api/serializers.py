"""Request parsers and response shapes for the API. No business rules here: the services check every rule.

Values are codes (the DfE census codes and macpu's own code sets), because exports and partner systems speak
codes; each code has a ``*_label`` beside it for people. Every code set is one named enum component in the
OpenAPI schema (``SexCode``, ``ReferralSourceCode``...), so a field named ``decision`` or ``outcome`` can carry a
different set in different places without the schema's enums colliding.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from macpu.agencies.models import Role
from macpu.casework.models import AssessmentOutcome
from macpu.core.codes import (
    AssessmentFactor,
    CategoryOfAbuse,
    Ethnicity,
    PrimaryNeed,
    ReasonForClosure,
    ReferralSource,
    Sex,
)
from macpu.intake.models import ContactOutcome, ReferralDecision, Urgency
from macpu.mash.models import Disclosure, ItemKind, LawfulBasis, Rag
from macpu.people.models import RelationshipKind
from macpu.protection.models import (
    ConferenceDecision,
    ConferenceKind,
    ImmediateProtection,
    ParticipantAgency,
    PlanEndReason,
    S47Outcome,
    StrategyDecision,
)
from macpu.timescales.clocks import ClockStatus

MAX_ID = 2**63 - 1  # ids are 64-bit: the schema says so, and a bigger child_id is a 400, not a database error


class Text(serializers.CharField):
    """Text, as the schema says: a number or a true/false sent for it is refused, not turned into text."""

    default_error_messages = {"not_text": "Enter text here, in quotes: this field takes a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_text")
        return str(super().to_internal_value(data))


class CodeField(Text):
    """A code from one code set. It parses and shapes only: the service decides whether the code is allowed.

    A blank code (nothing recorded) is returned as null.
    """

    def __init__(self, code_set: type[Enum], **kwargs: Any) -> None:
        self.code_set = code_set
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_representation(self, value: object) -> Any:
        return None if value in ("", None) else str(value)


class CodeFieldSchema(OpenApiSerializerFieldExtension):
    """Each code set becomes one named enum component, listing its codes with their labels."""

    target_class = CodeField
    match_subclasses = True

    def get_name(self) -> str:
        return f"{self.target.code_set.__name__}Code"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        members = list(self.target.code_set)
        return {
            "type": "string",
            "enum": [m.value for m in members],
            "description": "\n".join(f"* `{m.value}`: {m.label}" for m in members),
        }


class LabelField(Text):
    """The label of a code, for people; null when no code is recorded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: object) -> Any:
        return str(value) if value else None


def _dates(values: Iterable[Any]) -> list[str]:
    return [d.isoformat() for d in sorted(values)]


# Errors ------------------------------------------------------------------------------------------------------


class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]  # for the schema only: views build the body
        child=serializers.ListField(child=Text()),
        help_text="Messages keyed by the request field they are about (nested fields as `children.0.sex`).",
    )


class DetailSerializer(serializers.Serializer):
    detail = Text()


# People ------------------------------------------------------------------------------------------------------


class ChildSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    identifier = Text(source="la_child_id", help_text="The local authority's child identifier.")
    given_name = Text()
    family_name = Text()
    known_as = Text()
    date_of_birth = serializers.DateField(allow_null=True)
    expected_date_of_birth = serializers.DateField(allow_null=True)
    sex = CodeField(Sex)
    sex_label = LabelField(source="get_sex_display")
    ethnicity = CodeField(Ethnicity, allow_null=True)
    ethnicity_label = LabelField(source="get_ethnicity_display")


class ChildSearchQuerySerializer(serializers.Serializer):
    q = Text(
        max_length=200,
        allow_blank=True,
        help_text="Name, date of birth (31/12/2019), identifier (MAC0000123), NHS number or UPN.",
    )


class ChildSearchSerializer(serializers.Serializer):
    results = ChildSerializer(many=True)


class PersonInSerializer(serializers.Serializer):
    given_name = Text(max_length=100, allow_blank=True)
    family_name = Text(max_length=100, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    expected_date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="For an unborn child, instead of a date of birth."
    )
    sex = CodeField(Sex)
    ethnicity = CodeField(Ethnicity, required=False, allow_null=True, default=None)


class AdultInSerializer(PersonInSerializer):
    relationship = CodeField(RelationshipKind, help_text="What this adult is to each child of the household.")


# Contacts ----------------------------------------------------------------------------------------------------


class ContactCreateSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    address = Text(max_length=300, allow_blank=True)
    postcode = Text(max_length=10, allow_blank=True, required=False, default="")
    children = PersonInSerializer(many=True)
    adults = AdultInSerializer(many=True, required=False, default=list)
    referrer_name = Text(max_length=200, allow_blank=True)
    referrer_role = Text(max_length=200, allow_blank=True, required=False, default="")
    referral_source = CodeField(ReferralSource)
    concern = Text(allow_blank=True, help_text="The concern, in the referrer's words.")
    urgency = CodeField(Urgency)


class ContactDecisionSerializer(serializers.Serializer):
    outcome = CodeField(ContactOutcome)
    reasons = Text(allow_blank=True)
    decided_on = serializers.DateField()


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()
    address = Text(source="household.address", allow_null=True)
    postcode = Text(source="household.postcode", allow_null=True)
    children = ChildSerializer(many=True, source="children.all")
    referrer_name = Text()
    referrer_role = Text()
    referral_source = CodeField(ReferralSource)
    referral_source_label = LabelField(source="get_referral_source_display")
    concern = Text()
    urgency = CodeField(Urgency)
    urgency_label = LabelField(source="get_urgency_display")
    team = Text(source="team.name")
    outcome = CodeField(ContactOutcome, allow_null=True, help_text="Null until the contact is decided.")
    outcome_label = LabelField(source="get_outcome_display")
    outcome_reasons = Text()
    decided_on = serializers.DateField(allow_null=True)
    referral_ids = serializers.SerializerMethodField(help_text="The referrals this contact's decision opened.")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_referral_ids(self, contact: Any) -> list[int]:
        return sorted(r.pk for r in contact.referrals.all())


# Referrals ---------------------------------------------------------------------------------------------------


class ReferralCreateSerializer(serializers.Serializer):
    child_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    received_on = serializers.DateField()
    source = CodeField(ReferralSource)  # type: ignore[assignment]  # a field named like a Field attribute


class ReferralDecisionSerializer(serializers.Serializer):
    decision = CodeField(ReferralDecision)
    reasons = Text(allow_blank=True)
    decided_on = serializers.DateField()


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    contact_id = serializers.IntegerField(allow_null=True)
    received_on = serializers.DateField()
    source = CodeField(ReferralSource)  # type: ignore[assignment]  # a field named like a Field attribute
    source_label = LabelField(source="get_source_display")
    primary_need = CodeField(PrimaryNeed)
    primary_need_label = LabelField(source="get_primary_need_display")
    team = Text(source="team.name")
    allocated_worker = Text(source="allocated_worker.display_name", allow_null=True)
    decision = CodeField(ReferralDecision, allow_null=True, help_text="Null until a manager decides the referral.")
    decision_label = LabelField(source="get_decision_display")
    decision_reasons = Text()
    decided_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    closure_reason = CodeField(ReasonForClosure, allow_null=True)
    closure_reason_label = LabelField(source="get_closure_reason_display")


# A child's case ----------------------------------------------------------------------------------------------


class ClockSerializer(serializers.Serializer):
    key = Text(
        help_text="referral_decision, assessment, initial_conference, first_core_group, first_review_conference, "
        "review_conference, statutory_visit"
    )
    label = Text()  # type: ignore[assignment]  # a field named like a Field attribute
    started_on = serializers.DateField()
    due_on = serializers.DateField()
    met_on = serializers.DateField(allow_null=True)
    status = CodeField(ClockStatus)
    status_label = LabelField(source="status.label")


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_on = serializers.DateField()
    authorised_on = serializers.DateField(allow_null=True)
    outcome = CodeField(AssessmentOutcome, allow_null=True)
    outcome_label = LabelField(source="get_outcome_display")
    factors = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=CodeField(AssessmentFactor)))
    def get_factors(self, assessment: Any) -> list[str]:
        return sorted(f.code for f in assessment.factors.all())


class CinPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class ParticipantSerializer(serializers.Serializer):
    name = Text()
    role = Text()
    agency_kind = CodeField(ParticipantAgency)
    agency_kind_label = LabelField(source="get_agency_kind_display")


class S47Serializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_on = serializers.DateField()
    joint_with_police = serializers.BooleanField()
    child_seen_on = serializers.DateField(allow_null=True)
    child_seen_alone = serializers.BooleanField(allow_null=True)
    outcome = CodeField(S47Outcome, allow_null=True)
    outcome_label = LabelField(source="get_outcome_display")
    completed_on = serializers.DateField(allow_null=True)


class StrategyDiscussionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    decision = CodeField(StrategyDecision)
    decision_label = LabelField(source="get_decision_display")
    immediate_protection = CodeField(ImmediateProtection)
    immediate_protection_label = LabelField(source="get_immediate_protection_display")
    participants = ParticipantSerializer(many=True, source="participants.all")
    s47 = S47Serializer(allow_null=True, help_text="The section 47 enquiry the discussion started, if any.")


class ConferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = CodeField(ConferenceKind)
    kind_label = LabelField(source="get_kind_display")
    held_on = serializers.DateField()
    chair = Text(source="chair.display_name")
    family_attended = serializers.BooleanField()
    decision = CodeField(ConferenceDecision)
    decision_label = LabelField(source="get_decision_display")
    category = CodeField(CategoryOfAbuse, allow_null=True)
    category_label = LabelField(source="get_category_display")
    s47_id = serializers.IntegerField(allow_null=True)
    plan_id = serializers.IntegerField(allow_null=True)


class CpPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = CodeField(PlanEndReason, allow_null=True)
    end_reason_label = LabelField(source="get_end_reason_display")
    initial_category = CodeField(CategoryOfAbuse)
    initial_category_label = LabelField(source="get_initial_category_display")
    latest_category = CodeField(CategoryOfAbuse)
    latest_category_label = LabelField(source="get_latest_category_display")
    core_group_dates = serializers.SerializerMethodField()
    visit_dates = serializers.SerializerMethodField(help_text="Statutory visits in which the child was seen.")
    review_dates = serializers.SerializerMethodField(help_text="Review conferences held.")

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_core_group_dates(self, plan: Any) -> list[str]:
        return _dates(m.held_on for m in plan.core_groups.all())

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_visit_dates(self, plan: Any) -> list[str]:
        return _dates(v.visited_on for v in plan.visits.all() if v.child_seen)

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_review_dates(self, plan: Any) -> list[str]:
        return _dates(c.held_on for c in plan.conferences.all() if c.kind == ConferenceKind.REVIEW)


class ReferralPathwaySerializer(ReferralSerializer):
    assessments = AssessmentSerializer(many=True, source="assessments.all")
    cin_plans = CinPlanSerializer(many=True, source="cin_plans.all")
    strategy_discussions = StrategyDiscussionSerializer(many=True, source="strategy_discussions.all")
    conferences = ConferenceSerializer(many=True, source="conferences.all")
    cp_plans = CpPlanSerializer(many=True, source="cp_plans.all")


class ChildCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="child.pk")
    identifier = Text(source="child.la_child_id", help_text="The local authority's child identifier.")
    given_name = Text(source="child.given_name")
    family_name = Text(source="child.family_name")
    known_as = Text(source="child.known_as")
    date_of_birth = serializers.DateField(source="child.date_of_birth", allow_null=True)
    expected_date_of_birth = serializers.DateField(source="child.expected_date_of_birth", allow_null=True)
    sex = CodeField(Sex, source="child.sex")
    sex_label = LabelField(source="child.get_sex_display")
    ethnicity = CodeField(Ethnicity, source="child.ethnicity", allow_null=True)
    ethnicity_label = LabelField(source="child.get_ethnicity_display")
    stage = Text(help_text="Where the child is on the pathway, in plain English.")
    clocks = ClockSerializer(many=True, help_text="The statutory clocks of the current referral, in pathway order.")
    referrals = serializers.SerializerMethodField(help_text="Every referral (episode), the current one first.")

    @extend_schema_field(ReferralPathwaySerializer(many=True))
    def get_referrals(self, case: Any) -> Any:
        current = [case.current] if case.current is not None else []
        ordered = current + [r for r in case.referrals if r is not case.current]
        return ReferralPathwaySerializer(ordered, many=True, context=self.context).data


# Information requests to agencies (macpu.mash) ----------------------------------------------------------------


class RequestPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    given_name = Text()
    family_name = Text()
    date_of_birth = serializers.DateField(allow_null=True)
    sex = CodeField(Sex)


class ItemSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    nothing_known = serializers.BooleanField()
    occurred_on = serializers.DateField(allow_null=True)
    kind = CodeField(ItemKind, allow_null=True)
    summary = Text()
    source_reference = Text()
    lawful_basis = CodeField(LawfulBasis, allow_null=True)
    disclosure = CodeField(Disclosure, allow_null=True)
    disclosure_reason = Text()
    restricted_to = serializers.ListField(child=Text(), help_text="The roles who may see a restricted item.")


class StrategyInvitationSerializer(serializers.Serializer):
    meeting_at = serializers.DateTimeField(help_text="When the strategy discussion is, or was, to be held.")
    held = serializers.BooleanField(help_text="Whether the discussion has been recorded.")


class InformationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = Text(source="agency.name")
    people = RequestPersonSerializer(many=True, source="people.all")
    address = Text(source="contact.household.address", default="")
    question = Text()
    rag = CodeField(Rag)
    rag_rationale = Text()
    sent_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    items = ItemSerializer(many=True, source="items.all", help_text="Your agency's answer, once sent.")
    strategy_discussions = StrategyInvitationSerializer(
        many=True,
        source="strategy_invitations.all",
        help_text="Strategy discussions your agency is invited to, for which this request gathers its information.",
    )


class RequestListSerializer(serializers.Serializer):
    results = InformationRequestSerializer(many=True)


class ItemInSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(help_text="One of the request's people.")
    nothing_known = serializers.BooleanField(default=False)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    kind = CodeField(ItemKind, required=False, allow_blank=True, default="")
    summary = Text(required=False, allow_blank=True, default="", max_length=5000)
    source_reference = Text(required=False, allow_blank=True, default="", max_length=100)
    lawful_basis = CodeField(LawfulBasis, required=False, allow_blank=True, default="")
    disclosure = CodeField(Disclosure, required=False, allow_blank=True, default="")
    disclosure_reason = Text(required=False, allow_blank=True, default="", max_length=5000)
    restricted_to = serializers.ListField(child=CodeField(Role), required=False, default=list, max_length=20)


class AnswerInSerializer(serializers.Serializer):
    items = ItemInSerializer(
        many=True, help_text="For every person asked about: one item with nothing_known, or one item or more."
    )
