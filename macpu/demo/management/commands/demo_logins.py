"""`macpu demo-logins`: the demo sign-ins, their roles and teams, the shared demo password and where codes come from."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from macpu.agencies.models import User
from macpu.demo.generator import DEMO_LOGINS, DEMO_PASSWORD, DEMO_URL


class Command(BaseCommand):
    help = "Print the demo logins (username, role, team) and the shared demo password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="List every generated member of staff too.")

    def handle(self, *args: object, **options: object) -> None:
        fixed = [login.username for login in DEMO_LOGINS]
        users = {u.username: u for u in User.objects.filter(username__in=fixed).select_related("team", "agency")}
        rows = []
        for login in DEMO_LOGINS:
            user = users.get(login.username)
            team = (user.team.name if user and user.team else "") if user else (login.team or "")
            rows.append((login.username, user.get_role_display() if user else login.role, team or "-"))
        if options["all"]:
            others = (
                User.objects.exclude(username__in=fixed)
                .exclude(role="")
                .select_related("team")
                .order_by("role", "team__name", "username")
            )
            rows += [(u.username, u.get_role_display(), u.team.name if u.team else "-") for u in others]
        if not users:
            self.stdout.write("No demo logins in this database yet: run `macpu seed-demo` first.\n")
        headers = ("Username", "Role", "Team")
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write(line.format(*headers).rstrip())
        self.stdout.write(line.format(*("-" * w for w in widths)).rstrip())
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
        self.stdout.write(f"\nPassword (every demo login): {DEMO_PASSWORD}")
        self.stdout.write("Code (asked for after the password): run `MACPU_DEBUG=1 .venv/bin/macpu demo-code USERNAME`")
        self.stdout.write(f"Sign in at {DEMO_URL}")
