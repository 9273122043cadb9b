"""Follow-up schedules of a treated joint and the reminders that keep patients in follow-up."""

from orthoregen.scheduling.schedule import (
    Schedule,
    Visit,
    VisitStatus,
    Window,
    build_schedule,
    visit_on,
    visit_status,
)

__all__ = [
    "Schedule",
    "Visit",
    "VisitStatus",
    "Window",
    "build_schedule",
    "visit_on",
    "visit_status",
]
