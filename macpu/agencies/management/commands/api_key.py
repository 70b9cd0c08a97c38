"""`macpu api-key issue|revoke|list`: an administrator's keys for partner systems' use of the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.agencies import api_keys
from macpu.agencies.models import ApiKey, User


def _account(username: str, option: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"{option}: there is no account with the username {username}.")
    return user


class Command(BaseCommand):
    help = (
        "Issue, revoke or list the API keys partner systems use (Authorization: Bearer KEY). A system acts as the "
        "account its key was issued for: the same records, the same audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="Issue a key for an account; it is shown once.")
        issue.add_argument("username", help="The account the system will act as.")
        issue.add_argument("--name", required=True, help="The system that will hold the key.")
        issue.add_argument("--days", type=int, default=api_keys.max_days(), help="How long it lasts (default: most).")
        issue.add_argument("--by", required=True, help="Your own administrator username.")
        revoke = actions.add_parser("revoke", help="End a key at once.")
        revoke.add_argument("prefix", help="The key's first characters, as `list` shows them.")
        revoke.add_argument("--by", required=True, help="Your own administrator username.")
        actions.add_parser("list", help="Every key, live or not, without the keys themselves.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        try:
            if options["action"] == "issue":
                api_key, key = api_keys.issue(
                    user=_account(options["username"], "username"),
                    name=options["name"],
                    days=options["days"],
                    by=_account(options["by"], "--by"),
                    now=now,
                )
                until = f"{timezone.localtime(api_key.expires_at):%-d %B %Y %H:%M}"
                self.stdout.write(f"API key for {api_key.name}, acting as {api_key.user.username}, until {until}.")
                self.stdout.write(f"Give it to the system's administrators now: it is not shown again.\n{key}")
            elif options["action"] == "revoke":
                api_key = api_keys.revoke(prefix=options["prefix"], by=_account(options["by"], "--by"), now=now)
                self.stdout.write(f"Revoked {api_key}.")
            else:
                for api_key in ApiKey.objects.select_related("user"):
                    state = "revoked" if api_key.revoked_at else "expired" if api_key.expires_at <= now else "live"
                    self.stdout.write(
                        f"{api_key.prefix}…  {state:8} {api_key.user.username:20} {api_key.name}  "
                        f"until {timezone.localtime(api_key.expires_at):%Y-%m-%d}"
                    )
        except ValidationError as error:
            raise CommandError(
                "\n".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            ) from error
