"""The small scenario the funnel tests count by hand (its table is in test_funnel's docstring)."""

from __future__ import annotations

import datetime as dt

from macpu.intake.models import Contact, Referral
from macpu.mash.models import InformationRequest
from macpu.people.models import PersonDisability
from macpu.protection.models import Conference, CpPlan, S47Enquiry, StrategyDiscussion
from tests.factories import AgencyFactory, PersonFactory, aware

D = dt.date


class Scenario:
    def __init__(self, team, manager, chair) -> None:
        self.team, self.manager, self.chair = team, manager, chair

    def referral(self, child, received, *, source="6", decision="", decided=None, closed=None, contact=None):
        return Referral.objects.create(
            child=child,
            contact=contact,
            received_on=received,
            source=source,
            team=self.team,
            decision=decision,
            decided_on=decided,
            decided_by=self.manager if decision else None,
            closed_on=closed,
            closure_reason="RC7" if closed else "",
        )

    def enquiry(self, referral, on, *, outcome="", completed=None):
        sd = StrategyDiscussion.objects.create(
            referral=referral, held_on=on, decision="s47_single", recorded_by=self.manager
        )
        return S47Enquiry.objects.create(
            referral=referral, strategy_discussion=sd, started_on=on, outcome=outcome, completed_on=completed
        )

    def plan_from_conference(self, enquiry, held, *, ended=None):
        plan = CpPlan.objects.create(
            referral=enquiry.referral,
            started_on=held,
            initial_category="NEG",
            latest_category="NEG",
            ended_on=ended,
            end_reason="no_longer_at_risk" if ended else "",
        )
        Conference.objects.create(
            referral=enquiry.referral,
            kind="initial",
            s47=enquiry,
            held_on=held,
            chair=self.chair,
            family_attended=True,
            decision="plan",
            category="NEG",
        )
        return plan


def build_scenario(team, manager, chair, social_worker) -> Scenario:
    """The records in the table in test_funnel's docstring."""
    s = Scenario(team, manager, chair)
    ann = PersonFactory(given_name="Ann", date_of_birth=D(2015, 3, 1))
    ben = PersonFactory(given_name="Ben", date_of_birth=D(2012, 1, 1), sex="M")
    cat = PersonFactory(given_name="Cat", date_of_birth=D(2020, 9, 9))
    dan = PersonFactory(given_name="Dan", date_of_birth=D(2021, 6, 1), sex="M", ethnicity="")
    eve = PersonFactory(given_name="Eve", date_of_birth=None)
    PersonDisability.objects.create(person=ann, code="AUT")
    PersonDisability.objects.create(person=ben, code="NONE")

    r1 = s.referral(ann, D(2025, 5, 5), decision="strategy", decided=D(2025, 5, 5), closed=D(2025, 8, 20))
    s1 = s.enquiry(r1, D(2025, 5, 6), outcome="conference", completed=D(2025, 5, 20))
    s.plan_from_conference(s1, D(2025, 5, 23), ended=D(2025, 8, 20))
    r2 = s.referral(ann, D(2026, 5, 5), decision="strategy", decided=D(2026, 5, 7))
    s.enquiry(r2, D(2026, 5, 7), outcome="not_substantiated", completed=D(2026, 5, 20))

    s.referral(ben, D(2025, 6, 2), source="2A", decision="assessment", decided=D(2025, 6, 2), closed=D(2025, 7, 1))
    s.referral(ben, D(2026, 6, 3), source="2A", decision="nfa", decided=D(2026, 6, 3), closed=D(2026, 6, 3))

    r5 = s.referral(cat, D(2025, 7, 1), decision="strategy", decided=D(2025, 7, 1), closed=D(2026, 1, 10))
    s3 = s.enquiry(r5, D(2025, 7, 1), outcome="conference", completed=D(2025, 7, 15))
    s.plan_from_conference(s3, D(2025, 7, 22), ended=D(2026, 1, 9))
    r6 = s.referral(cat, D(2026, 7, 1), decision="strategy", decided=D(2026, 7, 1))
    s4 = s.enquiry(r6, D(2026, 7, 1), outcome="conference", completed=D(2026, 7, 8))
    s.plan_from_conference(s4, D(2026, 7, 10))

    contact = Contact.objects.create(
        received_on=D(2026, 6, 1),
        referrer_name="PC Example",
        referral_source="6",
        concern="Worried",
        urgency="same_day",
        team=team,
        recorded_by=social_worker,
    )
    contact.children.set([dan, eve])
    InformationRequest.objects.create(
        contact=contact,
        agency=AgencyFactory(name="Police"),
        question="What is known?",
        rag="red",
        rag_rationale="Possible harm",
        sent_at=aware(2026, 6, 1, 10),
        due_at=aware(2026, 6, 1, 14),
        sent_by=social_worker,
    )
    s.referral(dan, D(2026, 6, 1), contact=contact)
    return s
