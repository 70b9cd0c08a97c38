"""Before the census goes: what in the records would stop the return being valid, said against each child.

macpu's own checks are instant and cover what entry rules cannot stop (a record made before a rule existed, an
identifier from another system). The Department for Education's validator (`validator.py`) is the full check;
its findings are grouped here the same way, child by child, so every problem links to the record that fixes it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from macpu.intake.models import Referral
from macpu.people.identifiers import upn_problem
from macpu.people.models import LA_CHILD_ID_PREFIX, Person
from macpu.returns.census import CollectionYear, census_people
from macpu.returns.validator import DfeFinding, DfeReport

# Where a DfE finding sits, in the words of the child's record.
PLACES = {
    "Header": "The return's header",
    "ChildIdentifiers": "Child's details",
    "ChildCharacteristics": "Child's details",
    "Disabilities": "Child's details",
    "CINdetails": "Episode",
    "Assessments": "Assessment",
    "CINplanDates": "Child in need plan",
    "Section47": "Section 47 enquiry",
    "ChildProtectionPlans": "Child protection plan",
    "Reviews": "Review conference",
}
# The DfE's wording for the rules seen on macpu's returns, said without codes (house rule: codes only in exports).
# Any other rule is shown in the DfE's own words.
PLAIN = {
    "1510": "The unique pupil number fails its check letter.",
    "4220": "Ethnicity is missing or is not one of the census's categories.",
    "2887Q": "Fewer than 8 children in the whole return are recorded as having no disability.",
    "2991Q": "The episode has a section 47 enquiry but no assessment: check whether an assessment was done.",
    "4012Q": "A child in need plan starts and ends on the same day.",
    "8670Q": "An assessment started more than 45 working days before the end of the year and is not authorised.",
    "8675Q": "A section 47 enquiry started more than 15 working days before the end of the year, with no initial "
    "conference and no record that one was not needed.",
    "8825Q": "The case closed as 'closed after assessment', but no assessment of this episode is in this year's "
    "return (it may have been authorised the year before).",
    "8873Q": "The episode's only assessment found no factors, yet the case did not close as 'closed after "
    "assessment': check the reason for closure.",
}
QUERY_PREFIX = re.compile(r"^Please check and either amend (data )?or provide a reason:\s*")


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    must_fix: bool = True
    note: str = ""  # e.g. why a DfE query is a known false alarm


@dataclass
class ChildFindings:
    la_child_id: str
    person: Person | None  # None when the DfE names a child macpu does not hold
    problems: list[Problem] = field(default_factory=list)
    case: Referral | None = None  # the child's latest episode: whose case it is, so the analyst knows whom to ask

    @property
    def must_fix(self) -> int:
        return sum(p.must_fix for p in self.problems)


def record_findings(year: CollectionYear) -> list[ChildFindings]:
    """macpu's own checks of every child in the return: ethnicity recorded, unique pupil number valid."""
    found = []
    for person in census_people(year).only("pk", "given_name", "family_name", "ethnicity", "upn"):
        problems = []
        if not person.ethnicity:
            problems.append(
                Problem(
                    "Ethnicity",
                    "Ethnicity is not recorded. The census needs it for every child: record it, or record that "
                    "the family refused or that it is not yet known.",
                )
            )
        if person.upn and (problem := upn_problem(person.upn)):
            problems.append(Problem("Unique pupil number", problem))
        if problems:
            found.append(ChildFindings(person.la_child_id, person, problems))
    return _with_cases(found)


def _with_cases(found: list[ChildFindings]) -> list[ChildFindings]:
    """Each child's latest episode, with its team and worker, in one query."""
    latest: dict[int, Referral] = {}
    episodes = Referral.objects.filter(child__in=[f.person.pk for f in found if f.person]).select_related(
        "team", "allocated_worker"
    )
    for episode in episodes.order_by("child_id", "-received_on", "-pk"):
        latest.setdefault(episode.child_id, episode)
    for finding in found:
        finding.case = latest.get(finding.person.pk) if finding.person else None
    return found


def _person_pk(la_child_id: str) -> int | None:
    digits = la_child_id.removeprefix(LA_CHILD_ID_PREFIX)
    return int(digits) if la_child_id.startswith(LA_CHILD_ID_PREFIX) and digits.isdigit() else None


def dfe_findings(report: DfeReport) -> tuple[list[Problem], list[ChildFindings]]:
    """The DfE's findings: those about the whole return, and those about each child (one line per rule)."""
    whole: list[Problem] = []
    by_child: dict[str, dict[str, tuple[DfeFinding, set[str]]]] = defaultdict(dict)
    for finding in report.findings:
        if not finding.la_child_id:
            if all(p.message != _plain(finding) for p in whole):
                whole.append(_problem(finding, {finding.table}))
            continue
        _first, places = by_child[finding.la_child_id].setdefault(finding.rule, (finding, set()))
        places.add(finding.table)
    pks = {cid: _person_pk(cid) for cid in by_child}
    people = Person.objects.in_bulk([pk for pk in pks.values() if pk is not None])
    children = [
        ChildFindings(cid, people.get(pks[cid] or 0), [_problem(f, places) for f, places in rules.values()])
        for cid, rules in by_child.items()
    ]
    children.sort(key=lambda c: (-c.must_fix, c.la_child_id))
    return whole, _with_cases(children)


def _plain(finding: DfeFinding) -> str:
    return PLAIN.get(finding.rule) or QUERY_PREFIX.sub("", finding.message).strip()


def _problem(finding: DfeFinding, tables: set[str]) -> Problem:
    where = ", ".join(sorted({PLACES.get(t, t) for t in tables if t}))
    return Problem(where, _plain(finding), must_fix=finding.must_fix, note=finding.known_false_alarm)
