"""Every staff and portal template puts its words through Django's i18n.

A reader-visible word left as plain template text cannot be translated: it stays English in
every language. The check reads each template with Django's own template Lexer, blanks out
what is not plain text (variables, tags, comments) and what is already translated
({% translate %} is one tag; {% blocktranslate %}…{% endblocktranslate %} is blanked whole),
then reads what is left as HTML: text between tags, and the attributes a reader or a screen
reader meets (title, alt, placeholder, aria-label, and the value of a button-like input).
Script and style content, HTML comments and other attribute values (classes, URLs, ids) are
not language. Literal strings given to |default, |default_if_none and |yesno are shown too,
so they must be written _("…").

ORTHOREGEN_I18N_TEMPLATE_DIRS (comma-separated folders under src/orthoregen/web) restricts the
check to some folders, for example while another engineer is still converting theirs.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

import orthoregen.web

WEB = Path(orthoregen.web.__file__).parent

# Text that is not language, with the reason. Words, not fragments of sentences.
ALLOWED_WORDS = {
    "orthoregen",  # the product's name
    "ortho",
    "regen",  # the brand mark is written ortho<strong>regen</strong>
    "ort",  # "ort_1a2b…_…": the fixed prefix every API token starts with
    "sha",  # "sha256 1a2b…", the name of the hash algorithm before a document's fingerprint
}

# Stands in for everything that is not plain text: it is neither a letter nor a space, so a
# variable glued to a word ("patient{{ n|pluralize }}") leaves the word visible.
BLANK = "\ue000"
WORD = re.compile(r"[^\W\d_]+")
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}
BUTTON_INPUTS = {"submit", "button", "reset"}
LITERAL_ARGUMENT = re.compile(
    r"""\|(?:default|default_if_none|yesno):(?P<q>["'])(?P<text>.*?)(?P=q)"""
)


def staff_and_portal_templates(only: list[str] | None = None) -> list[Path]:
    folders = sorted(WEB.glob("templates")) + sorted(WEB.glob("*/templates"))
    if only:
        folders = [
            folder
            for folder in folders
            if any(folder == WEB / name or folder.is_relative_to(WEB / name) for name in only)
        ]
    return sorted(
        path for folder in folders for path in folder.rglob("*") if path.suffix in {".html", ".txt"}
    )


def _plain_text_only(source: str) -> tuple[str, list[str]]:
    """The template with everything but untranslated plain text blanked out, and the literal
    strings of its variables that a reader would see untranslated."""
    out: list[str] = []
    literals: list[str] = []
    translated = commented = False
    for token in Lexer(source).tokenize():
        raw = source[token.position[0] : token.position[1]] if token.position else token.contents
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in {"blocktranslate", "blocktrans"}:
                translated = True
            elif name in {"endblocktranslate", "endblocktrans"}:
                translated = False
            elif name == "comment":
                commented = True
            elif name == "endcomment":
                commented = False
            elif name == "firstof" and not translated:
                literals += [
                    m.group("text")
                    for m in re.finditer(
                        r"""(?<![_(])(?P<q>["'])(?P<text>.*?)(?P=q)""", token.contents
                    )
                ]
        if token.token_type == TokenType.VAR and not translated:
            literals += [m.group("text") for m in LITERAL_ARGUMENT.finditer(token.contents)]
        if token.token_type == TokenType.TEXT and not translated and not commented:
            out.append(token.contents)
        else:
            # Keep the lines, so that a problem's line number is the template's.
            out.append(re.sub(r"[^\n]", "", raw) + BLANK)
    return "".join(out), literals


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.hidden_depth = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(text) if w.lower() not in ALLOWED_WORDS]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.replace(BLANK, "…").split())))

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            shown = name in SHOWN_ATTRIBUTES or (
                name == "value"
                and tag == "input"
                and (attributes.get("type") or "").lower() in BUTTON_INPUTS
            )
            if shown and value:
                self._check(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in {"script", "style"}:
            self.hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self._check(data)


def untranslated_text(source: str) -> list[str]:
    """Each piece of reader-visible text of a template that is not translated, with its line."""
    text, literals = _plain_text_only(source)
    reader = _Reader()
    reader.feed(text)
    reader.close()
    found = [f"line {line}: {snippet}" for line, snippet in reader.found]
    found += [
        f"literal shown untranslated: {literal!r}"
        for literal in literals
        if [w for w in WORD.findall(literal) if w.lower() not in ALLOWED_WORDS]
    ]
    return found


# --- the check itself can fail ------------------------------------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>Nothing has been saved.</p>",
        '{% load i18n %}<h1>{% translate "Patients" %}</h1><p>Next page</p>',
        '<input type="search" placeholder="Name or MRN">',
        '<img src="x.png" alt="QR code">',
        '<nav aria-label="Pages"></nav>',
        '<a title="Open the chart" href="/x/">{% translate "x" %}</a>',
        '<input type="submit" value="Save">',
        "{{ n }} patient{{ n|pluralize }}",
        "{% blocktranslate %}One{% endblocktranslate %} and two",
        '{{ patient.email|default:"none recorded" }}',
        "{% block title %}Welcome{% endblock %}",
        "Dear {{ name }},\n",  # an email template's text
    ],
)
def test_untranslated_text_is_found(snippet):
    assert untranslated_text(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '{% load i18n %}<h1>{% translate "Patients" %}</h1>',
        "{% blocktranslate count n=rows|length %}{{ n }} patient{% plural %}{{ n }} patients"
        "{% endblocktranslate %}",
        '<a class="button primary" href="{% url \'patient-list\' %}">{{ label }}</a>',
        "<script>const label = 'Not shown';</script><style>p::after { content: 'x'; }</style>",
        "<!-- a comment for developers --><p>{# a note #}&times; — 12 · 3</p>",
        "{% comment %}Why this page exists.{% endcomment %}",
        '<input type="text" name="mrn" value="A-0001">',
        '{{ patient.email|default:"—" }}{{ x|default:_("none recorded") }}',
        '<a class="brand" href="/">ortho<strong>regen</strong></a>',
    ],
)
def test_translated_or_non_language_text_passes(snippet):
    assert untranslated_text(snippet) == []


