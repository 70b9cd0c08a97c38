"""The child's timeline: one row per thing that happened, written by services in the same transaction."""

from django.conf import settings
from django.db import models

from macpu.people.models import Person


class EventKind(models.TextChoices):
    CONTACT_RECORDED = "contact_recorded", "Contact recorded"
    CONTACT_DECIDED = "contact_decided", "Contact decision"
    REFERRER_TOLD = "referrer_told", "Referrer told the outcome"
    INFORMATION_REQUESTED = "information_requested", "Information requested from an agency"
    RAG_CHANGED = "rag_changed", "Information request rating changed"
    INFORMATION_RECEIVED = "information_received", "Information received from an agency"
    REQUEST_ESCALATED = "request_escalated", "Late information request escalated"
    AGENCY_VIEW = "agency_view", "An agency's view of a decision, and any professional difference"
    REFERRAL_RECEIVED = "referral_received", "Referral received"
    REFERRAL_DECIDED = "referral_decided", "Referral decision"
    ALLOCATED = "allocated", "Case allocated"
    ASSESSMENT_STARTED = "assessment_started", "Assessment started"
    ASSESSMENT_COMPLETED = "assessment_completed", "Assessment completed"
    CIN_PLAN_STARTED = "cin_plan_started", "Child in need plan started"
    CIN_PLAN_ENDED = "cin_plan_ended", "Child in need plan ended"
    STRATEGY_INVITED = "strategy_invited", "Agencies invited to a strategy discussion"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    STRATEGY_ACTION_DONE = "strategy_action_done", "Strategy action done"
    S47_STARTED = "s47_started", "Section 47 enquiry started"
    S47_CHILD_SEEN = "s47_child_seen", "Child seen during enquiry"
    S47_COMPLETED = "s47_completed", "Section 47 enquiry outcome"
    CONFERENCE = "conference", "Child protection conference"
    CP_PLAN_STARTED = "cp_plan_started", "Child protection plan started"
    CORE_GROUP = "core_group", "Core group meeting"
    VISIT = "visit", "Statutory visit"
    CP_PLAN_ENDED = "cp_plan_ended", "Child protection plan ended"
    EPISODE_CLOSED = "episode_closed", "Case closed"
    DETAILS_CHANGED = "details_changed", "Child's details changed"
    BORN = "born", "Born"
    DIED = "died", "Died"


class Event(models.Model):
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    occurred_on = models.DateField()
    summary = models.TextField()
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["child", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on}: {self.get_kind_display()}"
