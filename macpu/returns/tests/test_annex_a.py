"""Ofsted Annex A lists 1 to 7: the rows the records call for, in Ofsted's columns, written whole or not at all."""

from __future__ import annotations

from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from macpu.casework.models import Assessment, AssessmentOutcome
from macpu.core.codes import CategoryOfAbuse, Ethnicity, PrimaryNeed, ReasonForClosure, ReferralSource, Sex
from macpu.demo.generator import generate
from macpu.intake.models import Contact, ContactOutcome, Referral, ReferralDecision
from macpu.protection.models import Conference, ConferenceKind, CpPlan, S47Enquiry
from macpu.returns import annex_a
from macpu.returns.annex_a import HEADERS, annex_a_rows
from tests.pathway import run_pathway

TODAY = date(2026, 5, 15)  # the demo's today, and the inspection date
START = TODAY - relativedelta(months=6)  # 15 Nov 2025: the six months both ends included


OFSTED_CATEGORY = {
    "NEG": "a) Neglect",
    "PHY": "b) Physical abuse",
    "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse",
}


@pytest.fixture
def demo(db):
    generate(children=120, seed=7, today=TODAY, agency_records=0)  # the return needs no linkage


def run(output: Path, as_of: str = "2026-05-15") -> str:
    out = StringIO()
    call_command("annex-a", "--as-of", as_of, "--output", str(output), stdout=out)
    return out.getvalue()


def records(sheet: Worksheet) -> list[dict[str, object]]:
    """The sheet's rows as {header: value}, dates read back as dates."""
    rows = sheet.iter_rows(values_only=True)
    headers = next(rows)
    return [{h: v.date() if isinstance(v, datetime) else v for h, v in zip(headers, row, strict=True)} for row in rows]


def only(rows: list[dict[str, object]], child_id: str) -> dict[str, object]:
    (found,) = [r for r in rows if r["Child Unique ID"] == child_id]
    return found


# --------------------------------------------------------------------------------------------------------------
# The demo local authority: every list's size against the records, counted another way


def expected_counts() -> dict[str, int]:
    through = Contact.children.through
    period = (START, TODAY)
    early_help_contacts = through.objects.filter(
        contact__outcome=ContactOutcome.EARLY_HELP, contact__decided_on__range=period
    ).count()
    early_help_episodes = (
        Referral.objects.filter(
            Q(assessments__outcome=AssessmentOutcome.EARLY_HELP, assessments__authorised_on__range=period)
            | Q(closure_reason=ReasonForClosure.ASSESSMENT_EARLY_HELP, closed_on__range=period)
        )
        .distinct()
        .count()
    )
    in_need = (
        Referral.objects.filter(
            received_on__lte=TODAY,
            decision__in=[ReferralDecision.ASSESSMENT, ReferralDecision.STRATEGY_DISCUSSION],
            decided_on__lte=TODAY,
        )
        .exclude(closed_on__lt=START)
        .values("child")
        .distinct()
    )
    on_plans = (
        CpPlan.objects.filter(started_on__lte=TODAY).exclude(ended_on__lt=START).values("referral__child").distinct()
    )
    return {
        "List 1": through.objects.filter(contact__received_on__range=period).count(),
        "List 2": early_help_contacts + early_help_episodes,
        "List 3": Referral.objects.filter(received_on__range=period).count(),
        "List 4": Assessment.objects.filter(started_on__lte=TODAY).exclude(authorised_on__lt=START).count(),
        "List 5": S47Enquiry.objects.filter(started_on__lte=TODAY).exclude(completed_on__lt=START).count(),
        "List 6": in_need.count(),
        "List 7": on_plans.count(),
    }


def test_every_list_has_one_row_for_each_record_in_the_six_months(demo, tmp_path):
    output = tmp_path / "annex-a.xlsx"

    message = run(output)

    workbook = load_workbook(output)
    expected = expected_counts()
    assert workbook.sheetnames == list(HEADERS)
    for title, count in expected.items():
        sheet = workbook[title]
        assert [c.value for c in sheet[1]] == list(HEADERS[title]), title
        assert sheet.max_row - 1 == count, f"{title}: {sheet.max_row - 1} rows, the records say {count}"
        assert count > 0, f"{title}: the demo data should exercise every list"
        assert f"{title} {count}" in message
    assert [p.name for p in tmp_path.iterdir()] == ["annex-a.xlsx"], "no temporary file left behind"


