"""API views: parse with a serializer, call the service (writes) or selector (reads), shape the answer.

A service's ValidationError becomes ``400 {"errors": {"field": ["message"]}}``, with the service's field names
translated to the request's (``child_0_sex`` is ``children.0.sex`` here). Anything the user cannot see, or that
does not exist, is the same ``404 {"detail": "Not found."}``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, TypeVar, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from macpu.access import audit
from macpu.agencies.models import Team, User
from macpu.api import serializers as s
from macpu.intake.selectors import contact_get, referral_get
from macpu.intake.services import (
    contact_decide,
    contact_with_household_record,
    may_record_contact,
    referral_create,
    referral_decide,
)
from macpu.mash.models import InformationRequest
from macpu.mash.selectors import agency_requests
from macpu.mash.services import Item, information_answer
from macpu.people.selectors import person_get, person_search
from macpu.people.services import PersonDetails
from macpu.protection.selectors import child_case

NON_FIELD = "non_field_errors"

NOT_FOUND = OpenApiResponse(s.DetailSerializer, description="Not found, or not visible to you: the two look alike.")
NOT_SIGNED_IN = OpenApiResponse(
    s.DetailSerializer, description="No API key or session, or an API key that is unknown, revoked or expired."
)
FORBIDDEN = OpenApiResponse(s.DetailSerializer, description="Not allowed (or, in a browser, not signed in).")
INVALID = OpenApiResponse(s.ErrorsSerializer, description="The request broke a rule; each message names its field.")


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as one flat dict: {"children.0.sex": ["..."]}."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = prefix if key == NON_FIELD and prefix else (f"{prefix}.{key}" if prefix else str(key))
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        out = {}
        for i, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix or NON_FIELD: [str(detail)]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Rule breaks and unparseable input answer 400 with {"errors": ...}; the rest as DRF answers them."""
    if isinstance(exc, DjangoValidationError):
        view = context["view"]
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response({"errors": {view.request_field(key): messages for key, messages in errors.items()}}, 400)
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        return Response({"errors": _flatten(exc.detail)}, 400)
    return exception_handler(exc, context)


class DrfAuthenticates:
    """DRF authenticates API requests itself and answers 401/403 in JSON, so Django's login redirect is off."""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))  # type: ignore[misc]


class Schema(DrfAuthenticates, SpectacularAPIView):
    """The OpenAPI 3 schema, for signed-in users and partner systems."""

    permission_classes = (IsAuthenticated,)


