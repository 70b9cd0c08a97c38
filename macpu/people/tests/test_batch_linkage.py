"""Batch linkage of the agency records and the person index (services.records_link, `macpu link-records`): agency
records linked to the right people, twins held for a practitioner, decisions that later runs respect."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from macpu.access.models import AuditEvent, AuditSubject
from macpu.agencies.models import Role
from macpu.people.batch import index_frame, person_key
from macpu.people.models import AgencyRecord, Household, LinkageRun, Person, ReviewDecision, ReviewKind, ReviewPair
from macpu.people.services import people_merge, people_unmerge, records_link, review_pair_decide
from tests.agency_records import agency_record, load, review_pair
from tests.factories import PersonFactory, UserFactory, aware

pytestmark = pytest.mark.django_db
NOW = aware(2026, 3, 3, 20)
TWINS_BORN = dt.date(2019, 6, 14)


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, team=None)


@pytest.fixture
def social_worker(db):
    return UserFactory(username="sw", role=Role.SOCIAL_WORKER)


def twins(actor) -> tuple[Person, Person, list[AgencyRecord], list[AgencyRecord]]:
    """Amelia and Olivia Brightwater: twins in the index, one household, and two agencies' records of each."""
    amelia = PersonFactory(given_name="Amelia", family_name="Brightwater", date_of_birth=TWINS_BORN, sex="F")
    olivia = PersonFactory(given_name="Olivia", family_name="Brightwater", date_of_birth=TWINS_BORN, sex="F")
    home = Household.objects.create(address="41 Quenby Gardens, Hulbury", postcode="KS9 4TW")
    home.members.add(amelia, olivia)
    records = {}
    for name in ("Amelia", "Olivia"):
        records[name] = [
            agency_record(
                actor,
                source=source,
                record_id=f"{name}-{source}",
                first_name=name,
                surname="Brightwater",
                date_of_birth=TWINS_BORN,
                sex="F",
                address=address,
                postcode="KS9 4TW",
            )
            for source, address in (("school", "41 Quenby Gardens"), ("health", "41 Quenby Gdns, Hulbury"))
        ]
    return amelia, olivia, records["Amelia"], records["Olivia"]


def test_link_records_links_agency_records_to_the_right_people_in_the_index(administrator):
    loaded = load(400, seed=5, actor=administrator)
    provenance = {
        r.pk: (r.agency_id, r.system, r.record_id, r.extracted_at, r.record_import_id) for r in loaded.records.values()
    }
    out = StringIO()

    call_command("link-records", "--by", administrator.username, stdout=out)

    right = wrong = missed = 0
    for record in AgencyRecord.objects.all():
        expected = loaded.index.get(loaded.truth(record))
        if record.person_id is None:
            missed += expected is not None
        elif expected is not None and record.person_id == expected.pk:
            right += 1
        else:
            wrong += 1
    assert wrong == 0
    assert right >= 0.9 * (right + missed) and right > 50, (right, missed)
    assert {
        r.pk: (r.agency_id, r.system, r.record_id, r.extracted_at, r.record_import_id)
        for r in AgencyRecord.objects.all()
    } == provenance
    run = LinkageRun.objects.get()
    assert (run.records, run.linked, run.started_by) == (len(loaded.records) + len(loaded.index), right, administrator)
    assert run.pairs > run.records and run.finished_at >= run.started_at
    assert [c["output_column_name"] for c in run.model["comparisons"]][:2] == ["first_name", "surname"]
    assert AgencyRecord.objects.filter(person__isnull=False).exclude(linked_by_run=run).count() == 0
    summary = out.getvalue()
    assert f"{run.records:,} records linked" in summary and f"{right:,} agency records linked to a person" in summary
    assert "pairs held for review" in summary and "seconds" in summary
    event = AuditEvent.objects.get(what="records-link")
    assert (event.action, event.username, event.record_type, event.record_id) == (
        "change",
        "admin",
        "linkagerun",
        run.pk,
    )
    assert f"{right} agency records linked to a person" in event.reason
    linked_people = set(AgencyRecord.objects.filter(person__isnull=False).values_list("person_id", flat=True))
    assert set(AuditSubject.objects.filter(event=event).values_list("person_id", flat=True)) == linked_people


