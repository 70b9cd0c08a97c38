"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server.

Helpers for the journey test, used as a person would use the pages:

    sign_in(page, axe, user)          the real sign-in pages (password, then the code); lands on "My work"
    sign_out(page, axe)               the "Sign out" button in the header
    follow(page, axe, "Allocate")     click a link (or a link drawn as a button) to another page
    submit(page, axe, "Save")         click a form's submit button
    fill_date(scope, "Date of ...", d)  the GOV.UK date input (Day, Month, Year) inside its fieldset
    check_axe(page, axe)              axe-core on the page as it is now

Every helper that lands on a page checks it with axe, and fails at once if the server answered 4xx or 5xx.
`axe.assert_clean()` at the end of a test lists every serious or critical violation on every page visited.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, Playwright, Response, expect, sync_playwright

from macpu.agencies import second_factor
from macpu.timescales.calendar import WorkingDayCalendar

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous all the same.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PASSWORD = "a long browser-test password"
BLOCKING_IMPACTS = ("serious", "critical")


# --- the browser ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium. Missing, it is a failure, never a skip: install it with `apt-get install chromium`."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(apt-get install chromium). Playwright's own browser download does not work here.",
            pytrace=False,
        )
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except Exception as error:  # any launch failure is reported the same way
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """What went wrong under the page that the page itself may not show: error responses and script errors."""

    responses: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.responses.append(f"{response.status} {response.request.method} {response.url}")

    def on_page_error(self, error: Any) -> None:
        self.script_errors.append(str(error))


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, live_server: Any, page_problems: PageProblems) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("response", page_problems.on_response)
    page.on("pageerror", page_problems.on_page_error)
    yield page
    context.close()


# --- the people -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    social_worker: Any
    manager: Any
    chair: Any


@pytest.fixture
def staff(local_authority: Any, social_worker: Any, manager: Any, chair: Any) -> Staff:
    """The unit's social worker, team manager and conference chair, each with a password to sign in with."""
    for user in (social_worker, manager, chair):
        user.set_password(PASSWORD)
        user.save()
    return Staff(social_worker=social_worker, manager=manager, chair=chair)


# --- axe --------------------------------------------------------------------------------------------------------


@dataclass
class AxeAudit:
    """Every page checked, and the serious and critical axe-core violations found on them."""

    problems: PageProblems
    pages: list[str] = field(default_factory=list)
    violations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{len(self.violations)} serious or critical axe-core violations:"]
        for url, violation in self.violations:
            lines.append(f"- {url}: {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                lines.append(f"    {' '.join(str(t) for t in node['target'])}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        """Fail with a readable list: each page's URL, the rule, and the failing nodes' targets."""
        if self.violations:
            pytest.fail(self.report(), pytrace=False)
        if self.problems.responses:
            pytest.fail("Error responses while the pages loaded:\n" + "\n".join(self.problems.responses), pytrace=False)
        if self.problems.script_errors:
            pytest.fail("Script errors on the pages:\n" + "\n".join(self.problems.script_errors), pytrace=False)


@pytest.fixture
def axe(page_problems: PageProblems) -> AxeAudit:
    return AxeAudit(problems=page_problems)


_AXE = Axe()


def check_axe(page: Page, axe: AxeAudit) -> None:
    """Run axe-core on the page as it is now and keep its serious and critical violations."""
    page.wait_for_load_state("load")
    axe.pages.append(page.url)
    results = _AXE.run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            axe.violations.append((page.url, violation))


# --- moving about -----------------------------------------------------------------------------------------------


def _landed(page: Page, axe: AxeAudit, response: Response | None, what: str) -> None:
    assert response is not None, f"{what}: no page was loaded"
    assert response.status < 400, f"{what}: the server answered {response.status} for {response.url}"
    check_axe(page, axe)


def go_to(page: Page, axe: AxeAudit, path: str) -> None:
    """Type an address into the browser."""
    _landed(page, axe, page.goto(path), f"Going to {path}")


def follow(page: Page, axe: AxeAudit, name: str) -> None:
    """Click a link, or a link drawn as a button (the child's page's next steps), to another page."""
    link = page.get_by_role("link", name=name, exact=True).or_(page.get_by_role("button", name=name, exact=True))
    with page.expect_navigation() as navigation:
        link.first.click()
    _landed(page, axe, navigation.value, f"Following {name!r}")


def submit(page: Page, axe: AxeAudit, button: str = "Save") -> None:
    """Click a form's submit button and check the page that comes back."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button, exact=True).click()
    _landed(page, axe, navigation.value, f"Submitting with {button!r}")


def authenticator_code(user: Any) -> str:
    """The code the user's authenticator app shows: now's, or the next step's if now's has been used already."""
    user.refresh_from_db(fields=["totp_secret", "totp_last_step"])
    step = second_factor.time_step(timezone.now())
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1  # one step ahead is accepted (clock drift); two are not
        while step > second_factor.time_step(timezone.now()) + second_factor.DRIFT_STEPS:
            time.sleep(1)
    return second_factor.code_for_step(user.totp_secret, step)


def sign_in(page: Page, axe: AxeAudit, user: Any, password: str = PASSWORD, lands_on: str = "My work") -> None:
    """Sign in through the real sign-in pages (password, then the code). Signed out, every page sends you there."""
    go_to(page, axe, "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to macpu")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    submit(page, axe, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the 6-digit code from your authenticator app")
    page.get_by_label("Code").fill(authenticator_code(user))
    submit(page, axe, "Sign in")
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text(user.display_name)


def sign_out(page: Page, axe: AxeAudit) -> None:
    submit(page, axe, "Sign out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to macpu")


def expect_govuk_styles(page: Page) -> None:
    """GOV.UK Frontend's CSS is applied and its fonts (asked for at /assets/...) have loaded."""
    expect(page.get_by_role("heading", level=1)).to_have_css("font-family", re.compile(r"GDS Transport"))
    statuses = page.evaluate(
        "document.fonts.ready.then(() => [...document.fonts].filter(f => f.family.includes('GDS Transport'))"
        ".map(f => f.status))"
    )
    assert "loaded" in statuses, f"GDS Transport did not load: {statuses}"


def fill_date(scope: Page | Locator, legend: str, value: date) -> None:
    """Fill a GOV.UK date input: its fieldset is named by its legend, its boxes by their labels."""
    group = fieldset(scope, legend)
    group.get_by_label("Day", exact=True).fill(str(value.day))
    group.get_by_label("Month", exact=True).fill(str(value.month))
    group.get_by_label("Year", exact=True).fill(str(value.year))


def fieldset(scope: Page | Locator, legend: str) -> Locator:
    """A fieldset (a row of fields, radios, checkboxes) by its legend."""
    return scope.get_by_role("group", name=legend, exact=True)


def choose(scope: Page | Locator, legend: str, option: str) -> None:
    """Pick one radio (or tick one checkbox) in the fieldset with this legend."""
    fieldset(scope, legend).get_by_label(option, exact=True).check()


# --- dates ------------------------------------------------------------------------------------------------------

_CALENDAR = WorkingDayCalendar()


def working_days_ago(today: date, n: int) -> date:
    """The nth working day in England before today (weekends and bank holidays skipped)."""
    day = today
    for _ in range(n):
        day -= timedelta(days=1)
        while not _CALENDAR.is_working_day(day):
            day -= timedelta(days=1)
    return day
