"""Matching at intake (macpu.people.matching): while a practitioner types a child's details on the contact form, the
people in the index and the agency records that may be the same child appear, each with Splink's match probability.
All data is synthetic."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from io import StringIO
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from splink import DuckDBAPI, Linker
from splink.internals.settings_creator import SettingsCreator
from sqlglot import parse_one

from macpu.access.models import AuditEvent, AuditSubject
from macpu.agencies.models import AgencyKind, Role
from macpu.intake.models import Contact
from macpu.intake.services import contact_record, person_details_correct
from macpu.people import linkage, matching
from macpu.people.identifiers import nhs_check_digit
from macpu.people.models import LinkageRun, MatchKey
from macpu.people.records import records_import
from macpu.people.selectors import intake_candidates
from macpu.people.services import PersonDetails, household_record
from macpu.people.synthetic import agency_records
from tests.factories import AgencyFactory, TeamFactory, UserFactory, aware, words

MODEL = json.loads((Path(__file__).parent.parent / "macpu/people/tests/data/intake_model.json").read_text())


def nhs(nine: str) -> str:
    check = nhs_check_digit(nine)
    assert check is not None
    return f"{nine}{check}"


# --- agreement with Splink -----------------------------------------------------------------------------------


def current_settings_with_weights(prepared_table: object) -> dict:
    """linkage.settings() as it is now (another model than the trained one in MODEL), each level given an m and u
    of its own, as training would: every level's condition is then scored by Splink and by matching."""
    untrained = Linker(prepared_table, linkage.settings(), log_level=logging.WARNING).misc.save_model_to_json()
    rnd = random.Random(5)  # noqa: S311 - test data
    for comparison in untrained["comparisons"]:
        levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        for i, level in enumerate(levels):  # agreement levels first, the ELSE level last
            last = i == len(levels) - 1
            level["m_probability"] = rnd.uniform(0.01, 0.05) if last else 0.9 / (i + 1) * rnd.uniform(0.5, 1)
            level["u_probability"] = rnd.uniform(0.9, 0.99) if last else 0.001 * (i + 1) * rnd.uniform(0.5, 1)
    untrained["probability_two_random_records_match"] = 0.0001
    return untrained


@pytest.fixture(scope="module", params=["the trained model", "the current settings"])
def splinked(request) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """3,000 synthetic agency records, prepared by linkage.prepare, and every pair Splink's own predict scores
    (no threshold) with a model: a trained one (as a LinkageRun holds), or linkage's settings as they are now."""
    frame = agency_records(3_000, seed=21).drop(columns="person_id")
    api = DuckDBAPI()
    api.duckdb_con.register("records", frame[linkage.COLUMNS].astype(object).where(frame.notna(), None))
    linkage.prepare(api.duckdb_con, "records")
    prepared = api.duckdb_con.sql("SELECT * FROM prepared").df()
    table = api.register("prepared")
    model = MODEL if request.param == "the trained model" else current_settings_with_weights(table)
    linker = Linker(table, model, log_level=logging.WARNING)
    predictions = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    return frame, prepared, predictions, model


def _plain(value: object) -> object:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and value != value:
        return None
    return value


def test_prepare_in_python_makes_what_linkage_prepare_makes_in_duckdb(splinked):
    frame, prepared, _, _ = splinked
    ours = {row["record_id"]: matching.prepare(row) for row in frame.to_dict("records")}
    columns = [c for c in prepared.columns if c not in ("record_id", "source")]

    differences = []
    for row in prepared.to_dict("records"):
        for column in columns:
            theirs, mine = _plain(row[column]), ours[row["record_id"]][column]
            if column in ("first_name_variants", "address_words") and theirs is not None:  # any order
                theirs, mine = sorted(theirs, key=str), sorted(mine, key=str)
            if theirs != mine:
                differences.append((row["record_id"], column, theirs, mine))

    assert set(columns) == set(matching.prepare({}))
    assert not differences, differences[:10]


