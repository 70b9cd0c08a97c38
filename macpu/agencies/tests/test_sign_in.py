"""Signing in with a password and an authenticator app code, lockout, the ends of sessions, and security headers.

docs/adr/0005-sign-in-second-factor.md says why it works this way.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from macpu.agencies import signin
from macpu.agencies.models import User
from macpu.agencies.second_factor import code_at, code_for_step, time_step, verify_code
from macpu.intake.models import ContactOutcome, Urgency
from macpu.intake.services import contact_decide, contact_record
from macpu.people.services import PersonDetails, household_record
from tests.factories import UserFactory, aware

PASSWORD = "correct horse battery staple"  # UserFactory's
NOW = aware(2025, 3, 3, 10)
WRONG_PASSWORD_MESSAGE = "Enter a correct username and password. Both are case-sensitive."


@pytest.fixture(autouse=True)
def _no_failures_left_over():
    cache.clear()  # unknown usernames' failures are kept in the cache
    yield
    cache.clear()


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Worker")


def password_step(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def code_step(client: Client, code: str):
    return client.post(reverse("sign-in-code"), {"code": code})


def sign_in(client: Client, user: User, code: str | None = None):
    password_step(client, user.username)
    return code_step(client, code or code_at(user, timezone.now()))


def comparable(response, username: str) -> str:
    """The page with what differs on every request (CSRF token, CSP nonce) and the typed username taken out."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    return html.replace(f'value="{username}"', 'value=""')


# --- the code ---------------------------------------------------------------------------------------------------


def test_the_code_for_now_is_accepted_and_only_once(sam):
    code = code_at(sam, NOW)

    assert verify_code(sam, code, NOW) is True
    assert verify_code(sam, code, NOW) is False  # the same code again: refused
    sam.refresh_from_db()
    assert sam.totp_last_step == time_step(NOW)
    assert verify_code(sam, code, NOW + timedelta(seconds=30)) is False  # still refused a step later


def test_a_used_code_is_refused_even_when_the_user_object_is_stale(sam):
    stale = User.objects.get(pk=sam.pk)
    code = code_at(sam, NOW)

    assert verify_code(sam, code, NOW) is True
    assert verify_code(stale, code, NOW) is False  # two requests at once with one code: one wins


def test_a_wrong_code_is_refused_and_uses_nothing_up(sam):
    right = code_at(sam, NOW)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    assert verify_code(sam, wrong, NOW) is False
    assert verify_code(sam, "", NOW) is False
    assert verify_code(sam, "12345", NOW) is False
    assert verify_code(sam, "abcdef", NOW) is False
    sam.refresh_from_db()
    assert sam.totp_last_step is None
    assert verify_code(sam, right, NOW) is True


@pytest.mark.parametrize("steps, accepted", [(-2, False), (-1, True), (1, True), (2, False)])
def test_a_code_one_step_either_side_is_accepted_for_clock_drift(sam, steps, accepted):
    code = code_for_step(sam.totp_secret, time_step(NOW) + steps)

    assert verify_code(sam, code, NOW) is accepted


def test_a_code_with_a_space_or_dash_in_the_middle_is_accepted(sam):
    code = code_at(sam, NOW)

    assert verify_code(sam, f"{code[:3]} {code[3:]}", NOW) is True


def test_an_earlier_steps_code_is_refused_after_a_later_one_was_used(sam):
    later = code_for_step(sam.totp_secret, time_step(NOW) + 1)
    earlier = code_at(sam, NOW)

    assert verify_code(sam, later, NOW) is True
    assert verify_code(sam, earlier, NOW) is False


def test_every_account_gets_a_secret_of_its_own(db):
    first = User.objects.create_user(username="a1", password=PASSWORD)
    second = User.objects.create_user(username="a2", password=PASSWORD)

    assert len(first.totp_secret) == 32 and first.totp_secret != second.totp_secret


# --- signing in -------------------------------------------------------------------------------------------------


