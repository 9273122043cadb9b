"""Reminder wording: each site's editable templates, the defaults, and rendering.

Templates use string.Template's $names, which cannot reach attributes or run code, so a
template edited by staff is safe to render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

from orthoregen.web.followup.models import Channel, MessageTemplate

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.followup.models import ScheduledVisit

PLACEHOLDERS = ("given_name", "visit", "link", "clinic", "latest")
DEFAULTS = {
    Channel.EMAIL: (
        "Your $clinic follow-up questionnaire",
        "Dear $given_name,\n\nIt is time for your $visit follow-up. Please answer a few short "
        "questions about your treated joint using your private link:\n\n$link\n\nThe link "
        "works until $latest. If you have a fever, increasing redness or much worse pain, "
        "call the clinic now instead of waiting.\n\n$clinic",
    ),
    Channel.SMS: ("", "$clinic: your $visit questionnaire is ready: $link (until $latest)"),
}
SAMPLE = {"given_name": "Ada", "visit": "6 months", "link": "https://clinic.example/portal/q/…",
          "clinic": "Riverside Joint Clinic", "latest": "31 Jan 2027"}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def template_for(site: Site, channel: str) -> tuple[str, str]:
    """Return a site's (subject, body) for a channel, falling back to the defaults."""
    row = MessageTemplate.objects.filter(site=site, channel=channel).first()
    if row is not None:
        return row.subject, row.body
    return DEFAULTS[Channel(channel)]


def render(subject: str, body: str, values: dict[str, str]) -> RenderedMessage:
    """Fill a template's $placeholders; unknown names are left as written."""
    return RenderedMessage(Template(subject).safe_substitute(values),
                           Template(body).safe_substitute(values))


def message_values(visit: ScheduledVisit, link: str, clinic: str) -> dict[str, str]:
    """Return the placeholder values for one visit's reminder."""
    patient = visit.schedule.episode.patient
    latest: dt.date = visit.latest
    return {"given_name": patient.given_name, "visit": visit.label, "link": link,
            "clinic": clinic, "latest": f"{latest:%d %b %Y}"}