def test_match_probabilities_agree_with_splinks_own_predict(splinked):
    frame, _, predictions, trained = splinked
    ours = {row["record_id"]: matching.prepare(row) for row in frame.to_dict("records")}
    model = matching.Model(trained)

    worst_probability = worst_weight = 0.0
    for pair in predictions.itertuples():
        score = model.score(ours[pair.record_id_l], ours[pair.record_id_r])
        worst_probability = max(worst_probability, abs(score.probability - pair.match_probability))
        worst_weight = max(worst_weight, abs(score.weight - pair.match_weight))

    assert len(predictions) > 1_000  # plenty of pairs, matches and non-matches alike
    assert predictions["match_probability"].min() < 0.01 < 0.99 < predictions["match_probability"].max()
    assert worst_probability < 1e-9 and worst_weight < 1e-9, (worst_probability, worst_weight)


def test_every_level_of_the_current_linkage_settings_can_be_scored_in_python():
    """A change to linkage's model that uses SQL the translation does not know fails here, not at intake."""
    settings = SettingsCreator.from_path_or_dict(linkage.settings().get_settings("duckdb").as_dict())
    for comparison in settings.get_settings("duckdb").comparisons:
        for level in comparison.comparison_levels:
            if not level._is_else_level:
                matching.compile_condition(parse_one(level.sql_condition, read="duckdb"))


def test_jaro_winkler_and_levenshtein_are_duckdbs():
    names = agency_records(2_000, seed=4)[["first_name", "surname"]].stack().dropna().str.lower().unique().tolist()
    rnd = random.Random(3)  # noqa: S311 - test data
    pairs = [(rnd.choice(names), rnd.choice(names)) for _ in range(5_000)]
    pairs += [(n, n[:-1] + "x") for n in names[:500]] + [(n, n[1:] + n[0]) for n in names[:500]]
    pairs += [("a", "a"), ("a", "b"), ("ab", "ba"), ("", "abc"), ("martha", "marhta"), ("dwayne", "duane")]
    typed = pd.DataFrame(pairs, columns=["a", "b"])  # noqa: F841 - DuckDB reads it by name
    rows = duckdb.sql("SELECT a, b, jaro_winkler_similarity(a, b), levenshtein(a, b) FROM typed").fetchall()

    assert max(abs(matching.jaro_winkler(a, b) - jw) for a, b, jw, _ in rows) < 1e-12
    assert all(matching.levenshtein(a, b) == distance for a, b, _, distance in rows)


# --- finding the child -------------------------------------------------------------------------------------------

NOW = aware(2026, 3, 31, 10)
BORN = dt.date(2015, 3, 2)
WILLIAM_NHS = nhs("999000001")


@pytest.fixture
def model_run(db):
    return LinkageRun.objects.create(started_at=NOW, finished_at=NOW, threshold=0.9, model=MODEL)


@pytest.fixture
def known(model_run, social_worker, team):
    """William Hartley, known to the unit, with his twin Harry at the same address; William Hartwell, another boy;
    and the police's and school's records of William (one under his nickname, one with his day and month
    swapped)."""
    people = household_record(
        actor=social_worker,
        now=NOW,
        address="12 Orchard Close, Testbury",
        postcode="ZZ1 4QP",
        children=[
            PersonDetails(
                given_name="William", family_name="Hartley", sex="M", date_of_birth=BORN, nhs_number=WILLIAM_NHS
            ),
            PersonDetails(given_name="Harry", family_name="Hartley", sex="M", date_of_birth=BORN),
        ],
    )
    other = household_record(
        actor=social_worker,
        now=NOW,
        address="4 Mill Lane, Othertown",
        postcode="ZZ9 2AB",
        children=[
            PersonDetails(given_name="William", family_name="Hartwell", sex="M", date_of_birth=dt.date(2014, 7, 9))
        ],
    )
    for household in (people, other):
        contact_record(
            actor=social_worker,
            now=NOW,
            children=household.children,
            household=household.household,
            received_on=NOW.date(),
            referrer_name="Ms Head",
            referral_source="2A",
            concern="Bruising.",
            urgency="same_day",
            team=team,
        )
    admin = UserFactory(role=Role.ADMINISTRATOR)
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    rows = [
        {"record_id": "N1", "first_name": "BILLY", "surname": "HARTLEY", "date_of_birth": "2015-03-02", "sex": "M",
         "postcode": "ZZ1 4QP", "address": "12 Orchard Cl", "nhs_number": ""},
        {"record_id": "N2", "first_name": "Jo", "surname": "Hartley", "date_of_birth": "1990-05-17", "sex": "F",
         "postcode": "ZZ1 4QP", "address": "12 Orchard Close", "nhs_number": ""},
    ]  # fmt: skip
    records_import(
        actor=admin, now=NOW, agency=police, system="Niche", extracted_at=NOW - dt.timedelta(days=1),
        file_name="niche.csv", rows=rows,
    )  # fmt: skip
    return people.children[0], people.children[1], other.children[0]


