"""The POST forms a rendered page holds, read with the standard library's HTML parser.

For the form fuzz (tests/web/test_form_fuzz.py): each form's action and its fields, with
the value the page filled in (an edit form's current values, a select's chosen option) and
a select's other options, so that a fuzzed submission can keep some fields sound and get
past the first "this field is required" to the checks behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # an input's type, "select", "textarea" or "button"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, found: Field) -> None:
        known = self.fields.get(found.name)
        if known is None:
            self.fields[found.name] = found
        elif found.value not in known.options:  # radios and buttons sharing a name
            known.options.append(found.value)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            is_post = a.get("method", "get").lower() == "post"
            self._form = Form(a.get("action") or self.page_url) if is_post else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type", "text") != "file":
            kind = a.get("type", "text")
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            self._form.add(Field(a["name"], kind, value, [value]))
        elif tag == "button":
            self._form.add(Field(a["name"], "button", a.get("value", ""), [a.get("value", "")]))
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.add(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or not self._select.value:
                self._select.value = value
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.add(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(html: str, page_url: str) -> list[Form]:
    """Return the POST forms of a page, each with its fields."""
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms
