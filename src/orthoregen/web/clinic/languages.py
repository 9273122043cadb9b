"""The languages a patient reads their portal pages and messages in, and joints named in them.

Staff pages stay in the site's language (settings.LANGUAGE_CODE). A patient's own pages and
messages are put in the patient's preferred language for that one request or message
(docs/translations.md), so nothing set for one patient carries over to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy


class Language(models.TextChoices):
    ENGLISH = "en", gettext_lazy("English")
    SPANISH = "es", gettext_lazy("Spanish")


def language_code(language: str) -> str:
    """Return the Django language to activate for a patient's language.

    English is the site's own variant (en-gb), so dates and numbers read as on staff pages.
    """
    site = settings.LANGUAGE_CODE
    return site if site.split("-")[0] == language else language


# Whole phrases, not "side + joint": Spanish puts the side after the joint and makes it agree
# with the joint's gender ("rodilla derecha", "hombro derecho").
JOINT_NAMES = {
    ("right", "knee"): pgettext_lazy("a patient's joint", "right knee"),
    ("left", "knee"): pgettext_lazy("a patient's joint", "left knee"),
    ("right", "hip"): pgettext_lazy("a patient's joint", "right hip"),
    ("left", "hip"): pgettext_lazy("a patient's joint", "left hip"),
    ("right", "shoulder"): pgettext_lazy("a patient's joint", "right shoulder"),
    ("left", "shoulder"): pgettext_lazy("a patient's joint", "left shoulder"),
}

# The default protocol's visit labels (scheduling.protocol, which cannot import Django). A
# label a clinic wrote itself is shown as written.
VISIT_LABELS = {
    "before treatment": gettext_lazy("before treatment"),
    "6-8 weeks": gettext_lazy("6-8 weeks"),
    "3 months": gettext_lazy("3 months"),
    "6 months": gettext_lazy("6 months"),
    "12 months": gettext_lazy("12 months"),
    "24 months": gettext_lazy("24 months"),
    "36 months": gettext_lazy("36 months"),
}


def joint_name(episode: Any) -> str:
    """Name a treated joint in the active language, lower case: 'right knee'."""
    phrase = JOINT_NAMES.get((episode.side, episode.joint))
    return str(phrase) if phrase is not None else str(episode).lower()


def visit_label(label: str) -> str:
    """Return a visit's label in the active language, lower case: '6 months'."""
    words = VISIT_LABELS.get(label.lower())
    return str(words) if words is not None else label.lower()


def words_list(names: Iterable[str]) -> str:
    """Join names as a sentence does: 'a', 'a and b', 'a, b and c'."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(unique[:-1]),
                                                 "last": unique[-1]}
