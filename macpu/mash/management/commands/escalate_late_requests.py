"""`macpu escalate-late-requests`: escalate information requests past their deadline to their agency's manager."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from macpu.mash.services import late_requests_escalate


class Command(BaseCommand):
    help = (
        "Escalate every unanswered information request past its deadline, once, to its agency's named manager. "
        "Run it on a schedule (every 15 minutes in working hours, from cron or a systemd timer)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        late = late_requests_escalate(now=timezone.now())
        for request in late:
            to = request.escalated_to.display_name if request.escalated_to else "nobody named"
            self.stdout.write(f"Request {request.pk} to {request.agency}: escalated to {to}.")
        self.stdout.write(self.style.SUCCESS(f"{len(late)} late request{'s' if len(late) != 1 else ''} escalated."))
