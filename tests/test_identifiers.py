"""The check digits and letters of a child's national identifiers."""

from __future__ import annotations

import pytest

from macpu.people.identifiers import is_valid_nhs_number, upn_check_letter, upn_problem


def test_a_upn_check_letter_follows_the_dfe_weights():
    # 0*2 + 0*3 + 1*4 + 2*5 + 3*6 + 4*7 + 5*8 + 6*9 + 7*10 + 8*11 + 9*12 + 0*13 = 420; 420 % 23 = 6 -> G
    assert upn_check_letter("001234567890") == "G"


@pytest.mark.parametrize("upn", ["G001234567890", "G00123456789A"])  # permanent, and temporary (ends in a letter)
def test_a_well_formed_upn_has_no_problem(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize(
    ("upn", "says"),
    [
        ("H001234567890", "fails its check letter"),
        ("g001234567890", "a capital letter, 11 digits"),
        ("G00123456789", "a capital letter, 11 digits"),
    ],
)
def test_a_bad_upn_is_explained(upn, says):
    assert says in (upn_problem(upn) or "")


def test_an_nhs_number_needs_its_modulus_11_check_digit():
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
