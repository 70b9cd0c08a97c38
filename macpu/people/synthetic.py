"""Synthetic person records as the agencies of a multi-agency unit hold them, for testing record linkage.

``agency_records(n, seed=...)`` returns ``n`` rows, each one agency's record of one made-up person: police,
health, school, social care, probation and housing each hold their own copy, with the errors and drift that
real systems have. The true person behind each row is in ``person_id``, so a matcher (Splink) can be scored;
a matcher must never see it.

Nothing here is real personal data, and nothing is downloaded at run time:

- Names come from Faker's name lists (``en_GB`` first, with other locales for the diversity of England's
  population), a short list of recent popular UK baby names, and surnames made up from English place-name
  parts; nicknames come from the offline ``nicknames`` package. Any name can be a real person's name, but no
  record is a real person: names, dates, addresses and numbers are drawn independently.
- NHS numbers start with 9 and carry a valid Modulus 11 check digit. Numbers are issued to patients only from
  the 3, 4, 6 and 7 hundred-millions (Scotland's CHI numbers are 010-311, Northern Ireland's 320-399), so a
  number starting with 9 is nobody's; 999 is the block the NHS reserves for tests. (The 999 block alone,
  about 900,000 valid numbers, is too small for millions of people.)
- Postcode areas are two-letter codes that no real postcode uses (as the demo's "DB"), and towns and streets
  are made up, so no address is a real one.

The population is a set of households: children 0-17 with one or two parents, and some adults on their own.
Siblings and twins (about 2% of children) share surname, address and postcode, and twins share their date of
birth, so the data holds the false matches a matcher must learn to refuse. Each person is held by one to four
agencies (two on average), and each record is corrupted independently at the rates in ``RATES`` and
``AGENCY_RATES`` (nicknames, typos, swapped day and month, moves, missing or mistyped NHS numbers...).

Same ``n_records`` and ``seed`` give the same DataFrame (for the same versions of Faker and ``nicknames``).
Everything is vectorised with numpy: a million records take a few seconds.
"""

from __future__ import annotations

import functools
import importlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from nicknames import NickNamer

COLUMNS = ["record_id", "first_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number", "source"]
AGENCIES = ("police", "health", "school", "social_care", "probation", "housing")
REFERENCE_DATE = "2025-04-01"  # "today" for ages: fixed, so the output does not change with the calendar

# --------------------------------------------------------------------------------------------------------------
# Rates

# How many agencies hold each person: 1, 2, 3 or 4 records (mean 2.0).
COPIES = (0.35, 0.35, 0.25, 0.05)

# Per-record corruption rates, the same for every agency.
RATES = {
    "first_name_typo": 0.03,  # one-character edit or transposition
    "surname_typo": 0.025,
    "former_surname": 0.25,  # of an adult who changed surname (marriage): the old one is shown
    "other_parent_surname": 0.03,  # of a child: recorded under the other parent's surname
    "double_barrelled_variant": 0.40,  # of a double-barrelled surname: "Smith Jones", "SmithJones", "Smith", "Jones"
    "baby": 0.40,  # of a health record of a child under 90 days: first name "Baby"
    "dob_day_month_swap": 0.02,  # of dates whose day is 12 or less (and differs from the month)
    "dob_off_by_one": 0.01,
    "dob_year_digit": 0.008,  # last digit of the year wrong (half of them by one year)
    "dob_first_of_january": 0.003,  # only the year was known: 1 January recorded
    "sex_wrong": 0.002,
    "old_address": 0.35,  # of a person who moved: the previous address and postcode are shown
    "postcode_no_space": 0.05,
    "postcode_lower_case": 0.03,
    "postcode_typo": 0.005,
    "street_abbreviated": 0.15,  # "High St" for "High Street"
    "town_dropped": 0.15,
    "flat_format": 0.15,  # of a flat: "Flat 2 10 ...", "2, 10 ..." or the flat left out
    "nhs_mistyped": 0.01,  # of numbers present: one digit wrong, so the check digit fails
    "nhs_family_member": 0.002,  # of numbers present: a parent's, child's or sibling's (valid) number
    "same_agency_duplicate": 0.08,  # of a person's second and later records: the same agency as the one before
}

# Per-agency rates: how each agency's system records people.
AGENCY_RATES = {
    # police: names in capitals, ASCII only, NHS number rarely known
    "police": {
        "nhs_present": 0.15,
        "dob_missing": 0.02,
        "postcode_missing": 0.06,
        "address_missing": 0.03,
        "sex_unknown": 0.02,
        "upper_case": 0.60,
        "ascii_only": 0.50,
        "nickname": 0.08,
    },
    "health": {
        "nhs_present": 0.97,
        "dob_missing": 0.002,
        "postcode_missing": 0.01,
        "address_missing": 0.01,
        "sex_unknown": 0.005,
        "upper_case": 0.05,
        "ascii_only": 0.10,
        "nickname": 0.03,
    },
    # school: the name a child is known by
    "school": {
        "nhs_present": 0.10,
        "dob_missing": 0.003,
        "postcode_missing": 0.01,
        "address_missing": 0.01,
        "sex_unknown": 0.005,
        "upper_case": 0.02,
        "ascii_only": 0.20,
        "nickname": 0.10,
    },
    "social_care": {
        "nhs_present": 0.80,
        "dob_missing": 0.01,
        "postcode_missing": 0.03,
        "address_missing": 0.02,
        "sex_unknown": 0.02,
        "upper_case": 0.05,
        "ascii_only": 0.10,
        "nickname": 0.06,
    },
    "probation": {
        "nhs_present": 0.30,
        "dob_missing": 0.005,
        "postcode_missing": 0.04,
        "address_missing": 0.03,
        "sex_unknown": 0.01,
        "upper_case": 0.50,
        "ascii_only": 0.40,
        "nickname": 0.08,
    },
    "housing": {
        "nhs_present": 0.05,
        "dob_missing": 0.05,
        "postcode_missing": 0.01,
        "address_missing": 0.005,
        "sex_unknown": 0.08,
        "upper_case": 0.20,
        "ascii_only": 0.30,
        "nickname": 0.06,
    },
}

# Which agencies hold a person, by age: under 5, 5-17, adult (weights; probation holds adults only).
SOURCE_WEIGHTS = {
    "under_5": {"police": 0.06, "health": 0.45, "school": 0.06, "social_care": 0.33, "probation": 0.0, "housing": 0.10},
    "child": {"police": 0.12, "health": 0.28, "school": 0.30, "social_care": 0.25, "probation": 0.0, "housing": 0.05},
    "adult": {"police": 0.25, "health": 0.28, "school": 0.03, "social_care": 0.20, "probation": 0.08, "housing": 0.16},
}

# Households.
FAMILY_SHARE = 0.85  # households with children; the rest are one or two adults
TWO_ADULTS = {"family": 0.58, "adults": 0.30}
BIRTHS = (0.35, 0.33, 0.18, 0.09, 0.05)  # 1-5 births in a family household
TWIN_BIRTH = 0.01  # of births: about 2% of children are twins
MARRIED = {"two_adults": 0.50, "single_parent": 0.30}  # the woman took the man's surname
MOVED = 0.25  # households with a previous address that records may still show
PARTNER_OWN_PREVIOUS_ADDRESS = 0.30  # of second adults: their own previous address (moved in)