def details(**values: object) -> dict[str, object]:
    base = {"first_name": "William", "surname": "Hartley", "date_of_birth": BORN, "sex": "M", "postcode": "ZZ1 4QP",
            "address": "12 Orchard Close", "nhs_number": ""}  # fmt: skip
    return {**base, **values}


def names(candidates) -> list[tuple[str, str]]:
    return [(c.name, c.source.split(" (")[0]) for c in candidates]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(details(first_name="Billy"), id="a nickname"),
        pytest.param(details(date_of_birth=dt.date(2015, 2, 3)), id="day and month swapped"),
        pytest.param(details(surname="Hartlye"), id="a typo in the surname"),
        pytest.param(details(nhs_number=""), id="no NHS number"),
        pytest.param(details(first_name="", surname="", date_of_birth=None, nhs_number=WILLIAM_NHS), id="NHS only"),
    ],
)
def test_the_child_already_known_is_found_and_ranked_first(known, social_worker, typed):
    william, harry, _ = known

    candidates = intake_candidates(user=social_worker, details=typed, now=NOW)
    people = [c.person for c in candidates if c.person is not None]

    # William, in the index or in the police's record of him (N1), is the best match; his twin is below him.
    assert candidates and (candidates[0].person == william or candidates[0].record_id == "N1"), candidates
    assert candidates[0].probability > 0.5
    assert people[0] == william and (harry not in people or people.index(harry) > people.index(william))


def test_agency_records_are_found_with_their_agency_and_system(known, social_worker):
    candidates = intake_candidates(user=social_worker, details=details(), now=NOW)

    police = [c for c in candidates if c.record_id == "N1"]
    assert police and police[0].source == "Demo Constabulary, Niche" and police[0].name == "BILLY HARTLEY"
    assert police[0].probability > 0.9
    assert "N2" not in [c.record_id for c in candidates[:2]]  # his mother is not him
    assert candidates == sorted(candidates, key=lambda c: -c.probability)


def test_probability_in_words_rounds_down():
    from macpu.people.selectors import Candidate

    def said(p: float) -> str:
        return Candidate(name="", date_of_birth=None, postcode="", source="", probability=p).likelihood

    assert said(0.987) == "98% likely the same child"
    assert said(0.99999) == "99% likely the same child"
    assert said(0.004) == "Less than 1% likely the same child"


def test_nothing_is_found_before_any_linkage_has_trained_a_model(social_worker, team):
    household_record(
        actor=social_worker, now=NOW, address="1 A Street", postcode="ZZ1 1AA",
        children=[PersonDetails(given_name="William", family_name="Hartley", sex="M", date_of_birth=BORN)],
    )  # fmt: skip

    assert intake_candidates(user=social_worker, details=details(), now=NOW) == []


def test_the_look_up_is_audited_with_each_candidate_person_as_a_subject(known, social_worker):
    william, _, _ = known
    before = AuditEvent.objects.count()

    intake_candidates(user=social_worker, details=details(), now=NOW)

    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.what == "intake-matching" and event.action == "search" and event.user_id == social_worker.pk
    assert "Demo Constabulary, Niche N1" in event.reason
    subjects = dict(AuditSubject.objects.filter(event=event).values_list("person_id", "basis"))
    assert william.pk in subjects and "front door" in subjects[william.pk]


