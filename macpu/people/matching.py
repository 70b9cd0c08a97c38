"""Matching at intake: the people and agency records a child being typed in may already be (issue #6).

While a practitioner types a child's name, date of birth, address or NHS number on the contact form, the person
index (Person) and the agency records (AgencyRecord) that might be the same child are found and scored, in well
under the 50 ms the issue asks for at 1,000,000 people (bench/intake_matching.py measures it).

- Finding: every person and agency record has blocking keys in the indexed table MatchKey, made from the same
  normalised values Splink compares (``prepare``: linkage.prepare's rules, in Python): the NHS number; surname and
  date of birth; each first-name variant (its nickname forms, linkage.name_variants) with the date of birth and with
  the surname; postcode and date of birth; surname and postcode. A key is stored as a 64-bit hash of its text, so
  the index is small; a hash collision only adds a candidate, which scoring then rejects. The details typed are
  keyed the same way, plus the day and month swapped and first name and surname swapped, and one indexed
  ``key IN (...)`` query finds the candidates.
- Scoring: with the model of the latest batch linkage (LinkageRun.model, Splink's own saved model). Each
  comparison level's SQL condition is translated once (sqlglot, which Splink itself uses) into a Python test, and
  each level's match weight is the one Splink's own Settings object computes from the model, so a candidate's
  match probability is Splink's (tests/test_intake_matching.py checks it against ``linker.inference.predict``: the
  same to the last bit). Splink's comparison SQL run in an in-memory DuckDB over the same candidates gives the
  same weights but costs 35-40 ms a query in registering, preparing and querying, against a few milliseconds for
  the whole Python path (the bench reports both); Splink 5 has no find_matches_to_new_records.
- ``prepare`` and ``compile_condition`` follow linkage.PREPARE_SQL and the SQL linkage's comparison levels use: a
  change there needs one here, and the agreement tests say so (``UnsupportedCondition`` for SQL not yet known).

Services that create or change people and agency records call ``match_keys_refresh``; ``macpu rebuild-match-keys``
rebuilds the whole table (after a change to how keys are made, too).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlglot import exp, parse_one

Prepared = dict[str, Any]  # one record's values as linkage.prepare makes them (column name: value or None)
Value = Any
Bound = dict[str, Any]  # a lambda's variables
Test = Callable[[Prepared, Prepared, Bound], Value]  # a level's condition on (left, right): True, False or None

# --------------------------------------------------------------------------------------------------------------
# Normalising: linkage.PREPARE_SQL's rules in Python (tests check the two agree on synthetic records)

_NOT_LETTERS = re.compile(r"[^a-z]")
_NOT_LETTERS_RUN = re.compile(r"[^a-z]+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NOT_POSTCODE = re.compile(r"[^A-Za-z0-9]")
_HOUSE_NUMBER = re.compile(r"[0-9]+[a-z]?")
_STREET = re.compile(r".*(?:^| )[0-9]+[a-z]? ([a-z]+)")  # linkage.PREPARE_SQL's street: after the last number
_NHS = re.compile(r"[0-9]{10}")


def strip_accents(text: str) -> str:
    """DuckDB's strip_accents: decomposed, combining marks dropped."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return _NOT_LETTERS.sub("", strip_accents(value.strip()).lower()) or None


@functools.cache
def _linkage() -> Any:
    """macpu.people.linkage, imported when first needed: it imports Splink, which services need not load."""
    from macpu.people import linkage

    return linkage


@functools.lru_cache(maxsize=50_000)
def _variants(first_name: str) -> tuple[str, ...]:
    """linkage.name_variants for one name: the name with its formal forms, sorted."""
    return tuple(sorted({first_name} | _linkage()._nicknamer().canonicals_of(first_name)))


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value)