def test_the_header_is_bold_and_frozen_and_dates_are_real_dates_shown_day_first(demo, tmp_path):
    output = tmp_path / "annex-a.xlsx"
    run(output)

    for sheet in load_workbook(output).worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        dates = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None and cell.is_date]
        assert dates, sheet.title
        assert {cell.number_format for cell in dates} == {"dd/mm/yyyy"}


def test_a_child_protection_plan_shows_its_dates_and_categories_as_the_records_have_them(demo, tmp_path):
    output = tmp_path / "annex-a.xlsx"
    run(output)
    plan = CpPlan.objects.filter(ended_on__isnull=True, visits__isnull=False).order_by("started_on", "pk").first()
    child = plan.referral.child
    last_visit = plan.visits.filter(visited_on__lte=TODAY).order_by("-visited_on", "-pk").first()
    reviews = plan.conferences.filter(kind=ConferenceKind.REVIEW, held_on__lte=TODAY).order_by("-held_on")

    row = only(records(load_workbook(output)["List 7"]), child.la_child_id)

    assert row["Child Protection Plan Start Date"] == plan.started_on
    assert row["Initial Category of Abuse"] == OFSTED_CATEGORY[plan.initial_category]
    assert row["Date of the Last Statutory Visit"] == last_visit.visited_on
    assert row["Was the Child Seen Alone?"] == ("a) Yes" if last_visit.child_seen_alone else "b) No")
    assert row["Date of latest review conference"] == (reviews[0].held_on if reviews else None)
    assert row["Child Protection Plan End Date"] is None
    assert row["Date of Birth"] == child.date_of_birth
    assert row["Age of Child (Years)"] == relativedelta(TODAY, child.date_of_birth).years
    assert row["Gender"] == {Sex.MALE: "a) Male", Sex.FEMALE: "b) Female"}[child.sex]
    assert row["Ethnicity"].endswith(f") {child.ethnicity}")


def test_a_re_referral_counts_the_childs_referrals_in_the_12_months_before_it(demo, tmp_path):
    output = tmp_path / "annex-a.xlsx"
    run(output)
    rows = records(load_workbook(output)["List 3"])
    referrals = Referral.objects.filter(received_on__range=(START, TODAY)).select_related("child")
    re_referrals = [
        (r, n)
        for r in referrals
        if (
            n := Referral.objects.filter(
                child=r.child, received_on__gte=r.received_on - relativedelta(months=12), received_on__lt=r.received_on
            ).count()
        )
    ]
    assert re_referrals, "the demo data has a re-referral"
    referral, earlier = re_referrals[0]

    (row,) = [
        r
        for r in rows
        if r["Child Unique ID"] == referral.child.la_child_id and r["Date of referral"] == referral.received_on
    ]

    assert row["Number of Referrals in Last 12 Months"] == earlier
    assert row["Referral Source"].split(") ")[1].startswith(f"{ReferralSource(referral.source).value}:")
    assert row["Referral NFA?"] == ("a) Yes" if referral.decision == ReferralDecision.NO_FURTHER_ACTION else "b) No")
    assert row["Allocated Team"] == referral.team.name
    assert sum(1 for r in rows if r["Number of Referrals in Last 12 Months"]) == len(re_referrals)


def test_reads_take_a_fixed_number_of_queries_not_one_per_row(demo):
    with CaptureQueriesContext(connection) as queries:
        rows = annex_a_rows(as_of=TODAY)

    assert sum(len(r) for r in rows.values()) > 150
    assert len(queries) <= 12


# --------------------------------------------------------------------------------------------------------------
# The hand-worked pathway (tests/pathway.py): Ava to her first review, Leo's referral undecided


@pytest.fixture
def pathway(local_authority, social_worker, manager, chair, team):
    return run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)


