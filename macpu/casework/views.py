"""Pages for assessments, child in need plans and closing a case: each one form, one service call."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from macpu.agencies.models import User
from macpu.casework import forms as f
from macpu.casework.models import Assessment, CinPlan
from macpu.casework.services import assessment_complete, assessment_start, cin_plan_end, cin_plan_start, episode_close
from macpu.intake.models import Referral
from macpu.intake.views import ChildFormView


class AssessmentStartView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.AssessmentStartForm
    step = "assessment_start"
    title = "Start a child and family assessment"
    submit_text = "Start assessment"
    success_message = "Assessment started"

    def perform(self, form: Any, *, actor: User, now: datetime) -> object:
        return assessment_start(actor=actor, now=now, referral=self.subject, **form.cleaned_data)


class AssessmentCompleteView(ChildFormView):
    model = Assessment
    form_class = f.AssessmentCompleteForm
    step = "assessment_complete"
    title = "Complete the assessment"
    submit_text = "Save assessment"
    success_message = "Assessment completed"

    def perform(self, form: Any, *, actor: User, now: datetime) -> object:
        return assessment_complete(actor=actor, now=now, assessment=self.subject, **form.cleaned_data)


class CinPlanStartView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.CinPlanStartForm
    step = "cin_plan_start"
    title = "Start a child in need plan"
    submit_text = "Start plan"
    success_message = "Child in need plan started"

    def perform(self, form: Any, *, actor: User, now: datetime) -> object:
        return cin_plan_start(actor=actor, now=now, referral=self.subject, **form.cleaned_data)


class CinPlanEndView(ChildFormView):
    model = CinPlan
    form_class = f.CinPlanEndForm
    step = "cin_plan_end"
    title = "End the child in need plan"
    submit_text = "End plan"
    success_message = "Child in need plan ended"

    def perform(self, form: Any, *, actor: User, now: datetime) -> object:
        return cin_plan_end(actor=actor, now=now, plan=self.subject, **form.cleaned_data)


class EpisodeCloseView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.EpisodeCloseForm
    step = "episode_close"
    title = "Close the case"
    submit_text = "Close case"
    success_message = "Case closed"

    def perform(self, form: Any, *, actor: User, now: datetime) -> object:
        return episode_close(actor=actor, now=now, referral=self.subject, **form.cleaned_data)
