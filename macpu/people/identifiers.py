"""Check digits and letters of the national identifiers a child carries: NHS number and unique pupil number."""

from __future__ import annotations

import re

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_FORMAT = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def nhs_check_digit(nine_digits: str) -> int | None:
    """The Modulus 11 check digit of an NHS number's first nine digits, or None when no valid number exists."""
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(number: str) -> bool:
    return len(number) == 10 and number.isdigit() and nhs_check_digit(number[:9]) == int(number[9])


def upn_check_letter(twelve: str) -> str:
    """DfE unique pupil number check letter: characters 2-13 weighted 2-13, modulo 23."""
    return UPN_CHECK_LETTERS[sum(int(c) * w for c, w in zip(twelve, range(2, 14), strict=True)) % 23]


def upn_problem(upn: str) -> str | None:
    """What is wrong with a unique pupil number, in plain English, or None if nothing is.

    A permanent UPN (characters 2-13 all digits) must start with its check letter; a temporary UPN ends in a
    letter and is checked for its format only (as the DfE census rules do).
    """
    if not UPN_FORMAT.match(upn):
        return "A unique pupil number is a capital letter, 11 digits, then a digit or a capital letter."
    if upn[1:].isdigit() and upn_check_letter(upn[1:]) != upn[0]:
        return f"The unique pupil number {upn} fails its check letter: a character is wrong. Check it with the school."
    return None
