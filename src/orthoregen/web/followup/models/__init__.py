"""Follow-up records: schedules, questionnaires, reminders, withdrawals."""

from orthoregen.web.followup.models.messaging import (
    Channel,
    Message,
    MessageStatus,
    MessageTemplate,
    SiteFollowUpSettings,
)
from orthoregen.web.followup.models.questionnaires import (
    ComplicationReport,
    InvitationMode,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    ResponseSource,
    ReviewTask,
    TaskKind,
    TaskStatus,
)
from orthoregen.web.followup.models.schedule import (
    FollowUpSchedule,
    ScheduledVisit,
    ScheduleProtocolVersion,
    VisitKind,
    VisitState,
)
from orthoregen.web.followup.models.withdrawal import Withdrawal

__all__ = [
    "Channel", "ComplicationReport", "FollowUpSchedule", "InvitationMode", "Message",
    "MessageStatus", "MessageTemplate", "QuestionnaireInvitation",
    "QuestionnaireResponse", "ResponseSource", "ReviewTask", "ScheduleProtocolVersion",
    "ScheduledVisit", "SiteFollowUpSettings", "TaskKind", "TaskStatus",
    "VisitKind", "VisitState", "Withdrawal",
]