def prepare(record: Mapping[str, object]) -> Prepared:
    """One record (linkage.COLUMNS; the date of birth a date or YYYY-MM-DD) as linkage.prepare makes it."""
    first_name = _clean(_text(record.get("first_name")))
    surname_text = _text(record.get("surname"))
    surname = _clean(surname_text)
    parts = [p for p in _NOT_LETTERS_RUN.sub(" ", strip_accents(surname_text or "").lower()).split(" ") if len(p) > 1]
    born = record.get("date_of_birth")
    dob: date | None = None
    if isinstance(born, date):
        dob = born
    elif _text(born):
        try:
            dob = date.fromisoformat(str(born)) if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", str(born)) else None
        except ValueError:
            dob = None
    swapped = None
    if dob is not None and dob.day <= 12 and dob.day != dob.month:
        swapped = date(dob.year, dob.day, dob.month).isoformat()
    sex = (_text(record.get("sex")) or "").strip().upper()
    postcode = _NOT_POSTCODE.sub("", _text(record.get("postcode")) or "").upper() or None
    abbreviations = _linkage().ABBREVIATIONS
    words = [
        abbreviations.get(w, w)
        for w in _NOT_WORD.sub(" ", strip_accents(_text(record.get("address")) or "").lower()).split(" ")
        if w and w != "flat"
    ]
    numbers = [w for w in words if _HOUSE_NUMBER.fullmatch(w)]
    street = _STREET.match(" ".join(words))
    nhs = re.sub(r"\s", "", _text(record.get("nhs_number")) or "")
    variants = _variants(first_name) if first_name else ()
    initials = [name[0] for name in (first_name, surname) if name]
    return {
        "first_name": first_name,
        "first_name_variants": list(variants) if len(variants) > 1 else None,  # a list of one is left out
        "surname": surname,
        "surname_parts": parts if len(parts) > 1 else None,
        "date_of_birth": dob.isoformat() if dob else None,
        "date_of_birth_swapped": swapped,
        "sex": sex if sex in ("M", "F") else None,
        "postcode": postcode,
        "postcode_outward": (postcode[:-3] if len(postcode) >= 5 else postcode) if postcode else None,
        "postcode_area": postcode[:2] if postcode else None,
        "initials": min(initials) + max(initials) if initials else None,  # DuckDB's least and greatest skip NULLs
        "address_words": list(dict.fromkeys(words)) or None,  # distinct, in the order first written
        "house_number": numbers[-1] if numbers else None,
        "street": street.group(1) if street else None,
        "nhs_number": nhs if _NHS.fullmatch(nhs) else None,
    }


# --------------------------------------------------------------------------------------------------------------
# String similarity as DuckDB computes it


def jaro_winkler(a: str, b: str) -> float:
    """DuckDB's jaro_winkler_similarity (prefix scale 0.1, at most 4 characters, applied above 0.7)."""
    if not a or not b:
        return 0.0
    la, lb = len(a), len(b)
    bound = max(max(la, lb) // 2 - 1, 0)
    matched_b = [False] * lb
    a_matches = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - bound), min(lb, i + bound + 1)):
            if not matched_b[j] and b[j] == ch:
                matched_b[j] = True
                a_matches.append(ch)
                break
    common = len(a_matches)
    if common == 0:
        return 0.0
    b_matches = [b[j] for j in range(lb) if matched_b[j]]
    transpositions = sum(x != y for x, y in zip(a_matches, b_matches, strict=True)) // 2
    sim = (common / la + common / lb + (common - transpositions) / common) / 3.0
    if sim > 0.7:
        prefix = 0
        for x, y in zip(a[:4], b[:4], strict=False):
            if x != y:
                break
            prefix += 1
        sim += prefix * 0.1 * (1.0 - sim)
    return sim


def hamming(a: str, b: str) -> int:
    """DuckDB's hamming: the positions at which two strings of the same length differ."""
    if len(a) != len(b):
        raise ValueError("hamming: strings must be of equal length")
    return sum(x != y for x, y in zip(a, b, strict=True))


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


# --------------------------------------------------------------------------------------------------------------
# A comparison level's SQL condition as a Python test (three-valued: None is SQL's NULL)


class UnsupportedCondition(ValueError):
    """A level's SQL uses something this translation does not know: add it here (and to the agreement test)."""


def _column(node: exp.Column) -> Test:
    name = node.name
    if node.table in ("l", "r"):
        side, column = node.table, name
    elif name.endswith(("_l", "_r")):
        side, column = name[-1], name[:-2]
    else:
        raise UnsupportedCondition(f"column {node.sql()} is neither _l nor _r")
    if side == "l":
        return lambda left, right, bound: left[column]
    return lambda left, right, bound: right[column]


def _null_safe(function: Callable[..., Value], *args: Test) -> Test:
    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        values = [a(left, right, bound) for a in args]
        return None if any(v is None for v in values) else function(*values)

    return test


def _intersection(a: list[Any], b: list[Any]) -> list[Any]:
    """DuckDB's list_intersect: the distinct elements in both, NULLs left out."""
    return list((set(a) & set(b)) - {None})


def _contains(items: list[Any], item: Any) -> Value:
    """DuckDB's list_contains: NULL for a NULL item."""
    return None if item is None else item in items


_BINARY: dict[type[exp.Expression], Callable[[Any, Any], Any]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}


