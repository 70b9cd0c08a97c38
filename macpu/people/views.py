"""Pages for the review queue of possible matches, and for merging and unmerging people (issue #6).

Only children's social care staff review (core.services.STEP_ROLES): the role is checked before anything is
read, then every pair and merge comes through people.selectors, whose scope filter shows a pair only to those who
may see everyone in it. What the page shows of a pair is the stored score and each field's part in it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from macpu.agencies.models import User
from macpu.core.forms import add_service_errors
from macpu.core.services import may_record
from macpu.people import selectors, services, waterfall
from macpu.people.forms import DecisionForm, MergeForm, UnmergeForm
from macpu.people.models import AgencyRecord, Person, PersonMerge, ReviewDecision, ReviewKind, ReviewPair


def _reviewer(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not may_record(user, "review_pair_decide"):
        raise PermissionDenied
    return user


def review_list(request: HttpRequest) -> HttpResponse:
    user = _reviewer(request)
    pairs = selectors.review_queue(user=user)
    rows = [{"pair": p, "sides": _sides(p), "probability": waterfall.percentage(p.match_probability)} for p in pairs]
    return render(request, "people/review_list.html", {"rows": rows})


def _side(person: Person | None = None, record: AgencyRecord | None = None) -> dict[str, Any]:
    """One record of a pair, as the page shows it: its details and where it came from."""
    if person is not None:
        household = person.households.order_by("-created_at", "-pk").first()
        return {
            "kind": "person",
            "title": person.full_name,
            "person": person,
            "first_name": person.given_name,
            "surname": person.family_name,
            "date_of_birth": person.date_of_birth,
            "sex": person.get_sex_display(),
            "address": household.address if household else "",
            "postcode": household.postcode if household else "",
            "nhs_number": person.nhs_number,
            "source": f"The unit's person index ({person.la_child_id})",
        }
    assert record is not None  # noqa: S101 - a side is a person or a record
    return {
        "kind": "record",
        "title": f"{record.first_name} {record.surname}".strip(),
        "record": record,
        "first_name": record.first_name,
        "surname": record.surname,
        "date_of_birth": record.date_of_birth,
        "sex": record.get_sex_display(),
        "address": record.address,
        "postcode": record.postcode,
        "nhs_number": record.nhs_number,
        "source": f"{record.agency} ({record.system})",
        "linked_to": record.person,
    }


def _sides(pair: ReviewPair) -> list[dict[str, Any]]:
    if pair.kind == ReviewKind.PERSON_PERSON:
        return [_side(person=pair.person), _side(person=pair.other_person)]
    if pair.kind == ReviewKind.RECORD_RECORD:
        return [_side(record=pair.record), _side(record=pair.other_record)]
    return [_side(record=pair.record), _side(person=pair.person)]


def _pair(request: HttpRequest, pk: int) -> tuple[User, ReviewPair]:
    user = _reviewer(request)
    pair = selectors.review_pair_get(user=user, pair_id=pk)
    if pair is None:
        raise Http404
    return user, pair


def review_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Both records side by side, why they may be the same person, and the decision."""
    user, pair = _pair(request, pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        same = form.cleaned_data["decision"] == "same"
        try:
            services.review_pair_decide(
                actor=user, now=timezone.now(), pair=pair, same=same, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if same and pair.kind == ReviewKind.PERSON_PERSON:
                messages.success(request, "Decided: they are the same person. Now choose which record to keep.")
                return redirect("review-merge", pk=pair.pk)
            if same:
                messages.success(request, f"Decided: the agency record is {pair.person.full_name}'s")
            else:
                messages.success(request, "Decided: they are different people. They will not be suggested again")
            return redirect("review-queue")
    steps = waterfall.steps(pair.prior_weight, pair.comparisons)
    context = {
        "pair": pair,
        "sides": _sides(pair),
        "form": form,
        "steps": steps,
        "chart": waterfall.chart(steps),
        "probability": waterfall.percentage(pair.match_probability),
        "prior": waterfall.percentage(waterfall.probability(pair.prior_weight)),
        "merge": pair.merges.filter(unmerged_at__isnull=True).first(),
        "may_merge": pair.kind == ReviewKind.PERSON_PERSON and pair.decision == ReviewDecision.SAME,
    }
    return render(request, "people/review_pair.html", context)


def review_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge two people decided to be one: choose the record to keep."""
    user, pair = _pair(request, pk)
    merged = pair.merges.filter(unmerged_at__isnull=True).exists()
    if pair.kind != ReviewKind.PERSON_PERSON or pair.decision != ReviewDecision.SAME or merged:
        raise Http404
    people = [p for p in (pair.person, pair.other_person) if p is not None]
    form = MergeForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        keep = next(p for p in people if p.pk == form.cleaned_data["keep"])
        other = next(p for p in people if p.pk != keep.pk)
        try:
            services.people_merge(
                actor=user, now=timezone.now(), keep=keep, merge=other, reason=form.cleaned_data["reason"], pair=pair
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{other.full_name}'s record was merged into this one")
            return redirect("child-detail", pk=keep.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": "Merge the two records",
            "caption": " and ".join(p.full_name for p in people),
            "intro": "Everything recorded about either of them will be on one record.",
            "back_url": reverse("review-pair", args=[pair.pk]),
            "submit_text": "Merge the records",
        },
    )


def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a merge: the merged person's records go back to them."""
    user = _reviewer(request)
    merge: PersonMerge | None = selectors.merge_get(user=user, merge_id=pk)
    if merge is None or merge.unmerged_at is not None:
        raise Http404
    form = UnmergeForm(request.POST if request.method == "POST" else None)
    kept, merged = merge.kept.full_name, merge.merged.full_name
    if request.method == "POST" and form.is_valid():
        try:
            services.people_unmerge(
                actor=user, now=timezone.now(), merge_record=merge, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The merge was undone: {merge.merged.full_name} has their own record again")
            return redirect("child-detail", pk=merge.merged_id)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": f"Undo the merge of {merge.merged.full_name}'s record",
            "caption": f"Merged into {kept}'s record on {timezone.localtime(merge.merged_at):%-d %B %Y}",
            "intro": f"What the merge moved to {kept}'s record goes back to {merged}'s: {len(merge.moved)} records "
            "and links.",
            "back_url": reverse("child-detail", args=[merge.kept_id]),
            "submit_text": "Undo the merge",
        },
    )
