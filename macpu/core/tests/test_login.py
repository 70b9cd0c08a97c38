"""Signing in: a GOV.UK page without navigation, a clear error summary, the code, and a redirect to the user's work.

macpu/agencies/tests/test_sign_in.py tests the second factor, lockout and the ends of sessions.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from macpu.agencies.second_factor import code_at

PASSWORD = "correct horse battery staple"


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        username="sam", password=PASSWORD, first_name="Sam", last_name="Worker", role="social_worker"
    )


@pytest.mark.django_db
def test_the_sign_in_page_is_a_govuk_page_without_navigation(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in - macpu</title>" in html
    assert 'class="govuk-input' in html
    assert 'class="govuk-label" for="id_username"' in html
    assert 'type="password"' in html
    assert "govuk-phase-banner" in html and "synthetic" in html
    assert "govuk-service-navigation__list" not in html
    assert "Sign out" not in html
    assert "govuk-error-summary" not in html


def test_a_wrong_password_shows_an_error_summary_naming_the_problem(client, user):
    response = client.post(reverse("login"), {"username": "sam", "password": "not the password"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Sign in - macpu</title>" in html
    assert 'class="govuk-error-summary"' in html
    assert "There is a problem" in html
    assert "Enter a correct username and password." in html
    assert '<a href="#non-field-errors">' in html
    assert response.wsgi_request.user.is_anonymous


def test_empty_fields_are_each_named_in_the_error_summary_and_beside_the_field(client, user):
    response = client.post(reverse("login"), {"username": "", "password": ""})

    html = response.content.decode()
    assert '<a href="#id_username">Enter your username.</a>' in html
    assert '<a href="#id_password">Enter your password.</a>' in html
    assert 'id="id_username_error"' in html
    assert 'aria-describedby="id_username_error"' in html
    assert "govuk-input--error" in html


def test_the_right_password_asks_for_the_code_and_the_right_code_signs_in_to_the_users_work(client, user):
    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in-code")
    assert response.wsgi_request.user.is_anonymous
    response = client.post(reverse("sign-in-code"), {"code": code_at(user, timezone.now())})
    assert response.status_code == 302
    assert response.wsgi_request.user == user
    assert client.get(response["Location"])["Location"] == reverse("my-work")


def test_an_administrator_lands_on_the_local_settings_and_is_offered_no_case_pages(client, db, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = False  # as in the demo: the code, not a key (test_security_keys.py)
    ada = get_user_model().objects.create_user(username="ada", password=PASSWORD, role="administrator")
    client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    response = client.post(reverse("sign-in-code"), {"code": code_at(ada, timezone.now())}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("local-settings")
    assert f'href="{reverse("local-settings")}" aria-current="page"' in html
    assert reverse("my-work") not in html and reverse("contact-create") not in html


def test_a_signed_in_page_shows_the_navigation_the_user_and_a_sign_out_button(client, user):
    client.force_login(user)

    html = client.get(reverse("login"), follow=True).content.decode()  # signed in: the login page sends you on

    assert "govuk-service-navigation__list" in html
    assert f'href="{reverse("my-work")}" aria-current="page"' in html
    assert reverse("contact-create") not in html  # in no team yet: the contact page would refuse them
    assert reverse("local-settings") not in html
    assert "Sam Worker" in html and "(Social worker)" in html
    assert f'action="{reverse("logout")}"' in html
    assert ">Sign out</button>" in html


def test_a_social_worker_in_a_team_is_offered_a_new_contact(client, social_worker):
    client.force_login(social_worker)

    html = client.get(reverse("my-work")).content.decode()

    assert f'href="{reverse("contact-create")}">New contact</a>' in html


def test_signing_out_is_a_post_and_returns_to_the_sign_in_page(client, user):
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_frontend_css_asset_paths_lead_to_the_static_files(client):
    response = client.get("/assets/fonts/bold-b542beb274-v2.woff2")

    assert response.status_code == 302
    assert response["Location"].endswith("govuk-frontend/dist/govuk/assets/fonts/bold-b542beb274-v2.woff2")
    assert client.get("/assets/../settings.py").status_code == 404
