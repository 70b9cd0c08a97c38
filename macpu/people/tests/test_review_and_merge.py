"""Deciding possible matches (services.review_pair_decide), and merging and unmerging people (people_merge,
people_unmerge): every agency record and its provenance kept, exactly what moved moved back, each step audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from macpu.access.models import AuditEvent, AuditSubject
from macpu.agencies.models import Role
from macpu.intake.models import Contact, Referral
from macpu.intake.services import contact_decide
from macpu.people.models import (
    AgencyRecord,
    Household,
    Person,
    PersonMerge,
    Relationship,
    RelationshipKind,
    ReviewDecision,
)
from macpu.people.services import people_merge, people_unmerge, review_pair_decide
from tests.agency_records import agency_record, linkage_run, review_pair
from tests.factories import PersonFactory, UserFactory, aware, police_notification

pytestmark = pytest.mark.django_db
NOW = aware(2026, 3, 4, 10)


@pytest.fixture
def police_officer(db):
    return UserFactory(username="pc", role=Role.POLICE_OFFICER)


def provenance(records) -> dict[int, tuple]:
    return {
        r.pk: (r.agency_id, r.system, r.record_id, r.extracted_at, r.record_import_id, r.first_name, r.surname)
        for r in AgencyRecord.objects.filter(pk__in=[r.pk for r in records])
    }


# --- deciding a pair -----------------------------------------------------------------------------------------


def test_confirming_a_pair_links_the_agency_record_to_the_person_for_good(social_worker):
    ava = PersonFactory(given_name="Ava", family_name="Sample")
    record = agency_record(social_worker, first_name="Avah")
    before = provenance([record])
    pair = review_pair(ava, record=record)

    review_pair_decide(actor=social_worker, now=NOW, pair=pair, same=True, reason="Same NHS number at the GP.")

    record.refresh_from_db()
    pair.refresh_from_db()
    assert (record.person, record.link_confirmed_by, record.link_confirmed_at) == (ava, social_worker, NOW)
    assert provenance([record]) == before
    assert (pair.decision, pair.decided_by, pair.decided_at, pair.decision_reason) == (
        ReviewDecision.SAME,
        social_worker,
        NOW,
        "Same NHS number at the GP.",
    )
    event = AuditEvent.objects.get(what="review-pair-decide")
    assert event.reason.startswith("The same person: Demo police police system record N-1 and Ava Sample (MAC")
    assert event.reason.endswith("Reason: Same NHS number at the GP.")
    assert list(AuditSubject.objects.filter(event=event).values_list("person_id", flat=True)) == [ava.pk]


def test_rejecting_a_pair_unlinks_what_linkage_linked_and_keeps_the_decision(social_worker):
    ava = PersonFactory(given_name="Ava", family_name="Sample")
    run = linkage_run()
    record = agency_record(social_worker)
    AgencyRecord.objects.filter(pk=record.pk).update(person=ava, linked_by_run=run)
    pair = review_pair(ava, record=record, run=run)

    review_pair_decide(actor=social_worker, now=NOW, pair=pair, same=False)

    record.refresh_from_db()
    pair.refresh_from_db()
    assert record.person is None and record.linked_by_run is None
    assert pair.decision == ReviewDecision.DIFFERENT
    assert AuditEvent.objects.get(what="review-pair-decide").reason.startswith("Different people: ")


def test_a_pair_is_decided_once(social_worker, manager):
    pair = review_pair(PersonFactory(), record=agency_record(social_worker))
    review_pair_decide(actor=social_worker, now=NOW, pair=pair, same=False)

    with pytest.raises(ValidationError) as refused:
        review_pair_decide(actor=manager, now=NOW, pair=pair, same=True)

    assert refused.value.messages == [
        "This pair was already decided: Sam Worker decided on 4 March 2026 at 10:00 that they are different people."
    ]
    pair.refresh_from_db()
    assert pair.decided_by == social_worker


def test_only_childrens_social_care_may_decide_a_pair(police_officer):
    record = agency_record(police_officer)
    pair = review_pair(PersonFactory(), record=record)

    with pytest.raises(ValidationError) as refused:
        review_pair_decide(actor=police_officer, now=NOW, pair=pair, same=True)

    assert refused.value.messages == [
        "Only children's social care staff can decide whether two records are about the same person."
    ]
    record.refresh_from_db()
    assert record.person is None and not AuditEvent.objects.filter(what="review-pair-decide").exists()


def test_a_record_confirmed_as_someone_elses_cannot_be_confirmed_again(social_worker):
    ava, eva = PersonFactory(given_name="Ava"), PersonFactory(given_name="Eva")
    record = agency_record(social_worker)
    review_pair_decide(actor=social_worker, now=NOW, pair=review_pair(ava, record=record), same=True)

    with pytest.raises(ValidationError) as refused:
        review_pair_decide(actor=social_worker, now=NOW, pair=review_pair(eva, record=record), same=True)

    assert refused.value.messages[0].startswith("This agency record was confirmed as Ava Example's record on 4 March")
    record.refresh_from_db()
    assert record.person == ava


# --- merge and unmerge ------------------------------------------------------------------------------------------


def duplicates(social_worker, team):
    """Ava Sample recorded twice: two police notifications, two households, each with her mother Jo; an agency
    record of each, and a possible match between the two people that a practitioner decided is one person."""
    first = police_notification(social_worker, team, NOW - dt.timedelta(days=30), child="Ava")
    second = police_notification(social_worker, team, NOW - dt.timedelta(days=2), child="Avah", with_kai=False)
    keep, merge = first.children.get(), second.children.get()
    records = [
        agency_record(social_worker, source="school", record_id="S-1"),
        agency_record(social_worker, source="health", record_id="H-1"),
        agency_record(social_worker, source="police", record_id="P-7"),
    ]
    AgencyRecord.objects.filter(pk=records[0].pk).update(person=keep)
    AgencyRecord.objects.filter(pk__in=[records[1].pk, records[2].pk]).update(person=merge)
    pair = review_pair(keep, other_person=merge)
    review_pair_decide(actor=social_worker, now=NOW, pair=pair, same=True)
    return keep, merge, records, pair


def test_merging_moves_every_agency_record_with_its_provenance_and_unmerging_moves_them_back(social_worker, team):
    keep, merge, records, pair = duplicates(social_worker, team)
    before = provenance(records)
    merge_contact = Contact.objects.get(children=merge)
    merge_household = merge.households.get()
    mothers = {r.relative_id for r in Relationship.objects.filter(person=merge)}

    merged = people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="One girl.", pair=pair)

    merge.refresh_from_db()
    assert merge.merged_into == keep
    assert set(keep.agency_records.all()) == set(records) and not merge.agency_records.exists()
    assert provenance(records) == before
    assert merge_contact.children.get() == keep
    assert set(merge_household.members.filter(pk__in=[keep.pk, merge.pk])) == {keep}
    assert {r.relative_id for r in Relationship.objects.filter(person=keep)} >= mothers
    assert {(m["model"], m["field"]) for m in merged.moved} >= {
        ("people.agencyrecord", "person"),
        ("intake.contact_children", "person"),
        ("people.household_members", "person"),
        ("people.relationship", "person"),
    }
    event = AuditEvent.objects.get(what="people-merge")
    assert "Avah Sample" in event.reason and "merged into Ava Sample" in event.reason
    assert "2 agency records" in event.reason and event.reason.endswith("Reason: One girl.")
    assert set(AuditSubject.objects.filter(event=event).values_list("person_id", "basis")) == {
        (keep.pk, "Kept in a merge"),
        (merge.pk, "Merged into another record"),
    }

    people_unmerge(actor=social_worker, now=NOW + dt.timedelta(hours=1), merge_record=merged, reason="Not her.")

    merge.refresh_from_db()
    merged.refresh_from_db()
    pair.refresh_from_db()
    assert merge.merged_into is None
    assert set(merge.agency_records.all()) == set(records[1:]) and set(keep.agency_records.all()) == {records[0]}
    assert provenance(records) == before
    assert merge_contact.children.get() == merge
    assert set(merge_household.members.filter(pk__in=[keep.pk, merge.pk])) == {merge}
    assert {r.relative_id for r in Relationship.objects.filter(person=merge)} == mothers
    assert (merged.unmerged_by, merged.unmerge_reason) == (social_worker, "Not her.")
    assert pair.decision == ReviewDecision.PENDING  # back in the queue to decide again
    unmerge_event = AuditEvent.objects.get(what="people-unmerge")
    assert f"{len(merged.moved)} rows moved back." in unmerge_event.reason


def test_a_row_the_kept_person_already_has_stays_with_the_merged_person(social_worker):
    keep, merge = PersonFactory(given_name="Ava"), PersonFactory(given_name="Avah")
    home = Household.objects.create(address="3 Ava Street", postcode="ZZ3 3ZZ")
    home.members.add(keep, merge)

    merged = people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="")

    assert not [m for m in merged.moved if m["model"] == "people.household_members"]
    assert set(home.members.all()) == {keep, merge}
    people_unmerge(actor=social_worker, now=NOW, merge_record=merged)
    assert set(home.members.all()) == {keep, merge}


def test_a_merge_that_would_give_one_person_two_different_relationships_to_the_same_relative_is_refused(
    social_worker,
):
    keep, merge, mother = PersonFactory(given_name="Ava"), PersonFactory(given_name="Avah"), PersonFactory()
    Relationship.objects.create(person=keep, relative=mother, kind=RelationshipKind.PARENT)
    Relationship.objects.create(person=merge, relative=mother, kind=RelationshipKind.CARER)
    record = agency_record(social_worker)
    AgencyRecord.objects.filter(pk=record.pk).update(person=merge)

    with pytest.raises(ValidationError) as refused:
        people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="")

    assert refused.value.messages == [
        "Both Avah Example and Ava Example have relationships that only one person may have (relationship once): "
        "close or correct one of them first, then merge."
    ]
    merge.refresh_from_db()
    assert merge.merged_into is None and not PersonMerge.objects.exists()
    assert AgencyRecord.objects.get(pk=record.pk).person == merge


def test_two_people_recorded_as_each_others_relatives_cannot_be_merged(social_worker):
    keep, merge = PersonFactory(given_name="Ava"), PersonFactory(given_name="Eva")
    Relationship.objects.create(person=keep, relative=merge, kind=RelationshipKind.SIBLING)

    with pytest.raises(ValidationError) as refused:
        people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="")

    assert refused.value.messages == [
        "Eva Example and Ava Example are recorded in each other's relationships: a person cannot be their own. "
        "Correct that record first if they are one person."
    ]


def test_two_open_cases_stop_a_merge_until_one_is_closed(social_worker, manager, team):
    keep, merge, _, pair = duplicates(social_worker, team)
    for person in (keep, merge):
        contact = Contact.objects.filter(children=person).latest("pk")
        contact_decide(
            actor=social_worker,
            now=NOW,
            contact=contact,
            outcome="referral",
            reasons="Concern.",
            decided_on=NOW.date(),
        )
    assert Referral.objects.filter(child__in=[keep, merge], closed_on__isnull=True).count() == 2

    with pytest.raises(ValidationError) as refused:
        people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="", pair=pair)

    assert len(refused.value.messages) == 1
    assert refused.value.messages[0].startswith("Both Avah Sample and Ava Sample have referrals that only one person")


@pytest.mark.parametrize("case", ["itself", "already merged", "police officer"])
def test_merge_refuses_what_cannot_be_merged(social_worker, police_officer, case):
    keep, merge = PersonFactory(given_name="Ava"), PersonFactory(given_name="Eva")
    actor, other = social_worker, merge
    if case == "itself":
        other = keep
    elif case == "already merged":
        people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="")
        other = merge
    else:
        actor = police_officer
    expected = {
        "itself": "Choose two different people: a record cannot be merged into itself.",
        "already merged": "Eva Example's record (MAC",
        "police officer": "Only children's social care staff can merge two people's records.",
    }[case]

    with pytest.raises(ValidationError) as refused:
        people_merge(actor=actor, now=NOW, keep=keep, merge=other, reason="")

    assert refused.value.messages[0].startswith(expected)
    assert PersonMerge.objects.count() == (1 if case == "already merged" else 0)


def test_a_merge_is_undone_once(social_worker):
    keep, merge = PersonFactory(given_name="Ava"), PersonFactory(given_name="Eva")
    merged = people_merge(actor=social_worker, now=NOW, keep=keep, merge=merge, reason="")
    people_unmerge(actor=social_worker, now=NOW, merge_record=merged)

    with pytest.raises(ValidationError) as refused:
        people_unmerge(actor=social_worker, now=NOW, merge_record=merged)

    assert refused.value.messages == ["This merge was already undone, by Sam Worker on 4 March 2026 at 10:00."]
    assert Person.objects.get(pk=merge.pk).merged_into is None
