"""The child's page: open clocks first, and wide tables that scroll in their own region on a narrow screen."""

from __future__ import annotations

import re
from datetime import datetime

from django.urls import reverse

from macpu.protection.selectors import child_case


def clock_rows(body: str) -> list[tuple[str, str, str]]:
    """(what is due, due date, status) for each row of the statutory clocks table, top to bottom."""
    table = body[body.index("<caption") : body.index("</table>", body.index("Statutory clocks"))]
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">(.*?)</th>\s*<td class="govuk-table__cell">(.*?)</td>'
        r'.*?<strong class="govuk-tag[^"]*">(.*?)</strong>',
        table,
        re.DOTALL,
    )
    return [(label, due, status) for label, due, status in rows]


def test_open_clocks_come_first_soonest_due_first_then_met_ones(client, decided_referral, social_worker):
    client.force_login(social_worker)

    body = client.get(reverse("child-detail", args=[decided_referral.child_id])).content.decode()

    rows = clock_rows(body)
    statuses = [status for _, _, status in rows]
    assert "Met" in statuses and "Overdue" in statuses
    open_rows = [row for row in rows if row[2] not in ("Met", "Met late")]
    assert rows[: len(open_rows)] == open_rows  # every open clock before every met one
    due = [datetime.strptime(d, "%d %B %Y").date() for _, d, _ in open_rows]  # noqa: DTZ007 - a calendar date
    assert due == sorted(due)
    assert rows[-1][0] == "Referral decision"  # met: last, though it is first on the pathway
    # the selector (and so the API) keeps pathway order
    case = child_case(user=social_worker, child_id=decided_referral.child_id, today=datetime.now().date())  # noqa: DTZ005
    assert case.clocks[0].label == "Referral decision"


def test_wide_tables_scroll_in_a_focusable_labelled_region(client, decided_referral, social_worker, manager):
    client.force_login(manager)
    pages = {
        "Statutory clocks": reverse("child-detail", args=[decided_referral.child_id]),
        "My work": reverse("my-work"),
        "My team's work": reverse("team-work"),
    }
    decided_referral.allocated_worker = manager
    decided_referral.save()

    for label, url in pages.items():
        body = client.get(url).content.decode()

        region = f'<div class="macpu-table-container" role="region" aria-label="{label}" tabindex="0">'
        assert region in body.replace("&#x27;", "'"), url
        after = body.replace("&#x27;", "'").split(region, 1)[1]
        assert after.lstrip().startswith('<table class="govuk-table">'), url