def _and(a: Test, b: Test) -> Test:
    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        x = a(left, right, bound)
        if x is False:
            return False  # as SQL may: the other side is not needed
        y = b(left, right, bound)
        if y is False:
            return False
        return None if x is None or y is None else True

    return test


def _or(a: Test, b: Test) -> Test:
    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        x = a(left, right, bound)
        if x is True:
            return True
        y = b(left, right, bound)
        if y is True:
            return True
        return None if x is None or y is None else False

    return test


def _in(value: Test, options: list[Test]) -> Test:
    """value IN (a, b, ...), as SQL: NULL when nothing matches and something was NULL."""

    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        v = value(left, right, bound)
        if v is None:
            return None
        found = [o(left, right, bound) for o in options]
        if v in found:
            return True
        return None if None in found else False

    return test


def _case(branches: list[tuple[Test, Test]], default: Test | None) -> Test:
    """CASE WHEN ... THEN ... [ELSE ...] END: the first branch whose condition is true (NULL is not)."""

    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        for condition, value in branches:
            if condition(left, right, bound) is True:
                return value(left, right, bound)
        return default(left, right, bound) if default is not None else None

    return test


def _filter(items: Test, variable: str, condition: Test) -> Test:
    """DuckDB's list_filter(items, lambda variable: condition): the items for which the condition is true."""

    def test(left: Prepared, right: Prepared, bound: Bound) -> Value:
        values = items(left, right, bound)
        if values is None:
            return None
        return [v for v in values if condition(left, right, {**bound, variable: v}) is True]

    return test


def compile_condition(node: exp.Expression) -> Test:
    """The Python test for one node of a level's condition (sqlglot's DuckDB parse of it)."""
    if isinstance(node, exp.Paren):
        return compile_condition(node.this)
    if isinstance(node, exp.Case) and node.this is None:
        branches = [(compile_condition(i.this), compile_condition(i.args["true"])) for i in node.args["ifs"]]
        default = compile_condition(node.args["default"]) if node.args.get("default") else None
        return _case(branches, default)
    if isinstance(node, exp.And):
        return _and(compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Or):
        return _or(compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Not):
        inner = compile_condition(node.this)
        return lambda left, right, bound: None if (v := inner(left, right, bound)) is None else not v
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        value = compile_condition(node.this)
        return lambda left, right, bound: value(left, right, bound) is None
    if type(node) in _BINARY:
        return _null_safe(_BINARY[type(node)], compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Column) and not node.table and not node.name.endswith(("_l", "_r")):
        name = node.name  # a lambda's variable, as sqlglot may read it
        return lambda left, right, bound: bound[name]
    if isinstance(node, exp.Column):
        return _column(node)
    if isinstance(node, exp.Identifier):  # a lambda's variable
        name = node.name
        return lambda left, right, bound: bound[name]
    if isinstance(node, exp.Literal):
        literal: Value = node.this if node.is_string else float(node.this)
        return lambda left, right, bound: literal
    if isinstance(node, exp.Length | exp.ArraySize):
        return _null_safe(len, compile_condition(node.this))
    if isinstance(node, exp.Left):
        return _null_safe(lambda s, n: s[: int(n)], compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Right):
        return _null_safe(
            lambda s, n: s[-int(n) :] if int(n) > 0 else "",
            compile_condition(node.this),
            compile_condition(node.expression),
        )
    if isinstance(node, exp.Coalesce):
        parts = [compile_condition(node.this), *(compile_condition(e) for e in node.expressions)]
        return lambda left, right, bound: next(
            (v for v in (p(left, right, bound) for p in parts) if v is not None), None
        )
    if isinstance(node, exp.DPipe):
        return _null_safe(lambda a, b: f"{a}{b}", compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Add | exp.Sub):
        sign = 1 if isinstance(node, exp.Add) else -1
        return _null_safe(lambda a, b: a + sign * b, compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Abs):
        return _null_safe(abs, compile_condition(node.this))
    if isinstance(node, exp.In) and node.expressions and not node.args.get("query"):
        value, options = compile_condition(node.this), [compile_condition(e) for e in node.expressions]
        return _in(value, options)
    if isinstance(node, exp.Levenshtein) and not node.args.get("ins_cost"):
        return _null_safe(levenshtein, compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("hamming", "mismatches"):
        a, b = (compile_condition(e) for e in node.expressions)
        return _null_safe(hamming, a, b)
    if isinstance(node, exp.JarowinklerSimilarity):
        return _null_safe(jaro_winkler, compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.ArrayContains):
        return _null_safe(_contains, compile_condition(node.this), compile_condition(node.expression))
    if isinstance(node, exp.ArrayFilter) and isinstance(node.expression, exp.Lambda):
        function = node.expression
        if len(function.expressions) != 1:
            raise UnsupportedCondition(f"{node.sql(dialect='duckdb')}: a lambda of one variable only")
        variable = function.expressions[0].name
        return _filter(compile_condition(node.this), variable, compile_condition(function.this))
    if isinstance(node, exp.Anonymous) and node.name.lower() in ("list_intersect", "array_intersect"):
        a, b = (compile_condition(e) for e in node.expressions)
        return _null_safe(_intersection, a, b)
    raise UnsupportedCondition(f"{node.sql(dialect='duckdb')} ({type(node).__name__})")


# --------------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Level:
    label: str
    weight: float  # Splink's match weight for the level (log2 of its Bayes factor)
    test: Test | None  # None: the ELSE level


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]

    def level(self, left: Prepared, right: Prepared) -> Level:
        for level in self.levels:
            if level.test is None or level.test(left, right, {}) is True:
                return level
        return self.levels[-1]  # Splink's CASE has an ELSE; without one the last level stands in