def sheets(as_of: date) -> dict[str, list[dict[str, object]]]:
    return {
        title: [dict(zip(HEADERS[title], row, strict=True)) for row in rows]
        for title, rows in annex_a_rows(as_of=as_of).items()
    }


def test_avas_journey_appears_on_each_list_with_hand_worked_values(pathway, team):
    ava, leo = pathway
    lists = sheets(date(2027, 4, 14))  # the day before her first review

    assert {title: len(rows) for title, rows in lists.items()} == {
        "List 1": 2,  # one contact naming both children
        "List 2": 0,
        "List 3": 2,
        "List 4": 1,
        "List 5": 1,
        "List 6": 1,  # Leo is only the subject of a referral
        "List 7": 1,
    }
    assert only(lists["List 1"], leo.la_child_id) == {
        "Child Unique ID": leo.la_child_id,
        "Gender": "a) Male",
        "Ethnicity": "t) NOBT",
        "Date of Birth": date(2023, 7, 9),
        "Age of Child (Years)": 3,
        "Date of Contact": date(2026, 12, 23),
        "Contact Source": "e) 2A: Schools",
    }
    referral = only(lists["List 3"], ava.la_child_id)
    assert referral["Referral NFA?"] == "b) No"
    assert referral["Number of Referrals in Last 12 Months"] == 0
    assert (referral["Allocated Team"], referral["Allocated Worker"]) == (team.name, "Sam Worker")
    assert only(lists["List 3"], leo.la_child_id)["Allocated Worker"] is None
    (assessment,) = lists["List 4"]
    assert assessment["Continuous Assessment Start Date"] == date(2026, 12, 29)
    assert assessment["Child Seen During Continuous Assessment"] == "a) Yes"  # seen in the enquiry on 29 Dec
    assert assessment["Continuous Assessment Date of Authorisation"] == date(2027, 2, 26)
    assert assessment["Was the child assessed as requiring LA children's social care support?"] == "a) Yes"
    assert assessment["Does the Child have a Disability"] == "c) Unknown"
    (enquiry,) = lists["List 5"]
    assert enquiry["Strategy discussion initiating Section 47 Enquiry Start Date"] == date(2026, 12, 29)
    assert enquiry["Was an Initial Child Protection Conference deemed unnecessary?"] == "b) No"
    assert enquiry["Date of Initial Child Protection Conference"] == date(2027, 1, 18)
    assert enquiry["Did the Initial Child Protection Conference Result in a Child Protection Plan"] == "a) Yes"
    (in_need,) = lists["List 6"]
    assert in_need["Child Unique ID"] == ava.la_child_id
    assert in_need["Primary Need Code"] == "N1 - Abuse or neglect"
    assert in_need["Date Child Was Last Seen"] == date(2027, 3, 25)
    assert in_need["Case Status"] == "b) Child Protection plan"
    (plan,) = lists["List 7"]
    assert plan["Child Protection Plan Start Date"] == date(2027, 1, 18)
    assert plan["Initial Category of Abuse"] == plan["Latest Category of Abuse"] == "b) Physical abuse"
    assert plan["Date of the Last Statutory Visit"] == date(2027, 3, 25)
    assert plan["Was the Child Seen Alone?"] == "b) No"
    assert plan["Date of latest review conference"] is None  # still to come on 14 April
    assert plan["Number of Previous Child Protection Plans"] == 0
    assert plan["Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)"] == (
        "b) No"
    )


def test_nothing_after_the_inspection_date_is_shown(pathway):
    before_the_assessment_ended = sheets(date(2027, 1, 20))
    on_review_day = sheets(date(2027, 4, 15))

    (assessment,) = before_the_assessment_ended["List 4"]
    assert assessment["Continuous Assessment Date of Authorisation"] is None
    assert assessment["Was the child assessed as requiring LA children's social care support?"] is None
    assert before_the_assessment_ended["List 7"][0]["Date of the Last Statutory Visit"] is None
    assert on_review_day["List 7"][0]["Date of latest review conference"] == date(2027, 4, 15)