def test_the_right_password_alone_signs_nobody_in(client, sam):
    response = password_step(client, "sam")

    assert response["Location"] == reverse("sign-in-code")
    assert response.wsgi_request.user.is_anonymous
    assert SESSION_KEY not in client.session
    page = client.get(reverse("my-work"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert client.post("/api/v1/children/search/", {"q": "Ava"}).status_code in (401, 403)
    code_page = client.get(reverse("sign-in-code")).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in code_page
    assert 'autocomplete="one-time-code"' in code_page
    assert "sam" not in response["Location"]  # nobody's username in an address


def test_the_code_page_without_a_password_first_goes_back_to_the_start(client, sam):
    response = code_step(client, code_at(sam, timezone.now()))

    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_right_code_signs_in_and_goes_where_the_user_was_going(client, sam):
    client.post(reverse("login"), {"username": "sam", "password": PASSWORD, "next": reverse("team-work")})
    response = code_step(client, code_at(sam, timezone.now()))

    assert response["Location"] == reverse("team-work")
    assert client.session[SESSION_KEY] == str(sam.pk)
    assert client.session[signin.EPOCH] == 0


def test_a_next_address_on_another_site_is_ignored(client, sam):
    client.post(reverse("login"), {"username": "sam", "password": PASSWORD, "next": "https://evil.example/"})
    response = code_step(client, code_at(sam, timezone.now()))

    assert response["Location"] == reverse("home")


def test_a_wrong_code_is_refused_naming_the_field(client, sam):
    password_step(client, "sam")
    right = code_at(sam, timezone.now())
    response = code_step(client, f"{(int(right) + 500_000) % 1_000_000:06d}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Enter the code from your authenticator app - macpu</title>" in html
    assert '<a href="#id_code">The code is not right.' in html
    assert response.wsgi_request.user.is_anonymous
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "typed, message",
    [("", "Enter the 6-digit code from your authenticator app."), ("12ab", "Enter the code as 6 numbers")],
)
def test_a_missing_or_malformed_code_gets_a_message_beside_the_field(client, sam, typed, message):
    password_step(client, "sam")

    html = code_step(client, typed).content.decode()

    assert f'<a href="#id_code">{message}' in html
    assert 'id="id_code_error"' in html


def test_a_code_used_once_does_not_sign_in_again(client, sam):
    code = code_at(sam, timezone.now())
    assert sign_in(client, sam, code).status_code == 302
    client.post(reverse("logout"))

    response = sign_in(client, sam, code)

    assert response.status_code == 200
    assert "The code is not right." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_pending_sign_in_older_than_five_minutes_starts_again(client, sam):
    password_step(client, "sam")
    session = client.session
    session[signin.PENDING] = {**session[signin.PENDING], "at": timezone.now().timestamp() - 301}
    session.save()

    response = code_step(client, code_at(sam, timezone.now()))

    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    assert "Your sign-in took too long." in client.get(reverse("login")).content.decode()


def test_a_switched_off_account_gets_the_wrong_password_message(client, sam):
    sam.is_active = False
    sam.save()

    response = password_step(client, "sam")

    assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert comparable(response, "sam") == comparable(password_step(Client(), "nobody"), "nobody")


# --- lockout ----------------------------------------------------------------------------------------------------


def test_a_wrong_password_looks_the_same_for_a_real_and_an_unknown_username(client, sam):
    real = password_step(client, "sam", "wrong password")
    unknown = password_step(Client(), "nobody", "wrong password")

    assert WRONG_PASSWORD_MESSAGE in real.content.decode()
    assert comparable(real, "sam") == comparable(unknown, "nobody")


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, sam):
    for _ in range(4):
        assert WRONG_PASSWORD_MESSAGE in password_step(client, "sam", "wrong").content.decode()
    fifth = password_step(client, "sam", "wrong")
    assert signin.LOCKED_MESSAGE in fifth.content.decode()

    right = password_step(client, "sam")

    assert right.status_code == 200  # not the code page
    assert signin.LOCKED_MESSAGE in right.content.decode()
    assert signin.PENDING not in client.session
    sam.refresh_from_db()
    assert sam.locked_until is not None and sam.locked_until > timezone.now() + timedelta(minutes=14)


def test_a_locked_account_and_a_locked_unknown_username_get_the_same_page(client, sam):
    for _ in range(5):
        password_step(client, "sam", "wrong")
        password_step(client, "nobody", "wrong")

    locked_real = password_step(client, "sam")  # the right password
    locked_unknown = password_step(Client(), "nobody", PASSWORD)

    assert signin.LOCKED_MESSAGE in locked_real.content.decode()
    assert comparable(locked_real, "sam") == comparable(locked_unknown, "nobody")


def test_an_unknown_username_is_not_locked_before_five_failures(client, db):
    for _ in range(4):
        response = password_step(client, "nobody", "wrong")

    assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert signin.LOCKED_MESSAGE not in response.content.decode()


def test_the_lock_ends_after_fifteen_minutes(client, sam):
    for _ in range(5):
        password_step(client, "sam", "wrong")
    User.objects.filter(pk=sam.pk).update(locked_until=timezone.now() - timedelta(seconds=1))

    assert password_step(client, "sam")["Location"] == reverse("sign-in-code")


def test_failures_older_than_the_window_are_forgotten(sam):
    start = timezone.now() - timedelta(hours=1)
    for i in range(4):
        signin.record_failure("sam", start + timedelta(minutes=i))

    assert signin.record_failure("sam", timezone.now()) is False
    assert not signin.is_locked("sam", timezone.now())


def test_wrong_codes_count_towards_the_lock(client, sam):
    for _ in range(3):
        password_step(client, "sam", "wrong")
    password_step(client, "sam")
    right = code_at(sam, timezone.now())
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    assert "The code is not right." in code_step(client, wrong).content.decode()  # the fourth failure

    response = code_step(client, wrong)  # the fifth

    assert response["Location"] == reverse("login")
    assert signin.LOCKED_MESSAGE in client.get(reverse("login")).content.decode()
    assert code_step(client, right)["Location"] == reverse("login")  # the pending sign-in is gone
    assert SESSION_KEY not in client.session


def test_signing_in_clears_the_failures(client, sam):
    for _ in range(4):
        password_step(client, "sam", "wrong")

    sign_in(client, sam)

    sam.refresh_from_db()
    assert (sam.failed_sign_ins, sam.locked_until, sam.last_failed_sign_in) == (0, None, None)


# --- the ends of sessions ---------------------------------------------------------------------------------------


def age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = timezone.now().timestamp()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def signed_in(client: Client) -> bool:
    response = client.get(reverse("my-work"))
    return response.status_code == 200


def test_a_session_idle_for_more_than_30_minutes_ends(client, sam):
    client.force_login(sam)
    assert signed_in(client)
    age_session(client, macpu_last_activity=31 * 60)

    response = client.get(reverse("my-work"))

    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    login_page = client.get(response["Location"]).content.decode()
    assert "You have been signed out because you had not used macpu for 30 minutes." in login_page


def test_a_session_active_within_30_minutes_stays(client, sam):
    sign_in(client, sam)
    age_session(client, macpu_last_activity=29 * 60)

    assert signed_in(client)
    assert timezone.now().timestamp() - client.session[signin.LAST_ACTIVITY] < 5


def test_a_session_ends_8_hours_after_signing_in_however_active(client, sam):
    sign_in(client, sam)
    age_session(client, macpu_signed_in_at=8 * 60 * 60 + 1, macpu_last_activity=10)

    assert not signed_in(client)
    assert SESSION_KEY not in client.session


def test_activity_does_not_extend_the_sessions_absolute_expiry(client, sam):
    sign_in(client, sam)
    expiry = client.session.get_expiry_date()
    assert abs((expiry - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    age_session(client, macpu_last_activity=120)  # so the next request writes the session

    assert signed_in(client)
    assert client.session.get_expiry_date() == expiry


def test_signing_out_ends_the_users_other_sessions_too(sam):
    laptop, phone, someone_else = Client(), Client(), Client()
    other = UserFactory()
    sign_in(laptop, sam)
    sign_in(phone, sam, code_for_step(sam.totp_secret, time_step(timezone.now()) + 1))  # the next code
    someone_else.force_login(other)
    assert signed_in(laptop) and signed_in(phone)

    laptop.post(reverse("logout"))

    assert not signed_in(phone)
    assert SESSION_KEY not in phone.session
    assert signed_in(someone_else)


def test_signing_out_ends_a_force_login_session_of_the_same_user(sam):
    first, second = Client(), Client()
    first.force_login(sam)
    second.force_login(sam)

    first.post(reverse("logout"))

    assert not signed_in(second)


def test_switching_an_account_off_ends_its_sessions_at_once(client, sam):
    client.force_login(sam)
    assert signed_in(client)

    User.objects.filter(pk=sam.pk).update(is_active=False)

    response = client.get(reverse("my-work"))
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    User.objects.filter(pk=sam.pk).update(is_active=True)
    assert not signed_in(client)  # switched back on, the old session stays ended


def test_a_session_from_an_earlier_epoch_ends(client, sam):
    client.force_login(sam)
    User.objects.filter(pk=sam.pk).update(session_epoch=3)

    assert not signed_in(client)


# --- headers ----------------------------------------------------------------------------------------------------


def test_every_page_has_a_content_security_policy_with_a_fresh_nonce_on_each_inline_script(client, sam):
    first = client.get(reverse("login"))
    second = client.get(reverse("login"))

    policy = first["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "default-src 'self'" in policy and "script-src 'self' 'nonce-" in policy
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    html = first.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 2 and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert nonce not in second["Content-Security-Policy"]
    client.force_login(sam)
    assert "script-src 'self' 'nonce-" in client.get(reverse("my-work"))["Content-Security-Policy"]


@pytest.fixture
def child_id(local_authority, sam):
    sam.team.front_door = True
    sam.team.save()
    people = household_record(
        actor=sam,
        now=NOW,
        address="1 Test Street",
        postcode="zz1 1zz",
        children=[PersonDetails(given_name="Ada", family_name="Lovelace", sex="F", date_of_birth=dt.date(2018, 5, 4))],
    )
    contact = contact_record(
        actor=sam,
        now=NOW,
        children=people.children,
        household=people.household,
        received_on=NOW.date(),
        referrer_name="Ms Byron",
        referrer_role="Class teacher",
        referral_source="2A",
        concern="Ada came to school with bruises.",
        urgency=Urgency.SAME_DAY,
        team=sam.team,
    )
    manager = UserFactory(role="team_manager", team=sam.team, agency=sam.agency)
    [referral] = contact_decide(
        actor=manager,
        now=NOW,
        contact=contact,
        outcome=ContactOutcome.REFERRAL,
        reasons="Bruising needs a response.",
        decided_on=NOW.date(),
    )
    return referral.child_id


def test_a_childs_page_is_never_stored(client, sam, child_id):
    client.force_login(sam)

    response = client.get(reverse("child-detail", args=[child_id]))

    assert response.status_code == 200 and "Lovelace" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_case_data_from_the_api_is_never_stored(client, sam):
    client.force_login(sam)

    assert "no-store" in client.post("/api/v1/children/search/", {"q": "Ava"}, "application/json")["Cache-Control"]


# --- the demo ---------------------------------------------------------------------------------------------------


def test_demo_code_prints_the_users_code_now(sam, settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("demo-code", "sam", stdout=out)

    codes = {code_at(sam, timezone.now() + timedelta(seconds=s)) for s in (-30, 0, 30)}
    assert re.search(r"\b\d{6}\b", out.getvalue()).group(0) in codes


def test_demo_code_refuses_to_run_outside_development(sam, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only in development"):
        call_command("demo-code", "sam", stdout=StringIO())


def test_demo_code_for_an_unknown_username_says_so(db, settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="No user"):
        call_command("demo-code", "nobody", stdout=StringIO())


# --- production settings ----------------------------------------------------------------------------------------


def test_the_deployment_checks_pass_with_production_settings():
    # Production has none of the test run's own settings (the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE among them).
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("MACPU_") and k not in test_only}
    env["MACPU_SECRET_KEY"] = secrets.token_urlsafe(64)
    env["DJANGO_SETTINGS_MODULE"] = "macpu.settings"

    result = subprocess.run(  # noqa: S603 - our own interpreter and command, no shell
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