class ApiView(DrfAuthenticates, APIView):
    """JSON in, JSON out, signed-in users only."""

    permission_classes = (IsAuthenticated,)
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)
    # A service's field name -> the request's: exact names, then patterns (re.sub replacements).
    service_fields: ClassVar[dict[str, str]] = {}
    service_field_patterns: tuple[tuple[str, str], ...] = ()

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @classmethod
    def request_field(cls, name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return NON_FIELD
        if name in cls.service_fields:
            return cls.service_fields[name]
        for pattern, replacement in cls.service_field_patterns:
            if re.fullmatch(pattern, name):
                return re.sub(pattern, replacement, name)
        return name

    def parse(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @property
    def actor(self) -> User:
        """The signed-in user (IsAuthenticated has let only them through)."""
        return cast(User, self.request.user)

    def recording_team(self) -> Team:
        """The user's team, for a new contact or referral. The services refuse anyone else as a broken rule; here
        they are refused as a request (403) before anything is read."""
        if not may_record_contact(self.actor):
            raise exceptions.PermissionDenied("Only unit staff in a team can record contacts and referrals.")
        return cast(Team, self.actor.team)


T = TypeVar("T")


def _found(record: T | None) -> T:
    """The record, or 404: what the user may not see answers as what does not exist."""
    if record is None:
        raise exceptions.NotFound()
    return record


def _person(data: dict[str, Any]) -> PersonDetails:
    return PersonDetails(
        given_name=data["given_name"],
        family_name=data["family_name"],
        sex=data["sex"],
        date_of_birth=data["date_of_birth"],
        expected_date_of_birth=data["expected_date_of_birth"],
        ethnicity=data["ethnicity"] or "",
    )


class ContactCreate(ApiView):
    service_field_patterns = ((r"child_(\d+)_(\w+)", r"children.\1.\2"), (r"adult_(\d+)_(\w+)", r"adults.\1.\2"))

    @extend_schema(
        operation_id="contact_create",
        summary="Record a contact with its household",
        description="Records the household (its children, its adults and how each adult is related to the "
        "children) and the contact about the children, together or not at all. The contact belongs to your team.",
        request=s.ContactCreateSerializer,
        responses={201: s.ContactSerializer, 400: INVALID, 401: NOT_SIGNED_IN, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        team = self.recording_team()
        data = self.parse(s.ContactCreateSerializer)
        adults = data["adults"]
        contact = contact_with_household_record(
            actor=self.actor,
            now=timezone.now(),
            household={
                "address": data["address"],
                "postcode": data["postcode"],
                "children": [_person(c) for c in data["children"]],
                "adults": [_person(a) for a in adults],
                "adult_relationships": [a["relationship"] for a in adults],
            },
            team=team,
            received_on=data["received_on"],
            referrer_name=data["referrer_name"],
            referrer_role=data["referrer_role"],
            referral_source=data["referral_source"],
            concern=data["concern"],
            urgency=data["urgency"],
        )
        return Response(
            s.ContactSerializer(_found(contact_get(user=self.actor, contact_id=contact.pk))).data, status=201
        )


class ContactDetail(ApiView):
    @extend_schema(
        operation_id="contact_get",
        summary="A contact",
        responses={200: s.ContactSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.ContactSerializer(_found(contact_get(user=self.actor, contact_id=pk))).data)


class ContactDecision(ApiView):
    @extend_schema(
        operation_id="contact_decide",
        summary="Decide what happens after a contact",
        description="A decision to refer opens a referral for each child; their ids are in `referral_ids`.",
        request=s.ContactDecisionSerializer,
        responses={200: s.ContactSerializer, 400: INVALID, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        contact = _found(contact_get(user=self.actor, contact_id=pk))
        data = self.parse(s.ContactDecisionSerializer)
        contact_decide(
            actor=self.actor,
            now=timezone.now(),
            contact=contact,
            outcome=data["outcome"],
            reasons=data["reasons"],
            decided_on=data["decided_on"],
        )
        return Response(s.ContactSerializer(_found(contact_get(user=self.actor, contact_id=pk))).data)


class ReferralCreate(ApiView):
    service_fields: ClassVar[dict[str, str]] = {"child": "child_id"}

    @extend_schema(
        operation_id="referral_create",
        summary="Record a referral received directly",
        description="For a child already known to the unit. The referral belongs to your team.",
        request=s.ReferralCreateSerializer,
        responses={201: s.ReferralSerializer, 400: INVALID, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        team = self.recording_team()
        data = self.parse(s.ReferralCreateSerializer)
        child = _found(person_get(user=self.actor, person_id=data["child_id"]))
        referral = referral_create(
            actor=self.actor,
            now=timezone.now(),
            child=child,
            received_on=data["received_on"],
            source=data["source"],
            team=team,
        )
        return Response(
            s.ReferralSerializer(_found(referral_get(user=self.actor, referral_id=referral.pk))).data, status=201
        )


class ReferralDecision(ApiView):
    @extend_schema(
        operation_id="referral_decide",
        summary="A manager's decision on a referral",
        description="No further action closes the episode on the decision date.",
        request=s.ReferralDecisionSerializer,
        responses={200: s.ReferralSerializer, 400: INVALID, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = _found(referral_get(user=self.actor, referral_id=pk))
        data = self.parse(s.ReferralDecisionSerializer)
        referral_decide(
            actor=self.actor,
            now=timezone.now(),
            referral=referral,
            decision=data["decision"],
            reasons=data["reasons"],
            decided_on=data["decided_on"],
        )
        return Response(s.ReferralSerializer(_found(referral_get(user=self.actor, referral_id=pk))).data)


class ChildSearch(ApiView):
    @extend_schema(
        operation_id="child_search",
        summary="Find children",
        description="The search is sent in the body, never in the address, so names and dates of birth stay out "
        "of server and proxy logs.",
        request=s.ChildSearchQuerySerializer,
        responses={200: s.ChildSearchSerializer, 400: INVALID, 401: NOT_SIGNED_IN, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        people = person_search(user=self.actor, query=self.parse(s.ChildSearchQuerySerializer)["q"])
        return Response(s.ChildSearchSerializer({"results": people}).data)


class ChildDetail(ApiView):
    @extend_schema(
        operation_id="child_case",
        summary="A child's case: where they are on the pathway, their clocks, every referral",
        responses={200: s.ChildCaseSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        case = _found(child_case(user=self.actor, child_id=pk, today=timezone.localdate(timezone.now())))
        return Response(s.ChildCaseSerializer(case).data)


class RequestList(ApiView):
    @extend_schema(
        operation_id="request_list",
        summary="Your agency's open information requests",
        description="The requests the unit has sent to your agency that still wait for an answer, soonest due first.",
        responses={200: s.RequestListSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        found = list(agency_requests(self.actor).filter(answered_at__isnull=True).order_by("due_at", "pk"))
        audit.seen(c for r in found for c in r.contact.children.values_list("pk", flat=True))
        return Response(s.RequestListSerializer({"results": found}).data)


def _agency_request(user: User, pk: int) -> InformationRequest:
    found = _found(agency_requests(user).filter(pk=pk).first())
    audit.seen(found.contact.children.values_list("pk", flat=True))
    return found


class RequestDetail(ApiView):
    @extend_schema(
        operation_id="request_get",
        summary="One information request to your agency, with your answer once sent",
        responses={200: s.InformationRequestSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.InformationRequestSerializer(_agency_request(self.actor, pk)).data)


class RequestAnswer(ApiView):
    service_field_patterns = ((r"item_(\d+)_(\w+)", r"items.\1.\2"),)

    @extend_schema(
        operation_id="request_answer",
        summary="Answer an information request to your agency",
        description="For every person asked about: an item with `nothing_known`, or one or more items, each with "
        "its date, kind, summary, lawful basis and who may see it. All or nothing: a broken rule saves nothing.",
        request=s.AnswerInSerializer,
        responses={
            200: s.InformationRequestSerializer,
            400: INVALID,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        asked = _agency_request(self.actor, pk)
        data = self.parse(s.AnswerInSerializer)
        people = {p.pk: p for p in asked.people.all()}
        unknown = [i for i, item in enumerate(data["items"]) if item["person_id"] not in people]
        if unknown:
            raise exceptions.ValidationError(
                {"items": {i: {"person_id": ["Answer only about the people you were asked about."]} for i in unknown}}
            )
        items = [
            Item(person=people[item["person_id"]], **{k: v for k, v in item.items() if k != "person_id"})
            for item in data["items"]
        ]
        answered = information_answer(actor=self.actor, now=timezone.now(), request=asked, items=items)
        return Response(s.InformationRequestSerializer(answered).data)


@extend_schema(exclude=True)
class NoSuchAddress(ApiView):
    """Any /api/v1/ address no route matches (/api/v1/contacts/abc/) answers like a record that does not exist: a
    JSON 404 (or 401/403 to someone not signed in), never an HTML page."""

    def dispatch_any(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound

    get = post = put = patch = delete = dispatch_any