def test_a_second_plan_counts_the_first_and_shows_the_latest_category(pathway, chair):
    ava, _ = pathway
    first = CpPlan.objects.get(referral__child=ava)
    referral = first.referral
    CpPlan.objects.filter(pk=first.pk).update(ended_on=date(2027, 4, 16), end_reason="no_longer_at_risk")
    second = CpPlan.objects.create(
        referral=referral, started_on=date(2027, 5, 3), initial_category="NEG", latest_category="NEG"
    )
    Conference.objects.create(
        referral=referral,
        kind=ConferenceKind.REVIEW,
        plan=second,
        held_on=date(2027, 6, 1),
        chair=chair,
        family_attended=True,
        decision="continue",
        category="MUL",
    )

    (row,) = sheets(date(2027, 6, 2))["List 7"]

    assert row["Child Protection Plan Start Date"] == date(2027, 5, 3)  # one row per child: the latest plan
    assert row["Number of Previous Child Protection Plans"] == 1
    assert (row["Initial Category of Abuse"], row["Latest Category of Abuse"]) == (
        "a) Neglect",
        "e) Multiple/not recommended",
    )


# --------------------------------------------------------------------------------------------------------------
# Ofsted's values cover every code macpu records


@pytest.mark.parametrize(
    ("mapping", "codes"),
    [
        (annex_a.GENDER, Sex),
        (annex_a.ETHNICITY, Ethnicity),
        (annex_a.SOURCE, ReferralSource),
        (annex_a.PRIMARY_NEED, PrimaryNeed),
        (annex_a.CLOSURE, ReasonForClosure),
        (annex_a.CATEGORY, CategoryOfAbuse),
    ],
)
def test_every_code_has_ofsteds_value(mapping, codes):
    assert set(mapping) == set(codes)
    assert len(set(mapping.values())) == len(mapping)


# --------------------------------------------------------------------------------------------------------------
# The command: the whole file or nothing, and a clear word when it cannot


@pytest.mark.parametrize("as_of", ["15/05/2026", "2026-13-01", "2026-5-1", "yesterday"])
def test_a_bad_date_is_refused_naming_the_argument_and_the_format(tmp_path, db, as_of):
    with pytest.raises(CommandError, match=r"argument --as-of: give the inspection date as YYYY-MM-DD"):
        run(tmp_path / "out.xlsx", as_of=as_of)

    assert list(tmp_path.iterdir()) == []


def test_a_date_in_the_future_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="--as-of: .* is in the future"):
        run(tmp_path / "out.xlsx", as_of="2999-01-01")

    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_refused_and_nothing_is_written(tmp_path, db):
    with pytest.raises(CommandError, match="--output: the directory .*missing.* does not exist"):
        run(tmp_path / "missing" / "out.xlsx")

    assert list(tmp_path.iterdir()) == []


class HalfWriter:
    """Stands in for openpyxl's writer: puts part of the workbook in the file, then fails."""

    def __init__(self, workbook, archive):
        self.archive = archive

    def write_data(self):
        self.archive.writestr("xl/workbook.xml", b"<workbook>" * 1000)
        raise OSError(28, "No space left on device")


def fail_at_list_5(period):
    yield from ()
    raise RuntimeError("the database went away")


@pytest.mark.parametrize(
    ("target", "replacement", "reason"),
    [
        ("LISTS", fail_at_list_5, "the database went away"),  # lists 1 to 4 already read
        ("ExcelWriter", HalfWriter, "No space left on device"),  # part of the file already written
    ],
    ids=["while reading", "while writing"],
)
def test_a_failure_part_way_leaves_no_file_and_keeps_the_previous_one(
    tmp_path, demo, monkeypatch, target, replacement, reason
):
    output = tmp_path / "annex-a.xlsx"
    output.write_bytes(b"last week's workbook")
    if target == "LISTS":
        monkeypatch.setitem(annex_a.LISTS, "List 5", replacement)
    else:
        monkeypatch.setattr(annex_a, target, replacement)

    with pytest.raises(CommandError, match=f"Annex A was not written to .*no file was left: .*{reason}"):
        run(output)

    assert [p.name for p in tmp_path.iterdir()] == ["annex-a.xlsx"], "no temporary file left behind"
    assert output.read_bytes() == b"last week's workbook"
