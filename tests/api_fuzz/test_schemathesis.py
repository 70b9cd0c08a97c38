"""Schemathesis against the API's OpenAPI schema, with two identities (issue #4: "0 failures").

A real server (`macpu runserver`) on a database of its own (a SQLite file, or a fresh PostgreSQL database when
MACPU_DATABASE_URL is postgres), as in macpu/access/tests/test_crash.py. Schemathesis runs offline against it
(`st run` on the schema fetched from the server, base URL 127.0.0.1) with every check but one (see CHECKS):
the conformance checks (status codes, content types, headers, response schemas, negative data rejected, no
server errors), `ignored_auth` (every operation refuses a request without credentials) and
`object_level_authorization` (a peer replays the owner's reads of the owner's own objects).

The two identities, from a Web Fuzzing Commons auth document (schemathesis.toml):

- `alice`, a social worker in the council's front-door team. Schemathesis sends every request as alice. The
  front door is where contacts are recorded and where alice can read back what she creates: `POST /contacts/`
  answers 201 with the contact, its children's ids, then `POST /referrals/` opens a referral for one of them, and
  `GET /contacts/{id}/` and `GET /children/{id}/` read them (access.selectors: "On duty at the front door").
- `bob`, a social worker in another team of the same social care agency (not a front-door team), allocated to an
  open case of his own child, so his credentials work and he reads something. bob has no relationship with any
  child alice records (not allocated, not invited, not his team's case), so each of alice's objects must be
  404 for him, exactly like a nonexistent one: that is what object_level_authorization checks, on every object
  alice's writes return and she then reads.

Why one direction only: two front-door users would share each other's contacts by design (the council's front
door sees every child the unit knows), so the owner is on the front door and the peer is outside it.

Each identity sends an API key (`Authorization: Bearer`), as a partner system does (macpu.agencies.api_keys);
`ignored_auth` strips it and expects 401/403.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # noqa: S405 - parses the junit report schemathesis just wrote
from pathlib import Path

import pytest

from tests.server import MACPU, free_port, macpu, own_database

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SCHEMATHESIS = str(BIN / "st")
MAX_EXAMPLES = 20
SEED = 20260401  # a fixed seed: a failure reproduces with the same command

# The operations the run must have tested (schemathesis labels them METHOD PATH).
EXPECTED_OPERATIONS = {
    "POST /api/v1/contacts/",
    "GET /api/v1/contacts/{id}/",
    "POST /api/v1/contacts/{id}/decision/",
    "POST /api/v1/referrals/",
    "POST /api/v1/referrals/{id}/decision/",
    "POST /api/v1/children/search/",
    "GET /api/v1/children/{id}/",
    "GET /api/v1/requests/",
    "GET /api/v1/requests/{id}/",
    "POST /api/v1/requests/{id}/answer/",
}

# Every check schemathesis has, except positive_data_acceptance ("a schema-valid request is accepted"): the
# schema describes shapes only (macpu/api/serializers.py: "No business rules here: the services check every
# rule"), and the services refuse schema-valid requests with 400 by design: a date in the future, a blank
# address, a second open case for the same child, a social worker deciding a referral (only a manager may).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
]

SETUP = """
import datetime, json
from django.utils import timezone
from macpu.agencies import api_keys
from macpu.agencies.models import Agency, Role, Team, User
from macpu.intake.models import Contact, Referral
from macpu.people.models import Person

agency = Agency.objects.create(name="Fuzz social care", kind="social_care")
front_door = Team.objects.create(agency=agency, name="Front door", front_door=True)
assessment = Team.objects.create(agency=agency, name="Assessment team")
alice = User.objects.create(username="alice", role=Role.SOCIAL_WORKER, agency=agency, team=front_door)
bob = User.objects.create(username="bob", role=Role.SOCIAL_WORKER, agency=agency, team=assessment)

# bob's own case: a contact and an open referral allocated to him.
child = Person.objects.create(given_name="Robin", family_name="Fuzz", date_of_birth=datetime.date(2019, 5, 1), sex="M")
contact = Contact.objects.create(
    received_on=datetime.date(2026, 1, 5), referrer_name="A teacher", referral_source="2A", concern="A concern.",
    urgency="same_day", team=front_door, recorded_by=alice, outcome="referral", outcome_reasons="Refer.",
    decided_on=datetime.date(2026, 1, 5), decided_by=alice,
)
contact.children.add(child)
Referral.objects.create(
    child=child, contact=contact, received_on=datetime.date(2026, 1, 5), source="2A", team=assessment,
    allocated_worker=bob,
)

admin = User.objects.create(username="admin", role=Role.ADMINISTRATOR, agency=agency)
keys = {
    user.username: api_keys.issue(user=user, name="Fuzz", days=1, by=admin, now=timezone.now())[1]
    for user in (alice, bob)
}
print(json.dumps({
    "keys": keys,
    "bob_child": child.pk,
}))
"""


CREATED = """
import json
from macpu.intake.models import Contact
from macpu.people.models import Person
# bob's own contact (SETUP) is not one of the run's.
contacts = Contact.objects.filter(recorded_by__username="alice").exclude(
    children__referrals__allocated_worker__username="bob"
)
children = Person.objects.filter(contacts__in=contacts).distinct()
print(json.dumps({"contacts": sorted(contacts.values_list("pk", flat=True)),
                  "children": sorted(children.values_list("pk", flat=True))}))