# --------------------------------------------------------------------------------------------------------------
# Name sources

# Shares of households by background, with the Faker locales (and our lists) their names are drawn from.
# Each entry: (share, first names of adults, first names of children, surnames); sources are (name, weight).
_Sources = Sequence[tuple[str, float]]
_AFRICAN: _Sources = (
    ("yo_NG", 0.20),
    ("ig_NG", 0.10),
    ("ha_NG", 0.05),
    ("en_NG", 0.05),
    ("tw_GH", 0.20),
    ("en_KE", 0.15),
    ("sw", 0.05),
    ("en_GB", 0.20),
)
_EASTERN: _Sources = (
    ("pl_PL", 0.50),
    ("ro_RO", 0.20),
    ("lv_LV", 0.10),
    ("sk_SK", 0.05),
    ("cs_CZ", 0.05),
    ("hu_HU", 0.10),
)
_OTHER: _Sources = (
    ("it_IT", 0.25),
    ("es_ES", 0.20),
    ("pt_PT", 0.20),
    ("pt_BR", 0.05),
    ("fr_FR", 0.10),
    ("de_DE", 0.10),
    ("nl_NL", 0.10),
)
GROUPS: dict[str, tuple[float, _Sources, _Sources, _Sources]] = {
    "british_irish": (
        0.72,
        (("en_GB", 0.55), ("en_US", 0.20), ("en_IE", 0.10), ("en_NZ", 0.05), ("en", 0.10)),
        (("uk_recent", 0.55), ("en_GB", 0.20), ("en_US", 0.10), ("en_IE", 0.05), ("en", 0.10)),
        (("en_GB", 0.55), ("en_IE", 0.08), ("en_US", 0.10), ("en_NZ", 0.02), ("made_up", 0.25)),
    ),
    "south_asian": (
        0.10,
        (("en_IN", 0.55), ("muslim", 0.45)),
        (("en_IN", 0.45), ("muslim", 0.55)),
        (("en_IN", 0.50), ("en_PK", 0.50)),
    ),
    "african": (
        0.05,
        _AFRICAN,
        _AFRICAN,
        (("yo_NG", 0.30), ("ig_NG", 0.10), ("ha_NG", 0.05), ("en_NG", 0.05), ("tw_GH", 0.25), ("en_KE", 0.25)),
    ),
    "eastern_european": (
        0.07,
        _EASTERN,
        _EASTERN,
        (("pl_PL", 0.50), ("ro_RO", 0.20), ("lv_LV", 0.05), ("lt_LT", 0.05), ("sk_SK", 0.05), ("cs_CZ", 0.05))
        + (("hu_HU", 0.10),),
    ),
    "other_european": (0.04, _OTHER, _OTHER, _OTHER),
    "turkish_middle_eastern": (
        0.02,
        (("tr_TR", 0.60), ("muslim", 0.40)),
        (("tr_TR", 0.50), ("muslim", 0.50)),
        (("tr_TR", 1.0),),
    ),
}

# Our own short lists (popularity order): recent UK baby names, and Muslim names common in England across
# backgrounds (Faker's lists for those locales are in Arabic script or not split by sex).
_OWN_FIRST_NAMES = {
    ("uk_recent", "M"): (
        "Oliver Noah George Leo Arthur Oscar Theodore Harry Freddie Archie Henry Jack Charlie Alfie "
        "Thomas Jacob Theo Tommy Lucas Arlo Finley Teddy Isaac Albie Roman William Reggie Jude Louie Hugo Ronnie "
        "Rory Elijah Luca Edward Ezra Joshua Max James Harrison Albert Dylan Ethan Mason Jaxon Hunter Frankie "
        "Sebastian Elliot Ralph Alexander Toby Jesse Riley Benjamin Logan Grayson Otis Caleb"
    ),
    ("uk_recent", "F"): (
        "Olivia Amelia Isla Lily Ava Freya Ivy Florence Willow Isabella Mia Elsie Evie Sophia Grace Rosie Ella "
        "Sophie Poppy Daisy Emily Millie Harper Sienna Phoebe Evelyn Charlotte Matilda Ruby Alice Isabelle Maya "
        "Emilia Ada Penelope Layla Eva Esme Hallie Maisie Chloe Luna Jessica Erin Aria Thea Ellie Margot Holly "
        "Harriet Bonnie Arabella Nancy Ivy Zara Iris Aurora Violet Delilah"
    ),
    ("muslim", "M"): (
        "Muhammad Mohammed Mohammad Ali Ahmed Ibrahim Yusuf Omar Hamza Adam Zain Ayaan Rayyan Musa Bilal Idris "
        "Hassan Hussain Abdullah Imran Tariq Khalid Asif Usman Zakariya Ismail Harun Younis Faisal Amir"
    ),
    ("muslim", "F"): (
        "Aisha Fatima Maryam Zainab Amina Khadija Hafsa Inaya Zara Sana Ayesha Noor Hana Mariam Safa Iqra Nadia "
        "Yasmin Aaliyah Sumaya Ruqayyah Alisha Hajra Anaya Eshal Halima Layla Salma Samira Rahma"
    ),
}

# Nicknames and spellings the ``nicknames`` data lacks (it is American): added to it.
_UK_NICKNAMES = {
    "alfred": ("alfie", "alf"),
    "albert": ("albie", "bert"),
    "archibald": ("archie",),
    "frederick": ("freddie", "fred"),
    "henry": ("harry", "hal"),
    "oliver": ("ollie", "olly"),
    "theodore": ("theo", "teddy"),
    "reginald": ("reggie", "reg"),
    "ronald": ("ronnie", "ron"),
    "muhammad": ("mohammed", "mohammad", "mo"),
    "mohammed": ("muhammad", "mohammad", "mo"),
    "mohammad": ("mohammed", "muhammad", "mo"),
    "aisha": ("ayesha",),
    "ayesha": ("aisha",),
    "zakariya": ("zak", "zack"),
    "isabelle": ("izzy", "bella"),
    "isabella": ("izzy", "bella"),
    "florence": ("flo", "florrie"),
    "matilda": ("tilly", "tilda"),
    "margot": ("margo",),
}

