"""Security keys (WebAuthn): adding and removing them, signing in with one, administrators who must, and the
ceremonies' checks. A software key (tests/authenticator.py) makes real signatures for py_webauthn to check.

docs/adr/0007-security-keys.md says why it works this way.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from macpu.agencies import security_keys, signin
from macpu.agencies.models import Role, SecurityKey, User
from macpu.agencies.second_factor import code_at
from tests.authenticator import SoftKey
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's
ORIGIN = "http://testserver"


@pytest.fixture(autouse=True)
def _no_failures_left_over():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Worker")


@pytest.fixture
def admin(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Admin", role=Role.ADMINISTRATOR)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def add_key(client: Client, name: str = "Blue key", key: SoftKey | None = None) -> SoftKey:
    """Add a key on the Security keys page, as the browser script would."""
    key = key or SoftKey()
    page = client.get(reverse("security-keys"))
    answer = key.register(page.context["webauthn_options"], origin=ORIGIN)
    response = client.post(reverse("security-keys"), {"name": name, "credential": answer})
    assert response.status_code == 302, text(response)
    return key


def password_step(client: Client, user: User):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def key_step(client: Client, key: SoftKey):
    page = client.get(reverse("sign-in-security-key"))
    return client.post(
        reverse("sign-in-security-key"), {"credential": key.sign(page.context["webauthn_options"], ORIGIN)}
    )


def signed_in_as(client: Client) -> User | None:
    user = client.get(reverse("home")).wsgi_request.user
    return user if user.is_authenticated else None  # type: ignore[return-value]


# --- the Security keys page -------------------------------------------------------------------------------------


def test_a_signed_in_user_adds_a_key_and_sees_it_listed(client, sam):
    client.force_login(sam)
    page = client.get(reverse("security-keys"))
    assert "You have not added a security key." in text(page)
    assert "Adding a security key needs JavaScript" in text(page)  # in <noscript>
    options = page.context["webauthn_options"]
    assert (options["rp"], options["user"]["name"]) == ({"id": "testserver", "name": "macpu"}, "sam")

    key = add_key(client, "Blue key on my keyring")

    stored = SecurityKey.objects.get(user=sam)
    assert stored.name == "Blue key on my keyring"
    assert stored.credential_id == json.loads(key.register(options, ORIGIN))["id"]
    listed = client.get(reverse("security-keys"))
    assert "Security key “Blue key on my keyring” added. You can use it to sign in." in text(listed)
    assert "Blue key on my keyring" in text(listed) and "Not used yet" in text(listed)
    # The key already added is excluded, so the browser will not add it twice.
    assert [c["id"] for c in listed.context["webauthn_options"]["excludeCredentials"]] == [stored.credential_id]


def test_a_key_needs_a_name_and_a_real_answer_for_this_site(client, sam):
    client.force_login(sam)
    page = client.get(reverse("security-keys"))
    answer = SoftKey().register(page.context["webauthn_options"], origin="https://evil.example")

    response = client.post(reverse("security-keys"), {"name": "", "credential": answer})

    assert "Enter a name for the security key" in text(response)
    assert "Your security key was not added." in text(response)
    assert not SecurityKey.objects.exists()


def test_a_registration_answer_is_accepted_once_only(client, sam):
    client.force_login(sam)
    page = client.get(reverse("security-keys"))
    answer = SoftKey().register(page.context["webauthn_options"], origin=ORIGIN)
    client.post(reverse("security-keys"), {"name": "One", "credential": answer}, follow=True)  # a new challenge

    again = client.post(reverse("security-keys"), {"name": "Two", "credential": answer})

    assert again.status_code == 200
    assert "Your security key was not added." in text(again)  # that challenge was used: the page gave a new one
    assert SecurityKey.objects.count() == 1


def test_the_same_key_cannot_be_added_twice(client, sam):
    client.force_login(sam)
    key = add_key(client, "One")
    page = client.get(reverse("security-keys"))
    response = client.post(
        reverse("security-keys"),
        {"name": "Two", "credential": key.register(page.context["webauthn_options"], ORIGIN)},
    )
    assert "This security key has already been added." in text(response)
    assert SecurityKey.objects.count() == 1


def test_a_cancelled_key_says_what_to_do(client, sam):
    client.force_login(sam)
    client.get(reverse("security-keys"))
    response = client.post(reverse("security-keys"), {"name": "Blue", "credential": ""})
    assert "Select “Add a security key” and touch your key when it flashes." in text(response)


def test_a_user_removes_their_own_key_but_not_someone_elses(client, sam):
    client.force_login(sam)
    add_key(client)
    key = SecurityKey.objects.get()
    other = UserFactory()
    client.force_login(other)
    assert client.post(reverse("security-key-remove", args=[key.pk])).status_code == 404

    client.force_login(sam)
    response = client.post(reverse("security-key-remove", args=[key.pk]), follow=True)

    assert "Security key “Blue key” removed." in text(response)
    assert not SecurityKey.objects.exists()


def test_an_administrator_keeps_at_least_one_key(client, admin, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = True
    client.force_login(admin)
    add_key(client)
    key = SecurityKey.objects.get()

    response = client.post(reverse("security-key-remove", args=[key.pk]), follow=True)

    assert security_keys.LAST_ADMIN_KEY in text(response)
    assert SecurityKey.objects.count() == 1


def test_the_service_refuses_a_challenge_that_is_missing(sam):
    with pytest.raises(ValidationError) as refused:
        security_keys.security_key_add(
            user=sam, name="Blue", credential="{}", expected_challenge=None, rp_id="x", origin="x", now=timezone.now()
        )
    assert refused.value.message_dict.keys() == {"credential"}


def test_the_header_links_to_the_security_keys_page(client, sam):
    client.force_login(sam)
    page = client.get(reverse("home"), follow=True)
    assert f'href="{reverse("security-keys")}">Security keys</a>' in page.content.decode()


# --- signing in with a key --------------------------------------------------------------------------------------


def test_a_user_with_a_key_signs_in_with_it_and_its_counter_moves_on(client, sam):
    client.force_login(sam)
    key = add_key(client)
    client.logout()

    assert password_step(client, sam)["Location"] == reverse("sign-in-security-key")
    page = client.get(reverse("sign-in-security-key"))
    assert "Use your security key" in text(page)
    assert "Use the code from your authenticator app instead" in text(page)
    response = key_step(client, key)

    assert response.status_code == 302
    assert signed_in_as(client) == sam
    stored = SecurityKey.objects.get()
    assert stored.sign_count == key.sign_count
    assert stored.last_used_at is not None


def test_a_user_with_a_key_may_still_use_the_code(client, sam):
    client.force_login(sam)
    add_key(client)
    client.logout()
    password_step(client, sam)

    page = client.get(reverse("sign-in-code"))
    assert "Use your security key instead" in text(page)
    client.post(reverse("sign-in-code"), {"code": code_at(sam, timezone.now())})

    assert signed_in_as(client) == sam


def test_a_key_that_is_not_theirs_does_not_sign_in_and_counts_as_a_failure(client, sam):
    client.force_login(sam)
    add_key(client)
    client.logout()
    password_step(client, sam)

    page = client.get(reverse("sign-in-security-key"))
    answer = SoftKey().sign({**page.context["webauthn_options"], "allowCredentials": []}, ORIGIN)  # not added
    response = client.post(reverse("sign-in-security-key"), {"credential": answer})

    assert "Your security key was not recognised." in text(response)
    assert signed_in_as(client) is None
    sam.refresh_from_db()
    assert sam.failed_sign_ins == 1


def test_a_signature_from_the_right_key_for_another_site_or_an_old_challenge_is_refused(client, sam):
    client.force_login(sam)
    key = add_key(client)
    client.logout()
    password_step(client, sam)

    page = client.get(reverse("sign-in-security-key"))
    wrong_site = key.sign(page.context["webauthn_options"], "https://evil.example")
    assert "not recognised" in text(client.post(reverse("sign-in-security-key"), {"credential": wrong_site}))

    old = page.context["webauthn_options"]  # its challenge was used (and refused) above
    replay = client.post(reverse("sign-in-security-key"), {"credential": key.sign(old, ORIGIN)})
    assert "not recognised" in text(replay)
    assert signed_in_as(client) is None


def test_a_cancelled_key_is_not_a_failure(client, sam):
    client.force_login(sam)
    add_key(client)
    client.logout()
    password_step(client, sam)
    client.get(reverse("sign-in-security-key"))

    response = client.post(reverse("sign-in-security-key"), {"credential": ""})

    assert signin.KEY_NOT_USED in text(response)
    sam.refresh_from_db()
    assert sam.failed_sign_ins == 0


def test_the_key_page_needs_the_password_first(client, sam):
    assert client.get(reverse("sign-in-security-key"))["Location"] == reverse("login")


def test_a_user_without_a_key_goes_to_the_code(client, sam):
    assert password_step(client, sam)["Location"] == reverse("sign-in-code")
    assert client.get(reverse("sign-in-security-key"))["Location"] == reverse("sign-in-code")


# --- administrators ---------------------------------------------------------------------------------------------


def test_an_administrator_without_a_key_cannot_sign_in(client, admin, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = True

    assert password_step(client, admin)["Location"] == reverse("sign-in-security-key")
    page = client.get(reverse("sign-in-security-key"))
    assert "You need a security key to sign in" in text(page)
    assert "Ask another administrator to help." in text(page)
    # The code is not a way round it.
    assert client.get(reverse("sign-in-code"))["Location"] == reverse("sign-in-security-key")
    client.post(reverse("sign-in-code"), {"code": code_at(admin, timezone.now())})
    assert signed_in_as(client) is None


def test_an_administrator_with_a_key_signs_in_with_it_and_is_offered_no_code(client, admin, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = True
    client.force_login(admin)
    key = add_key(client)
    client.logout()

    password_step(client, admin)
    page = client.get(reverse("sign-in-security-key"))
    assert "Administrators must sign in with a security key." in text(page)
    assert "authenticator app instead" not in text(page)
    key_step(client, key)

    assert signed_in_as(client) == admin


def test_a_debug_demo_may_let_an_administrator_use_the_code_and_says_so(client, admin, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = False

    assert password_step(client, admin)["Location"] == reverse("sign-in-code")
    page = client.get(reverse("sign-in-code"))
    assert "Only this demonstration lets an administrator use the code instead." in text(page)
    client.post(reverse("sign-in-code"), {"code": code_at(admin, timezone.now())})

    assert signed_in_as(client) == admin


def test_the_setting_can_only_be_turned_off_with_debug():
    import subprocess
    import sys

    def setting(env: dict[str, str]) -> str:
        code = "import macpu.settings as s; print(s.MACPU_ADMIN_REQUIRES_SECURITY_KEY)"
        base = {"PATH": "/usr/bin:/bin", "MACPU_SECRET_KEY": "x" * 60}
        return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert setting({}) == "True"
    assert setting({"MACPU_ADMIN_REQUIRES_SECURITY_KEY": "0"}) == "True"  # not DEBUG: ignored
    assert setting({"MACPU_DEBUG": "1", "MACPU_ADMIN_REQUIRES_SECURITY_KEY": "0"}) == "False"


# --- the relying party ------------------------------------------------------------------------------------------


def test_the_relying_party_is_the_host_without_its_port_unless_set(rf, settings):
    settings.ALLOWED_HOSTS = ["macpu.example.gov.uk"]
    request = rf.get("/", HTTP_HOST="macpu.example.gov.uk:8443")
    settings.MACPU_WEBAUTHN_RP_ID = ""
    assert security_keys.rp_id(request) == "macpu.example.gov.uk"
    assert security_keys.origin(request) == "http://macpu.example.gov.uk:8443"
    settings.MACPU_WEBAUTHN_RP_ID = "example.gov.uk"
    assert security_keys.rp_id(request) == "example.gov.uk"
