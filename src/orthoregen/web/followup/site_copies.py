"""Each follow-up row's copy of its patient's site, checked against the patient.

Schedules, visits and tasks keep the patient's site on the row (FollowUpSchedule.site) so
that the worklist confines its counts by one indexed column. The copies are written when the
rows are made and a registered patient keeps their site (clinic.models.Patient refuses a
move), so they cannot drift through the application; this check proves it on a database,
for rows written by any path (a bulk load, a restore, a hand-made SQL fix). Run it with
`orthoregen manage followup_site_copies`; the tests run it after every way of making rows.
"""

from __future__ import annotations

from django.db.models import F

from orthoregen.web.followup.models import FollowUpSchedule, ReviewTask, ScheduledVisit


def site_copy_mismatches() -> dict[str, int]:
    """Count, per table, the rows whose site is not their patient's (all zero when right)."""
    # Each row is compared with the patient itself, not with its parent's copy, so a wrong
    # schedule cannot hide a wrong visit.
    return {
        "schedules": FollowUpSchedule.objects
        .exclude(site=F("episode__patient__site")).count(),
        "visits": ScheduledVisit.objects
        .exclude(site=F("schedule__episode__patient__site")).count(),
        "tasks": ReviewTask.objects
        .exclude(site=F("visit__schedule__episode__patient__site")).count(),
    }
