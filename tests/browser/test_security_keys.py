"""Security keys in a real browser: Chromium's virtual authenticator (Chrome DevTools Protocol) stands in for the
key, and macpu/static/js/webauthn.js runs the ceremonies as it would for a person.

WebAuthn needs a secure context and a domain as the relying party ID: http://localhost is both (127.0.0.1 is not a
valid RP ID), so these tests check the live server's address is localhost.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from macpu.access.models import BreakGlass
from macpu.agencies.models import Role, SecurityKey
from tests.browser.conftest import PASSWORD, check_axe, go_to, sign_in, sign_out, submit
from tests.factories import PersonFactory, UserFactory


@pytest.fixture
def key(page: Page, live_server: Any) -> dict[str, Any]:
    """A virtual security key plugged into the browser: it answers at once, as if touched."""
    assert live_server.url.startswith("http://localhost:"), live_server.url
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    return cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def add_security_key(page: Page, axe: Any, name: str) -> None:
    go_to(page, axe, "/account/security-keys/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Security keys")
    page.get_by_label("Name for the security key").fill(name)
    submit(page, axe, "Add a security key")
    expect(page.get_by_role("alert")).to_contain_text(f"Security key “{name}” added.")
    expect(page.get_by_role("table")).to_contain_text(name)


def password(page: Page, axe: Any, user: Any) -> None:
    go_to(page, axe, "/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, axe, "Continue")


def test_a_user_adds_a_key_signs_out_and_signs_in_with_it(page, key, staff, axe):
    worker = staff.social_worker
    sign_in(page, axe, worker)
    add_security_key(page, axe, "Blue key")
    sign_out(page, axe)

    password(page, axe, worker)
    expect(page.get_by_role("heading", level=1)).to_have_text("Use your security key")
    submit(page, axe, "Use your security key")

    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    assert SecurityKey.objects.get(user=worker).last_used_at is not None
    axe.assert_clean()


def test_an_administrator_without_a_key_cannot_sign_in_with_a_code(page, key, db, axe, settings):
    settings.MACPU_ADMIN_REQUIRES_SECURITY_KEY = True
    admin = UserFactory(role=Role.ADMINISTRATOR, agency=None, team=None)
    admin.set_password(PASSWORD)
    admin.save()

    password(page, axe, admin)

    expect(page.get_by_role("heading", level=1)).to_have_text("You need a security key to sign in")
    expect(page.get_by_role("main")).to_contain_text("Ask another administrator to help.")
    go_to(page, axe, "/login/code/")  # the code page sends an administrator back
    expect(page.get_by_role("heading", level=1)).to_have_text("You need a security key to sign in")
    axe.assert_clean()


def test_break_glass_needs_a_security_key_and_with_one_opens_the_record(page, key, staff, axe):
    officer = staff.chair
    child = PersonFactory(given_name="Zephyrine", family_name="Quillfeather")
    sign_in(page, axe, officer)

    go_to(page, axe, "/emergency-access/")
    expect(page.get_by_role("main")).to_contain_text("You need a security key to use emergency access")
    expect(page.get_by_role("button", name="Open the record")).to_have_count(0)

    add_security_key(page, axe, "Duty key")
    go_to(page, axe, "/emergency-access/")
    page.get_by_label("The child's ID").fill(child.la_child_id)
    page.get_by_label("A child may be at immediate risk of significant harm").check()
    page.get_by_label("Explain what has happened").fill("Called to the address at 2am, child alone")
    submit(page, axe, "Open the record")

    expect(page.get_by_role("main")).to_contain_text("Quillfeather")
    expect(page.get_by_role("main")).to_contain_text("The privacy officer has been told")
    assert BreakGlass.objects.get().user == officer
    check_axe(page, axe)
    axe.assert_clean()