@dataclass(frozen=True)
class Score:
    probability: float
    weight: float
    levels: dict[str, str]  # comparison: the level the pair fell in


class Model:
    """A trained Splink model (``linker.misc.save_model_to_json()``) as Python tests and weights. The weights are
    the ones Splink's own Settings object computes from the model, so they are Splink's exactly."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        from splink.internals.misc import prob_to_match_weight  # noqa: PLC0415 - Splink's own arithmetic
        from splink.internals.settings_creator import SettingsCreator  # noqa: PLC0415

        settings = SettingsCreator.from_path_or_dict(dict(model)).get_settings("duckdb")
        self.prior_weight: float = prob_to_match_weight(settings._probability_two_random_records_match)  # noqa: SLF001
        comparisons = []
        for comparison in settings.comparisons:
            levels = []
            for level in comparison.comparison_levels:
                weight = level._match_weight  # noqa: SLF001 - Splink's weight, as its predict SQL uses it
                if weight is None:
                    raise UnsupportedCondition(f"{comparison.output_column_name}: a level has no m or u probability")
                test = None
                if not level._is_else_level:  # noqa: SLF001
                    test = compile_condition(cast(exp.Expression, parse_one(level.sql_condition, read="duckdb")))
                levels.append(Level(label=level.label_for_charts, weight=weight, test=test))
            comparisons.append(Comparison(name=comparison.output_column_name, levels=tuple(levels)))
        self.comparisons = tuple(comparisons)

    def score(self, left: Prepared, right: Prepared) -> Score:
        """Splink's match weight (the prior's weight plus each comparison's, summed in its order) and probability."""
        weight = self.prior_weight
        levels = {}
        for comparison in self.comparisons:
            level = comparison.level(left, right)
            weight += level.weight
            levels[comparison.name] = level.label
        if weight >= 0:
            probability = 1.0 / (1.0 + 2.0 ** (-weight))
        else:
            probability = 2.0**weight / (1.0 + 2.0**weight)
        return Score(probability=probability, weight=weight, levels=levels)


@functools.lru_cache(maxsize=4)
def _model_for_run(run_id: int) -> Model:
    from macpu.people.models import LinkageRun

    return Model(LinkageRun.objects.values_list("model", flat=True).get(pk=run_id))


def current_model() -> Model | None:
    """The model of the latest batch linkage (its id read each time, the model built once), or None before any."""
    from macpu.people.models import LinkageRun

    run_id = LinkageRun.objects.order_by("-started_at", "-pk").values_list("pk", flat=True).first()
    return _model_for_run(run_id) if run_id is not None else None


# --------------------------------------------------------------------------------------------------------------
# Blocking keys


