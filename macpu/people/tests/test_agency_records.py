"""Agency record import (macpu.people.records, `macpu import-agency-records`): an agency's extract of people loaded
with its provenance, all rows or none unless the rejected rows are accepted as a report. All data is synthetic."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from macpu.access.models import AuditEvent
from macpu.agencies.models import AgencyKind, Role
from macpu.people import records
from macpu.people.identifiers import is_valid_nhs_number, nhs_check_digit
from macpu.people.models import AgencyRecord, RecordImport
from macpu.people.records import COLUMNS, ImportProblems, RecordFile, normal_postcode, records_import
from macpu.people.synthetic import agency_records
from tests.factories import AgencyFactory, PersonFactory, UserFactory, aware

NOW = aware(2026, 3, 31, 10)
EXTRACTED = aware(2026, 3, 30, 18)  # 30 March 2026 18:00, British Summer Time


def nhs(nine: str) -> str:
    """A valid NHS number (the 999 block the NHS keeps for tests) from its first nine digits."""
    check = nhs_check_digit(nine)
    assert check is not None
    return f"{nine}{check}"


GOOD_NHS = nhs("999000001")
BAD_NHS = GOOD_NHS[:9] + str((int(GOOD_NHS[9]) + 1) % 10)


def row(**values: str) -> dict[str, str]:
    base = {
        "record_id": "N100",
        "first_name": "Ava",
        "surname": "Sample",
        "date_of_birth": "2023-03-02",
        "sex": "F",
        "postcode": "ZZ3 3ZZ",
        "address": "3 Ava Street, Testtown",
        "nhs_number": GOOD_NHS,
    }
    return {**base, **values}


def csv_bytes(rows: list[dict[str, str]], columns: list[str] | None = None, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.fixture
def police(db):
    return AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)


@pytest.fixture
def administrator(police):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, agency=police, team=None)


def load(actor, agency, data, *, extracted_at=EXTRACTED, accept_rejects=False, progress=None, system="Niche"):
    return records_import(
        actor=actor,
        now=NOW,
        agency=agency,
        system=system,
        extracted_at=extracted_at,
        file_name="police-extract.csv",
        rows=RecordFile(data),
        accept_rejects=accept_rejects,
        progress=progress,
    )


def counts() -> tuple[int, int, int]:
    return AgencyRecord.objects.count(), RecordImport.objects.count(), AuditEvent.objects.count()


# --------------------------------------------------------------------------------------------------------------
# A good file


def test_a_good_file_loads_every_row_with_its_provenance(administrator, police):
    data = csv_bytes(
        [
            row(record_id="N100", postcode="zz3  3zz", nhs_number=f"{GOOD_NHS[:3]} {GOOD_NHS[3:6]} {GOOD_NHS[6:]}"),
            row(record_id="N101", first_name="", surname="SAMPLE", sex="", date_of_birth="", nhs_number=""),
        ],
        columns=["surname", "record_id", "nhs_number", "first_name", "sex", "date_of_birth", "postcode", "address"],
        bom=True,
    )

    record_import = load(administrator, police, data)

    assert (record_import.agency, record_import.system, record_import.extracted_at) == (police, "Niche", EXTRACTED)
    assert (record_import.imported_by, record_import.imported_at, record_import.file_name) == (
        administrator,
        NOW,
        "police-extract.csv",
    )
    assert (record_import.rows_read, record_import.rows_loaded, record_import.rows_updated) == (2, 2, 0)
    assert record_import.rejected == []
    first, second = AgencyRecord.objects.order_by("record_id")
    assert (first.agency, first.system, first.record_id, first.extracted_at, first.record_import) == (
        police,
        "Niche",
        "N100",
        EXTRACTED,
        record_import,
    )
    assert (first.first_name, first.surname, first.date_of_birth, first.sex) == ("Ava", "Sample", date(2023, 3, 2), "F")
    assert (first.postcode, first.address, first.nhs_number) == ("ZZ3 3ZZ", "3 Ava Street, Testtown", GOOD_NHS)
    assert first.person is None  # linkage links it, not the import
    assert (second.first_name, second.date_of_birth, second.sex, second.nhs_number) == ("", None, "U", "")


def test_an_import_is_audited_as_a_change_by_the_administrator(administrator, police):
    record_import = load(administrator, police, csv_bytes([row()]))

    event = AuditEvent.objects.get(what="agency-records-import")
    assert (event.user_id, event.action, event.record_type, event.record_id) == (
        administrator.pk,
        "change",
        "recordimport",
        record_import.pk,
    )
    assert event.reason == (
        "Demo Constabulary Niche extract taken 30 March 2026 18:00 (police-extract.csv): rows read 1, new records 1, "
        "updated 0, rows rejected 0"
    )
    assert not event.subjects.exists()  # no child in the index yet: linkage links the records later


def test_columns_may_be_left_out_and_blank_lines_keep_the_spreadsheet_row_numbers(administrator, police):
    data = b"record_id,surname,postcode\r\nP1,Sample,ZZ3 3ZZ\r\n\r\n,,\r\nP2,Other,nonsense\r\n"

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == ["Row 5, postcode: 'nonsense' is not a UK postcode: write it like SW1A 1AA."]


# --------------------------------------------------------------------------------------------------------------
# Each rule, broken: its message names the row and the column, and nothing is written


BROKEN = [
    ({"record_id": ""}, "Row 3, record_id: enter the record's id in the agency's system."),
    ({"record_id": "N" * 101}, "Row 3, record_id: must be 100 characters or fewer: it has 101."),
    (
        {"first_name": "", "surname": ""},
        "Row 3, surname: enter a surname or a first name: a record needs at least one of them.",
    ),
    ({"first_name": "A" * 101}, "Row 3, first_name: must be 100 characters or fewer: it has 101."),
    ({"surname": "S" * 101}, "Row 3, surname: must be 100 characters or fewer: it has 101."),
    ({"address": "x" * 301}, "Row 3, address: must be 300 characters or fewer: it has 301."),
    (
        {"date_of_birth": "02/03/2023"},
        "Row 3, date_of_birth: write the date as YYYY-MM-DD, like 2014-03-31: '02/03/2023' is not.",
    ),
    (
        {"date_of_birth": "2023-02-30"},
        "Row 3, date_of_birth: write the date as YYYY-MM-DD, like 2014-03-31: '2023-02-30' is not.",
    ),
    (
        {"date_of_birth": "2023-3-2"},
        "Row 3, date_of_birth: write the date as YYYY-MM-DD, like 2014-03-31: '2023-3-2' is not.",
    ),
    (
        {"date_of_birth": "2026-03-31"},
        "Row 3, date_of_birth: 31 March 2026 is after the extract was taken (30 March 2026): a date of birth cannot "
        "be in the future.",
    ),
    (
        {"date_of_birth": "1899-12-31"},
        "Row 3, date_of_birth: 31 December 1899 is before 1900: a date of birth must be 1 January 1900 or later.",
    ),
    ({"sex": "Female"}, "Row 3, sex: write M, F or U (not known), or leave it blank: 'Female' is not one of them."),
    ({"postcode": "ZZ3"}, "Row 3, postcode: 'ZZ3' is not a UK postcode: write it like SW1A 1AA."),
    ({"postcode": "3ZZ ZZ3"}, "Row 3, postcode: '3ZZ ZZ3' is not a UK postcode: write it like SW1A 1AA."),
    (
        {"surname": "Sam\x00ple"},
        "Row 3, surname: has a NUL character, which is not text: save the file from your spreadsheet as CSV again.",
    ),
    ({"nhs_number": "99900000"}, "Row 3, nhs_number: an NHS number is 10 digits: '99900000' is not."),
    ({"nhs_number": "999-000-0019"}, "Row 3, nhs_number: an NHS number is 10 digits: '999-000-0019' is not."),
    (
        {"nhs_number": BAD_NHS},
        f"Row 3, nhs_number: the NHS number {BAD_NHS} fails its check digit: a digit is wrong. Correct it in the "
        "agency's system, or leave it blank.",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN, ids=[m.split(":")[0] + " " + m[-30:] for _, m in BROKEN])
def test_a_row_that_breaks_a_rule_is_named_and_nothing_is_written(administrator, police, change, message):
    data = csv_bytes([row(record_id="N099"), row(**change)])  # a good row first: it is not loaded either
    before = counts()

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == [message]
    assert [str(p) for p in error.value.problems] == [message]
    assert counts() == before


def test_every_problem_in_a_row_is_named(administrator, police):
    data = csv_bytes([row(sex="X", postcode="ZZ", nhs_number="1")])

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == [
        "Row 2, sex: write M, F or U (not known), or leave it blank: 'X' is not one of them.",
        "Row 2, postcode: 'ZZ' is not a UK postcode: write it like SW1A 1AA.",
        "Row 2, nhs_number: an NHS number is 10 digits: '1' is not.",
    ]


def test_a_record_id_on_two_rows_rejects_both_rows(administrator, police):
    data = csv_bytes([row(record_id="N1"), row(record_id="N2"), row(record_id="N1", first_name="Eva")])
    before = counts()

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == [
        "Row 2, record_id: N1 is also on row 4: each record must be in the file once.",
        "Row 4, record_id: N1 is also on row 2: each record must be in the file once.",
    ]
    assert counts() == before


def test_a_row_with_more_values_than_columns_is_refused(administrator, police):
    data = csv_bytes([row()]) + b"N2,Ava,Sample,2023-03-02,F,ZZ3 3ZZ,3 Ava Street,,extra\r\n"

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == [
        "Row 3: the row has more values than the header row has columns: check for a stray comma."
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"record_id,surname,dob,gender\r\nN1,Sample,2023-03-02,F\r\n",
            "The header row has columns this import does not know: dob, gender. Rename or remove them: the columns "
            "are record_id, first_name, surname, date_of_birth, sex, postcode, address, nhs_number.",
        ),
        (
            b"id,surname\r\nN1,Sample\r\n",
            "The header row has columns this import does not know: id. Rename or remove them: the columns are "
            "record_id, first_name, surname, date_of_birth, sex, postcode, address, nhs_number.",
        ),
        (
            b"surname,first_name\r\nSample,Ava\r\n",
            "The header row has no record_id column: every row needs the record's id in the agency's system.",
        ),
        (
            b"record_id,postcode\r\nN1,ZZ3 3ZZ\r\n",
            "The header row has neither a first_name nor a surname column: every record needs a name.",
        ),
        (
            b"record_id,surname,surname\r\nN1,Sample,Sample\r\n",
            "The header row names these columns more than once: surname. Keep one of each.",
        ),
        (
            b"record_id,surname,\r\nN1,Sample,\r\n",
            "Column 3 of the header row has no name: name it, or delete the column if it is empty.",
        ),
        (b"record_id,surname\r\n", "The file has a header row but no records."),
        (b"record_id,surname\r\n\r\n,\r\n", "The file has a header row but no records."),
        (b"", "The file is empty: the first row must name the columns, like record_id,first_name,surname."),
        (
            "record_id,surname\r\nN1,Bront\u00eb\r\n".encode("latin-1"),
            "The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8.",
        ),
        (
            b"record_id,surname\r\nN1,Sample\r\nN2," + b"x" * 200_000 + b"\r\n",
            "Row 3 cannot be read as CSV (field larger than field limit (131072)): save the file from your "
            "spreadsheet as CSV UTF-8 again.",
        ),
    ],
    ids=[
        "unknown columns",
        "misnamed id",
        "no id",
        "no name",
        "twice",
        "unnamed",
        "no rows",
        "blank",
        "empty",
        "latin",
        "huge field",
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole_with_the_reason(administrator, police, data, message):
    before = counts()

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, data)

    assert error.value.messages == [message]
    assert counts() == before


def test_rows_given_as_dicts_with_an_unknown_column_are_refused(administrator, police):
    with pytest.raises(ImportProblems) as error:
        records_import(
            actor=administrator,
            now=NOW,
            agency=police,
            system="Niche",
            extracted_at=EXTRACTED,
            file_name="",
            rows=[{**row(), "ethnicity": "WBRI"}],
        )

    assert error.value.messages[0].startswith("The header row has columns this import does not know: ethnicity.")


# --------------------------------------------------------------------------------------------------------------
# Accepting a report of the rejected rows


def test_accepting_rejects_loads_the_good_rows_and_keeps_exactly_the_others(administrator, police):
    data = csv_bytes(
        [
            row(record_id="N1"),
            row(record_id="N2", postcode="nonsense", nhs_number=BAD_NHS),
            row(record_id="N3", first_name="Eva"),
            row(record_id="N4", first_name="", surname=""),
            row(record_id="N5", first_name="Noah", sex="M"),
        ]
    )

    record_import = load(administrator, police, data, accept_rejects=True)

    assert sorted(AgencyRecord.objects.values_list("record_id", flat=True)) == ["N1", "N3", "N5"]
    assert (record_import.rows_read, record_import.rows_loaded, record_import.rows_updated) == (5, 3, 0)
    assert record_import.rejected == [
        {"row": 3, "field": "postcode", "message": "'nonsense' is not a UK postcode: write it like SW1A 1AA."},
        {
            "row": 3,
            "field": "nhs_number",
            "message": f"the NHS number {BAD_NHS} fails its check digit: a digit is wrong. Correct it in the agency's "
            "system, or leave it blank.",
        },
        {
            "row": 5,
            "field": "surname",
            "message": "enter a surname or a first name: a record needs at least one of them.",
        },
    ]
    assert "new records 3, updated 0, rows rejected 2" in AuditEvent.objects.get(what="agency-records-import").reason


def test_accepting_rejects_when_every_row_is_rejected_keeps_the_report_and_loads_nothing(administrator, police):
    record_import = load(administrator, police, csv_bytes([row(sex="X")]), accept_rejects=True)

    assert (record_import.rows_read, record_import.rows_loaded) == (1, 0)
    assert len(record_import.rejected) == 1
    assert not AgencyRecord.objects.exists()


# --------------------------------------------------------------------------------------------------------------
# A record loaded before


def test_a_newer_extract_updates_the_record_and_keeps_its_link_to_the_person(administrator, police):
    older = EXTRACTED - timedelta(days=7)
    rows = [row(record_id="N1"), row(record_id="N2", first_name="Eva")]
    first = load(administrator, police, csv_bytes(rows), extracted_at=older)
    person = PersonFactory()
    AgencyRecord.objects.filter(record_id="N1").update(person=person)  # as linkage would

    second = load(
        administrator,
        police,
        csv_bytes(
            [row(record_id="N1", surname="Sample-Other", postcode="ZZ9 9ZZ", date_of_birth=""), row(record_id="N3")]
        ),
    )

    assert (second.rows_read, second.rows_loaded, second.rows_updated) == (2, 2, 1)
    updated = AgencyRecord.objects.get(record_id="N1")
    assert (updated.surname, updated.postcode, updated.extracted_at, updated.record_import) == (
        "Sample-Other",
        "ZZ9 9ZZ",
        EXTRACTED,
        second,
    )
    assert updated.date_of_birth is None  # blank in the newer extract: blank here
    assert updated.person == person
    assert AgencyRecord.objects.get(record_id="N2").record_import == first  # not in the newer file: left as it was
    assert AgencyRecord.objects.count() == 3


def test_the_same_record_ids_from_another_system_or_agency_are_other_records(administrator, police):
    load(administrator, police, csv_bytes([row(record_id="N1")]))
    health = AgencyFactory(name="Demo NHS Trust", kind=AgencyKind.HEALTH)

    load(administrator, police, csv_bytes([row(record_id="N1")]), system="PNC")
    load(administrator, health, csv_bytes([row(record_id="N1")]))

    assert AgencyRecord.objects.filter(record_id="N1").count() == 3


@pytest.mark.parametrize(
    ("extracted_at", "message"),
    [
        (EXTRACTED - timedelta(days=1), "Row 2, record_id: already loaded from a newer extract (30 March 2026 18:00)."),
        (EXTRACTED, "Row 2, record_id: already loaded from an extract taken at the same time (30 March 2026 18:00)."),
    ],
    ids=["older", "same time"],
)
def test_an_older_or_same_extract_is_rejected_and_changes_nothing(administrator, police, extracted_at, message):
    load(administrator, police, csv_bytes([row(record_id="N1")]))
    before = counts()

    with pytest.raises(ImportProblems) as error:
        load(administrator, police, csv_bytes([row(record_id="N1", surname="Changed")]), extracted_at=extracted_at)

    assert error.value.messages == [message]
    assert counts() == before
    assert AgencyRecord.objects.get().surname == "Sample"


# --------------------------------------------------------------------------------------------------------------
# Who may import, and what an import needs


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_an_administrator_may_import_and_nothing_is_written_for_anyone_else(police, role):
    user = UserFactory(role=role, agency=police, team=None)
    before = counts()

    with pytest.raises(ValidationError) as error:
        load(user, police, csv_bytes([row()]))

    assert error.value.message_dict == {"__all__": ["Only an administrator can import agency records."]}
    assert counts() == before


def test_a_disabled_administrator_may_not_import(administrator, police):
    administrator.is_active = False
    administrator.save()

    with pytest.raises(ValidationError) as error:
        load(administrator, police, csv_bytes([row()]))

    assert error.value.message_dict == {"__all__": ["Only an administrator can import agency records."]}


def test_an_import_needs_the_system_and_an_extract_taken_by_now(administrator, police):
    with pytest.raises(ValidationError) as error:
        load(administrator, police, csv_bytes([row()]), system=" ", extracted_at=NOW + timedelta(minutes=1))

    assert error.value.message_dict == {
        "system": ["Enter the name of the agency's system the extract came from, like Niche."],
        "extracted_at": [
            "The extract cannot have been taken in the future: 31 March 2026 10:01 is after now (31 March 2026 10:00)."
        ],
    }
    assert not RecordImport.objects.exists()


# --------------------------------------------------------------------------------------------------------------
# Postcodes, progress, and a realistic file


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        (" m1  1ae ", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
        ("ZZ3 3ZZ", "ZZ3 3ZZ"),
        ("SW1A", None),
        ("1AA", None),
        ("SW1A 1A", None),
        ("SW1A 1AAA", None),
        ("SWAA 1AA", None),
        ("12345", None),
    ],
)
def test_postcodes_in_the_uk_format_are_kept_in_capitals_with_one_space(value, expected):
    assert normal_postcode(value) == expected


def test_progress_is_reported_after_every_batch_of_checking_then_of_loading(administrator, police, monkeypatch):
    monkeypatch.setattr(records, "BATCH", 2)
    calls = []
    data = csv_bytes([row(record_id=f"N{i}") for i in range(5)] + [row(record_id="N9", sex="X")])

    load(administrator, police, data, accept_rejects=True, progress=lambda *call: calls.append(call))

    assert calls == [
        (2, 6, "checked"),
        (4, 6, "checked"),
        (6, 6, "checked"),
        (2, 5, "loaded"),
        (4, 5, "loaded"),
        (5, 5, "loaded"),
    ]


def test_a_realistic_synthetic_extract_loads_all_but_its_mistyped_nhs_numbers(administrator, police):
    frame = agency_records(8000, seed=11)
    frame = frame[frame["source"] == "health"].head(2000).drop(columns=["source", "person_id"])
    assert len(frame) == 2000
    data = frame.to_csv(index=False).encode()
    mistyped = {
        number
        for number, nhs_number in enumerate(frame["nhs_number"], start=2)
        if nhs_number and not is_valid_nhs_number(nhs_number)
    }

    record_import = load(administrator, police, data, accept_rejects=True)

    assert mistyped  # the synthetic data mistypes about 1 in 100 NHS numbers
    assert {p["row"] for p in record_import.rejected} == mistyped
    assert {p["field"] for p in record_import.rejected} == {"nhs_number"}  # every made-up postcode passes
    assert record_import.rows_loaded == AgencyRecord.objects.count() == 2000 - len(mistyped)
    stored = set(AgencyRecord.objects.exclude(postcode="").values_list("postcode", flat=True))
    assert all(normal_postcode(p) == p for p in stored)


# --------------------------------------------------------------------------------------------------------------
# The command


def command(path: Path, *extra: str, by: str = "admin") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import-agency-records",
        str(path),
        "--agency",
        "Demo Constabulary",
        "--system",
        "Niche",
        "--extracted-at",
        "2025-06-30T18:00",
        "--by",
        by,
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_file_and_says_what_it_loaded(administrator, police, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row(record_id="N1"), row(record_id="N2")]))

    out, err = command(path)

    record_import = RecordImport.objects.get()
    assert out == (
        f"Import {record_import.pk}: Demo Constabulary Niche extract taken 30 June 2025 18:00, from extract.csv.\n"
        "2 rows read: 2 new records, 0 updated, 0 rejected.\n"
    )
    assert err == ""  # a small file shows no progress
    assert record_import.extracted_at == aware(2025, 6, 30, 18)
    assert AgencyRecord.objects.count() == 2


def test_the_command_prints_every_problem_exits_non_zero_and_writes_nothing(administrator, police, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row(record_id="N1"), row(record_id="N2", sex="X"), row(record_id="", postcode="Z")]))
    before = counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import-agency-records",
            str(path),
            "--agency=Demo Constabulary",
            "--system=Niche",
            "--extracted-at=2025-06-30T18:00",
            "--by=admin",
            stderr=err,
        )

    assert error.value.returncode == 1  # `macpu` exits with it
    assert str(error.value) == (
        "Nothing was imported: 2 rows of extract.csv have problems. Correct them and import the file again, or "
        "import with --accept-rejects to load the other rows and keep a report of these."
    )
    assert err.getvalue().splitlines() == [
        "Row 3, sex: write M, F or U (not known), or leave it blank: 'X' is not one of them.",
        "Row 4, record_id: enter the record's id in the agency's system.",
        "Row 4, postcode: 'Z' is not a UK postcode: write it like SW1A 1AA.",
    ]
    assert counts() == before


def test_the_command_prints_the_first_50_problems_and_counts_the_rest(administrator, police, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row(record_id=f"N{i}", sex="X") for i in range(60)]))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import-agency-records",
            str(path),
            "--agency=Demo Constabulary",
            "--system=Niche",
            "--extracted-at=2025-06-30T18:00",
            "--by=admin",
            stderr=err,
        )

    lines = err.getvalue().splitlines()
    assert len(lines) == 51
    assert lines[0] == "Row 2, sex: write M, F or U (not known), or leave it blank: 'X' is not one of them."
    assert lines[-1] == "…and 10 more problems."


def test_the_command_with_accept_rejects_loads_the_rest_and_prints_the_report(administrator, police, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row(record_id="N1"), row(record_id="N2", sex="X"), row(record_id="N3")]))

    out, _ = command(path, "--accept-rejects")

    record_import = RecordImport.objects.get()
    assert out.splitlines()[1:] == [
        "3 rows read: 2 new records, 0 updated, 1 rejected.",
        "Rows not loaded (kept with the import):",
        "Row 3, sex: write M, F or U (not known), or leave it blank: 'X' is not one of them.",
    ]
    assert record_import.rows_loaded == 2


def test_the_command_shows_progress_for_a_large_file(administrator, police, tmp_path, monkeypatch):
    from macpu.people.management.commands import import_agency_records

    monkeypatch.setattr(import_agency_records, "LARGE", 5)
    monkeypatch.setattr(import_agency_records, "EVERY", 4)
    monkeypatch.setattr(records, "BATCH", 2)
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row(record_id=f"N{i}") for i in range(9)]))

    _, err = command(path)

    assert err.splitlines() == [
        "Checked 4 of 9 rows",
        "Checked 8 of 9 rows",
        "Checked 9 of 9 rows",
        "Loaded 4 of 9 rows",
        "Loaded 8 of 9 rows",
        "Loaded 9 of 9 rows",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--by": "sw"}, "Only an administrator can import agency records."),
        ({"--by": "nobody"}, "--by: there is no account with the username nobody."),
        (
            {"--agency": "Nowhere Police"},
            "--agency: there is no agency named 'Nowhere Police'. The agencies are: Demo Constabulary.",
        ),
        (
            {"--extracted-at": "30/03/2026"},
            "--extracted-at: write when the agency took the extract as YYYY-MM-DDTHH:MM, like 2026-03-31T09:00: "
            "'30/03/2026' is not.",
        ),
        (
            {"--extracted-at": "2026-03-29T01:30"},
            "--extracted-at: 2026-03-29T01:30 is not a single time in England (the clocks changed then): give a time "
            "an hour earlier or later.",
        ),
        (
            {"--extracted-at": "2025-10-26T01:30"},
            "--extracted-at: 2025-10-26T01:30 is not a single time in England (the clocks changed then): give a time "
            "an hour earlier or later.",
        ),
    ],
    ids=["not an administrator", "no such user", "no such agency", "bad time", "skipped hour", "hour twice"],
)
def test_the_command_refuses_what_it_cannot_do_and_writes_nothing(administrator, police, tmp_path, change, message):
    UserFactory(username="sw", role=Role.SOCIAL_WORKER, agency=police, team=None)
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row()]))
    options = {
        "--agency": "Demo Constabulary",
        "--system": "Niche",
        "--extracted-at": "2025-06-30T18:00",
        "--by": "admin",
        **change,
    }
    before = counts()

    with pytest.raises(CommandError) as error:
        call_command("import-agency-records", str(path), *[f"{k}={v}" for k, v in options.items()])

    assert str(error.value) == message
    assert counts() == before


def test_the_command_counts_one_row_in_the_singular(administrator, police, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_bytes([row()]))

    out, _ = command(path)

    assert out.splitlines()[1] == "1 row read: 1 new record, 0 updated, 0 rejected."


def test_the_command_refuses_a_missing_file(administrator, police, tmp_path):
    with pytest.raises(CommandError) as error:
        command(tmp_path / "missing.csv")

    assert str(error.value) == f"There is no file {tmp_path / 'missing.csv'}."