"""


@pytest.fixture
def database_url(tmp_path):
    with own_database(tmp_path, "macpu_api_fuzz_test") as url:
        yield url


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a URL we built
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(url: str, headers: dict[str, str], server: subprocess.Popen) -> bytes:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            status, body = fetch(url, headers)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)  # not up yet
            continue
        assert status == 200, body[:500]
        return body
    raise AssertionError("the server did not start")


# A contact the services accept. The schema gives shapes only, so random bodies almost never pass the services'
# rules (at least one child, an address, a concern...): without a valid example alice creates nothing, and
# object_level_authorization has nothing of hers to replay as bob. Schemathesis sends it in its examples phase;
# the stateful phase then follows the links from its response (the contact, its children) as alice.
CONTACT_EXAMPLE = {
    "received_on": "2026-01-05",
    "address": "1 Example Road, Demo Town",
    "postcode": "ZZ1 1ZZ",
    "children": [
        {"given_name": "Sam", "family_name": "Fuzz", "date_of_birth": "2020-01-01", "sex": "F", "ethnicity": "WBRI"}
    ],
    "adults": [],
    "referrer_name": "A teacher",
    "referrer_role": "Class teacher",
    "referral_source": "2A",
    "concern": "A concern, for the fuzz.",
    "urgency": "same_day",
}


def with_examples(document: dict) -> dict:
    """The server's schema with a valid request body example for `contact_create`; nothing else changes."""
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == "contact_create":
                operation["requestBody"]["content"]["application/json"]["example"] = CONTACT_EXAMPLE
                return document
    raise AssertionError("contact_create is not in the schema")


def summary(output: str) -> dict[str, int]:
    """The counts in schemathesis's summary."""
    tested = re.search(r"API Operations:\s+Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    cases = re.search(r"Test cases:\s+(\d+) generated", output)
    assert tested and cases, output[-3000:]
    failures = re.search(r"found (\d+) unique failures?", output)
    return {
        "selected": int(tested.group(1)),
        "tested": int(tested.group(3)),
        "cases": int(cases.group(1)),
        "failures": int(failures.group(1)) if failures else 0,
    }


def test_schemathesis_finds_no_failures_with_two_identities(database_url, tmp_path):
    env = {**os.environ, "MACPU_DATABASE_URL": database_url, "MACPU_DEBUG": "1"}
    migrated = macpu(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    setup = macpu(env, "shell", "-c", SETUP)
    assert setup.returncode == 0, setup.stderr
    found = json.loads(setup.stdout.strip().splitlines()[-1])
    identities = {name: {"Authorization": f"Bearer {key}"} for name, key in found["keys"].items()}
    auth = tmp_path / "wfc-auth.json"
    auth.write_text(
        json.dumps(
            {
                "auth": [
                    {"name": name, "fixedHeaders": [{"name": k, "value": v} for k, v in headers.items()]}
                    for name, headers in identities.items()
                ]
            }
        )
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [MACPU, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        schema = tmp_path / "schema.json"
        document = json.loads(wait_for(f"{base}/api/v1/schema/?format=json", identities["alice"], server))
        schema.write_text(json.dumps(with_examples(document)))
        # The identities are what the docstring says: bob reads his own child, which alice (front door) sees too.
        child = f"{base}/api/v1/children/{found['bob_child']}/"
        assert fetch(child, identities["bob"])[0] == 200
        assert fetch(child, identities["alice"])[0] == 200
        assert fetch(child, {})[0] in (401, 403)

        fuzz = subprocess.run(  # noqa: S603 - our own command
            [
                SCHEMATHESIS,
                "--no-color",
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                str(schema),
                "--url",
                base,
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                str(SEED),
                "--generation-database",
                "none",
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--report",
                "junit,ndjson",
                "--report-junit-path",
                str(tmp_path / "junit.xml"),
                "--report-ndjson-path",
                str(tmp_path / "events.ndjson"),
            ],
            env={**env, "MACPU_FUZZ_AUTH": str(auth)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        print(fuzz.stdout + fuzz.stderr)
        # What object_level_authorization did, checked again directly: every contact alice recorded during the
        # run, and every child on one, is alice's to read and 404 to bob, as a nonexistent one is.
        created = macpu(env, "shell", "-c", CREATED)
        assert created.returncode == 0, created.stderr
        mine = json.loads(created.stdout.strip().splitlines()[-1])
        assert mine["contacts"], "alice recorded no contact: the object-level check had nothing of hers to replay"
        for kind, ids in mine.items():
            for pk in ids:
                assert fetch(f"{base}/api/v1/{kind}/{pk}/", identities["alice"])[0] == 200, (kind, pk)
                assert fetch(f"{base}/api/v1/{kind}/{pk}/", identities["bob"])[0] == 404, (kind, pk)
    finally:
        server.kill()
        server.wait(timeout=30)
        log.close()

    # The object-level probes themselves: a read of one of alice's contacts answered 404. alice (front door) reads
    # every contact, so only bob, replaying her read, gets that 404.
    requests = (tmp_path / "server.log").read_text()
    probed = {int(pk) for pk in re.findall(r'"GET /api/v1/contacts/(\d+)/ HTTP/1.1" 404', requests)}
    assert probed & set(mine["contacts"]), "schemathesis replayed none of alice's contacts as bob"

    output = fuzz.stdout + fuzz.stderr
    counts = summary(output)
    print(f"api_fuzz: {counts}")
    assert fuzz.returncode == 0, output[-20000:]
    assert counts["failures"] == 0, output[-20000:]
    assert counts["selected"] == counts["tested"] == len(EXPECTED_OPERATIONS), counts
    assert counts["cases"] >= 10 * len(EXPECTED_OPERATIONS), counts
    junit = ET.parse(tmp_path / "junit.xml")  # noqa: S314 - schemathesis's own report
    tested = {case.get("name") for case in junit.iter("testcase")}
    assert EXPECTED_OPERATIONS <= tested, tested
