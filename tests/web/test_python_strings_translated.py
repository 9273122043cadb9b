"""The staff and portal words built in Python go through Django's i18n.

tests/web/test_templates_translated.py covers what templates write; this covers the words
Python hands to a page: flash messages, form and model field labels, help texts, empty
labels, error messages and verbose names, the labels of TextChoices/IntegerChoices members
and of literal choices lists, and the ValidationErrors a form shows. The check reads each
module's syntax tree (it never imports it) and fails on a string literal, an f-string, or a
literal formatted with %, .format() or + in one of those places. A call of gettext,
gettext_lazy, ngettext, pgettext (or `_`) passes, and so does a translated string formatted
afterwards (`_("%(n)s saved") % {...}`, `format_lazy(_("…"), …)`). A name or an attribute
passes: the literal it holds is checked where it is written, if it is in one of those places.

Not checked: migrations (they record the English of labels; lazy strings equal it), the
synthetic data generator, management commands (console output for an operator), and the
API (its codes and messages are the contract a client program reads, not words for people).
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

import orthoregen.web

WEB = Path(orthoregen.web.__file__).parent
EXCLUDED_PARTS = {"migrations", "synthetic", "api"}
WORD = re.compile(r"[^\W\d_]{2,}")  # a word of at least two letters: "h", "%" or "—" is not one

TRANSLATING = {
    "_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "npgettext", "npgettext_lazy", "gettext_noop",
}
# Build on a first argument: their result is as translated as that argument.
WRAPPING = {"format_html", "format_lazy", "mark_safe", "capfirst", "str"}
MESSAGE_LEVELS = {"debug", "info", "success", "warning", "error"}
FIELD_WORDS = {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural"}
META_DICTS = {"labels", "help_texts", "error_messages"}
SHOWN_ATTRIBUTES = {"label", "help_text", "empty_label"}

# A literal that is not for people, with the reason. (module relative to web/, literal).
ALLOWED: dict[tuple[str, str], str] = {
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def untranslated(node: ast.expr | None) -> str | None:
    """The English a reader would see untranslated in this expression, or None."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str) and WORD.search(node.value):
            return node.value
        return None
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values
        )
        return text if WORD.search(text.replace("{…}", "")) else None
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return untranslated(node.left)
        if isinstance(node.op, ast.Add):
            return untranslated(node.left) or untranslated(node.right)
        return None
    if isinstance(node, ast.IfExp):
        return untranslated(node.body) or untranslated(node.orelse)
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            if found := untranslated(value):
                return found
        return None
    if isinstance(node, ast.Call):
        name = _name(node.func)
        if name in TRANSLATING:
            return None
        if name == "format" and isinstance(node.func, ast.Attribute):
            return untranslated(node.func.value)
        if name == "join" and isinstance(node.func, ast.Attribute):
            return None  # "; ".join(reasons): the parts are checked where they are made
        if name in WRAPPING and node.args:
            return untranslated(node.args[0])
        return None
    return None


def _choice_labels(node: ast.expr) -> list[ast.expr]:
    """The labels of a literal choices list: [(value, label), …] (groups included)."""
    labels: list[ast.expr] = []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # [("", "Any")] + X.choices
        return _choice_labels(node.left) + _choice_labels(node.right)
    if isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if isinstance(element, (ast.Tuple, ast.List)) and len(element.elts) == 2:
                value, label = element.elts
                if isinstance(label, (ast.List, ast.Tuple)):  # a named group
                    labels += [value, *_choice_labels(label)]
                else:
                    labels.append(label)
    return labels


def _is_forms_module(relative: str) -> bool:
    name = Path(relative).name
    return "forms" in name or "/forms/" in f"/{relative}"


