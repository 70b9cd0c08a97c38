"""Security keys (WebAuthn): adding one, removing one, and signing with one (docs/adr/0007-security-keys.md).

The browser side is macpu/static/js/webauthn.js. A page that needs a ceremony asks here for its options
(`registration_options` or `authentication_options`), which also keep the challenge in the session for that
purpose; the page puts the options on itself as JSON, the script hands them to the browser's
`navigator.credentials`, and posts what comes back in an ordinary form field. The view takes the challenge back
out of the session (`take_challenge`: once only, and for 5 minutes at most) and calls a service here, which has
py_webauthn check the browser's answer against it.

The relying party is macpu at the host the request came to: its ID is the host without the port (or the
`MACPU_WEBAUTHN_RP_ID` setting), and the origin the browser must report is scheme://host[:port].
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from macpu.agencies.models import Role, SecurityKey, User
from macpu.core.services import Rules

RP_NAME = "macpu"
CHALLENGES = "macpu_webauthn_challenges"  # session key: {purpose: {"challenge": base64url, "at": unix time}}
CHALLENGE_SECONDS = 5 * 60
TIMEOUT_MS = 2 * 60 * 1000  # how long the browser waits for the key to be touched

REGISTER, SIGN_IN, BREAK_GLASS = "register", "sign-in", "break-glass"

NOT_ADDED = "Your security key was not added. Select “Add a security key” and touch your key when it flashes."
LAST_ADMIN_KEY = "You need a security key to sign in as an administrator. Add another key before you remove this one."


# --- the relying party ------------------------------------------------------------------------------------------


def rp_id(request: HttpRequest) -> str:
    """The relying party ID: the `MACPU_WEBAUTHN_RP_ID` setting, or the host the request came to without its port."""
    configured = getattr(settings, "MACPU_WEBAUTHN_RP_ID", "")
    if configured:
        return str(configured)
    domain, _port = split_domain_port(request.get_host())
    return domain


def origin(request: HttpRequest) -> str:
    """The origin the browser reports in its answer: scheme://host[:port]."""
    return f"{request.scheme}://{request.get_host()}"


def admin_requires_key() -> bool:
    """Must administrators sign in with a security key? Always, unless a DEBUG demo turned it off (settings.py)."""
    return bool(getattr(settings, "MACPU_ADMIN_REQUIRES_SECURITY_KEY", True))


def must_use_key(user: User) -> bool:
    return user.role == Role.ADMINISTRATOR and admin_requires_key()


def has_key(user: User) -> bool:
    return SecurityKey.objects.filter(user=user).exists()


# --- challenges, kept in the session ----------------------------------------------------------------------------


def _remember(request: HttpRequest, purpose: str, challenge: bytes, now: datetime) -> None:
    challenges = dict(request.session.get(CHALLENGES) or {})
    challenges[purpose] = {"challenge": bytes_to_base64url(challenge), "at": now.timestamp()}
    request.session[CHALLENGES] = challenges


def take_challenge(request: HttpRequest, purpose: str, now: datetime) -> bytes | None:
    """The challenge last given out for this purpose, taken out of the session (each is used once), or None if
    there is none or it is more than 5 minutes old."""
    challenges = dict(request.session.get(CHALLENGES) or {})
    kept = challenges.pop(purpose, None)
    request.session[CHALLENGES] = challenges
    if not isinstance(kept, dict) or now.timestamp() - float(kept.get("at", 0)) > CHALLENGE_SECONDS:
        return None
    try:
        return base64url_to_bytes(str(kept["challenge"]))
    except (KeyError, ValueError):
        return None


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id))
        for credential_id in SecurityKey.objects.filter(user=user).values_list("credential_id", flat=True)
    ]


def user_handle(user: User) -> bytes:
    """The WebAuthn user handle: the account's id, which says nothing about the person."""
    return f"macpu-user-{user.pk}".encode()


