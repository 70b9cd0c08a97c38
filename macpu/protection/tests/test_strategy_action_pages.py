"""The actions agreed at a strategy discussion on the child's page: their status in the clocks' words, a link to
mark each done for the roles that may record it, and the overdue ones in My work."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from macpu.agencies.models import AgencyKind, Role
from macpu.chronology.models import Event, EventKind
from macpu.intake.services import referral_allocate
from macpu.protection import services
from macpu.protection.models import StrategyAction, StrategyDecision
from macpu.protection.services import Action, Participant
from tests.factories import AgencyFactory, UserFactory, aware

HELD_ON = dt.date(2025, 3, 4)  # a Tuesday, the day after the referral
DONE_ON = dt.date(2025, 3, 5)


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month), f"{name}_year": str(day.year)}


@pytest.fixture
def actions(decided_referral, social_worker) -> list[StrategyAction]:
    """A medical due Wed 5 March 2025 and a school check due Fri 7 March 2025, neither done: both overdue now."""
    school = AgencyFactory(name="Oakfield Primary School", kind=AgencyKind.EDUCATION)
    hospital = AgencyFactory(name="Bradford Royal Infirmary", kind=AgencyKind.HEALTH)
    discussion = services.strategy_discussion_record(
        actor=social_worker,
        now=aware(2025, 3, 4),
        referral=decided_referral,
        held_on=HELD_ON,
        participants=[
            Participant(name=n, agency_kind=k) for n, k in [("A", "social_care"), ("B", "police"), ("C", "health")]
        ],
        decision=StrategyDecision.S47_JOINT,
        actions=[
            Action(action="Check school attendance", owner="Ms Byron", due_on=dt.date(2025, 3, 7), agency=school),
            Action(action="Child protection medical", owner="Dr Shah", due_on=dt.date(2025, 3, 5), agency=hospital),
        ],
    )
    return sorted(discussion.actions.all(), key=lambda a: a.due_on)


def body_rows(body: str, start: str) -> list[list[str]]:
    """The cells of each body row of the first table after `start`, tags and links reduced to their text."""
    at = body.index(start)
    table = body[body.index("<tbody", at) : body.index("</tbody>", at)]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.DOTALL)
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        for row in rows
    ]


def test_each_action_shows_its_owner_due_date_and_status_in_the_clocks_words(client, actions, social_worker):
    client.force_login(social_worker)

    body = client.get(reverse("child-detail", args=[actions[0].discussion.referral.child_id])).content.decode()

    rows = body_rows(body, '<caption class="govuk-table__caption govuk-table__caption--s">Actions</caption>')
    assert rows == [
        ["Check school attendance", "Oakfield Primary School", "Ms Byron", "7 March 2025", "Overdue Mark as done"],
        ["Child protection medical", "Bradford Royal Infirmary", "Dr Shah", "5 March 2025", "Overdue Mark as done"],
    ]
    assert body.count('<strong class="govuk-tag govuk-tag--red">Overdue</strong>') >= 2


def test_a_social_worker_marks_an_action_done_and_the_childs_page_then_shows_it_done(client, actions, social_worker):
    medical = actions[0]
    child_url = reverse("child-detail", args=[medical.discussion.referral.child_id])
    done_url = reverse("strategy-action-done", args=[medical.pk])
    client.force_login(social_worker)

    before = client.get(child_url).content.decode()
    form = client.get(done_url)
    response = client.post(done_url, date_data("done_on", DONE_ON), follow=True)

    assert f'href="{done_url}" aria-describedby="strategy-action-{medical.pk}">Mark as done</a>' in before
    assert f'id="strategy-action-{medical.pk}">Child protection medical</td>' in before
    assert form.status_code == 200
    assert "Mark an action as done" in form.content.decode() and "Child protection medical" in form.content.decode()
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == child_url
    assert "Action marked as done" in body
    assert '<strong class="govuk-tag govuk-tag--green">Done on 5 March 2025</strong>' in body
    assert f'href="{done_url}"' not in body  # done: no link any more
    assert f'href="{reverse("strategy-action-done", args=[actions[1].pk])}"' in body  # the other one still has it
    assert "Strategy action done: Child protection medical" in body  # on the timeline
    medical.refresh_from_db()
    assert medical.done_on == DONE_ON


def test_a_refused_date_is_shown_beside_the_field_and_nothing_is_written(client, actions, social_worker):
    client.force_login(social_worker)

    response = client.post(
        reverse("strategy-action-done", args=[actions[0].pk]), date_data("done_on", dt.date(2025, 3, 3))
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_done_on_day"' in body  # the error summary links to the day box
    assert "must be on or after the discussion (4 March 2025)" in body
    assert not StrategyAction.objects.filter(done_on__isnull=False).exists()
    assert not Event.objects.filter(kind=EventKind.STRATEGY_ACTION_DONE).exists()


def test_a_police_officer_gets_no_mark_as_done_link_and_is_refused_the_page(client, actions, team):
    medical = actions[0]
    officer = UserFactory(role=Role.POLICE_OFFICER, team=team, agency=team.agency)
    done_url = reverse("strategy-action-done", args=[medical.pk])
    client.force_login(officer)

    child_page = client.get(reverse("child-detail", args=[medical.discussion.referral.child_id]))
    page = client.get(done_url)
    response = client.post(done_url, date_data("done_on", DONE_ON))

    body = child_page.content.decode()
    assert child_page.status_code == 200 and "Child protection medical" in body and "Overdue" in body
    assert "Mark as done" not in body and done_url not in body
    assert (page.status_code, response.status_code) == (403, 403)
    for refused in (page.content.decode(), response.content.decode()):
        assert "You do not have permission" in refused
        assert "Ada" not in refused and "Child protection medical" not in refused
    medical.refresh_from_db()
    assert medical.done_on is None


def test_an_overdue_action_appears_in_my_work_in_due_order(client, actions, social_worker, manager):
    referral = actions[0].discussion.referral
    referral_allocate(actor=manager, now=aware(2025, 3, 4), referral=referral, worker=social_worker)
    client.force_login(social_worker)

    body = client.get(reverse("my-work")).content.decode()

    rows = [(what, due, status) for _child, what, due, status, _worker in body_rows(body, "<table")]
    labels = [what for what, _, _ in rows]
    assert "Strategy action: Child protection medical (Dr Shah)" in labels
    assert labels.index("Strategy action: Child protection medical (Dr Shah)") < labels.index(
        "Strategy action: Check school attendance (Ms Byron)"
    )
    due = [dt.datetime.strptime(d, "%d %B %Y").date() for _, d, _ in rows]  # noqa: DTZ007 - a calendar date
    assert due == sorted(due)
    assert dict((what, status) for what, _, status in rows)["Strategy action: Child protection medical (Dr Shah)"] == (
        "Overdue"
    )