# Made-up English surnames and place names: a stem and an ending ("Ashworth", "Blackridge", "Hollinsby").
_STEMS = (
    "Ash Black Brad Brook Bur Cal Chad Cres Dal Dun East Elm Fair Farn Green Hal Ham Hart Hay Hol Ken King Lang "
    "Lock Mar Mid Mor New North Oak Pen Rad Ray Red Rock Rush Sand Shel South Stan Stock Thorn War West Whit Wood "
    "Wind Bar Bel Bick Brom Cart Cot Dar Ded Fel Gar Hather Hig Kirk Lin Mal Mel Nor Old Pil Ram Rid Scar Sher Sut "
    "Tat Tur Wal Wil Wors Ack Ald Ather Bag Bil Bram Brid Buck Carl Chap Clay Cole Cran Dent Dray Ell Ever Fen Gold "
    "Gil Grim Had Hamp Hen Hors Hux Ing Kel Knight Lan Lee Long Mark Mat Mil Mos Net Ol Ox Pick Pres Rams Rod Row "
    "Salt Shaw Silver Snow Spen Stone Swin Tem Town Up Ver Wad Wat Wel Wick Win Wolf Work Yar Ab Alder Apple Arn "
    "Ast Aven Bax Beck Bent Birk Bland Bot Bow Brack Bran Bret Brin Brough Bul Cam Chil Clif Cob Cock Cold Cor Crow "
    "Dave Dew Ding Dod Down Dry Ed Egg Ent Faw Fern Fins Fle Fox Frog Ful Gates Glen Goss Grays Hack Hal Harl Haw "
    "Head Hey Hind Hod Holm Hop How Hud Hul Hunt Kent Kil Kim Lax Leigh Lid Lit Lud Lym Mab Map Mere Mid Mor Nap "
    "Nether Nut Ock Orm Ot Pad Pat Pem Pit Pon Pud Quar Rain Raven Rib Ring Rip Rom Ros Rud Rye Saw Sel Shap Shil "
    "Shot Sid Skel Slad Slat Sop Spal Stain Stan Staple Stave Stow Sud Swal Tad Thack Thorpe Tid Tol Tot Tre Tun "
    "Tyr Ul Wain Walk Warm Wes Whal Wig Wim Wit Wool Wray Wych Yeo"
).split()
_SURNAME_ENDINGS = (
    "ton ford ley field worth wood by ham well more cliffe stone hurst shaw bury dale ridge wick brook combe thorpe "
    "den land man ell er ett ington ing son sby kin stead croft low lake house gate away lock ney thwaite hall side "
    "wright smith ward cott ridge well bourne stock hill stall ey"
).split()
_TOWN_ENDINGS = (
    "ford ton bury ham ley field chester minster borough by wich mouth bridge caster wick worth dale stead combe well"
).split()
_TOWN_PREFIXES = ("Upper ", "Lower ", "Little ", "Great ", "North ", "South ", "East ", "West ", "Market ", "Long ")
_STREET_WORDS = (
    "High Station Church Mill Park Victoria Queens Kings Manor Grange School North South East West New Old Albert "
    "Elm Oak Beech Ash Willow Chestnut Cedar Birch Meadow Orchard Springfield Windsor Stanley George York Mount "
    "Green Hill Bridge Castle Market Chapel Abbey Priory Vicarage Rectory Farm Broad Long Main Back Brook Riverside "
    "Richmond Clarence Princes Cromwell Nelson Wellington Marlborough Highfield Fairfield Woodland Sandy Rose Lime "
    "Holly Hawthorn Poplar Sycamore Laburnum Heather Alexandra Gladstone Palmerston Cambridge Oxford Grove Forest "
    "Moor Heath Common Quarry Canal Wharf Dock Marsh Spring Well Fountain Cross Garden Acacia Lilac Juniper Rowan"
).split()
# (full, abbreviated, weight)
_STREET_TYPES = (
    ("Road", "Rd", 22),
    ("Street", "St", 14),
    ("Close", "Cl", 10),
    ("Avenue", "Ave", 8),
    ("Lane", "Ln", 8),
    ("Drive", "Dr", 7),
    ("Way", "Way", 5),
    ("Gardens", "Gdns", 4),
    ("Crescent", "Cres", 4),
    ("Court", "Ct", 3),
    ("Place", "Pl", 3),
    ("Grove", "Gr", 3),
    ("Terrace", "Terr", 2),
    ("Walk", "Wlk", 1),
    ("Mews", "Mews", 1),
    ("Rise", "Rise", 1),
    ("Park", "Pk", 1),
    ("Square", "Sq", 1),
    ("View", "Vw", 1),
    ("Green", "Grn", 1),
)
_KEYBOARD = {
    row[i]: (row[i - 1] if i else "") + (row[i + 1] if i + 1 < len(row) else "")
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i in range(len(row))
}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "ı": "i", "æ": "ae", "Æ": "AE"}
    | {"œ": "oe", "Œ": "OE", "þ": "th", "ð": "d", "'": "", "’": ""}
)
_N_TYPOS = 4  # typo variants made per name
_N_NICKNAME_SLOTS = 8  # nickname slots per first name, filled by weighted draws from its nicknames
_N_TOWNS = 400
_N_STREETS = 150_000
_POSTCODE_BLOCK = 30  # house numbers per postcode unit
_POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_POOL_SEED = 20250401
_DATE_MIN = "1900-01-01"
_DATE_MAX = "2031-01-01"


# --------------------------------------------------------------------------------------------------------------
# Pools: built once per process from Faker's lists and a fixed seed


@dataclass(frozen=True)
class _Names:
    """Every name string once (base names first, then variants), with index tables for the variants."""

    text: np.ndarray  # object: the names, then the same names in capitals (index + size)
    size: int
    fold: np.ndarray  # int32: index of the ASCII form (no accents, no apostrophes) of every string
    typo: np.ndarray  # int32 (base names, _N_TYPOS): one-character edits
    nickname: np.ndarray  # int32 (base names, _N_NICKNAME_SLOTS); the name itself when it has none
    has_nickname: np.ndarray  # bool (base names)


@dataclass(frozen=True)
class _Sampler:
    index: np.ndarray  # int32
    cdf: np.ndarray  # float64

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.index[np.searchsorted(self.cdf, rng.random(n) * self.cdf[-1], side="right")]


@dataclass(frozen=True)
class _Places:
    town: np.ndarray  # int32 per street
    street_text: np.ndarray  # object (streets * 4): [full, abbreviated, FULL, ABBREVIATED] per street
    town_text: np.ndarray  # object (towns * 2 + 1): ", Town", ", TOWN", then "" (town dropped)
    length: np.ndarray  # int64 per street: house numbers 1..length
    first_code: np.ndarray  # int64 per street: its first dwelling code
    space: int  # dwelling codes 0..space-1
    postcode_start: np.ndarray  # int64 per street: its first postcode
    postcode_blocks: np.ndarray  # int64 per street
    postcode: np.ndarray  # object: canonical "AB12 3CD"


@dataclass(frozen=True)
class _Pools:
    first: _Names
    surname: _Names
    baby: int
    first_samplers: dict[tuple[int, str, str], _Sampler]  # (group, sex "M"/"F", "adult"/"child")
    surname_samplers: dict[int, _Sampler]
    places: _Places
    dates: np.ndarray  # object: "YYYY-MM-DD" for every day from _DATE_MIN, then None
    date_min: int  # days since 1970 of dates[0]


def _person_provider(locale: str):
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


def _clean(names) -> list[str]:
    """Latin-script single names only (drops Arabic or Cyrillic script, initials and odd entries)."""
    out = []
    for raw in names:
        name = raw.strip()
        folded = _ascii(name)
        if len(folded) >= 2 and folded[0].isalpha() and all(c.isascii() and (c.isalpha() or c in " -") for c in folded):
            out.append(name)
    return out


def _ascii(name: str) -> str:
    if name.isascii() and "'" not in name:
        return name
    return "".join(c for c in unicodedata.normalize("NFKD", name.translate(_FOLD)) if not unicodedata.combining(c))