def registration_options(request: HttpRequest, user: User, now: datetime) -> str:
    """Options (JSON) for adding a key to this user, with their keys excluded; the challenge is kept."""
    options = generate_registration_options(
        rp_id=rp_id(request),
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=user_handle(user),
        user_display_name=user.display_name,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    _remember(request, REGISTER, options.challenge, now)
    return options_to_json(options)


def authentication_options(request: HttpRequest, user: User, purpose: str, now: datetime) -> str:
    """Options (JSON) for signing with one of this user's keys; the challenge is kept for `purpose`."""
    options = generate_authentication_options(
        rp_id=rp_id(request),
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(request, purpose, options.challenge, now)
    return options_to_json(options)


def _credential_id(credential: str) -> str:
    """The credential's id (base64url) from the browser's JSON, or "" if it is not that shape."""
    try:
        data = json.loads(credential)
    except ValueError:
        return ""
    raw = data.get("rawId") or data.get("id") if isinstance(data, dict) else None
    if not isinstance(raw, str):
        return ""
    try:
        return bytes_to_base64url(base64url_to_bytes(raw))  # one spelling: no padding
    except ValueError:
        return ""


# --- services ---------------------------------------------------------------------------------------------------


@transaction.atomic
def security_key_add(
    *,
    user: User,
    name: str,
    credential: str,
    expected_challenge: bytes | None,
    rp_id: str,
    origin: str,
    now: datetime,
) -> SecurityKey:
    """Add a security key to the user's account, if the browser's answer (`credential`, JSON) is a real
    registration for the challenge we gave, from our origin. Errors are keyed "name" and "credential"."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one add at a time per user: names stay unique
    name = name.strip()
    rules = Rules()
    rules.check(bool(name), "name", "Enter a name for the security key, so you can tell your keys apart.")
    rules.check(len(name) <= 100, "name", "The name must be 100 characters or fewer.")
    rules.check(
        not name or not SecurityKey.objects.filter(user=user, name=name).exists(),
        "name",
        "You already have a security key with this name. Give this one another name.",
    )
    verified = None
    if expected_challenge is None:
        rules.check(False, "credential", "This took too long. Select “Add a security key” and try again.")
    elif not credential:
        rules.check(False, "credential", NOT_ADDED)
    else:
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=expected_challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError):
            rules.check(False, "credential", NOT_ADDED)
    if verified is not None:
        rules.check(
            not SecurityKey.objects.filter(credential_id=bytes_to_base64url(verified.credential_id)).exists(),
            "credential",
            "This security key has already been added.",
        )
    rules.raise_if_broken()
    assert verified is not None  # noqa: S101 - raise_if_broken raised otherwise
    try:
        with transaction.atomic():
            return SecurityKey.objects.create(
                user=user,
                name=name,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError({"credential": "This security key has already been added."}) from None


@transaction.atomic
def security_key_remove(*, user: User, key: SecurityKey) -> None:
    """Remove one of the user's own keys. An administrator who must use a key keeps at least one."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    rules = Rules()
    rules.check(key.user_id == user.pk, "__all__", "You can only remove your own security keys.")
    rules.check(
        not must_use_key(user) or SecurityKey.objects.filter(user=user).exclude(pk=key.pk).exists(),
        "__all__",
        LAST_ADMIN_KEY,
    )
    rules.raise_if_broken()
    key.delete()


@transaction.atomic
def security_key_use(
    *,
    user: User,
    credential: str,
    expected_challenge: bytes | None,
    rp_id: str,
    origin: str,
    now: datetime,
) -> SecurityKey | None:
    """Is `credential` (the browser's JSON) a signature by one of the user's keys over the challenge we gave? If
    it is, the key's signature counter and last use are updated and the key returned; if not, None.

    The counter is moved on with a conditional UPDATE, so two requests with one signature cannot both win (the
    challenge is used once as well)."""
    if expected_challenge is None or not credential:
        return None
    credential_id = _credential_id(credential)
    key = SecurityKey.objects.filter(user=user, credential_id=credential_id).first() if credential_id else None
    if key is None:
        return None
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=expected_challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(key.public_key),
            credential_current_sign_count=key.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError):
        return None
    moved = SecurityKey.objects.filter(pk=key.pk, sign_count=key.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=now
    )
    if not moved:
        return None
    key.sign_count, key.last_used_at = verified.new_sign_count, now
    return key
