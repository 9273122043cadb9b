"""Mark the core's words a page shows, for translation, without importing Django.

The core never imports Django (a test keeps it so), so it cannot call ``gettext``. It
marks each label or sentence a page shows with this module's ``gettext_noop`` instead: the
function returns its text unchanged, and Django's ``makemessages`` already reads every call
of a function of that name (``--keyword=gettext_noop``), so run from ``src/orthoregen``
(docs/translations.md) it copies the marked text into the catalogue. The web translates the
text where it shows it (``gettext_lazy(member.label)`` in web/clinic/vocabulary.py,
``gettext(PATIENTS_LIKE_YOU_CAVEAT)`` in web/registry/panels.py); the core keeps comparing
and storing plain English.
"""


def gettext_noop(text: str) -> str:
    """Return ``text`` unchanged: mark it for the translation catalogue only."""
    return text
