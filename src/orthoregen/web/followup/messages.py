"""Reminder wording: each site's editable templates, the defaults, and rendering.

Templates use string.Template's $names, which cannot reach attributes or run code, so a
template edited by staff is safe to render. A site's template is written in the site's
language; a patient who reads another gets the default wording translated
(docs/translations.md), with the joint, visit and date in their language too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from string import Template
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from orthoregen.web.clinic.languages import joint_name, visit_label, words_list
from orthoregen.web.followup.models import Channel, MessageTemplate

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import Site
    from orthoregen.web.followup.models import ScheduledVisit

PLACEHOLDERS = ("given_name", "visit", "joint", "link", "clinic", "latest")
DEFAULTS = {
    Channel.EMAIL: (
        _("Your $clinic questionnaire about your $joint"),
        _("Dear $given_name,\n\nPlease answer a few short questions about your $joint "
          "($visit) using your private link:\n\n$link\n\nIf you are asked about more than "
          "one joint, each page says which joint it is about. The link works until $latest. "
          "If you have a fever, increasing redness or much worse pain, call the clinic now "
          "instead of waiting.\n\n$clinic"),
    ),
    Channel.SMS: ("", _("$clinic: your $visit questionnaire about your $joint is ready: $link "
                        "(until $latest)")),
}
SAMPLE = {"given_name": "Ada", "visit": "6 months", "joint": "right knee",
          "link": "https://clinic.example/portal/q/…", "clinic": "Riverside Joint Clinic",
          "latest": "31 Jan 2027"}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def template_for(site: Site, channel: str) -> tuple[str, str]:
    """Return a site's (subject, body) for a channel, falling back to the defaults.

    The site's own wording is in the site's language: in any other active language (a
    patient's own) the defaults are returned, translated.
    """
    site_language = settings.LANGUAGE_CODE.split("-")[0]
    if (get_language() or settings.LANGUAGE_CODE).split("-")[0] == site_language:
        row = MessageTemplate.objects.filter(site=site, channel=channel).first()
        if row is not None:
            return row.subject, row.body
    subject, body = DEFAULTS[Channel(channel)]
    return str(subject), str(body)


def render(subject: str, body: str, values: dict[str, str]) -> RenderedMessage:
    """Fill a template's $placeholders; unknown names are left as written."""
    return RenderedMessage(Template(subject).safe_substitute(values),
                           Template(body).safe_substitute(values))


def joint_words(episodes: list) -> str:
    """Name joints as a patient says them: 'right knee', 'right knee and left hip'."""
    return words_list(joint_name(e) for e in episodes) or gettext("joint")


def visit_words(visits: list[ScheduledVisit]) -> str:
    """Name the time points of visits, with the joint each is for when they differ."""
    labels = list(dict.fromkeys(visit_label(v.label) for v in visits))
    if len(labels) <= 1:
        return labels[0] if labels else ""
    return words_list(gettext("%(visit)s for your %(joint)s") % {
        "visit": visit_label(v.label), "joint": joint_name(v.schedule.episode)}
        for v in visits)


def message_values(visit: ScheduledVisit | list[ScheduledVisit], link: str,
                   clinic: str) -> dict[str, str]:
    """Return the placeholder values for one reminder about one or several joints' visits."""
    visits = visit if isinstance(visit, list) else [visit]
    patient = visits[0].schedule.episode.patient
    latest: dt.date = min(v.latest for v in visits)
    return {"given_name": patient.given_name, "visit": visit_words(visits),
            "joint": joint_words([v.schedule.episode for v in visits]), "link": link,
            "clinic": clinic, "latest": date_format(latest, "d M Y")}


def render_naming_joint(subject: str, body: str, values: dict[str, str]) -> RenderedMessage:
    """Render a reminder; a site template that leaves the joint out gets a line naming it.

    A patient treated in two joints must always be able to tell which one a message is
    about, whatever wording the site chose.
    """
    rendered = render(subject, body, values)
    if values["joint"] not in rendered.body:
        about = gettext("(About your %(joint)s.)") % {"joint": values["joint"]}
        return RenderedMessage(rendered.subject, f"{rendered.body}\n{about}")
    return rendered
