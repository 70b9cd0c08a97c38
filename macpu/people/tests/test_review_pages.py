"""The review queue's pages: the list of possible matches, a pair side by side with why it may be one person, the
decision, and merging and unmerging from the pages."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.people.models import AgencyRecord, PersonMerge, ReviewDecision
from macpu.people.services import review_pair_decide
from tests.agency_records import COMPARISONS, EXTRACTED, PRIOR_WEIGHT, agency_record, review_pair
from tests.factories import TeamFactory, UserFactory, police_notification
from tests.factories import words as tags_removed

pytestmark = pytest.mark.django_db


def words(body: str) -> str:
    return " ".join(html.unescape(tags_removed(body)).split())


@pytest.fixture
def ava(social_worker, team):
    from django.utils import timezone

    return police_notification(social_worker, team, timezone.now() - dt.timedelta(days=3)).children.get()


@pytest.fixture
def eva(social_worker, team):
    from django.utils import timezone

    return police_notification(social_worker, team, timezone.now() - dt.timedelta(days=1), child="Eva").children.get()


@pytest.fixture
def pair(social_worker, ava):
    record = agency_record(social_worker, first_name="Avah", record_id="NICHE-4471", postcode="ZZ3 3ZZ")
    return review_pair(ava, record=record, probability=0.73)


def test_the_queue_lists_each_possible_match_with_its_chance_in_plain_words(client, social_worker, pair):
    client.force_login(social_worker)

    response = client.get(reverse("review-queue"))

    text = words(response.content.decode())
    assert response.status_code == 200
    assert "Possible matches to review" in text
    assert "Avah Sample" in text and "Ava Sample" in text and "73%" in text
    assert "The match is uncertain" in text
    assert reverse("review-pair", args=[pair.pk]) in response.content.decode()


def test_the_queue_shows_the_least_certain_pair_first(client, social_worker, ava, eva):
    sure = review_pair(ava, record=agency_record(social_worker, record_id="A"), probability=0.88)
    unsure = review_pair(eva, record=agency_record(social_worker, record_id="B", first_name="Eva"), probability=0.52)
    client.force_login(social_worker)

    body = client.get(reverse("review-queue")).content.decode()

    assert body.index(reverse("review-pair", args=[unsure.pk])) < body.index(reverse("review-pair", args=[sure.pk]))


def test_a_pair_about_a_child_the_user_may_not_see_is_not_in_their_queue(client, pair):
    north = TeamFactory(name="Area team North", front_door=False)
    elsewhere = UserFactory(role=Role.SOCIAL_WORKER, team=north, agency=north.agency)
    client.force_login(elsewhere)

    list_page = client.get(reverse("review-queue"))
    pair_page = client.get(reverse("review-pair", args=[pair.pk]))

    assert "Ava" not in words(list_page.content.decode()) and "There are no possible matches" in words(
        list_page.content.decode()
    )
    assert pair_page.status_code == 404 and "Ava" not in pair_page.content.decode()


def test_staff_outside_childrens_social_care_are_refused_the_queue(client, pair):
    officer = UserFactory(role=Role.POLICE_OFFICER)
    client.force_login(officer)

    for url in (reverse("review-queue"), reverse("review-pair", args=[pair.pk])):
        response = client.get(url)
        assert response.status_code == 403 and "Ava" not in response.content.decode()


def test_the_pair_page_shows_both_records_with_where_they_came_from_and_why_they_may_match(client, social_worker, pair):
    client.force_login(social_worker)

    response = client.get(reverse("review-pair", args=[pair.pk]))

    body = response.content.decode()
    text = words(body)
    assert "Are these records about the same person?" in text
    assert "Demo police (police system)" in text and "NICHE-4471" in text and "2 March 2026, 09:00" in text
    assert "The unit's person index (MAC" in text and "3 Ava Street, ZZ3 3ZZ" in text
    assert "Why these records may be the same person" in text
    assert "First name A nickname of the other, or both nicknames of one name +6.1 Towards the same person" in text
    assert "Address Different -3.1 Towards different people" in text
    assert "NHS number Not known on one or both records 0.0 No effect" in text
    assert "Starting point Two records picked at random -15.6" in text
    total = PRIOR_WEIGHT + sum(c["weight"] for c in COMPARISONS)
    assert f"Total Chance they are the same person: 67% {total:.1f}" in text
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert 'role="img"' in svg and "Waterfall chart of the match weight" in svg
    assert len(re.findall(r"<rect ", svg)) == len(COMPARISONS) + 2
    for value in ("+6.1", "+6.2", "+6.4", "+1.0", "-3.1", "-15.6", "+1.0"):
        assert f">{value}</text>" in svg
    assert "They are the same person" in text and "They are different people" in text


def test_saying_they_are_the_same_person_links_the_record_and_returns_to_the_queue(client, social_worker, ava, pair):
    client.force_login(social_worker)

    response = client.post(reverse("review-pair", args=[pair.pk]), {"decision": "same", "reason": "GP confirmed."})

    assert response.status_code == 302 and response.url == reverse("review-queue")
    assert AgencyRecord.objects.get(pk=pair.record_id).person == ava
    followed = client.get(response.url)
    assert "Decided: the agency record is Ava Sample's" in words(followed.content.decode())
    assert "Avah" not in words(followed.content.decode())


def test_a_decided_pair_shows_the_decision_instead_of_the_buttons(client, social_worker, pair):
    client.force_login(social_worker)
    client.post(reverse("review-pair", args=[pair.pk]), {"decision": "different"})

    text = words(client.get(reverse("review-pair", args=[pair.pk])).content.decode())

    assert "Sam Worker decided on" in text and "that they are different people" in text
    assert "They are the same person" not in text


def test_a_decision_sent_twice_says_it_was_already_decided(client, social_worker, manager, pair):
    review_pair_decide(actor=manager, now=EXTRACTED, pair=pair, same=False)  # in another tab, say
    client.force_login(social_worker)

    response = client.post(reverse("review-pair", args=[pair.pk]), {"decision": "same"})

    assert response.status_code == 200
    assert "There is a problem" in words(response.content.decode())
    assert "This pair was already decided: Morgan Manager decided on 2 March 2026" in words(response.content.decode())


def test_two_people_decided_to_be_one_are_merged_and_the_merge_undone_from_the_pages(client, social_worker, ava, eva):
    pair = review_pair(ava, other_person=eva, reason="duplicate")
    client.force_login(social_worker)

    decided = client.post(reverse("review-pair", args=[pair.pk]), {"decision": "same"})
    assert decided.url == reverse("review-merge", args=[pair.pk])
    merge_page = client.get(decided.url)
    assert "Which record should be kept?" in words(merge_page.content.decode())
    merged = client.post(decided.url, {"keep": ava.pk, "reason": "One girl."})

    assert merged.status_code == 302 and merged.url == reverse("child-detail", args=[ava.pk])
    eva.refresh_from_db()
    assert eva.merged_into == ava
    kept_page = words(client.get(merged.url).content.decode())
    assert "Eva Sample's record (" in kept_page and "was merged into this one by Sam Worker" in kept_page
    merged_page = client.get(reverse("child-detail", args=[eva.pk]))
    assert merged_page.status_code == 200
    assert "This record was merged into Ava Sample's record" in words(merged_page.content.decode())
    assert client.get(decided.url).status_code == 404  # merged already

    record = PersonMerge.objects.get()
    undone = client.post(reverse("merge-undo", args=[record.pk]), {"reason": "Sisters."})

    assert undone.url == reverse("child-detail", args=[eva.pk])
    eva.refresh_from_db()
    pair.refresh_from_db()
    assert eva.merged_into is None and pair.decision == ReviewDecision.PENDING
    assert client.get(reverse("merge-undo", args=[record.pk])).status_code == 404


def test_a_merge_page_needs_a_pair_decided_to_be_one_person(client, social_worker, ava, eva):
    pair = review_pair(ava, other_person=eva, reason="duplicate")
    client.force_login(social_worker)

    assert client.get(reverse("review-merge", args=[pair.pk])).status_code == 404
