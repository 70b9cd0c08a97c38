"""A server killed with SIGKILL during a burst of writes leaves no acknowledged change without its audit row, and
the audit trail still verifies. A real server process (`macpu runserver`) on a database of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.server import MACPU, free_port, macpu, own_database

SETUP = """
from django.utils import timezone
from macpu.agencies import api_keys
from macpu.agencies.models import Agency, Role, Team, User
agency = Agency.objects.create(name="Demo social care", kind="social_care")
team = Team.objects.create(agency=agency, name="Front door", front_door=True)
user = User.objects.create(username="burst", role=Role.SOCIAL_WORKER, agency=agency, team=team)
admin = User.objects.create(username="admin", role=Role.ADMINISTRATOR, agency=agency)
print(api_keys.issue(user=user, name="Burst", days=1, by=admin, now=timezone.now())[1])
"""
CHECK = """
import json, os
from macpu.access.models import AuditEvent
from macpu.intake.models import Contact
ids = json.loads(os.environ["ACKNOWLEDGED"])
print(json.dumps({
    "contacts": sorted(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True)),
    "audited": sorted(set(AuditEvent.objects.filter(action="change", record_type="contact", record_id__in=ids)
                          .values_list("record_id", flat=True))),
    "all_contacts": Contact.objects.count(),
}))
"""


def body(n: int) -> bytes:
    return json.dumps(
        {
            "received_on": "2026-11-02",
            "address": f"{n} Example Road, Demo Town",
            "postcode": "ZZ1 1ZZ",
            "children": [
                {
                    "given_name": f"Child{n}",
                    "family_name": "Burst",
                    "date_of_birth": "2020-01-01",
                    "sex": "F",
                    "ethnicity": "WBRI",
                }
            ],
            "adults": [],
            "referrer_name": "A teacher",
            "referral_source": "2A",
            "concern": "A concern, sent in a burst.",
            "urgency": "same_day",
        }
    ).encode()


@pytest.fixture
def database_url(tmp_path):
    with own_database(tmp_path, "macpu_crash_test") as url:
        yield url


def test_a_killed_server_leaves_every_acknowledged_change_with_its_audit_row(database_url):
    env = {**os.environ, "MACPU_DATABASE_URL": database_url, "MACPU_DEBUG": "1"}
    assert macpu(env, "migrate", "--noinput").returncode == 0
    setup = macpu(env, "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command
        [MACPU, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/contacts/"
    key = setup.stdout.split()[-1]
    acknowledged: list[int] = []
    lock, stop = threading.Lock(), threading.Event()

    def post(n: int) -> int | None:
        request = urllib.request.Request(  # noqa: S310 - a URL we built
            url,
            data=body(n),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(json.loads(response.read())["id"]) if response.status == 201 else None

    def burst(worker: int) -> None:
        n = worker * 100_000
        while not stop.is_set():
            n += 1
            try:
                found = post(n)
            except (urllib.error.URLError, ConnectionError, OSError):
                if stop.is_set():
                    return
                time.sleep(0.05)  # not up yet
                continue
            if found is not None:
                with lock:
                    acknowledged.append(found)

    try:
        threads = [threading.Thread(target=burst, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < 25 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # mid-burst: other requests are in flight
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.kill()
        server.wait(timeout=30)

    assert len(acknowledged) >= 25, "the server did not acknowledge enough writes before the deadline"
    check = macpu({**env, "ACKNOWLEDGED": json.dumps(acknowledged)}, "shell", "-c", CHECK)
    assert check.returncode == 0, check.stderr
    found = json.loads(check.stdout.strip().splitlines()[-1])
    assert found["contacts"] == sorted(acknowledged)
    assert found["audited"] == sorted(acknowledged)
    verified = macpu(env, "audit-verify")
    assert verified.returncode == 0, verified.stderr
    assert "The audit trail verifies" in verified.stdout