def _weighted(names, *, ranked: bool, rnd: random.Random) -> list[tuple[str, float]]:
    """Names with relative weights: Faker's own weights if it has them, else a Zipf law over the list's order
    (``ranked``: already in popularity order) or over a seeded shuffle of it."""
    if isinstance(names, dict):
        pairs = [(n, float(w)) for n, w in names.items()]
        keep = set(_clean(n for n, _ in pairs))
        return [(n.strip(), w) for n, w in pairs if n.strip() in keep]
    cleaned = list(dict.fromkeys(_clean(names)))
    if not ranked:
        rnd.shuffle(cleaned)
    return [(n, 1.0 / (rank + 8)) for rank, n in enumerate(cleaned)]


def _first_name_source(source: str, sex: str, rnd: random.Random) -> list[tuple[str, float]]:
    if (source, sex) in _OWN_FIRST_NAMES:
        return _weighted(_OWN_FIRST_NAMES[source, sex].split(), ranked=True, rnd=rnd)
    provider = _person_provider(source)
    names = getattr(provider, "first_names_male" if sex == "M" else "first_names_female")
    return [(n, w) for n, w in _weighted(names, ranked=source == "en_GB", rnd=rnd) if n != "Baby"]  # ours, below


def _surname_source(source: str, rnd: random.Random, made_up: list[str]) -> list[tuple[str, float]]:
    if source == "made_up":
        return _weighted(made_up, ranked=False, rnd=rnd)
    provider = _person_provider(source)
    for attribute in ("unisex_last_names", "last_names_male", "last_names"):
        if hasattr(provider, attribute):
            return _weighted(getattr(provider, attribute), ranked=False, rnd=rnd)
    raise LookupError(source)


def _typo(name: str, rnd: random.Random) -> str:
    """One keyboard slip: a letter replaced (often by a neighbouring key), dropped, doubled or inserted, or two
    neighbouring letters swapped; the first letter only one time in ten."""
    n, r = len(name), rnd.random
    for _ in range(10):
        i = int(r() * n) if r() < 0.1 or n < 3 else 1 + int(r() * (n - 1))
        op, c = r(), name[i]
        if op < 0.35:
            near = _KEYBOARD.get(c.lower())
            new = near[int(r() * len(near))] if near and op < 0.21 else _LETTERS[int(r() * 26)]
            out = name[:i] + (new.upper() if c.isupper() else new) + name[i + 1 :]
        elif op < 0.55:
            out = name[:i] + name[i + 1 :] if n > 3 else name
        elif op < 0.75:
            out = name[: i + 1] + c.lower() + name[i + 1 :]
        elif op < 0.85:
            out = name[: i + 1] + _LETTERS[int(r() * 26)] + name[i + 1 :]
        else:
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :] if i + 1 < n else name
        if i == 0 and name[1:].islower():
            out = out[:1].upper() + out[1:].lower()
        if out != name and len(out) >= 2 and out[0].isalpha():
            return out
    return name


class _Interned:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.items)
            self.items.append(s)
        return i


def _name_table(base: list[str], rnd: random.Random, nicknames: dict[str, list[tuple[str, float]]] | None) -> _Names:
    table = _Interned()
    for name in base:
        table.add(name)
    n_base = len(base)
    if len(table.items) != n_base:
        raise ValueError("base names must be distinct")
    typo = np.empty((n_base, _N_TYPOS), dtype=np.int32)
    nickname = np.repeat(np.arange(n_base, dtype=np.int32)[:, None], _N_NICKNAME_SLOTS, axis=1)
    has_nickname = np.zeros(n_base, dtype=bool)
    for i, name in enumerate(base):
        typo[i] = [table.add(_typo(name, rnd)) for _ in range(_N_TYPOS)]
        options = (nicknames or {}).get(name)
        if options:
            names, weights = zip(*options, strict=True)
            nickname[i] = [table.add(n) for n in rnd.choices(names, weights=weights, k=_N_NICKNAME_SLOTS)]
            has_nickname[i] = True
    fold = []
    i = 0
    while i < len(table.items):  # ASCII forms are added as they are found; an ASCII form is its own
        fold.append(table.add(_ascii(table.items[i])))
        i += 1
    text = np.array(table.items + [s.upper() for s in table.items], dtype=object)
    return _Names(
        text=text,
        size=len(table.items),
        fold=np.array(fold, dtype=np.int32),
        typo=typo,
        nickname=nickname,
        has_nickname=has_nickname,
    )


def _nickname_options(base: list[str]) -> dict[str, list[tuple[str, float]]]:
    """For each first name, its nicknames (or, for a name that is itself a short form, its full forms), weighted
    towards those that are names in their own right or start like the name (Liz for Elizabeth over Bess)."""
    namer = NickNamer()
    known = {n.lower() for n in base}
    out = {}
    for name in base:
        key = name.lower()
        found = set(namer.nicknames_of(key)) | set(_UK_NICKNAMES.get(key, ())) or set(namer.canonicals_of(key))
        options = []
        for nick in sorted(found):
            if len(nick) < 2 or not nick.isalpha() or nick == key:
                continue
            weight = 1.0 + 2.0 * (nick in known) + 1.0 * (nick[:2] == key[:2])
            options.append((nick.capitalize(), weight))
        if options:
            out[name] = options
    return out


def _samplers(entries: dict, table: dict[str, int]) -> dict:
    out = {}
    for key, weighted in entries.items():
        totals: dict[int, float] = {}
        for name, weight in weighted:
            totals[table[name]] = totals.get(table[name], 0.0) + weight
        index = np.fromiter(totals.keys(), dtype=np.int32)
        out[key] = _Sampler(index=index, cdf=np.cumsum(np.fromiter(totals.values(), dtype=np.float64)))
    return out


