"""The "Local authorities compared" page, its CSV, and `macpu benchmark`, on the real published files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from macpu.agencies.models import Role
from macpu.analytics.models import PublishedImport
from macpu.analytics.published import published_import, published_stats_dir
from tests.factories import LocalAuthorityFactory, UserFactory

PAGE = "analytics-published-compare"
ANALYTICS_ROLES = [Role.PERFORMANCE_ANALYST, Role.ANALYST, Role.TEAM_MANAGER, Role.PRIVACY_OFFICER]
OTHER_ROLES = [r for r in Role if r not in ANALYTICS_ROLES]
HAMPSHIRE_2021 = {"la": "850", "measure": "s47_rate", "neighbours": "2021", "count": "5", "population": "published"}


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The real files, imported once for this module (the import takes a second or two)."""
    with django_db_blocker.unblock():
        source = published_import(directory=published_stats_dir(), by="test", now=timezone.now())
    yield source
    with django_db_blocker.unblock():
        PublishedImport.objects.all().delete()


@pytest.fixture
def analyst(db):
    return UserFactory(role=Role.ANALYST)


@pytest.mark.parametrize("role", ANALYTICS_ROLES)
def test_each_analytics_role_sees_hampshire_beside_its_neighbours_and_england(client, imported, db, role):
    client.force_login(UserFactory(role=role))

    response = client.get(reverse(PAGE), HAMPSHIRE_2021)

    body = response.content.decode()
    assert response.status_code == 200
    for shown in ("Hampshire", "West Sussex", "North Somerset", "England", "211.8", "188.8", "69.6", "2020 to 2021"):
        assert shown in body
    assert "<svg" in body
    assert "Open Government Licence v3.0" in body


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_is_refused_and_the_refusal_holds_no_figures(client, imported, db, role):
    client.force_login(UserFactory(role=role))

    for name in (PAGE, "analytics-published-compare-csv"):
        response = client.get(reverse(name), HAMPSHIRE_2021)

        body = response.content.decode()
        assert response.status_code == 403
        for figure in ("Hampshire", "West Sussex", "211.8", "per 10,000", "<svg", "Section 47"):
            assert figure not in body


def test_someone_signed_out_is_sent_to_sign_in(client, imported, db):
    response = client.get(reverse(PAGE))
    assert response.status_code in (302, 403)
    assert b"Hampshire" not in response.content


def test_the_page_opens_on_the_units_own_local_authority(client, imported, analyst):
    LocalAuthorityFactory(code="850")
    client.force_login(analyst)

    body = client.get(reverse(PAGE)).content.decode()

    assert '<option value="850" selected>Hampshire</option>' in body


def test_the_page_opens_on_the_first_authority_when_the_units_is_not_in_the_figures(client, imported, analyst):
    LocalAuthorityFactory(code="999")
    client.force_login(analyst)

    response = client.get(reverse(PAGE))

    assert response.status_code == 200
    assert '<option value="301" selected>Barking and Dagenham</option>' in response.content.decode()


def test_suppressed_figures_are_said_in_words_and_never_shown_as_letters(client, imported, analyst):
    client.force_login(analyst)
    from macpu.analytics.models import AreaYear

    suppressed = AreaYear.objects.filter(s47_missing="c").first()
    assert suppressed is not None

    body = client.get(reverse(PAGE), {**HAMPSHIRE_2021, "la": suppressed.area_code, "count": "10"}).content.decode()

    assert "Suppressed" in body
    assert ">c<" not in body and ">x<" not in body


def test_the_share_followed_by_a_plan_is_called_an_indicator_not_a_conversion(client, imported, analyst):
    client.force_login(analyst)
    body = client.get(reverse(PAGE), {**HAMPSHIRE_2021, "measure": "plan_share"}).content.decode()
    assert "24.1%" in body
    assert "indicator, not a tracked conversion" in body


def test_implausible_figures_are_flagged_to_check(client, imported, analyst):
    client.force_login(analyst)
    body = client.get(reverse(PAGE), {**HAMPSHIRE_2021, "la": "341", "measure": "icpc_rate"}).content.decode()
    assert "Figures to check" in body
    assert "Liverpool, 2012 to 2013: more conferences than enquiries" in body


def test_the_table_downloads_as_csv_with_the_same_numbers_and_the_licence(client, imported, analyst):
    client.force_login(analyst)

    response = client.get(reverse("analytics-published-compare-csv"), HAMPSHIRE_2021)

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[1]
    hampshire = next(r for r in rows if r and r[0] == "Hampshire")
    assert hampshire[header.index("2020 to 2021")] == "211.8"
    assert "Open Government Licence v3.0" in rows[-1][0]


