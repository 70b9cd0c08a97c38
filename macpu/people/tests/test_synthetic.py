"""Synthetic agency records for record linkage: reproducible, well-formed, and as messy as real agencies' data.

No database: the generator is pure numpy and pandas.
"""

from __future__ import annotations

import pandas as pd
import pytest
from nicknames import NickNamer

from macpu.people.identifiers import is_valid_nhs_number
from macpu.people.synthetic import AGENCIES, COLUMNS, RATES, REFERENCE_DATE, agency_records

N = 20_000


def _valid(number: str) -> bool:
    return is_valid_nhs_number(number)


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return agency_records(N, seed=11)


@pytest.fixture(scope="module")
def pairs(records) -> pd.DataFrame:
    """Every pair of records of the same person (each pair once)."""
    both = records.merge(records, on="person_id", suffixes=("_1", "_2"))
    return both[both.record_id_1 < both.record_id_2]


def test_same_seed_same_frame_and_another_seed_another():
    first = agency_records(3_000, seed=4)
    pd.testing.assert_frame_equal(first, agency_records(3_000, seed=4))
    assert not first.equals(agency_records(3_000, seed=5))


def test_columns_and_types(records):
    assert list(records.columns) == [*COLUMNS, "person_id"]
    assert len(records) == N
    assert records.person_id.dtype == "int64"
    for column in COLUMNS:
        assert records[column].dtype == object, column
        assert records[column].dropna().map(type).eq(str).all(), column
    assert records.record_id.str.fullmatch(r"r\d{7}").all()
    for column in ("record_id", "first_name", "surname", "sex", "source"):
        assert records[column].notna().all(), column
    assert set(records.sex) == {"M", "F", "U"}
    assert set(records.source) == set(AGENCIES)
    dates = records.date_of_birth.dropna()
    assert dates.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    parsed = pd.to_datetime(dates, format="%Y-%m-%d")  # every date is a real calendar date
    assert parsed.max() <= pd.Timestamp(REFERENCE_DATE)
    assert records.nhs_number.dropna().str.fullmatch(r"9\d{9}").all()  # 9...: never issued to a patient
    assert records.postcode.dropna().str.fullmatch(r"[A-Za-z]{2}\d{1,2} ?\d[A-Za-z]{2}").all()


def test_record_ids_are_unique_and_rows_are_shuffled(records):
    assert records.record_id.is_unique
    # a person's records are not next to each other
    assert (records.person_id.diff() == 0).mean() < 0.01


def test_zero_one_and_negative():
    empty = agency_records(0)
    assert list(empty.columns) == [*COLUMNS, "person_id"] and empty.empty
    assert len(agency_records(1, seed=3)) == 1
    with pytest.raises(ValueError, match="negative"):
        agency_records(-1)


def test_each_person_is_held_one_to_four_times_two_on_average(records):
    copies = records.groupby("person_id").size()
    assert copies.min() == 1 and copies.max() == 4
    assert 1.9 < copies.mean() < 2.1


def test_children_and_adults_and_who_holds_them(records):
    people = records.dropna(subset=["date_of_birth"]).drop_duplicates("person_id")
    age = (pd.Timestamp(REFERENCE_DATE) - pd.to_datetime(people.date_of_birth)).dt.days / 365.25
    assert 0.35 < (age < 18).mean() < 0.65
    # probation holds adults only (a corrupted date of birth can move a young adult by a year)
    probation = records[records.source == "probation"].dropna(subset=["date_of_birth"])
    probation_age = (pd.Timestamp(REFERENCE_DATE) - pd.to_datetime(probation.date_of_birth)).dt.days / 365.25
    assert (probation_age < 16).mean() < 0.005
    nhs_held = records.nhs_number.notna().groupby(records.source).mean()
    assert nhs_held["health"] > 0.9 and nhs_held["social_care"] > 0.7
    assert nhs_held["police"] < 0.3 and nhs_held["school"] < 0.3 and nhs_held["housing"] < 0.3