def findings(tree: ast.Module, relative: str) -> list[tuple[int, str, str, ast.AST]]:
    """Each untranslated reader-visible literal of a module: line, place, text and node."""
    found: list[tuple[int, str, str, ast.AST]] = []

    def report(node: ast.expr | None, where: str) -> None:
        text = untranslated(node)
        if text is not None and node is not None and (relative, text) not in ALLOWED:
            found.append((node.lineno, where, text, node))

    forms_module = _is_forms_module(relative)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            # django.contrib.messages: messages.success(request, message) and add_message.
            if isinstance(func, ast.Attribute) and _name(func.value) == "messages":
                if func.attr in MESSAGE_LEVELS:
                    report(node.args[1] if len(node.args) > 1 else None, f"messages.{func.attr}")
                elif func.attr == "add_message":
                    report(node.args[2] if len(node.args) > 2 else None, "messages.add_message")
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        report(keyword.value, f"messages.{func.attr}")
            for keyword in node.keywords:
                if keyword.arg in FIELD_WORDS:
                    report(keyword.value, f"{keyword.arg}=")
                elif keyword.arg == "error_messages" and isinstance(keyword.value, ast.Dict):
                    for value in keyword.value.values:
                        report(value, "error_messages=")
                elif keyword.arg == "choices":
                    for label in _choice_labels(keyword.value):
                        report(label, "choices=")
            if forms_module and _name(func) == "ValidationError":
                report(node.args[0] if node.args else None, "ValidationError")
                for keyword in node.keywords:
                    if keyword.arg == "message":
                        report(keyword.value, "ValidationError")
            if forms_module and _name(func) == "add_error" and len(node.args) > 1:
                report(node.args[1], "add_error")
        elif isinstance(node, ast.ClassDef):
            bases = {_name(base) for base in node.bases}
            if bases & {"TextChoices", "IntegerChoices", "Choices"}:
                for statement in node.body:
                    if not isinstance(statement, ast.Assign):
                        continue
                    member = getattr(statement.targets[0], "id", "")
                    value = statement.value
                    if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
                        report(value.elts[-1], f"{node.name}.{member} label")
                    elif isinstance(value, ast.Constant) and not member.startswith("_"):
                        # Django would make an English label from the member's name.
                        found.append(
                            (statement.lineno, f"{node.name}.{member}", "(no label)", statement)
                        )
            if node.name == "Meta":
                for statement in node.body:
                    if isinstance(statement, ast.Assign):
                        target = getattr(statement.targets[0], "id", "")
                        if target in {"verbose_name", "verbose_name_plural"}:
                            report(statement.value, f"Meta.{target}")
                        elif target in META_DICTS and isinstance(statement.value, ast.Dict):
                            for value in statement.value.values:
                                if target == "error_messages" and isinstance(value, ast.Dict):
                                    for inner in value.values:
                                        report(inner, "Meta.error_messages")
                                else:
                                    report(value, f"Meta.{target}")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                # self.fields["x"].label = "…", field.help_text = "…"
                if isinstance(target, ast.Attribute) and target.attr in SHOWN_ATTRIBUTES:
                    report(node.value, f".{target.attr} =")
                # SIDE_CHOICES = [("left", "Left"), …]
                if isinstance(target, ast.Name) and target.id.endswith("CHOICES"):
                    for label in _choice_labels(node.value):
                        report(label, target.id)
    return found


def problems_in(source: str, relative: str = "x/forms.py") -> list[str]:
    """Each untranslated reader-visible literal of a module, with its line."""
    found = findings(ast.parse(source), relative)
    return [
        f"line {line}: {where} {text!r}"
        for line, where, text, _node in sorted(found, key=lambda f: (f[0], f[1], f[2]))
    ]


def python_modules() -> list[Path]:
    return sorted(
        path
        for path in WEB.rglob("*.py")
        if not EXCLUDED_PARTS & set(path.relative_to(WEB).parts)
        and "management" not in path.relative_to(WEB).parts
    )


# --- the check itself can fail ------------------------------------------------------------


def _check(source: str, relative: str = "x/forms.py") -> list[str]:
    return problems_in(textwrap.dedent(source), relative)