def test_twins_go_to_review_and_a_rejected_pair_never_comes_back(administrator, social_worker):
    load(250, seed=8, actor=administrator)
    amelia, olivia, amelias, olivias = twins(administrator)

    records_link(actor=administrator, now=NOW)

    for record in amelias:
        record.refresh_from_db()
        assert record.person == amelia
    for record in olivias:
        record.refresh_from_db()
        assert record.person == olivia
    held = ReviewPair.objects.get(kind=ReviewKind.PERSON_PERSON, person__in=[amelia, olivia])
    assert {held.person, held.other_person} == {amelia, olivia}
    assert held.reason == "disagree" and held.match_probability >= 0.9
    first_names = next(c for c in held.comparisons if c["field"] == "first_name")
    assert first_names["label"] == "All other comparisons" and first_names["weight"] < 0
    cross = ReviewPair.objects.filter(kind=ReviewKind.RECORD_PERSON, person=olivia, record__in=amelias)
    assert cross.exists() and all(p.reason == "disagree" for p in cross)

    # Decisions: the twins are different people; one of Amelia's records is Olivia's after all (a practitioner
    # knows the school mixed them up).
    review_pair_decide(actor=social_worker, now=NOW, pair=held, same=False, reason="Twins: the school confirmed.")
    mixed_up = cross.first()
    review_pair_decide(actor=social_worker, now=NOW, pair=mixed_up, same=True)
    records_link(actor=administrator, now=NOW + dt.timedelta(days=1))

    assert ReviewPair.objects.filter(key=held.key).count() == 1
    held.refresh_from_db()
    assert held.decision == ReviewDecision.DIFFERENT
    mixed_up.record.refresh_from_db()
    assert mixed_up.record.person == olivia and mixed_up.record.link_confirmed_by == social_worker
    assert not ReviewPair.objects.filter(decision="", key=mixed_up.key).exists()
    assert LinkageRun.objects.count() == 2


def test_a_run_never_links_a_record_to_a_person_it_was_rejected_with(administrator, social_worker):
    load(250, seed=8, actor=administrator)
    amelia, olivia, amelias, _ = twins(administrator)
    records_link(actor=administrator, now=NOW)
    record = amelias[0]
    record.refresh_from_db()
    assert record.person == amelia
    rejected = ReviewPair.objects.create(
        key=f"a:{record.pk}|p:{amelia.pk}",
        kind=ReviewKind.RECORD_PERSON,
        reason="uncertain",
        run=LinkageRun.objects.get(),
        person=amelia,
        record=record,
        match_probability=0.99,
        match_weight=7,
        prior_weight=-8,
        queued_at=NOW,
    )
    review_pair_decide(actor=social_worker, now=NOW, pair=rejected, same=False)
    record.refresh_from_db()
    assert record.person is None  # rejecting unlinks what linkage linked
    # Two people a practitioner merged and then unmerged: their pair waits again, whatever the next run finds.
    reopened = review_pair(amelia, other_person=PersonFactory(given_name="Zebedee"), run=LinkageRun.objects.get())
    review_pair_decide(actor=social_worker, now=NOW, pair=reopened, same=True)
    merge = people_merge(
        actor=social_worker, now=NOW, keep=amelia, merge=reopened.other_person, reason="", pair=reopened
    )
    people_unmerge(actor=social_worker, now=NOW, merge_record=merge)

    records_link(actor=administrator, now=NOW + dt.timedelta(days=1))

    record.refresh_from_db()
    assert record.person is None
    assert not ReviewPair.objects.filter(key=rejected.key, decision="").exists()
    assert ReviewPair.objects.get(pk=reopened.pk).decision == ReviewDecision.PENDING


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"threshold": 1.5}, "threshold", "The threshold is a match probability between 0 and 1, like 0.9."),
        ({"floor": 0.95}, "floor", "Review pairs from a match probability between 0 and the threshold."),
    ],
)
def test_link_records_refuses_a_threshold_that_is_not_a_probability(administrator, kwargs, field, message):
    with pytest.raises(ValidationError) as refused:
        records_link(actor=administrator, now=NOW, **kwargs)

    assert refused.value.message_dict == {field: [message]}
    assert not LinkageRun.objects.exists()


def test_only_an_administrator_may_run_linkage(social_worker):
    with pytest.raises(ValidationError) as refused:
        records_link(actor=social_worker, now=NOW)

    assert refused.value.message_dict == {"__all__": ["Only an administrator can run linkage."]}


def test_link_records_with_nothing_to_link_says_so(administrator):
    PersonFactory()
    out = StringIO()

    with pytest.raises(CommandError, match="There are fewer than two records to link: import agency records first."):
        call_command("link-records", stdout=out)

    assert not LinkageRun.objects.exists() and not AuditEvent.objects.filter(what="records-link").exists()


def test_link_records_names_an_unknown_user():
    with pytest.raises(CommandError, match="--by: there is no account with the username nobody."):
        call_command("link-records", "--by", "nobody")


def test_unborn_children_are_left_out_of_linkage(db):
    """An unborn child has only the family's surname and address, which every brother or sister shares: linkage
    would put each of them in the queue against the unborn child."""
    born = PersonFactory(given_name="Glen", family_name="Stokes", date_of_birth=dt.date(2020, 5, 7))
    unborn = PersonFactory(
        given_name="Unborn", family_name="Stokes", date_of_birth=None, expected_date_of_birth=dt.date(2026, 5, 1)
    )

    keys = set(index_frame()["record_id"])

    assert person_key(born.pk) in keys
    assert person_key(unborn.pk) not in keys