def test_nhs_numbers_pass_the_check_digit_unless_deliberately_mistyped(records, pairs):
    numbers = records.nhs_number.dropna()
    valid = numbers.map(is_valid_nhs_number)
    assert 0.4 * RATES["nhs_mistyped"] < 1 - valid.mean() < 2 * RATES["nhs_mistyped"]
    # a mistyped number is the person's own number with one digit wrong (a typo, not another number)
    ok_1 = pairs.nhs_number_1.map(_valid, na_action="ignore")
    ok_2 = pairs.nhs_number_2.map(_valid, na_action="ignore")
    mistyped = pairs[(ok_1 == False) & (ok_2 == True)]  # noqa: E712 - missing numbers are neither
    assert len(mistyped) > 0
    digits_wrong = [
        sum(x != y for x, y in zip(bad, good, strict=True))
        for bad, good in zip(mistyped.nhs_number_1, mistyped.nhs_number_2, strict=True)
    ]
    # (rarely the other record holds a family member's number instead)
    assert digits_wrong.count(1) >= 0.9 * len(digits_wrong)
    # distinct people have distinct numbers (apart from the odd family member's number on a record)
    true_numbers = records[records.nhs_number.map(_valid, na_action="ignore") == True]  # noqa: E712
    per_number = true_numbers.groupby("nhs_number").person_id.nunique()
    assert (per_number > 1).mean() < 0.01


def test_twins_share_surname_date_of_birth_and_postcode_but_not_first_name(records):
    known = records.dropna(subset=["date_of_birth", "postcode"])
    groups = known.groupby(["surname", "date_of_birth", "postcode"]).agg(
        people=("person_id", "nunique"), first_names=("first_name", "nunique")
    )
    twins = groups[groups.people > 1]
    assert len(twins) >= 10
    assert (twins.first_names > 1).all()


def test_day_month_swaps_and_nicknames_occur(pairs):
    d1 = pd.to_datetime(pairs.date_of_birth_1)
    d2 = pd.to_datetime(pairs.date_of_birth_2)
    swapped = (d1.dt.day == d2.dt.month) & (d1.dt.month == d2.dt.day) & (d1 != d2)
    assert swapped.sum() >= 5
    namer = NickNamer()
    first_1, first_2 = pairs.first_name_1.str.lower(), pairs.first_name_2.str.lower()
    nicknamed = sum(
        two in namer.nicknames_of(one) or one in namer.nicknames_of(two)
        for one, two in zip(first_1, first_2, strict=True)
        if one != two
    )
    assert nicknamed >= 0.01 * len(pairs)


def test_other_corruptions_occur(records, pairs):
    assert records.date_of_birth.isna().any() and records.postcode.isna().any() and records.address.isna().any()
    assert (records.sex == "U").any()
    postcodes = records.postcode.dropna()
    assert (~postcodes.str.contains(" ")).any() and (postcodes.str.lower() == postcodes).any()
    assert records.address.str.contains(r"\bSt\b|\bRd\b", na=False).any()
    assert records.address.str.startswith("Flat ", na=False).any()
    assert (records.surname.str.isupper() & records.source.eq("police")).any()
    assert records.surname.str.contains("-", na=False).any()  # double-barrelled
    assert records.first_name.str.upper().eq("BABY").any()  # a newborn's health record, named later
    one_off = (pd.to_datetime(pairs.date_of_birth_1) - pd.to_datetime(pairs.date_of_birth_2)).dt.days.abs() == 1
    assert one_off.any()
    moved = pairs.postcode_1.str.replace(" ", "").str.upper() != pairs.postcode_2.str.replace(" ", "").str.upper()
    assert 0.03 < moved[pairs.postcode_1.notna() & pairs.postcode_2.notna()].mean() < 0.30
    surname_changed = pairs.surname_1.str.lower() != pairs.surname_2.str.lower()
    assert 0.03 < surname_changed.mean() < 0.30
