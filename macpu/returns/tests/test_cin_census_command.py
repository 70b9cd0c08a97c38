"""`macpu cin-census`: writes the whole file or nothing, and names the argument it cannot use."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from tests.pathway import run_pathway


def test_it_writes_the_census_for_the_collection_year(tmp_path, local_authority, social_worker, manager, chair, team):
    run_pathway(social_worker=social_worker, manager=manager, chair=chair, team=team)
    output = tmp_path / "cin-2027.xml"

    call_command("cin-census", "--year", "2027", "--output", str(output), stdout=StringIO())

    root = etree.parse(str(output)).getroot()
    assert root.findtext("Header/CollectionDetails/Year") == "2027"
    assert len(root.findall("Children/Child")) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["cin-2027.xml"], "no temporary file left behind"


@pytest.mark.parametrize("year", ["26", "twenty", "1999"])
def test_a_bad_year_is_refused_naming_the_argument(tmp_path, db, year):
    with pytest.raises(CommandError, match="--year"):
        call_command("cin-census", "--year", year, "--output", str(tmp_path / "out.xml"))

    assert list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_refused_and_nothing_is_written(tmp_path, db):
    with pytest.raises(CommandError, match="--output"):
        call_command("cin-census", "--year", "2027", "--output", str(tmp_path / "missing" / "out.xml"))


def test_a_failure_part_way_leaves_no_file(tmp_path, db, monkeypatch):
    def fail(file, **kwargs):
        file.write(b"<?xml version='1.0' encoding='UTF-8'?>\n<Message>")  # part of a file, then the failure
        raise RuntimeError("database went away")

    monkeypatch.setattr("macpu.returns.management.commands.cin_census.write_census", fail)

    with pytest.raises(CommandError, match="The census was not written .* and no file was left: database went away"):
        call_command("cin-census", "--year", "2027", "--output", str(tmp_path / "out.xml"))

    assert list(tmp_path.iterdir()) == []


def test_a_year_that_has_not_started_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="the 2099 collection year has not started"):
        call_command("cin-census", "--year", "2099", "--output", str(tmp_path / "out.xml"))

    assert list(tmp_path.iterdir()) == []