def key_hash(text: str) -> int:
    """A key's text as a signed 64-bit integer (what MatchKey stores)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _key_texts(p: Prepared, *, query: bool) -> Iterator[str]:
    nhs, surname, born, postcode = p["nhs_number"], p["surname"], p["date_of_birth"], p["postcode"]
    variants = p["first_name_variants"] or ([p["first_name"]] if p["first_name"] else [])
    if nhs:
        yield f"n|{nhs}"
    dates = [born, p["date_of_birth_swapped"]] if query else [born]
    for day in filter(None, dates):
        if surname:
            yield f"sd|{surname}|{day}"
        for variant in variants:
            yield f"fd|{variant}|{day}"
        if postcode:
            yield f"pd|{postcode}|{day}"
    if surname:
        for variant in variants:
            yield f"fs|{variant}|{surname}"
        if postcode:
            yield f"sp|{surname}|{postcode}"
        if query and p["first_name"]:  # first name and surname the other way round
            yield f"fs|{surname}|{p['first_name']}"


def keys(p: Prepared, *, query: bool = False) -> set[int]:
    """A record's blocking keys; for the details typed at intake (`query`), with the day and month of the date of
    birth swapped and the names swapped too."""
    return {key_hash(text) for text in _key_texts(p, query=query)}


# --------------------------------------------------------------------------------------------------------------
# Records as the matcher reads them


def person_record(person: Any, household: Any | None) -> dict[str, object]:
    """A person in the index, at their latest household's address, in linkage.COLUMNS."""
    return {
        "first_name": person.given_name,
        "surname": person.family_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "postcode": household.postcode if household else None,
        "address": household.address if household else None,
        "nhs_number": person.nhs_number or None,
    }


def agency_record(record: Any) -> dict[str, object]:
    return {
        "first_name": record.first_name,
        "surname": record.surname,
        "date_of_birth": record.date_of_birth,
        "sex": record.sex,
        "postcode": record.postcode,
        "address": record.address,
        "nhs_number": record.nhs_number or None,
    }


def latest_households(person_ids: Iterable[int]) -> dict[int, Any]:
    """Each person's latest household (the one recorded last), in one query."""
    from macpu.people.models import Household

    through = Household.members.through
    latest: dict[int, Any] = {}
    rows = through.objects.filter(person_id__in=list(person_ids)).select_related("household").order_by("household_id")
    for row in rows:
        latest[row.person_id] = row.household
    return latest


# --------------------------------------------------------------------------------------------------------------
# Keeping the keys


BATCH = 5000


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def match_keys_refresh(*, people: Iterable[Any] = (), agency_records: Iterable[Any] = ()) -> int:
    """Replace the blocking keys of these people and agency records (model instances, saved) with keys from their
    values now: called by every service that creates or changes them. Returns the keys written."""
    from macpu.people.models import MatchKey

    people, records = list(people), list(agency_records)
    written = 0
    for chunk in _chunks(people):
        ids = [p.pk for p in chunk]
        MatchKey.objects.filter(person_id__in=ids).delete()
        households = latest_households(ids)
        rows = [
            MatchKey(key=k, person_id=p.pk)
            for p in chunk
            for k in keys(prepare(person_record(p, households.get(p.pk))))
        ]
        MatchKey.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    for chunk in _chunks(records):
        MatchKey.objects.filter(agency_record_id__in=[r.pk for r in chunk]).delete()
        rows = [MatchKey(key=k, agency_record_id=r.pk) for r in chunk for k in keys(prepare(agency_record(r)))]
        MatchKey.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def match_keys_rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    """Every person's and agency record's keys, afresh: the table emptied and refilled a batch at a time."""
    from macpu.people.models import AgencyRecord, MatchKey, Person

    MatchKey.objects.all().delete()
    written = 0
    for model, argument in ((Person, "people"), (AgencyRecord, "agency_records")):
        total, done, last = model.objects.count(), 0, 0
        while True:
            chunk = list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not chunk:
                break
            written += match_keys_refresh(**{argument: chunk})
            last, done = chunk[-1].pk, done + len(chunk)
            if progress:
                progress(done, total)
    return written


# --------------------------------------------------------------------------------------------------------------
# Finding and scoring


@dataclass(frozen=True)
class Found:
    """The candidates' ids for a query: people in the index and agency records sharing a key with it."""

    people: list[int] = field(default_factory=list)
    agency_records: list[int] = field(default_factory=list)


MAX_CANDIDATES = 2000  # a key shared by more (a hash collision, or bad data) is not worth scoring them all


def find(query: Prepared) -> Found:
    """One indexed query: the people and agency records sharing a blocking key with the details typed."""
    wanted = sorted(keys(query, query=True))
    if not wanted:
        return Found()
    from macpu.people.models import MatchKey

    people: dict[int, None] = {}
    records: dict[int, None] = {}
    rows = MatchKey.objects.filter(key__in=wanted).values_list("person_id", "agency_record_id")[:MAX_CANDIDATES]
    for person_id, record_id in rows:
        if person_id is not None:
            people[person_id] = None
        else:
            records[record_id] = None
    return Found(people=list(people), agency_records=list(records))


def enough_to_match(details: Mapping[str, object]) -> bool:
    """Whether the details typed so far make any blocking key (a name and date of birth, say): until they do,
    nothing is looked up."""
    return bool(keys(prepare(details), query=True))
