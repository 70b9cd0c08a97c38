"""API keys for partner systems (docs/adr/0008-api-keys.md): issued by an administrator for one account, shown
once, kept only as a SHA-256 digest, ended by revoking, expiring, or disabling the account.

A key is 256 random bits, so guessing one is hopeless and no lockout is needed; a password, by contrast, is never
accepted by the API (a signed-in browser session aside), because it would skip the second factor.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from macpu.access import audit
from macpu.access.models import AuditAction
from macpu.agencies.models import ApiKey, Role, User

PREFIX = "macpu_"


def max_days() -> int:
    return int(settings.API_KEY_MAX_DAYS)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue(*, user: User, name: str, days: int, by: User, now: datetime) -> tuple[ApiKey, str]:
    """A new key for `user`'s account, and the key itself: the only time anyone sees it."""
    errors = {}
    if by.role != Role.ADMINISTRATOR or not by.is_active:
        errors["by"] = f"{by.username} is not an administrator: only an administrator may issue an API key."
    if not user.is_active:
        errors["user"] = f"{user.username}'s account is disabled: enable it before issuing a key for it."
    if not name.strip():
        errors["name"] = "Enter the name of the system that will hold the key."
    elif ApiKey.objects.filter(user=user, name=name.strip(), revoked_at__isnull=True, expires_at__gt=now).exists():
        errors["name"] = f"{user.username} already has a key named {name.strip()}: revoke it first."
    if not 1 <= days <= max_days():
        errors["days"] = f"A key lasts from 1 to {max_days()} days: {days} is outside that."
    if errors:
        raise ValidationError(errors)
    key = PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        user=user,
        name=name.strip(),
        prefix=key[: len(PREFIX) + 6],
        digest=digest(key),
        issued_by=by.username,
        issued_at=now,
        expires_at=now + timedelta(days=days),
    )
    until = f"{api_key.expires_at:%-d %B %Y}"
    audit.record(
        user=by,
        action=AuditAction.GRANT,
        what="api-key-issue",
        reason=f"API key {api_key.prefix}… for {name.strip()} issued to {user.username}, until {until}",
        now=now,
    )
    return api_key, key


@transaction.atomic
def revoke(*, prefix: str, by: User, now: datetime) -> ApiKey:
    """End a key at once; the row stays, so the audit trail's mentions of it still make sense."""
    api_key = ApiKey.objects.select_for_update().filter(prefix=prefix).first()
    if by.role != Role.ADMINISTRATOR or not by.is_active:
        raise ValidationError({"by": f"{by.username} is not an administrator: only an administrator may revoke."})
    if api_key is None:
        raise ValidationError({"prefix": f"There is no API key starting {prefix}."})
    if api_key.revoked_at is None:
        api_key.revoked_at = now
        api_key.save(update_fields=["revoked_at"])
        audit.record(
            user=by,
            action=AuditAction.REVOKE,
            what="api-key-revoke",
            reason=f"API key {api_key.prefix}… for {api_key.name} ({api_key.user.username}) revoked",
            now=now,
        )
    return api_key


def account_for(key: str, now: datetime) -> User | None:
    """The active account a live key belongs to, or None; notes when the key was last used (to the minute)."""
    if not key.startswith(PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(digest=digest(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)
        .first()
    )
    if api_key is None:
        return None
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
    ).update(last_used_at=now)
    return api_key.user
