"""403, 404 and 500 are GOV.UK pages in plain English that show nothing of the record asked for."""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client
from django.urls import path, reverse

from macpu.agencies.models import Role
from macpu.urls import urlpatterns as site_urlpatterns
from tests.factories import UserFactory


@login_not_required
def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("Ada Lovelace's record could not be read")


urlpatterns = [path("broken/", broken), *site_urlpatterns]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.POLICE_OFFICER, Role.SOCIAL_WORKER])
def test_a_forbidden_page_is_the_govuk_page_with_a_way_back_and_nothing_of_the_settings(
    client, local_authority, team, role
):
    client.force_login(UserFactory(role=role, team=team, agency=team.agency))

    response = client.get("/settings/")

    body = response.content.decode()
    assert response.status_code == 403
    assert "<title>You do not have permission to see this page - macpu</title>" in body
    assert '<h1 class="govuk-heading-l">You do not have permission to see this page</h1>' in body
    assert 'class="govuk-template"' in body and "govuk-frontend.min.css" in body
    assert f'href="{reverse("home")}">Go back to your work</a>' in body
    assert "Local settings" not in body and local_authority.name not in body and "working days" not in body.lower()


@pytest.mark.django_db
def test_a_child_that_does_not_exist_is_the_govuk_not_found_page(client, social_worker):
    client.force_login(social_worker)

    response = client.get(reverse("child-detail", args=[999_999]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "<title>Page not found - macpu</title>" in body
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in body
    assert "Go back to your work" in body and "My work" in body  # the user's own navigation
    assert "999999" not in body and "999_999" not in body  # not even the address asked for


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_server_error_is_the_govuk_problem_page_and_shows_nothing_of_the_error(social_worker):
    client = Client(raise_request_exception=False)
    client.force_login(social_worker)

    response = client.get("/broken/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "<title>Sorry, there is a problem with the service - macpu</title>" in body
    assert '<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>' in body
    assert '<a class="govuk-link" href="/">Go back to your work</a>' in body
    assert "Ada" not in body and "RuntimeError" not in body


def test_the_server_error_page_renders_with_no_request_and_no_context_processors():
    body = loader.get_template("500.html").render()  # as django.views.defaults.server_error renders it

    assert "Sorry, there is a problem with the service" in body
    assert "govuk-frontend.min.css" in body
    assert "Sign out" not in body
