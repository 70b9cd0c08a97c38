"""`macpu demo-code USERNAME`: the 6-digit code a demo login's authenticator app would show now.

Development only (MACPU_DEBUG=1): in production nobody may read a second factor off the server.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from macpu.agencies.models import User
from macpu.agencies.second_factor import STEP_SECONDS, code_at


class Command(BaseCommand):
    help = "Print the code a demo login's authenticator app shows now (development only: MACPU_DEBUG=1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The demo login, for example social.worker.")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("demo-code runs only in development (MACPU_DEBUG=1): it reads a second factor.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user has the username {options['username']!r}. See `macpu demo-logins`.")
        now = timezone.now()
        left = STEP_SECONDS - int(now.timestamp()) % STEP_SECONDS
        self.stdout.write(code_at(user, now))
        self.stderr.write(
            f"The code for {user.username}: it changes in {left} seconds and works once. Used already? Wait for "
            "the next one."
        )
