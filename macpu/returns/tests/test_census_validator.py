"""The independent check: the DfE validator (csc-validator-be-cin) accepts the census of 5,000 generated children,
and that census takes every pathway the generator models, so the validator has seen each of them.

The validator is run as the pre-submission page runs it (`returns.validator.run_dfe_checks`): queries are reported
but do not fail the return. Its one known false alarm, query 2887Q ("less than 8 disability codes"), fires on any
return with 7 or fewer children recorded with no disability; it cannot fire on a return this size.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from lxml import etree

from macpu.core.codes import ReasonForClosure
from macpu.demo.generator import generate
from macpu.returns.census import census_xml
from macpu.returns.validator import run_dfe_checks, validator_path
from tests.factories import aware

TODAY = date(2026, 5, 15)  # after the 2025-26 year closed, so the whole year is in the data
COLLECTION_YEAR = 2026  # 1 April 2025 to 31 March 2026
CHILDREN, SEED = 5000, 11

pytestmark = pytest.mark.django_db  # so that the test database is set up for the module's census


@pytest.fixture(scope="module")
def census_file(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """The 2025-26 census of the demo data, generated once for this module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(children=CHILDREN, seed=SEED, today=TODAY, agency_records=0)  # the census needs no linkage
        xml = census_xml(year=COLLECTION_YEAR, now=aware(2026, 5, 15))
        transaction.set_rollback(True)
    path = tmp_path_factory.mktemp("census") / "cin-census.xml"
    path.write_bytes(xml)
    return path


def _day(path: str) -> str:
    """An ISO date item as a number XPath 1.0 can compare: 2025-04-01 is 20250401."""
    return f"translate({path}, '-', '')"


PATHWAYS = {
    **{
        f"an episode closed {code}: {ReasonForClosure(code).label}": f"//CINdetails[ReasonForClosure='{code}']"
        for code in ReasonForClosure.values
    },
    "a child who died in the year": "//ChildIdentifiers[PersonDeathDate]",
    "a child unborn on 31 March": "//ChildIdentifiers[ExpectedPersonBirthDate]",
    "a child born in the year after being referred unborn": "//Child["
    f"{_day('ChildIdentifiers/PersonBirthDate')} >= 20250401"
    f" and {_day('CINdetails[1]/CINreferralDate')} < {_day('ChildIdentifiers/PersonBirthDate')}]",
    "a section 47 enquiry leading to an initial conference": "//Section47[DateOfInitialCPC]",
    "a section 47 enquiry after which no conference was needed": "//Section47[ICPCnotRequired='true']",
    "a child protection plan started before 1 April 2025": f"//ChildProtectionPlans[{_day('CPPstartDate')} < 20250401]",
    "a child protection plan open on 31 March 2026": "//ChildProtectionPlans[not(CPPendDate)]",
    "a child in need plan started before 1 April 2025": f"//CINPlanDates[{_day('CINPlanStartDate')} < 20250401]",
    "a child in need plan open on 31 March 2026": "//CINPlanDates[not(CINPlanEndDate)]",
    "a child referred again in the year (two episodes)": "//Child[count(CINdetails) >= 2]",
    # a transfer in: a plan from the transfer-in conference, recorded as the episode's initial conference
    "a child transferred in on a plan from another local authority": "//CINdetails[ReferralSource='5C'"
    " and not(Section47) and ChildProtectionPlans/CPPstartDate = DateOfInitialCPC]",
}


@pytest.mark.parametrize("xpath", PATHWAYS.values(), ids=PATHWAYS.keys())
def test_the_census_of_the_demo_data_takes_every_pathway(census_file, xpath):
    root = etree.parse(str(census_file)).getroot()

    assert root.xpath(xpath), f"nothing in the census matches {xpath}"


def test_the_dfe_validator_accepts_the_census_of_the_demo_data(census_file):
    path = validator_path()
    assert path is not None and path.is_file(), "the DfE validator is missing: install it or set MACPU_CIN_VALIDATE"

    report = run_dfe_checks(census_file.read_bytes())

    errors = [f"{f.rule} {f.la_child_id} {f.table}.{f.column}: {f.message}" for f in report.findings if f.must_fix]
    assert report.passed, "the validator found problems:\n" + "\n".join(errors + report.crashed)
    assert report.ruleset == "cin2025_26"