def test_the_line_of_the_problem_is_named():
    assert untranslated_text("{% load i18n %}\n{% if x %}\n<p>Left behind</p>{% endif %}") == [
        "line 3: Left behind"
    ]


# --- every template --------------------------------------------------------------------

ONLY = [name for name in os.environ.get("ORTHOREGEN_I18N_TEMPLATE_DIRS", "").split(",") if name]
TEMPLATES = staff_and_portal_templates(ONLY or None)


def test_the_templates_are_found():
    assert len(TEMPLATES) > (10 if ONLY else 100)
    assert ONLY or WEB / "templates" / "clinic" / "patient_list.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(WEB)) for p in TEMPLATES])
def test_every_word_of_the_template_is_translated(path):
    problems = untranslated_text(path.read_text(encoding="utf-8"))
    assert problems == [], f"{path.relative_to(WEB)} has untranslated text:\n" + "\n".join(problems)


# --- the converted pages render in another language ---------------------------------------
# A broken {% blocktranslate %} (an attribute lookup inside it, a missing variable in a plural)
# raises only when the page is rendered, so render key staff pages with Spanish active while
# the site's language stays English.


@override_settings(LANGUAGE_CODE="en-gb")
@pytest.mark.parametrize("url_name", ["patient-list", "patient-detail", "login"])
def test_key_staff_pages_render_in_spanish(url_name, client, clinician_a, patient_a):
    if url_name != "login":
        client.force_login(clinician_a)
    args = [patient_a.pk] if url_name == "patient-detail" else []
    with translation.override("es"):
        response = client.get(
            reverse(url_name, args=args), {"q": "Aardvark"} if url_name == "patient-list" else {}
        )
        assert response.status_code == 200
        page = response.content.decode()
    assert "{%" not in page and "{{" not in page
    # The base template's own words are in the Spanish catalogue: Spanish was really active.
    if url_name != "login":
        assert "Cerrar sesión" in page