def _mix(sources: _Sources, lists: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Weighted names of several sources, each source scaled to its share."""
    out = []
    for source, share in sources:
        names = lists[source]
        total = sum(w for _, w in names)
        out.extend((n, share * w / total) for n, w in names)
    return out


def _places(rng: np.random.Generator, street_stems: list[str]) -> _Places:
    # Towns: made-up names, each in a made-up postcode area with a few districts.
    stems = np.array(_STEMS, dtype=object)
    ends = np.array(_TOWN_ENDINGS, dtype=object)
    names: list[str] = []
    seen = set()
    while len(names) < _N_TOWNS:
        name = str(rng.choice(stems)) + str(rng.choice(ends))
        if rng.random() < 0.1:
            name = str(rng.choice(_TOWN_PREFIXES)) + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    town_weight = 1.0 / (np.arange(_N_TOWNS) + 5.0)
    real_areas = set(importlib.import_module("faker.providers.address.en_GB").Provider.POSTAL_ZONES)
    fictional = [
        a + b
        for a in "ABCDEFGHJKLMNOPRSTUWYZ"
        for b in "ABCDEFGHKLMNOPRSTUWY"
        if a + b not in real_areas and a + b not in {"GY", "JE", "IM", "BF", "BX", "XX", "ZZ", "GI"}
    ]
    town_area = rng.choice(np.array(fictional, dtype=object), size=_N_TOWNS)
    town_district = rng.integers(1, 40, size=_N_TOWNS)

    # Streets, grouped by town (so nearby dwelling codes are in the same town).
    town = np.sort(rng.choice(_N_TOWNS, size=_N_STREETS, p=town_weight / town_weight.sum())).astype(np.int32)
    stem_weight = np.array([8.0 if i < len(_STREET_WORDS) else 1.0 for i in range(len(street_stems))])
    stem = rng.choice(len(street_stems), size=_N_STREETS, p=stem_weight / stem_weight.sum())
    type_weight = np.array([w for _, _, w in _STREET_TYPES], dtype=np.float64)
    kind = rng.choice(len(_STREET_TYPES), size=_N_STREETS, p=type_weight / type_weight.sum())
    stem_text = np.array(street_stems, dtype=object)[stem] + " "
    full = stem_text + np.array([f for f, _, _ in _STREET_TYPES], dtype=object)[kind]
    short = stem_text + np.array([s for _, s, _ in _STREET_TYPES], dtype=object)[kind]
    street_text = np.empty(_N_STREETS * 4, dtype=object)
    street_text[0::4] = full
    street_text[1::4] = short
    street_text[2::4] = np.array([s.upper() for s in full], dtype=object)
    street_text[3::4] = np.array([s.upper() for s in short], dtype=object)
    town_text = np.array([f", {n}" for n in names] + [f", {n.upper()}" for n in names] + [""], dtype=object)
    town_text = np.concatenate([town_text[: 2 * _N_TOWNS].reshape(2, -1).T.ravel(), town_text[-1:]])

    length = np.clip(np.round(rng.lognormal(3.7, 0.8, size=_N_STREETS)), 4, 300).astype(np.int64)
    first_code = np.cumsum(length) - length
    blocks = (length + _POSTCODE_BLOCK - 1) // _POSTCODE_BLOCK
    postcode_start = np.cumsum(blocks) - blocks
    n_postcodes = int(blocks.sum())
    street_of_postcode = np.repeat(np.arange(_N_STREETS), blocks)
    outward = town_area[town] + (town_district[town] + rng.integers(0, 4, size=_N_STREETS)).astype(str).astype(object)
    sector = rng.integers(0, 10, size=_N_STREETS).astype(str).astype(object)
    letters = np.array(list(_POSTCODE_UNIT_LETTERS), dtype=object)
    unit = letters[rng.integers(0, len(letters), n_postcodes)] + letters[rng.integers(0, len(letters), n_postcodes)]
    postcode = outward[street_of_postcode] + " " + sector[street_of_postcode] + unit
    return _Places(
        town=town,
        street_text=street_text,
        town_text=town_text,
        length=length,
        first_code=first_code,
        space=int(length.sum()),
        postcode_start=postcode_start,
        postcode_blocks=blocks,
        postcode=postcode,
    )


@functools.cache
def _pools() -> _Pools:
    rnd = random.Random(_POOL_SEED)  # noqa: S311 - synthetic data, reproducible by design
    rng = np.random.default_rng(_POOL_SEED)
    made_up = sorted({s + e for s in _STEMS for e in _SURNAME_ENDINGS if not s.lower().endswith(e[:1])})

    first_lists: dict[tuple[str, str], list[tuple[str, float]]] = {}
    surname_lists: dict[str, list[tuple[str, float]]] = {}
    first_entries: dict[tuple[int, str, str], list[tuple[str, float]]] = {}
    surname_entries: dict[int, list[tuple[str, float]]] = {}
    for g, (_share, adult_sources, child_sources, surname_sources) in enumerate(GROUPS.values()):
        for sex in ("M", "F"):
            for generation, sources in (("adult", adult_sources), ("child", child_sources)):
                for source, _ in sources:
                    if (source, sex) not in first_lists:
                        first_lists[source, sex] = _first_name_source(source, sex, rnd)
                by_sex = {source: first_lists[source, sex] for source, _ in sources}
                first_entries[g, sex, generation] = _mix(sources, by_sex)
        for source, _ in surname_sources:
            if source not in surname_lists:
                surname_lists[source] = _surname_source(source, rnd, made_up)
        surname_entries[g] = _mix(surname_sources, surname_lists)

    first_base = list(dict.fromkeys(n for entries in first_entries.values() for n, _ in entries)) + ["Baby"]
    surname_base = list(dict.fromkeys(n for entries in surname_entries.values() for n, _ in entries))
    first = _name_table(first_base, rnd, _nickname_options(first_base[:-1]))
    surname = _name_table(surname_base, rnd, None)

    street_stems = list(_STREET_WORDS) + [n for n, _ in surname_lists["en_GB"]] + made_up[::7]
    dates = np.arange(np.datetime64(_DATE_MIN), np.datetime64(_DATE_MAX))
    return _Pools(
        first=first,
        surname=surname,
        baby=len(first_base) - 1,
        first_samplers=_samplers(first_entries, {n: i for i, n in enumerate(first_base)}),
        surname_samplers=_samplers(surname_entries, {n: i for i, n in enumerate(surname_base)}),
        places=_places(rng, street_stems),
        dates=np.concatenate([np.datetime_as_string(dates).astype(object), np.array([None], dtype=object)]),
        date_min=int(np.datetime64(_DATE_MIN).astype(np.int64)),
    )


# --------------------------------------------------------------------------------------------------------------
# Dates (int64 days since 1970-01-01)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months).astype(np.int64) + 1
    return year, month, day


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970 of (year, month, day), the day clamped to the month's length (29 February -> 28)."""
    start = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    length = ((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(np.int64)
    return start.astype("datetime64[D]").astype(np.int64) + np.minimum(day, length) - 1


_YEAR = 365.25

# --------------------------------------------------------------------------------------------------------------
# People


@dataclass
class _People:
    household: np.ndarray  # int64
    role: np.ndarray  # int8: 0 first adult, 1 second adult, 2 child
    sex: np.ndarray  # int8: 0 M, 1 F
    dob: np.ndarray  # int64 days since 1970
    first: np.ndarray  # int32 base first name
    surname: np.ndarray  # int32 base surname
    surname2: np.ndarray  # int32 second part of a double-barrelled surname, or -1
    surname_alt: np.ndarray  # int32 former surname (adults) or other parent's (children), or -1
    dwelling: np.ndarray  # int64 dwelling code now
    previous: np.ndarray  # int64 dwelling code before, or -1
    nhs: np.ndarray  # int64 valid NHS number


def _draw_first_names(rng, pools: _Pools, group, sex, child) -> np.ndarray:
    out = np.empty(len(group), dtype=np.int32)
    for (g, s, generation), sampler in pools.first_samplers.items():
        mask = (group == g) & (sex == (0 if s == "M" else 1)) & (child == (generation == "child"))
        if mask.any():
            out[mask] = sampler.draw(rng, int(mask.sum()))
    return out


def _draw_surnames(rng, pools: _Pools, group) -> np.ndarray:
    out = np.empty(len(group), dtype=np.int32)
    for g, sampler in pools.surname_samplers.items():
        mask = group == g
        if mask.any():
            out[mask] = sampler.draw(rng, int(mask.sum()))
    return out


def _nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid NHS numbers starting with 9, in random order."""
    if n > 80_000_000:
        raise ValueError("too many people for distinct NHS numbers")
    found = np.empty(0, dtype=np.int64)
    while len(found) < n:
        want = int((n - len(found)) * 1.2) + 64
        body = 900_000_000 + rng.integers(0, 100_000_000, size=want, dtype=np.int64)
        total = np.zeros(want, dtype=np.int64)
        rest = body.copy()
        for weight in range(2, 11):  # the last digit of the body has weight 2, the first weight 10
            total += (rest % 10) * weight
            rest //= 10
        check = (11 - total % 11) % 11
        numbers = body[check != 10] * 10 + check[check != 10]
        found = np.sort(np.concatenate([found, numbers]))
        found = found[np.concatenate([[True], found[1:] != found[:-1]])]
    return rng.permutation(found)[:n]


def _people(rng: np.random.Generator, pools: _Pools, n_households: int) -> _People:
    n_hh = n_households
    ref = int(np.datetime64(REFERENCE_DATE).astype(np.int64))
    hh_ids = np.arange(n_hh, dtype=np.int64)
    family = rng.random(n_hh) < FAMILY_SHARE
    two = rng.random(n_hh) < np.where(family, TWO_ADULTS["family"], TWO_ADULTS["adults"])
    n_adults = 1 + two
    n_births = np.where(family, rng.choice(len(BIRTHS), size=n_hh, p=BIRTHS) + 1, 0)
    shares = np.array([share for share, *_ in GROUPS.values()])
    group = rng.choice(len(shares), size=n_hh, p=shares / shares.sum()).astype(np.int8)
    other = rng.choice(len(shares), size=n_hh, p=shares / shares.sum()).astype(np.int8)
    group2 = np.where(rng.random(n_hh) < 0.88, group, other)
    name_a = _draw_surnames(rng, pools, group)  # the first adult's own surname
    name_b = _draw_surnames(rng, pools, group2)  # the second adult's, or the absent parent's
    married = rng.random(n_hh) < np.where(two, MARRIED["two_adults"], MARRIED["single_parent"])

    sex0 = (rng.random(n_hh) < np.where(family, 0.92, 0.5)).astype(np.int8)  # 1 = F
    sex1 = np.where(rng.random(n_hh) < 0.97, 1 - sex0, sex0).astype(np.int8)
    mixed = two & (sex0 != sex1)
    takes0 = married & (sex0 == 1) & (mixed | ~two)  # the first adult (a woman) took the other's surname
    takes1 = married & mixed & (sex0 == 0)  # the second adult (a woman) took the first's
    current0 = np.where(takes0, name_b, name_a)
    other0 = np.where(takes0, name_a, name_b)

    # Births: the eldest is 0-17; each later birth one to several years after the one before.
    b_hh = np.repeat(hh_ids, n_births)
    b_start = np.cumsum(n_births) - n_births
    b_order = np.arange(len(b_hh)) - b_start[b_hh]
    eldest = ref - rng.integers(0, int(18 * _YEAR) - 1, size=n_hh)
    gaps = np.where(b_order == 0, 0, 300 + rng.gamma(2.0, 450.0, size=len(b_hh))).astype(np.int64)
    b_dob = eldest[b_hh] + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[b_start[n_births > 0]], n_births[n_births > 0])
    born = b_dob <= ref
    b_hh, b_dob = b_hh[born], b_dob[born]
    # Children's surname: 0 the first adult's, 1 the other parent's, 2 double-barrelled (both).
    p_married = np.array([0.93, 0.02, 0.05])
    p_not = np.array([0.47, 0.46, 0.07])
    cum = np.where(married[:, None], np.cumsum(p_married), np.cumsum(p_not))
    hh_choice = np.minimum((rng.random(n_hh)[:, None] > cum).sum(axis=1), 2)
    b_choice = hh_choice[b_hh]
    override = rng.random(len(b_hh)) < 0.12  # half-siblings
    b_choice[override] = np.minimum((rng.random(int(override.sum()))[:, None] > cum[b_hh[override]]).sum(axis=1), 2)
    twin = rng.random(len(b_hh)) < TWIN_BIRTH
    births = np.repeat(np.arange(len(b_hh)), 1 + twin)
    second_twin = np.zeros(len(births), dtype=bool)
    second_twin[1:] = births[1:] == births[:-1]

    # Everyone, household by household: adults first, then children eldest first.
    a_hh = np.repeat(hh_ids, n_adults)
    a_role = (np.arange(len(a_hh)) - (np.cumsum(n_adults) - n_adults)[a_hh]).astype(np.int8)
    hh = np.concatenate([a_hh, b_hh[births]])
    order = np.argsort(hh, kind="stable")
    hh = hh[order]
    role = np.concatenate([a_role, np.full(len(births), 2, dtype=np.int8)])[order]
    birth = np.concatenate([np.full(len(a_hh), -1), births])[order]
    twin2 = np.concatenate([np.zeros(len(a_hh), dtype=bool), second_twin])[order]
    n = len(hh)
    child = role == 2

    sex = np.where(role == 0, sex0[hh], np.where(role == 1, sex1[hh], (rng.random(n) < 0.49))).astype(np.int8)
    identical = rng.random(n) < 2 / 3
    prev_sex = np.roll(sex, 1)
    sex = np.where(twin2, np.where(identical, prev_sex, 1 - prev_sex), sex).astype(np.int8)

    adult0_age = np.where(
        family[hh],
        (ref - eldest[hh]) + np.clip(16 + rng.gamma(4.0, 3.2, size=n), 16, 46) * _YEAR,
        rng.uniform(18, 80, size=n) * _YEAR,
    )
    dob0 = np.full(n_hh, ref, dtype=np.int64)
    dob0[hh[role == 0]] = (ref - adult0_age[role == 0]).astype(np.int64)
    latest_adult_dob = np.where(family, eldest - int(15 * _YEAR), ref - int(18 * _YEAR))
    dob1 = np.minimum(dob0[hh] + rng.normal(-900, 1500, size=n).astype(np.int64), latest_adult_dob[hh])
    dob = np.where(role == 0, dob0[hh], np.where(role == 1, dob1, -1))
    dob[child] = b_dob[birth[child]]

    choice = np.where(child, b_choice[np.maximum(birth, 0)], 0)
    second = np.where(takes1[hh], name_a[hh], name_b[hh])
    surname = np.select([role == 1, child & (choice == 1)], [second, other0[hh]], current0[hh]).astype(np.int32)
    surname2 = np.where(child & (choice == 2), other0[hh], -1).astype(np.int32)
    alt = np.select(
        [role == 0, role == 1, choice == 0, choice == 1],
        [np.where(takes0[hh], name_a[hh], -1), np.where(takes1[hh], name_b[hh], -1), other0[hh], current0[hh]],
        -1,
    )
    alt = np.where(alt == surname, -1, alt).astype(np.int32)

    name_group = np.where(role == 1, group2[hh], np.where(child & (rng.random(n) < 0.25), group2[hh], group[hh]))
    first = _draw_first_names(rng, pools, name_group, sex, child)
    for _ in range(10):  # nobody shares a first name with someone in their household (twins included)
        key = hh * (pools.first.size + 1) + first
        idx = np.argsort(key, kind="stable")
        clash = np.zeros(n, dtype=bool)
        clash[idx[1:]] = key[idx[1:]] == key[idx[:-1]]
        if not clash.any():
            break
        first[clash] = _draw_first_names(rng, pools, name_group[clash], sex[clash], child[clash])

    # Dwellings: a code is a (street, house number); households now are at distinct codes.
    places = pools.places
    if n_hh < places.space // 2:
        now = rng.choice(places.space, size=n_hh, replace=False).astype(np.int64)
    else:
        now = rng.integers(0, places.space, size=n_hh, dtype=np.int64)
    local = np.clip(now + rng.integers(-3000, 3000, size=n_hh), 0, places.space - 1)
    before = np.where(rng.random(n_hh) < 0.7, local, rng.integers(0, places.space, size=n_hh))
    before = np.where(rng.random(n_hh) < MOVED, before, -1)
    previous = before[hh]
    own = (role == 1) & (rng.random(n) < PARTNER_OWN_PREVIOUS_ADDRESS)
    previous[own] = rng.integers(0, places.space, size=int(own.sum()))

    return _People(
        household=hh,
        role=role,
        sex=sex,
        dob=dob,
        first=first,
        surname=surname,
        surname2=surname2,
        surname_alt=alt,
        dwelling=now[hh],
        previous=previous,
        nhs=_nhs_numbers(rng, n),
    )


# --------------------------------------------------------------------------------------------------------------
# Records


def _agency_array(key: str) -> np.ndarray:
    return np.array([AGENCY_RATES[a][key] for a in AGENCIES])


def _names(rng, table: _Names, base: np.ndarray, *, nickname: np.ndarray | None, typo: float):
    """Indices into ``table.text`` of each record's name: a nickname or a typo of the base name, then maybe its
    ASCII form; capitals are added by the caller."""
    n = len(base)
    out = base.copy()
    u = rng.random(n)
    nick_p = nickname if nickname is not None else np.zeros(n)
    is_nick = (u < nick_p) & table.has_nickname[base]
    out[is_nick] = table.nickname[base[is_nick], rng.integers(0, _N_NICKNAME_SLOTS, size=int(is_nick.sum()))]
    is_typo = (u >= nick_p) & (u < nick_p + typo)
    out[is_typo] = table.typo[base[is_typo], rng.integers(0, _N_TYPOS, size=int(is_typo.sum()))]
    return out


def agency_records(n_records: int, *, seed: int = 0) -> pd.DataFrame:
    """n_records rows: COLUMNS plus "person_id" (the true person, for measuring accuracy; never shown to a matcher).

    Every column is a string (object dtype; ``None`` where the agency does not hold the item) except
    ``person_id``, an int64. Rows are in random order; ``record_id`` is "r" and a zero-padded row number.
    """
    if n_records < 0:
        raise ValueError("n_records must not be negative")
    if n_records == 0:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in COLUMNS})
        frame["person_id"] = pd.Series([], dtype=np.int64)
        return frame
    pools = _pools()
    rng = np.random.default_rng(seed)

    # Enough households for n_records; the last one taken may lose some of its records.
    households = max(4, int(n_records / 2.0 / 3.3 * 1.15) + 8)
    while True:
        people = _people(rng, pools, households)
        copies = rng.choice(len(COPIES), size=len(people.dob), p=COPIES) + 1
        ends = np.cumsum(copies)
        if ends[-1] >= n_records:
            break
        households *= 2
    last = int(np.searchsorted(ends, n_records))
    copies = copies[: last + 1]
    copies[-1] -= ends[last] - n_records
    n_people = len(copies)
    ref = int(np.datetime64(REFERENCE_DATE).astype(np.int64))

    # Which agencies hold each person: distinct agencies by weighted sampling without replacement.
    age = (ref - people.dob[:n_people]) / _YEAR
    kind = np.where(age < 5, 0, np.where(age < 18, 1, 2))
    weights = np.array([[SOURCE_WEIGHTS[k][a] for a in AGENCIES] for k in ("under_5", "child", "adult")])
    with np.errstate(divide="ignore"):
        scores = np.log(weights)[kind] + rng.gumbel(size=(n_people, len(AGENCIES)))
    ranked = np.argsort(-scores, axis=1)[:, : len(COPIES)].astype(np.int8)
    rp = np.repeat(np.arange(n_people, dtype=np.int64), copies)
    nth = np.arange(n_records) - np.repeat(np.cumsum(copies) - copies, copies)
    src = ranked[rp, nth]
    again = np.flatnonzero((nth > 0) & (rng.random(n_records) < RATES["same_agency_duplicate"]))
    src[again] = src[again - 1]
    del ranked, scores, nth

    perm = rng.permutation(n_records)
    rp, src = rp[perm], src[perm]
    del perm
    n = n_records
    is_child = people.role[rp] == 2
    dob_true = people.dob[rp]

    # Names.
    first_t, surname_t = pools.first, pools.surname
    first = _names(
        rng, first_t, people.first[rp], nickname=_agency_array("nickname")[src], typo=RATES["first_name_typo"]
    )
    baby = (src == AGENCIES.index("health")) & is_child & (ref - dob_true < 90) & (rng.random(n) < RATES["baby"])
    first[baby] = pools.baby
    a = people.surname[rp]
    b = people.surname2[rp]
    alt = people.surname_alt[rp]
    show_alt = (alt >= 0) & (rng.random(n) < np.where(is_child, RATES["other_parent_surname"], RATES["former_surname"]))
    a = np.where(show_alt, alt, a)
    b = np.where(show_alt, -1, b)
    joiner = np.zeros(n, dtype=np.int8)  # "-", " ", ""
    variant = (b >= 0) & (rng.random(n) < RATES["double_barrelled_variant"])
    kind_v = rng.choice(4, size=n, p=[0.30, 0.10, 0.35, 0.25])
    joiner[variant & (kind_v == 0)] = 1
    joiner[variant & (kind_v == 1)] = 2
    second_only = variant & (kind_v == 3)
    a = np.where(second_only, b, a)
    b = np.where(variant & (kind_v >= 2), -1, b)
    a = _names(rng, surname_t, a, nickname=None, typo=RATES["surname_typo"])
    ascii_only = rng.random(n) < _agency_array("ascii_only")[src]
    first = np.where(ascii_only, first_t.fold[first], first)
    a = np.where(ascii_only, surname_t.fold[a], a)
    b = np.where(ascii_only & (b >= 0), surname_t.fold[np.maximum(b, 0)], b)
    upper = rng.random(n) < _agency_array("upper_case")[src]
    first_name = first_t.text[first + upper * first_t.size]
    surname = surname_t.text[a + upper * surname_t.size]
    two_part = np.flatnonzero(b >= 0)
    surname[two_part] = (
        surname[two_part]
        + np.array(["-", " ", ""], dtype=object)[joiner[two_part]]
        + surname_t.text[b[two_part] + upper[two_part] * surname_t.size]
    )
    del first, a, b, alt, show_alt, joiner, variant, kind_v, second_only, ascii_only

    # Date of birth.
    dob = dob_true.copy()
    year, month, day = _ymd(dob)
    u = rng.random(n)
    swap = (u < RATES["dob_day_month_swap"]) & (day <= 12) & (day != month)
    dob[swap] = _days(year[swap], day[swap], month[swap])
    edge = RATES["dob_day_month_swap"]
    off = (u >= edge) & (u < edge + RATES["dob_off_by_one"])
    dob[off] += np.where(rng.random(int(off.sum())) < 0.5, -1, 1)
    edge += RATES["dob_off_by_one"]
    wrong_year = np.flatnonzero((u >= edge) & (u < edge + RATES["dob_year_digit"]))
    y = year[wrong_year]
    by_one = rng.random(len(wrong_year)) < 0.5
    digit = (y % 10 + rng.integers(1, 10, size=len(wrong_year))) % 10
    y2 = np.where(by_one, y + np.where(rng.random(len(wrong_year)) < 0.5, -1, 1), y - y % 10 + digit)
    moved_date = _days(y2, month[wrong_year], day[wrong_year])
    dob[wrong_year] = np.where(moved_date > ref, _days(y - 1, month[wrong_year], day[wrong_year]), moved_date)
    edge += RATES["dob_year_digit"]
    jan = (u >= edge) & (u < edge + RATES["dob_first_of_january"])
    dob[jan] = _days(year[jan], np.ones(int(jan.sum()), dtype=np.int64), np.ones(int(jan.sum()), dtype=np.int64))
    dob = np.where(dob > ref, dob_true, dob)  # an agency's system refuses a date of birth in the future
    missing = rng.random(n) < _agency_array("dob_missing")[src]
    date_index = np.clip(dob - pools.date_min, 0, len(pools.dates) - 2)
    date_of_birth = pools.dates[np.where(missing, len(pools.dates) - 1, date_index)]
    del dob, year, month, day, u, swap, off, wrong_year, jan, missing, date_index, dob_true

    # Sex.
    sex = people.sex[rp].astype(np.int8)
    sex = np.where(rng.random(n) < RATES["sex_wrong"], 1 - sex, sex)
    sex = np.where(rng.random(n) < _agency_array("sex_unknown")[src], 2, sex)
    sex_text = np.array(["M", "F", "U"], dtype=object)[sex]
    del sex

    # Address and postcode: now or (for a person who moved) before.
    places = pools.places
    previous = people.previous[rp]
    code = np.where((previous >= 0) & (rng.random(n) < RATES["old_address"]), previous, people.dwelling[rp])
    del previous
    street = np.searchsorted(places.first_code, code, side="right") - 1
    number = code - places.first_code[street] + 1
    # A dwelling is a flat (in a block at that house number) one time in five, decided by its code.
    mix = (code * 2654435761) % 2**32
    flat = np.where(mix % 5 == 0, 1 + (mix >> 8) % 12, 0)
    block = np.minimum((number - 1) // _POSTCODE_BLOCK, places.postcode_blocks[street] - 1)
    postcode = places.postcode[places.postcode_start[street] + block]
    del block, mix

    typo = np.flatnonzero(rng.random(n) < RATES["postcode_typo"])  # one of the two unit letters mistyped
    if len(typo):
        chars = postcode[typo].astype("U8")
        view = chars.view(np.uint32).reshape(len(typo), 8)
        pos = np.strings.str_len(chars) - 1 - rng.integers(0, 2, size=len(typo))
        letters = np.frombuffer(_POSTCODE_UNIT_LETTERS.encode("utf-32-le"), dtype=np.uint32)
        new = letters[rng.integers(0, len(letters), size=len(typo))]
        same = view[np.arange(len(typo)), pos] == new
        new[same] = letters[(np.searchsorted(letters, new[same]) + 1) % len(letters)]
        view[np.arange(len(typo)), pos] = new
        postcode[typo] = chars.astype(object)
    no_space = np.flatnonzero(rng.random(n) < RATES["postcode_no_space"])
    if len(no_space):
        postcode[no_space] = np.strings.replace(postcode[no_space].astype(str), " ", "").astype(object)
    lower = np.flatnonzero(rng.random(n) < RATES["postcode_lower_case"])
    if len(lower):
        postcode[lower] = np.strings.lower(postcode[lower].astype(str)).astype(object)
    postcode[rng.random(n) < _agency_array("postcode_missing")[src]] = None
    del no_space, lower, typo

    address_upper = rng.random(n) < np.maximum(_agency_array("upper_case")[src] - 0.1, 0.0)
    abbreviated = rng.random(n) < RATES["street_abbreviated"]
    street_part = places.street_text[street * 4 + abbreviated + 2 * address_upper]
    town_part = places.town_text[
        np.where(
            rng.random(n) < RATES["town_dropped"], len(places.town_text) - 1, places.town[street] * 2 + address_upper
        )
    ]
    flat_style = np.where(rng.random(n) < RATES["flat_format"], rng.integers(1, 4, size=n), 0)
    flat_text = np.array(  # (flat 0-12, style, capitals): "Flat 2, ", "Flat 2 ", "2, " or left out
        [
            text.upper() if up else text
            for f in range(13)
            for text in ((f"Flat {f}, ", f"Flat {f} ", f"{f}, ", "") if f else ("", "", "", ""))
            for up in (False, True)
        ],
        dtype=object,
    )
    number_text = np.array([f"{i} " for i in range(int(places.length.max()) + 1)], dtype=object)
    address = flat_text[(flat * 4 + flat_style) * 2 + address_upper] + number_text[number] + street_part + town_part
    address[rng.random(n) < _agency_array("address_missing")[src]] = None
    del street, number, flat, street_part, town_part, flat_style, abbreviated, address_upper, code

    # NHS number.
    present = rng.random(n) < _agency_array("nhs_present")[src]
    nhs = people.nhs[rp]
    household = people.household
    family_member = np.flatnonzero(present & (rng.random(n) < RATES["nhs_family_member"]))
    person = rp[family_member]
    after = np.minimum(person + 1, len(household) - 1)
    before = np.maximum(person - 1, 0)
    relative = np.where(
        (after != person) & (household[after] == household[person]),
        after,
        np.where((before != person) & (household[before] == household[person]), before, person),
    )
    nhs[family_member] = people.nhs[relative]
    mistyped = np.flatnonzero(present & (rng.random(n) < RATES["nhs_mistyped"]))
    place = 10 ** (9 - rng.integers(1, 10, size=len(mistyped))).astype(np.int64)  # never the leading 9
    digit = (nhs[mistyped] // place) % 10
    nhs[mistyped] += ((digit + rng.integers(1, 10, size=len(mistyped))) % 10 - digit) * place
    nhs_text = np.full(n, None, dtype=object)
    nhs_text[present] = nhs[present].astype("U10").astype(object)
    del nhs, present, family_member, mistyped

    width = max(7, len(str(n)))
    record_id = np.strings.add("r", np.strings.zfill(np.arange(1, n + 1).astype("U"), width)).astype(object)
    source = np.array(AGENCIES, dtype=object)[src]
    columns = {
        "record_id": record_id,
        "first_name": first_name,
        "surname": surname,
        "date_of_birth": date_of_birth,
        "sex": sex_text,
        "postcode": postcode,
        "address": address,
        "nhs_number": nhs_text,
        "source": source,
    }
    frame = pd.DataFrame({name: pd.Series(values, dtype=object, copy=False) for name, values in columns.items()})
    frame["person_id"] = rp
    return frame
