"""In the browser: the unit's social worker asks the police about a household; the police's practitioner answers,
marking one item restricted; the social worker sees the answer without it, and a unit police officer sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from macpu.agencies.models import AgencyKind, Role
from macpu.intake.services import contact_record, referral_decide
from macpu.mash.services import information_request_send
from macpu.people.services import PersonDetails, household_record
from tests.browser.conftest import PASSWORD, choose, fieldset, fill_date, follow, go_to, sign_in, sign_out, submit
from tests.factories import AgencyFactory, TeamFactory, UserFactory, police_notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "Intelligence of violence to a previous partner"


def test_the_unit_asks_the_police_who_answer_and_each_sees_what_the_marker_allows(page, staff, axe):
    now = timezone.now()
    people = household_record(
        actor=staff.social_worker,
        now=now,
        address="3 Sample Street",
        postcode="ZZ3 3ZZ",
        children=[PersonDetails(given_name="Ava", family_name="Sample", sex="F", date_of_birth=dt.date(2023, 3, 2))],
        adults=[PersonDetails(given_name="Kai", family_name="Other", sex="M")],
        adult_relationships=["partner_of_parent"],
    )
    contact = contact_record(
        actor=staff.social_worker,
        now=now,
        children=people.children,
        household=people.household,
        received_on=timezone.localdate(now),
        referrer_name="PC Lee",
        referral_source="6",
        concern="Police called to a domestic incident; Ava was in the house.",
        urgency="same_day",
        team=staff.social_worker.team,
    )
    police = AgencyFactory(name="Demo Constabulary", kind=AgencyKind.POLICE)
    answerer = UserFactory(
        username="pc.answers", role=Role.PARTNER_PRACTITIONER, agency=police, team=TeamFactory(agency=police)
    )
    officer = UserFactory(
        username="unit.officer", role=Role.POLICE_OFFICER, agency=police, team=staff.social_worker.team
    )
    for user in (answerer, officer):
        user.set_password(PASSWORD)
        user.save()

    # 1. The social worker asks the police, from the contact's page.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    follow(page, axe, "Ask an agency")
    page.get_by_label("Agency to ask").select_option(label="Demo Constabulary")
    page.get_by_label("What the unit needs to know").fill("Any history of violence in the household?")
    choose(page, "Rating", "Amber: A risk of significant harm, but not immediate")
    page.get_by_label("Why this rating").fill("Domestic abuse with a young child in the house.")
    submit(page, axe, "Send the request")
    expect(page.get_by_role("alert")).to_contain_text("Demo Constabulary asked: the answer is due by")
    expect(page.get_by_role("heading", name="Demo Constabulary")).to_be_visible()
    sign_out(page, axe)

    # 2. The police's practitioner lands on the requests to their agency and answers.
    sign_in(page, axe, answerer, lands_on="Requests to my agency")
    follow(page, axe, "Kai Other, Ava Sample")
    page.get_by_label("Nothing known about Ava Sample").check()
    item = fieldset(page, "Kai Other: item 1")
    fill_date(item, "Date", timezone.localdate(now) - dt.timedelta(days=30))
    item.get_by_label("What it is").select_option(label="Crime, arrest or charge")
    item.get_by_label("What your agency holds").fill(SECRET)
    item.get_by_label("Lawful basis for sharing").select_option(label="Law enforcement (DPA 2018 Part 3)")
    choose(item, "Who may see it", "Restricted to named roles")
    item.get_by_label("Unit police officer").check()
    submit(page, axe, "Send the answer")
    expect(page.get_by_role("alert")).to_contain_text("Answer sent to the unit")
    expect(page.get_by_role("main")).to_contain_text(SECRET)
    sign_out(page, axe)

    # 3. The social worker sees the answer, but not the restricted item; the unit's police officer sees it.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Nothing known")
    expect(main).to_contain_text("Answered")
    expect(main).not_to_contain_text(SECRET)
    sign_out(page, axe)
    sign_in(page, axe, officer)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    expect(page.get_by_role("main")).to_contain_text(SECRET)

    axe.assert_clean()


def test_deciding_together_from_a_request_to_a_strategy_discussion(page, staff, axe):
    """Issue #5's journey in the browser: health answers, keeping one item from the family; the unit decides and
    reads what the family may be told; the nursery disagrees and escalates one step from its own request page; the
    social worker invites the police and health and records the discussion; the police see their action."""
    now = timezone.now()
    today = timezone.localdate(now)
    contact = police_notification(staff.social_worker, staff.social_worker.team, now, with_kai=False)
    agencies = {
        kind: AgencyFactory(name=name, kind=kind)
        for kind, name in [
            (AgencyKind.POLICE, "Demo Constabulary"),
            (AgencyKind.HEALTH, "Demo health visiting"),
            (AgencyKind.EDUCATION, "Demo nursery"),
        ]
    }
    partner = {}
    for kind, agency in agencies.items():
        partner[kind] = UserFactory(
            username=f"{kind}.partner", role=Role.PARTNER_PRACTITIONER, agency=agency, team=TeamFactory(agency=agency)
        )
        partner[kind].set_password(PASSWORD)
        partner[kind].save()
    for kind in (AgencyKind.POLICE, AgencyKind.EDUCATION):
        information_request_send(
            actor=staff.social_worker,
            now=now,
            contact=contact,
            agency=agencies[kind],
            people=list(contact.household.members.all()),
            question="What do you know about Ava and Jo?",
            rag="amber",
            rag_rationale="Domestic abuse with a young child in the house.",
        )
    shared, kept_back = "Ava was not brought to her 2-year review.", "Jo told her GP she is frightened at home."

    # 1. The social worker asks health from the contact's page.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    follow(page, axe, "Ask an agency")
    page.get_by_label("Agency to ask").select_option(label="Demo health visiting")
    page.get_by_label("What the unit needs to know").fill("Is Ava up to date with her checks?")
    choose(page, "Rating", "Red: The child may be at immediate risk")
    page.get_by_label("Why this rating").fill("A young child in a home with domestic abuse.")
    submit(page, axe, "Send the request")
    expect(page.get_by_role("alert")).to_contain_text("Demo health visiting asked")
    sign_out(page, axe)

    # 2. Health answers: one item the family may be told, one it must not be.
    sign_in(page, axe, partner[AgencyKind.HEALTH], lands_on="Requests to my agency")
    follow(page, axe, "Ava Sample, Jo Sample")
    for person, kind, summary, marker in [
        ("Ava Sample", "Missed health appointments", shared, "May be shared with the family"),
        ("Jo Sample", "Mental health", kept_back, "Not to be shared with the family"),
    ]:
        item = fieldset(page, f"{person}: item 1")
        fill_date(item, "Date", today - dt.timedelta(days=20))
        item.get_by_label("What it is").select_option(label=kind)
        item.get_by_label("What your agency holds").fill(summary)
        item.get_by_label("Lawful basis for sharing").select_option(index=1)
        choose(item, "Who may see it", marker)
    fieldset(page, "Jo Sample: item 1").get_by_label("Why the family must not be told").fill("It could put Jo at risk.")
    submit(page, axe, "Send the answer")
    expect(page.get_by_role("alert")).to_contain_text("Answer sent to the unit")
    sign_out(page, axe)

    # 3. The social worker decides on a referral, and reads what the family may be told.
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("contact-detail", args=[contact.pk]))
    expect(page.get_by_role("main")).to_contain_text(kept_back)  # the unit sees it, marked
    choose(page, "What happens next?", "Referral to children's social care")
    page.get_by_label("Reasons for the decision").fill("Domestic abuse and missed health checks.")
    fill_date(page, "Date of the decision", today)
    submit(page, axe, "Save decision")
    follow(page, axe, "What the family may be told")
    expect(page.get_by_role("main")).to_contain_text(shared)
    expect(page.get_by_role("main")).not_to_contain_text(kept_back)
    sign_out(page, axe)

    # 4. The nursery disagrees from its own request page, and escalates to the managers.
    sign_in(page, axe, partner[AgencyKind.EDUCATION], lands_on="Requests to my agency")
    follow(page, axe, "Ava Sample, Jo Sample")
    expect(page.get_by_role("main")).to_contain_text("The unit's decision on")
    expect(page.get_by_role("main")).not_to_contain_text(kept_back)
    page.get_by_label("Demo nursery's view of the decision").fill("Ava is withdrawn: we think this needs more.")
    choose(page, "Does your agency agree with the decision?", "No, we disagree: start resolving the difference")
    submit(page, axe, "Record our view")
    expect(page.get_by_role("alert")).to_contain_text("Demo nursery's view recorded")
    choose(page, "The outcome of this step", "Not resolved: escalate to the next step")
    page.get_by_label("What was agreed, or why it was not").fill("We still think a strategy discussion is needed.")
    submit(page, axe, "Record the outcome")
    expect(page.get_by_role("alert")).to_contain_text("Outcome of 'The practitioners talk it through' recorded")
    expect(page.get_by_role("main")).to_contain_text("Their managers: by")
    sign_out(page, axe)

    # 5. The manager decides on a strategy discussion; the social worker invites the police and health.
    referral = contact.referrals.get()
    referral_decide(
        actor=staff.manager,
        now=timezone.now(),
        referral=referral,
        decision="strategy",
        reasons="Domestic abuse with a young child.",
        decided_on=today,
    )
    meeting = today + dt.timedelta(days=1)
    sign_in(page, axe, staff.social_worker)
    go_to(page, axe, reverse("child-detail", args=[referral.child_id]))
    follow(page, axe, "Invite agencies to a strategy discussion")
    fill_date(page, "Date of the discussion", meeting)
    page.get_by_label("Time of the discussion").fill("10:00")
    expect(fieldset(page, "Agencies to invite").get_by_label("Demo Constabulary")).to_be_checked()
    expect(fieldset(page, "Agencies to invite").get_by_label("Demo health visiting")).to_be_checked()
    page.get_by_label("What the unit needs to know").fill("Anything new before the discussion?")
    page.get_by_label("Why this rating").fill("For the strategy discussion.")
    submit(page, axe, "Send the invitations")
    expect(page.get_by_role("alert")).to_contain_text("Agencies invited to the strategy discussion")
    expect(page.get_by_role("main")).to_contain_text(f"Strategy discussion to be held on {meeting:%-d %B %Y} at 10:00")

    # 6. She records the discussion: who took part, and an action for the police.
    follow(page, axe, "Record strategy discussion")
    fill_date(page, "Date of the discussion", today)
    choose(page, "Did Demo Constabulary take part?", "Took part")
    choose(page, "Did Demo health visiting take part?", "Took part")
    for agency, name in [("Children's social care", "Sam Worker"), ("Police", "DC Holmes"), ("Health", "Nurse Patel")]:
        fieldset(page, agency).get_by_label("Name").fill(name)
    choose(page, "Decision", "Section 47 enquiry jointly with police")
    action = fieldset(page, "Action 1")
    action.get_by_label("Action", exact=True).fill("Joint visit to see Ava at home")
    action.get_by_label("Agency responsible").select_option(label="Demo Constabulary")
    action.get_by_label("Who will do it").fill("DC Holmes")
    fill_date(action, "Due by", meeting)
    submit(page, axe, "Save strategy discussion")
    expect(page.get_by_role("alert")).to_contain_text("Strategy discussion recorded")
    invited = page.get_by_role("region", name="Agencies invited")
    expect(invited).to_contain_text("Demo Constabulary")
    expect(invited).to_contain_text("Took part")
    sign_out(page, axe)

    # 7. The police see the discussion they were invited to, and their action.
    sign_in(page, axe, partner[AgencyKind.POLICE], lands_on="Requests to my agency")
    expect(page.get_by_role("main")).to_contain_text("Strategy discussion held")
    actions = page.get_by_role("region", name="Actions for your agency from strategy discussions")
    expect(actions).to_contain_text("Joint visit to see Ava at home")
    expect(actions).to_contain_text(f"{meeting:%-d %B %Y}")

    axe.assert_clean()
