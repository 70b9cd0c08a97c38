"""Before any import: the page and the command say how to import, and show nothing else."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from macpu.agencies.models import Role
from tests.factories import UserFactory


def test_with_nothing_imported_the_page_says_how_to_import(client, db):
    client.force_login(UserFactory(role=Role.ANALYST))
    body = client.get(reverse("analytics-published-compare")).content.decode()
    assert "macpu import-published-stats" in body
    assert "Open Government Licence" not in body


def test_with_nothing_imported_the_csv_is_not_found(client, db):
    client.force_login(UserFactory(role=Role.ANALYST))
    assert client.get(reverse("analytics-published-compare-csv")).status_code == 404


def test_with_nothing_imported_benchmark_says_how_to_import(db):
    with pytest.raises(CommandError, match="macpu import-published-stats"):
        call_command("benchmark", "--la", "850", "--year", "2021")


def test_with_nothing_imported_the_evaluation_says_how_to_import(client, db):
    client.force_login(UserFactory(role=Role.ANALYST))
    body = client.get(reverse("analytics-published-evaluation")).content.decode()
    assert "macpu import-published-stats" in body
