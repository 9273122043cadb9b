"""The questions of one page of a link as HTML, kept once rendered while nothing is answered.

A page's questions (42 items of five labelled answers for KOOS) are most of its work, and
before any answer they are the same for every patient shown the same wording: they depend
on the text pack (its instrument, language and every word of it), the joint the items name
("your left knee"), the language the page is built in (numbers are written in it) and the
pack's lang attribute. The key holds exactly those; the HTML holds nothing else, so neither
holds a name, a link or a record id. Once the patient has answered (saved answers, or a
posted form with its errors) the questions are rendered for that request only.

Each worker process keeps its own few recent ones in memory, never on disk or in a cache
shared with other processes.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from orthoregen.instruments import get_instrument
from orthoregen.instruments.textpacks import TextPack
from orthoregen.web.clinic.languages import language_code
from orthoregen.web.portal.forms import InstrumentForm

# Instruments x languages x the six joints, with room to spare; KOOS's questions are ~45 KB.
KEPT = 128
_blank: OrderedDict[tuple, SafeString] = OrderedDict()


def instrument_form(instrument_id: str, pack: TextPack, joint: str, data: Any = None,
                    initial: dict[str, str] | None = None) -> InstrumentForm:
    """Return the form of one instrument's page, its items naming `joint`."""
    # The joint named inside an item is in the item's own language (English wording shown to
    # a Spanish patient says "your left knee"), never a mix of two languages in one sentence.
    with translation.override(language_code(pack.language)):
        return InstrumentForm(data, instrument_id=instrument_id, pack=pack, joint=joint,
                              initial=initial)


def questions_html(form: Any, pack_lang: str) -> SafeString:
    """Render a form's questions as the page shows them."""
    return SafeString(render_to_string("portal/_questions.html",
                                       {"form": form, "pack_lang": pack_lang}))


def blank_questions(instrument_id: str, pack: TextPack, joint: str,
                    pack_lang: str) -> SafeString:
    """Return the questions of an instrument's page before any answer, in the active language."""
    key = (instrument_id, get_instrument(instrument_id).version, pack, joint, pack_lang,
           translation.get_language())
    html = _blank.get(key)
    if html is None:
        html = questions_html(instrument_form(instrument_id, pack, joint), pack_lang)
        _blank[key] = html
        if len(_blank) > KEPT:
            _blank.popitem(last=False)
    else:
        _blank.move_to_end(key)
    return html


def blank_questions_clear() -> None:
    """Forget every kept page (tests)."""
    _blank.clear()