def test_a_partner_agency_practitioner_sees_nothing(known, client):
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    partner = UserFactory(role=Role.PARTNER_PRACTITIONER, agency=police, team=TeamFactory(agency=police))
    client.force_login(partner)
    before = AuditEvent.objects.count()

    response = client.post(
        reverse("contact-matches"), {"child_0_given_name": "William", "child_0_family_name": "Hartley"}
    )

    assert response.status_code == 403 and "Hartley" not in words(response.content.decode())
    assert intake_candidates(user=partner, details=details(), now=NOW) == []
    assert AuditEvent.objects.filter(what="intake-matching").count() == 0
    assert AuditEvent.objects.count() == before


def test_unit_staff_without_a_relationship_see_agency_records_but_not_the_index(known, team):
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    officer = UserFactory(role=Role.POLICE_OFFICER, agency=police, team=TeamFactory(agency=police, name="Police team"))

    candidates = intake_candidates(user=officer, details=details(), now=NOW)

    assert candidates and all(c.person is None for c in candidates)
    assert "N1" in [c.record_id for c in candidates]


def form_data(**values: str) -> dict[str, str]:
    data = {
        "child_0_given_name": "Billy",
        "child_0_family_name": "Hartley",
        "child_0_date_of_birth_day": "2",
        "child_0_date_of_birth_month": "3",
        "child_0_date_of_birth_year": "2015",
        "address": "12 Orchard Close",
        "postcode": "ZZ1 4QP",
    }
    return {**data, **values}


def test_the_partial_lists_the_candidates_with_how_likely_each_is(known, client, social_worker):
    client.force_login(social_worker)

    response = client.post(reverse("contact-matches"), form_data(row="0"))
    text = words(response.content.decode())

    assert response.status_code == 200
    assert "People already known who may be child 1" in text
    assert "William Hartley" in text and "2 March 2015" in text and "ZZ1 4QP" in text
    assert "Demo Constabulary, Niche" in text and "likely the same child" in text
    assert client.get(reverse("contact-matches")).status_code == 405


def test_the_partial_asks_for_more_until_there_is_enough_to_look_up(known, client, social_worker):
    client.force_login(social_worker)

    response = client.post(reverse("contact-matches"), {"row": "1", "child_1_given_name": "Wil"})

    assert "Enter more of child 2's details" in words(response.content.decode())


def test_without_javascript_the_check_button_shows_candidates_and_saves_nothing(known, client, social_worker):
    client.force_login(social_worker)
    contacts = Contact.objects.count()

    response = client.post(reverse("contact-create"), form_data(check="0", concern="Worried about Billy."))
    text = words(response.content.decode())

    assert response.status_code == 200 and Contact.objects.count() == contacts
    assert "People already known who may be child 1" in text and "William Hartley" in text
    assert 'value="Billy"' in response.content.decode() and "Worried about Billy." in text  # what was typed stays
    assert "There is a problem" not in text  # nothing was checked, so nothing is wrong yet


def test_a_contact_records_the_childs_nhs_number(known, client, social_worker):
    client.force_login(social_worker)
    data = form_data(
        child_0_given_name="Ada",
        child_0_family_name="Newchild",
        child_0_sex="F",
        child_0_nhs_number=nhs("999000002"),
        received_on_day=str(NOW.day),
        received_on_month=str(NOW.month),
        received_on_year=str(NOW.year),
        referrer_name="Ms Head",
        referral_source="2A",
        concern="Bruising.",
        urgency="same_day",
    )

    response = client.post(reverse("contact-create"), data)

    assert response.status_code == 302, words(response.content.decode())[:2000]
    child = Contact.objects.latest("pk").children.get()
    assert child.nhs_number == nhs("999000002")


def test_keys_follow_a_change_of_name(known, manager):
    william, _, _ = known
    person_details_correct(
        actor=manager, now=NOW, person=william, given_name="Wilhelm", family_name="Stone", sex="M",
        ethnicity="", nhs_number="", upn="", disabilities=[],
    )  # fmt: skip

    found = intake_candidates(user=manager, details=details(first_name="Wilhelm", surname="Stone"), now=NOW)

    assert found and found[0].person == william


