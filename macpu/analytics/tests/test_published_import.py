"""`macpu import-published-stats`: DfE's files checked, stored typed, all or nothing, replacing the last import."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from macpu.analytics import measures as m
from macpu.analytics.models import ENGLAND, AreaYear, Neighbour, Population, PublishedImport
from macpu.analytics.published import (
    ALL_FILES,
    ATTRIBUTION,
    PublishedProblems,
    frames_from,
    published_frames,
    published_import,
    published_stats_dir,
    read_published,
    recover_population,
)

REAL = published_stats_dir()
C4 = "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv"


@pytest.fixture
def files(tmp_path) -> Path:
    """A copy of the real files that a test may break."""
    for name in ALL_FILES:
        shutil.copy(REAL / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def nothing_stored() -> bool:
    return not (
        PublishedImport.objects.exists()
        or AreaYear.objects.exists()
        or Population.objects.exists()
        or Neighbour.objects.exists()
    )


def test_the_real_files_are_imported_with_who_when_and_the_licence(db):
    call_command("import-published-stats", str(REAL), "--by", "analyst.one")

    source = PublishedImport.objects.get()
    assert source.imported_by == "analyst.one"
    assert source.attribution == ATTRIBUTION
    assert AreaYear.objects.filter(area_code=ENGLAND).count() == 13
    hampshire = AreaYear.objects.get(area_code="850", year=2021)
    assert (hampshire.name, hampshire.s47, hampshire.cpp_start) == ("Hampshire", 6048, 1460)
    assert Population.objects.filter(basis="published", year=2021, area_code="850").get().children == 285_610
    assert Population.objects.filter(basis="current", year=2021, area_code="850").get().children == 279_476
    assert Neighbour.objects.filter(model="2021", area_code="850").order_by("rank").first().neighbour_code == "938"
    assert Neighbour.objects.filter(model="2025").values("area_code").distinct().count() >= 150


def test_figures_read_back_from_the_database_give_the_same_measures_as_the_files(db):
    published = read_published(REAL)
    published_import(directory=REAL, by="test", now=timezone.now())
    from_files, from_db = frames_from(published), published_frames(cached=False)

    expected = m.compute(from_files.figures, from_files.populations)
    stored = m.compute(from_db.figures, from_db.populations)
    assert stored.sort_index().astype(str).equals(expected.sort_index().astype(str))


def test_a_suppressed_figure_is_stored_as_no_value_with_its_reason_never_as_zero(db):
    published_import(directory=REAL, by="test", now=timezone.now())
    suppressed = AreaYear.objects.exclude(s47_missing="").first()
    assert suppressed is not None
    assert suppressed.s47 is None
    frames = published_frames(cached=False)
    measures = m.compute(frames.figures, frames.populations)
    value, note, _flag = m.value_at(measures, suppressed.area_code, suppressed.year, "s47_rate")
    assert value is None
    assert note in {"suppressed", "low reliability", "not available", "not applicable"}


def test_importing_unchanged_files_again_does_nothing_and_force_replaces_the_import(db, capsys):
    call_command("import-published-stats", str(REAL))
    first = PublishedImport.objects.get()
    call_command("import-published-stats", str(REAL))
    assert "already imported" in capsys.readouterr().out
    assert PublishedImport.objects.get() == first

    call_command("import-published-stats", str(REAL), "--force")
    assert PublishedImport.objects.get() != first
    assert AreaYear.objects.filter(area_code="850", year=2021).count() == 1


def test_a_missing_directory_is_skipped_only_when_asked(db, tmp_path, capsys):
    call_command("import-published-stats", str(tmp_path / "nowhere"), "--if-available")
    assert "nothing imported" in capsys.readouterr().out
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("import-published-stats", str(tmp_path / "nowhere"))
    assert nothing_stored()


def test_a_missing_file_is_named_and_nothing_is_imported(db, files):
    (files / C4).unlink()
    with pytest.raises(CommandError, match=f"{C4}: required file: not found"):
        call_command("import-published-stats", str(files))
    assert nothing_stored()


def test_a_missing_column_is_named_and_nothing_is_imported(db, files):
    edit(files / C4, ",Section47,", ",Section_47,")
    with pytest.raises(CommandError, match=f"{C4}, row 1, column Section47: required column"):
        call_command("import-published-stats", str(files))
    assert nothing_stored()


def test_a_figure_that_is_not_a_whole_number_breaks_the_value_rule_and_nothing_is_imported(db, files):
    edit(files / C4, "Conferences,230590,", "Conferences,23O590,")
    with pytest.raises(PublishedProblems) as raised:
        published_import(directory=files, by="test", now=timezone.now())
    (problem,) = raised.value.problems
    assert (problem.file, problem.row, problem.column, problem.rule) == (C4, 2, "Section47", "value")
    assert nothing_stored()


def test_an_unknown_suppression_letter_is_refused_and_nothing_is_imported(db, files):
    edit(files / C4, "Conferences,230590,", "Conferences,k,")
    with pytest.raises(CommandError, match=rf"{C4}, row 2, column Section47: suppression letter: 'k'"):
        call_command("import-published-stats", str(files))
    assert nothing_stored()


def test_a_malformed_year_or_la_code_is_refused_and_nothing_is_imported(db, files):
    edit(files / "d3_cpps_subsequent_plan_2013_to_2025.csv", "\n2025,", "\n20X5,")
    edit(files / "sn_model_2025_wide.csv", "\n301,", "\n31,")
    with pytest.raises(PublishedProblems) as raised:
        published_import(directory=files, by="test", now=timezone.now())
    rules = {(p.file, p.column, p.rule) for p in raised.value.problems}
    assert ("d3_cpps_subsequent_plan_2013_to_2025.csv", "time_period", "year") in rules
    assert ("sn_model_2025_wide.csv", "old_la_code", "LA code") in rules
    assert nothing_stored()


def test_bad_files_leave_the_previous_import_exactly_as_it_was(db, files):
    previous = published_import(directory=REAL, by="first", now=timezone.now())
    before = AreaYear.objects.count(), Population.objects.count(), Neighbour.objects.count()
    edit(files / C4, "Conferences,230590,", "Conferences,k,")

    with pytest.raises(CommandError):
        call_command("import-published-stats", str(files))

    assert PublishedImport.objects.get() == previous
    assert (AreaYear.objects.count(), Population.objects.count(), Neighbour.objects.count()) == before


def test_a_failure_while_writing_rolls_back_to_the_previous_import(db, monkeypatch):
    previous = published_import(directory=REAL, by="first", now=timezone.now())

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Neighbour.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        published_import(directory=REAL, by="second", now=timezone.now())

    assert PublishedImport.objects.get() == previous
    assert Neighbour.objects.filter(source=previous).count() == 3090


def test_the_population_behind_published_rates_is_where_every_rate_agrees():
    # 285,610 children: 8,561 plans is 299.7 per 10,000 and 18,615 episodes 651.8 (both rounded to 1 decimal)
    assert recover_population([(8561, 299.7), (18615, 651.8)], rounding=0) == pytest.approx(285_610, abs=15)
    assert recover_population([(0, 0.0)], rounding=0) is None
