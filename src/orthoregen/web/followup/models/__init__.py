"""Follow-up and safety records: schedules, questionnaires, reminders, adverse events."""

from orthoregen.web.followup.models.messaging import (
    Channel,
    Message,
    MessageStatus,
    MessageTemplate,
    SiteFollowUpSettings,
)
from orthoregen.web.followup.models.questionnaires import (
    ComplicationReport,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    ReviewTask,
    TaskKind,
    TaskStatus,
)
from orthoregen.web.followup.models.safety import (
    AdverseEvent,
    OutcomeEvent,
    SiteSafetyLead,
    Withdrawal,
)
from orthoregen.web.followup.models.schedule import (
    FollowUpSchedule,
    ScheduledVisit,
    ScheduleProtocolVersion,
    VisitKind,
    VisitState,
)

__all__ = [
    "AdverseEvent", "Channel", "ComplicationReport", "FollowUpSchedule", "Message",
    "MessageStatus", "MessageTemplate", "OutcomeEvent", "QuestionnaireInvitation",
    "QuestionnaireResponse", "ResponseSource", "ReviewTask", "ScheduleProtocolVersion",
    "ScheduledVisit", "SiteFollowUpSettings", "SiteSafetyLead", "TaskKind", "TaskStatus",
    "VisitKind", "VisitState", "Withdrawal",
]
