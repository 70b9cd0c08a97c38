"""The independent check: the DfE validator (csc-validator-be-cin) accepts the census of the demo data."""

from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from macpu.demo.generator import generate
from macpu.returns.census import census_xml
from tests.factories import aware

TODAY = date(2026, 5, 15)  # after the 2025-26 year closed, so the whole year is in the data
COLLECTION_YEAR = 2026
VALIDATOR_HOME = "/work/shared/tools/cin-validate/validate"  # where the team's machines keep it


def validator() -> Path:
    """The team's validator beside the repository (`../shared`), or where CIN_VALIDATE points."""
    candidates = [Path(settings.BASE_DIR).parent / "shared/tools/cin-validate/validate", Path(VALIDATOR_HOME)]
    if os.environ.get("CIN_VALIDATE"):
        candidates.insert(0, Path(os.environ["CIN_VALIDATE"]))
    for path in candidates:
        if path.is_file():
            return path
    pytest.fail(f"The CIN census validator is missing: looked for {', '.join(map(str, candidates))}.")


@pytest.mark.django_db
def test_the_dfe_validator_accepts_the_census_of_the_demo_data(tmp_path):
    generate(children=120, seed=7, today=TODAY)
    output = tmp_path / "cin-census.xml"
    output.write_bytes(census_xml(year=COLLECTION_YEAR, now=aware(2026, 5, 15)))

    result = subprocess.run(  # noqa: S603 (a fixed, trusted tool)
        [str(validator()), str(output), "--allow-queries", "--strict-elements"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, f"the validator found problems:\n{result.stdout}\n{result.stderr}"
