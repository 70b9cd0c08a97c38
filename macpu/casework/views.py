"""Pages for assessments, child in need plans and closing a case: each one form, one service call."""

from __future__ import annotations

from macpu.casework import forms as f
from macpu.casework.models import Assessment, CinPlan
from macpu.casework.services import assessment_complete, assessment_start, cin_plan_end, cin_plan_start, episode_close
from macpu.intake.models import Referral
from macpu.intake.views import ChildFormView


class AssessmentStartView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.AssessmentStartForm
    service = staticmethod(assessment_start)
    subject_arg = "referral"
    title = "Start a child and family assessment"
    submit_text = "Start assessment"
    success_message = "Assessment started"


class AssessmentCompleteView(ChildFormView):
    model = Assessment
    form_class = f.AssessmentCompleteForm
    service = staticmethod(assessment_complete)
    subject_arg = "assessment"
    title = "Complete the assessment"
    submit_text = "Save assessment"
    success_message = "Assessment completed"


class CinPlanStartView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.CinPlanStartForm
    service = staticmethod(cin_plan_start)
    subject_arg = "referral"
    title = "Start a child in need plan"
    submit_text = "Start plan"
    success_message = "Child in need plan started"


class CinPlanEndView(ChildFormView):
    model = CinPlan
    form_class = f.CinPlanEndForm
    service = staticmethod(cin_plan_end)
    subject_arg = "plan"
    title = "End the child in need plan"
    submit_text = "End plan"
    success_message = "Child in need plan ended"


class EpisodeCloseView(ChildFormView):
    model = Referral
    child_path = "child"
    form_class = f.EpisodeCloseForm
    service = staticmethod(episode_close)
    subject_arg = "referral"
    title = "Close the case"
    submit_text = "Close case"
    success_message = "Case closed"