@pytest.mark.parametrize(
    "source",
    [
        'messages.success(request, "Patient saved.")',
        'messages.error(request, f"Visit {visit.pk} could not be saved.")',
        'messages.info(request, "%s saved" % name)',
        'messages.warning(request, "{} saved".format(name))',
        'messages.add_message(request, messages.INFO, "Saved.")',
        'messages.success(request, message="Saved.")',
        'messages.success(request, "Saved." if ok else _("Not saved."))',
        'messages.success(request, format_html("<b>{}</b> saved", name))',
        'name = forms.CharField(label="Family name")',
        'name = forms.CharField(help_text="As on the passport.")',
        'site = forms.ModelChoiceField(queryset=q, empty_label="Any site")',
        'name = forms.CharField(error_messages={"required": "Enter a name."})',
        'name = models.CharField(max_length=9, verbose_name="family name")',
        'side = forms.ChoiceField(choices=[("left", "Left"), ("right", "Right")])',
        'SIDE_CHOICES = [("left", "Left"), ("right", "Right")]',
        'mode = forms.ChoiceField(choices=[("", "Any")] + Source.choices)',
        "class Side(models.TextChoices):\n    LEFT = 'left', 'Left'",
        "class Grade(models.IntegerChoices):\n    ONE = 1, 'Mild'",
        "class Side(models.TextChoices):\n    LEFT = 'left'",  # Django's English label
        "class Meta:\n    verbose_name = 'unit'",
        "class Meta:\n    labels = {'mrn': 'MRN'}",
        "class Meta:\n    help_texts = {'mrn': 'The hospital number.'}",
        "self.fields['site'].label = 'Clinic'",
        'raise forms.ValidationError("Enter a date in the past.")',
        'raise ValidationError(f"{n} is too many.", code="max")',
        'self.add_error("when", "Enter a date in the past.")',
    ],
)
def test_untranslated_strings_are_found(source):
    assert _check(source)


@pytest.mark.parametrize(
    "source",
    [
        'messages.success(request, _("Patient saved."))',
        'messages.success(request, gettext("Patient saved."))',
        'messages.info(request, _("%(name)s saved.") % {"name": name})',
        'messages.info(request, ngettext("%(n)s visit.", "%(n)s visits.", n) % {"n": n})',
        'messages.error(request, format_lazy(_("{name} saved."), name=name))',
        "messages.error(request, str(exc))",
        "messages.error(request, message)",
        'messages.success(request, format_html(_("<b>{}</b> saved"), name))',
        'name = forms.CharField(label=_("Family name"), help_text=gettext_lazy("As written."))',
        'site = forms.ModelChoiceField(queryset=q, empty_label="—")',
        'name = forms.CharField(error_messages={"required": _("Enter a name.")})',
        'side = forms.ChoiceField(choices=[("left", _("Left")), ("", "—")])',
        "class Side(models.TextChoices):\n    LEFT = 'left', _('Left')",
        "class Meta:\n    verbose_name = _('unit')\n    ordering = ['name']",
        'raise forms.ValidationError(_("Enter a date before %(d)s.") % {"d": d})',
        'logger.warning("Import failed for %s", path)',
        'raise ValueError("not a visit")',  # an exception for a programmer, never shown
    ],
)
def test_translated_or_unshown_strings_pass(source):
    assert _check(source) == []


def test_validation_errors_are_checked_in_forms_modules_only():
    source = 'raise ValidationError("Storage must be in kelvin.")'
    assert _check(source, "cellbank/forms.py")
    assert _check(source, "cellbank/services/units.py") == []


def test_the_line_of_the_problem_is_named():
    assert _check("x = 1\nmessages.success(request, 'Saved.')") == [
        "line 2: messages.success 'Saved.'"
    ]


# --- every module ------------------------------------------------------------------------

MODULES = python_modules()


def test_the_modules_are_found():
    relative = {str(path.relative_to(WEB)) for path in MODULES}
    assert len(MODULES) > 200
    assert "clinic/forms.py" in relative and "followup/timeline.py" in relative
    assert not any(name.startswith(("api/", "synthetic/")) for name in relative)
    assert not any("/migrations/" in name or "/management/" in name for name in relative)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(WEB)) for p in MODULES])
def test_every_shown_string_is_translated(path):
    relative = str(path.relative_to(WEB))
    problems = problems_in(path.read_text(encoding="utf-8"), relative)
    assert problems == [], f"{relative} has untranslated text:\n" + "\n".join(problems)


def test_every_allowed_literal_is_still_there():
    # An allow-list entry whose literal is gone hides nothing and would hide the next one.
    for relative, text in ALLOWED:
        assert text in (WEB / relative).read_text(encoding="utf-8"), (relative, text)