def test_unknown_choices_fall_back_to_the_defaults(client, imported, analyst):
    client.force_login(analyst)
    response = client.get(reverse(PAGE), {"la": "<script>", "measure": "nope", "neighbours": "1999", "count": "99"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_benchmark_prints_hampshire_beside_its_neighbours_and_england_as_json(imported, db, capsys):
    call_command(
        "benchmark",
        "--la",
        "850",
        "--year",
        "2021",
        "--neighbours",
        "2021",
        "--population",
        "published",
        "--count",
        "5",
        "--format",
        "json",
    )

    table = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in table["rows"]] == [
        "Hampshire",
        "West Sussex",
        "South Gloucestershire",
        "Central Bedfordshire",
        "Cambridgeshire",
        "North Somerset",
        "England",
    ]
    assert table["rows"][0]["s47_rate"] == 211.8
    assert table["rows"][0]["plan_share"] == 24.1
    assert table["rows"][-1]["not_followed"] == 134_960
    assert "Open Government Licence" in table["attribution"]


def test_benchmark_prints_csv_on_the_current_population_with_the_2025_neighbours(imported, db, capsys):
    call_command(
        "benchmark",
        "--la",
        "Hampshire",
        "--year",
        "2021",
        "--neighbours",
        "2025",
        "--population",
        "current",
        "--format",
        "csv",
    )

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 12  # Hampshire, 10 neighbours, England
    assert rows[0]["s47_rate"] == "216.4"
    assert rows[1]["name"] == "Wiltshire"


@pytest.mark.parametrize(
    ("la", "year", "message"),
    [("999", "2021", "not a local authority"), ("850", "2031", "no figures for 850 in 2031")],
)
def test_benchmark_refuses_an_unknown_authority_or_year_clearly(imported, db, la, year, message):
    with pytest.raises(CommandError, match=message):
        call_command("benchmark", "--la", la, "--year", year)


def test_benchmark_exits_non_zero_from_the_command_line(imported, db, capsys):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["macpu", "benchmark", "--la", "999", "--year", "2021"]).execute()

    assert exited.value.code != 0
    assert "not a local authority" in capsys.readouterr().err


def test_yearly_figures_feed_the_evaluation_with_hampshire_and_its_neighbours(imported, db):
    from macpu.analytics.benchmarking import yearly_figures

    area, neighbours = yearly_figures(la="850", key="s47_rate", model="2021", basis="published", count=5)

    assert round(area[2021]) == 212
    assert list(neighbours) == [
        "West Sussex",
        "South Gloucestershire",
        "Central Bedfordshire",
        "Cambridgeshire",
        "North Somerset",
    ]
    assert round(neighbours["North Somerset"][2021]) == 70


EVALUATION = "analytics-published-evaluation"


def test_an_evaluation_compares_hampshire_with_its_neighbours_before_and_after_a_date_and_states_its_assumptions(
    client, imported, analyst
):
    client.force_login(analyst)

    response = client.get(
        reverse(EVALUATION),
        {"la": "850", "measure": "s47_rate", "change-day": "1", "change-month": "4", "change-year": "2016"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Difference in differences" in body
    assert "2013 to 2014, 2014 to 2015, 2015 to 2016" in body  # the three years before
    assert "2016 to 2017, 2017 to 2018, 2018 to 2019" in body  # and after
    assert "What this assumes" in body and "parallel trends" in body
    assert "West Sussex" in body and "<svg" in body
    assert "Open Government Licence v3.0" in body


def test_an_evaluation_with_a_date_that_does_not_exist_says_so(client, imported, analyst):
    client.force_login(analyst)
    response = client.get(
        reverse(EVALUATION), {"la": "850", "change-day": "31", "change-month": "2", "change-year": "2019"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'value="31"' in body


def test_the_evaluation_downloads_as_csv_with_the_same_figures_as_the_page(client, imported, analyst):
    client.force_login(analyst)
    query = {"la": "850", "measure": "s47_rate", "change-day": "1", "change-month": "4", "change-year": "2016"}
    page = client.get(reverse(EVALUATION), query).content.decode()

    response = client.get(reverse("analytics-published-evaluation-csv"), query)

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:4] == ["Area", "2013 to 2014", "2014 to 2015", "2015 to 2016"]
    hampshire = next(row for row in rows if row[0] == "Hampshire")
    assert all(figure in page for figure in hampshire[1:])
    (difference,) = [row[1] for row in rows if row[:1] == ["Difference in differences"]]
    assert difference.endswith("per 10,000 children") and difference in page
    placebos = rows.index(
        ["Neighbour treated as if it had made the change", "Difference in differences", "At least as large"]
    )
    assert "West Sussex" in [row[0] for row in rows[placebos + 1 :] if row]
    assert "Open Government Licence v3.0" in rows[-1][0]


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("route", [EVALUATION, "analytics-published-evaluation-csv"])
def test_every_other_role_is_refused_the_evaluation_and_the_refusal_holds_no_figures(client, imported, db, role, route):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(route), {"la": "850"})
    assert response.status_code == 403
    for figure in ("Hampshire", "West Sussex", "Difference in differences", "<svg"):
        assert figure not in response.content.decode()