def all_keys() -> list[tuple[int, int, int]]:
    return sorted(
        (k, p or 0, r or 0) for k, p, r in MatchKey.objects.values_list("key", "person_id", "agency_record_id")
    )


def test_rebuild_match_keys_writes_every_key_again(known):
    keys = all_keys()
    MatchKey.objects.all().delete()

    call_command("rebuild-match-keys", stdout=StringIO())

    assert all_keys() == keys and len(keys) > 20


CONDITIONS = [
    "right(date_of_birth_l, 5) = right(date_of_birth_r, 5)",
    "coalesce(nhs_number_l, postcode_l) = coalesce(nhs_number_r, postcode_r)",
    "first_name_l || surname_l = first_name_r || surname_r",
    "sex_l IN ('M', 'X') AND NOT (sex_r = 'F')",
    "CASE WHEN first_name_variants_l IS NULL THEN list_contains(first_name_variants_r, first_name_l) "
    "WHEN first_name_variants_r IS NULL THEN list_contains(first_name_variants_l, first_name_r) "
    "ELSE len(list_filter(first_name_variants_l, lambda w: list_contains(first_name_variants_r, w))) > 0 END",
    "array_length(list_intersect(address_words_l, address_words_r)) >= 2 OR house_number_l <> house_number_r",
    "hamming(date_of_birth_l, date_of_birth_r) <= 1 AND abs(len(surname_l) - len(surname_r)) + 1 < 3",
    "jaro_winkler_similarity(surname_l, first_name_r) >= 0.8 OR levenshtein(surname_l, surname_r) <= 2",
]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_sql_conditions_are_evaluated_as_duckdb_evaluates_them(condition):
    """Three-valued logic (NULL is neither true nor false) and every function the translation knows, on pairs of
    prepared synthetic records: the same answer as DuckDB's for every pair."""
    frame = agency_records(400, seed=8).drop(columns="person_id")
    ours = [matching.prepare(row) for row in frame.to_dict("records")[:400]]
    columns = list(ours[0])
    rows = [
        {**{f"{c}_l": a[c] for c in columns}, **{f"{c}_r": b[c] for c in columns}}
        for a, b in zip(ours, ours[1:] + ours[:1], strict=True)
    ]
    rows += [{**{f"{c}_l": a[c] for c in columns}, **{f"{c}_r": a[c] for c in columns}} for a in ours[:50]]
    pairs = pd.DataFrame(rows).astype(object)  # noqa: F841 - DuckDB reads it by name
    theirs = [v for (v,) in duckdb.sql(f"SELECT ({condition}) FROM pairs").fetchall()]  # noqa: S608
    test = matching.compile_condition(parse_one(condition, read="duckdb"))

    mine = [test(row_l, row_r, {}) for row_l, row_r in ((_side(r, "l"), _side(r, "r")) for r in rows)]

    assert mine == theirs
    assert len(set(theirs)) > 1  # the pairs tell the answers apart


def _side(row: dict, side: str) -> dict:
    return {name[:-2]: value for name, value in row.items() if name.endswith(f"_{side}")}


def test_a_person_merged_into_another_is_found_as_the_person_kept(known, social_worker):
    william, _, _ = known
    other = household_record(
        actor=social_worker, now=NOW, address="9 Elm Road, Testbury", postcode="ZZ2 8XY",
        children=[PersonDetails(given_name="Wiliam", family_name="Hartly", sex="M", date_of_birth=BORN)],
    ).children[0]  # fmt: skip
    other.merged_into = william  # as people_merge leaves it
    other.save(update_fields=["merged_into"])

    found = intake_candidates(
        user=social_worker,
        details=details(first_name="Wiliam", surname="Hartly", postcode="ZZ2 8XY", address="9 Elm Road"),
        now=NOW,
    )

    people = [c.person for c in found if c.person is not None]
    assert people[0] == william and other not in people
