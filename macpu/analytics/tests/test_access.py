"""Only the analyst, manager and privacy officer roles reach the analytics pages, and find them in the navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from macpu.agencies.models import Role
from macpu.analytics.access import ANALYTICS_ROLES
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_authority")]


@pytest.mark.parametrize("role", sorted(ANALYTICS_ROLES))
def test_the_analytics_roles_find_the_analytics_pages_in_the_navigation(client, team, role):
    client.force_login(UserFactory(role=role, team=team))
    response = client.get(reverse("analytics-home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Is the unit targeting its investigations well?" in page
    assert f'href="{reverse("analytics-home")}"' in page


@pytest.mark.parametrize("role", sorted(set(Role) - ANALYTICS_ROLES))
def test_every_other_role_is_refused_and_offered_no_link(client, team, role):
    client.force_login(UserFactory(role=role, team=team))
    response = client.get(reverse("analytics-home"))
    assert response.status_code == 403
    assert "targeting its investigations" not in response.content.decode()
    home = client.get("/", follow=True)
    assert f'href="{reverse("analytics-home")}"' not in home.content.decode()


def test_an_analyst_lands_on_the_analytics_pages(client, team):
    client.force_login(UserFactory(role=Role.ANALYST, team=team))
    assert client.get("/").url == reverse("analytics-home")
