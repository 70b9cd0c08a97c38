"""Shared pytest fixtures: the demo local authority's people as tests need them."""

import pytest

from macpu.agencies.models import Role
from tests.factories import LocalAuthorityFactory, TeamFactory, UserFactory


@pytest.fixture
def local_authority(db):
    return LocalAuthorityFactory()


@pytest.fixture
def team(db):
    return TeamFactory(front_door=True)  # the unit: its staff work the front door


@pytest.fixture
def social_worker(team):
    return UserFactory(
        username="sw", first_name="Sam", last_name="Worker", role=Role.SOCIAL_WORKER, team=team, agency=team.agency
    )


@pytest.fixture
def manager(team):
    return UserFactory(
        username="tm", first_name="Morgan", last_name="Manager", role=Role.TEAM_MANAGER, team=team, agency=team.agency
    )


@pytest.fixture
def chair(team):
    return UserFactory(
        username="chair",
        first_name="Cass",
        last_name="Chair",
        role=Role.CONFERENCE_CHAIR,
        team=None,
        agency=team.agency,
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests sign in many users: a deliberately slow hasher would only slow the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_trail_can_be_flushed(request):
    """A transactional test (the browser tests') ends with a flush, a TRUNCATE of every table, which the audit
    trail's append-only triggers refuse on PostgreSQL: they are switched off for that flush only, and back on for
    the next test."""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.db import connection

    def triggers(state: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("access_auditevent", "access_auditsubject"):
                    cursor.execute(f"ALTER TABLE {table} {state} TRIGGER USER")

    triggers("ENABLE")
    yield
    triggers("DISABLE")
