"""One child from contact to a child protection plan and its first review, in a real browser, checked with axe.

Three people share the work: Sam Worker (social worker), Morgan Manager (team manager) and Cass Chair
(independent conference chair). Dates are working days before today, in pathway order, so every clock that
has been met is met on time:

    contact received, decided as a referral, referral decided   20 working days ago
    strategy discussion (section 47 enquiry starts)              20   (due within 1 of the referral decision)
    child seen                                                   18
    enquiry outcome: convene a conference                        15
    initial conference: plan (neglect)                           12   (due within 15 of the discussion)
    first core group                                             10   (due within 10 of the conference)
    statutory visit, child seen alone                             6
    first review conference: continue the plan                    3   (due 3 months after the conference)
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (
    choose,
    expect_govuk_styles,
    fieldset,
    fill_date,
    follow,
    go_to,
    sign_in,
    sign_out,
    submit,
    working_days_ago,
)

CHILD = "Ava Example"


@pytest.mark.browser
def test_a_child_from_contact_to_the_first_review_of_a_plan(page, staff, axe):
    today = timezone.localdate()
    contact_on = working_days_ago(today, 20)
    strategy_on = working_days_ago(today, 20)
    seen_on = working_days_ago(today, 18)
    outcome_on = working_days_ago(today, 15)
    conference_on = working_days_ago(today, 12)
    core_group_on = working_days_ago(today, 10)
    visit_on = working_days_ago(today, 6)
    review_on = working_days_ago(today, 3)

    # 1. The social worker records the contact: the household, Ava and her mother, who raised it and why.
    sign_in(page, axe, staff.social_worker)
    expect_govuk_styles(page)
    follow(page, axe, "New contact")
    page.get_by_label("Household address").fill("1 Example Road, Demo Town")
    page.get_by_label("Postcode").fill("ZZ1 1ZZ")
    child = fieldset(page, "Child 1")
    child.get_by_label("First name").fill("Ava")
    child.get_by_label("Last name").fill("Example")
    fill_date(child, "Date of birth", contact_on.replace(year=contact_on.year - 5, day=1))
    child.get_by_label("Sex").select_option(label="Female")
    adult = fieldset(page, "Adult 1 (optional)")
    adult.get_by_label("First name").fill("Jo")
    adult.get_by_label("Last name").fill("Example")
    adult.get_by_label("Sex").select_option(label="Female")
    adult.get_by_label("What they are to the children").select_option(label="Parent")
    page.get_by_label("Name of the person who raised the concern").fill("Ms Head")
    page.get_by_label("Their role or relationship to the child").fill("Headteacher")
    page.get_by_label("Referral source").select_option(label="Schools")
    page.get_by_label("The concern, in their words").fill("Ava came to school hungry and in the same clothes all week.")
    choose(page, "How urgent is it?", "Same day")

    # ... forgetting the date the contact was received: the error summary names it and links to it.
    submit(page, axe, "Save contact")
    expect(page).to_have_title(re.compile(r"^Error: Record a contact"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(["Enter the date the contact was received."])
    summary.get_by_role("link", name="Enter the date the contact was received.").click()
    expect(fieldset(page, "Date the contact was received").get_by_label("Day")).to_be_focused()
    expect(child.get_by_label("First name")).to_have_value("Ava")  # what was typed is kept

    fill_date(page, "Date the contact was received", contact_on)
    submit(page, axe, "Save contact")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Contact received {contact_on:%-d %B %Y}")

    # 2. She decides it: a referral to children's social care, which opens Ava's case.
    choose(page, "What happens next?", "Referral to children's social care")
    page.get_by_label("Reasons for the decision").fill("Neglect concerns from school need a social work response.")
    fill_date(page, "Date of the decision", contact_on)
    submit(page, axe, "Save decision")
    expect(page.get_by_role("heading", name="Referrals opened")).to_be_visible()
    follow(page, axe, f"{CHILD}'s case")
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)
    expect(page.locator(".govuk-tag--purple")).to_have_text("Referral awaiting decision")
    sign_out(page, axe)

    # 3. The team manager finds the referral in her work, decides on a strategy discussion and allocates Sam.
    sign_in(page, axe, staff.manager)
    follow(page, axe, CHILD)
    follow(page, axe, "Decide referral")
    choose(page, "What is the response to the referral?", "Strategy discussion")
    page.get_by_label("Reasons for the decision").fill("Possible significant harm through neglect.")
    fill_date(page, "Date of the decision", contact_on)
    submit(page, axe, "Save decision")
    expect(page.get_by_role("alert")).to_contain_text("Referral decision recorded")
    expect(page.locator(".govuk-tag--purple")).to_have_text("Strategy discussion needed")
    follow(page, axe, "Allocate")
    page.get_by_label("Social worker").select_option(label=staff.social_worker.display_name)
    submit(page, axe, "Allocate")
    expect(page.get_by_role("alert")).to_contain_text("Social worker allocated")
    sign_out(page, axe)

    # 4. The social worker records the strategy discussion: a joint section 47 enquiry with the police.
    sign_in(page, axe, staff.social_worker)
    follow(page, axe, CHILD)
    follow(page, axe, "Record strategy discussion")
    fill_date(page, "Date of the discussion", strategy_on)
    for agency, name, role, view in [
        ("Children's social care", "Sam Worker", "Social worker", "Ava's needs are not being met at home."),
        ("Police", "PC Lee", "Detective constable", "A joint visit is needed."),
        ("Health", "Pat Nurse", "School nurse", "Ava's weight has dropped since the summer."),
    ]:
        row = fieldset(page, agency)
        row.get_by_label("Name").fill(name)
        row.get_by_label("Role").fill(role)
        row.get_by_label("Their agency's view, in their own words").fill(view)
    choose(page, "Decision", "Section 47 enquiry jointly with police")
    page.get_by_label("Reasons for the decision").fill("Reasonable cause to suspect significant harm.")
    action = fieldset(page, "Action 1")
    action.get_by_label("Action", exact=True).fill("Joint visit to see Ava at home")
    action.get_by_label("Agency responsible").select_option(label=staff.social_worker.agency.name)
    action.get_by_label("Who will do it").fill("Sam Worker and PC Lee")
    fill_date(action, "Due by", seen_on)
    submit(page, axe, "Save strategy discussion")
    expect(page.get_by_role("alert")).to_contain_text("Strategy discussion recorded")
    expect(page.locator(".govuk-tag--purple")).to_have_text("Section 47 enquiry")

    # 5. The section 47 enquiry: Ava is seen alone, and the outcome is to convene a conference.
    follow(page, axe, "Record child seen")
    fill_date(page, "Date the child was seen", seen_on)
    choose(page, "Was the child seen alone?", "Yes")
    submit(page, axe, "Save")
    expect(page.get_by_role("alert")).to_contain_text("Child seen recorded")
    follow(page, axe, "Record enquiry outcome")
    choose(page, "Outcome of the enquiry", "Child likely to suffer significant harm: convene a conference")
    fill_date(page, "Date of the outcome", outcome_on)
    submit(page, axe, "Save outcome")
    expect(page.locator(".govuk-tag--purple")).to_have_text("Awaiting initial child protection conference")
    sign_out(page, axe)

    # 6. The conference chair records the initial conference: a plan, under the category of neglect.
    sign_in(page, axe, staff.chair)
    follow(page, axe, CHILD)
    follow(page, axe, "Record initial conference")
    record_conference(page, conference_on, staff.chair.display_name)
    choose(page, "Decision", "Child protection plan needed")
    choose(page, "Category of abuse", "Neglect")
    page.get_by_label("Outline plan").fill("Daily breakfast club; health visitor weekly; parenting support for Jo.")
    submit(page, axe, "Save conference")
    expect(page.get_by_role("alert")).to_contain_text("Initial conference recorded")
    expect(page.locator(".govuk-tag--purple")).to_have_text("Child protection plan")
    sign_out(page, axe)

    # 7. The social worker holds the first core group and visits Ava, seeing her alone.
    sign_in(page, axe, staff.social_worker)
    follow(page, axe, CHILD)
    follow(page, axe, "Record core group")
    fill_date(page, "Date of the meeting", core_group_on)
    page.get_by_label("Notes").fill("Plan agreed with the family. Breakfast club starts Monday.")
    submit(page, axe, "Save")
    expect(page.get_by_role("alert")).to_contain_text("Core group meeting recorded")
    follow(page, axe, "Record visit")
    fill_date(page, "Date of the visit", visit_on)
    choose(page, "Was the child seen?", "Yes")
    choose(page, "Was the child seen alone?", "Yes")
    page.get_by_label("Notes").fill("Ava showed me her room. Food in the cupboards.")
    submit(page, axe, "Save")
    expect(page.get_by_role("alert")).to_contain_text("Visit recorded")
    sign_out(page, axe)

    # 8. The chair records the first review conference: the plan continues.
    sign_in(page, axe, staff.chair)
    follow(page, axe, CHILD)
    follow(page, axe, "Record review conference")
    record_conference(page, review_on, staff.chair.display_name)
    choose(page, "Decision", "Continue the plan")
    choose(page, "Category of abuse", "Neglect")
    page.get_by_label("Summary of the review").fill("Some progress: Ava attends breakfast club. Plan continues.")
    submit(page, axe, "Save conference")
    expect(page.get_by_role("alert")).to_contain_text("Review conference recorded")
    sign_out(page, axe)

    # 9. Ava is on a child protection plan, her clocks show what was met, and she is in the social worker's work.
    # Found by name, the search goes in the form's body: her name is not in the address.
    sign_in(page, axe, staff.social_worker)
    work = page.get_by_role("table", name="My work")
    expect(work.get_by_role("link", name=CHILD).first).to_be_visible()
    go_to(page, axe, reverse("child-search"))
    page.get_by_label("Search", exact=True).fill(CHILD)
    submit(page, axe, "Search")
    expect(page.locator("#search-results-count")).to_have_text("1 child found")
    assert "Ava" not in page.url and "Example" not in page.url, page.url
    follow(page, axe, CHILD)
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)
    expect(page.locator(".govuk-tag--purple")).to_have_text("Child protection plan")
    clocks = page.get_by_role("table", name="Statutory clocks")
    for clock, status in [
        ("Referral decision", "Met"),
        ("Assessment", "Due"),
        ("Strategy discussion", "Met"),
        ("Initial child protection conference", "Met"),
        ("First core group", "Met"),
        ("First review conference", "Met"),
        ("Review conference", "Due"),
        ("Statutory visit", "Due"),
    ]:
        row = clocks.get_by_role("row").filter(has=page.get_by_role("rowheader", name=clock, exact=True))
        expect(row).to_have_count(1)
        expect(row.get_by_role("cell").last).to_have_text(status)
    expect(clocks.get_by_role("row")).to_have_count(9)  # the header row and the eight clocks
    statuses = clocks.get_by_role("row").filter(has=page.get_by_role("rowheader")).locator("td:last-child")
    expect(statuses).to_have_text(["Due", "Due", "Due", "Met", "Met", "Met", "Met", "Met"])  # open clocks first

    # 10. On a phone (375 px wide) the wide tables scroll sideways in their own focusable regions, not the page.
    page.set_viewport_size({"width": 375, "height": 812})
    for path, region in [
        (page.url, "Statutory clocks"),
        (reverse("my-work"), "My work"),
        (reverse("team-work"), "My team's work"),
    ]:
        go_to(page, axe, path)
        expect(page.get_by_role("region", name=region, exact=True)).to_have_attribute("tabindex", "0")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide at 375 px"

    print("Pages checked with axe:", *axe.pages, sep="\n  ")
    axe.assert_clean()


def record_conference(page, held_on, chair_name):
    """The part of a conference page shared by the initial and the review conference: who came, the family."""
    fill_date(page, "Date of the conference", held_on)
    page.get_by_label("Chair", exact=True).select_option(label=chair_name)
    for agency, name, report in [
        ("Children's social care", "Sam Worker", True),
        ("Police", "PC Lee", True),
        ("Health", "Pat Nurse", False),
    ]:
        row = fieldset(page, agency)
        row.get_by_label("Name").fill(name)
        row.get_by_label("Attended").check()
        if report:
            row.get_by_label("Report submitted").check()
    choose(page, "Did the family attend?", "Yes")
    page.get_by_label("The child's views").fill("Ava says she likes school breakfasts and wants her mum to get help.")
