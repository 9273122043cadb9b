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

The sentences services raise and views answer with are words for people too (a refusal a
view shows on the page, the reason on a 403 or 404 page), so the check also fails on an
untranslated message in these places, in every module outside NOT_FOR_PAGES:

- the exception of a `raise X(…)` statement: its first argument or `message=`, unless X is
  one of Python's built-in exceptions (ValueError, TypeError, SystemExit…) or named in
  FOR_PROGRAMMERS: those are read by a programmer in a traceback or by an operator on a
  console. `raise self.invalid(…)` and other calls count as X too;
- an exception built for a person wherever it is built, raised or not (`return
  SigningRefused("…")`, `errors.append(ValidationError("…"))`): a call of a class whose name
  ends in Refused, Refusal or Invalid, or of ValidationError, PermissionDenied, Http404,
  SuspiciousOperation or BadRequest. A ValidationError's dict values and list items count;
- the message an exception class gives itself: `super().__init__("…")` or
  `Exception.__init__(self, "…")` in a class whose bases name an exception (Exception,
  *Error, *Refused, *Refusal, *Invalid, the classes above), unless it is in FOR_PROGRAMMERS;
- the content of an HttpResponse… (first argument or `content=`), except the redirects and
  HttpResponseNotAllowed, whose first argument is a URL or a list of methods;
- `add_error(field, "…")` in any module (a view adds refusals to its form too).
- the page words of a `render()` or `render_to_string()` context given as a dict literal:
  the values of its "title", "intro", "heading" and "already" keys (PAGE_WORDS).

A sentence built in a helper and returned (`return "No decision yet"`) is not found by this
check: read what is raised or shown for those.

Not checked: migrations (they record the English of labels; lazy strings equal it), the
synthetic data generator, management commands (console output for an operator), and the
API (its codes and messages are the contract a client program reads, not words for people).
"""

from __future__ import annotations

import ast
import builtins
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
# Keys of a render() context written into the page as words (form_page.html and others).
PAGE_WORDS = {"title", "intro", "heading", "already"}

# A literal that is not for people, with the reason. (module relative to web/, literal).
ALLOWED: dict[tuple[str, str], str] = {
}

# Packages whose raised messages a program or an operator reads, never a page (the rules
# for labels, messages and forms still apply to them), with the reason. First part of the
# path relative to web/.
NOT_FOR_PAGES: dict[str, str] = {
    "fhir": "the FHIR API's OperationOutcome diagnostics and $export errors, read by a client "
            "program beside HL7's issue codes (like api/); the fhir-import command prints them "
            "on the operator's console; no staff or portal page shows them",
    "backup": "the backup and restore commands' refusals, printed on the operator's console; "
              "no page backs up or restores",
}

# Read by a programmer in a traceback or an operator on a console, never put on a page.
PYTHON_EXCEPTIONS = {
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
# Other exception classes whose message is not for people, with the reason.
FOR_PROGRAMMERS: dict[str, str] = {
    "ImproperlyConfigured": "Django's start-up refusal of a setting, read by an operator",
    "CommandError": "a management command's error, printed on the operator's console",
    "IrreversibleError": "a migration refusing to go back, printed on the operator's console",
    "ArgumentTypeError": "argparse's refusal of a command-line argument, on the console",
    "LinkRefused": "followup.questionnaires: its reason goes to the audit trail only; the "
                   "patient is shown portal/refused.html, never the reason",
    "TaskAlreadyClosed": "followup.services: the view shows the task it carries, not its words",
    "SmsError": "followup.sms: the reminder run logs it for the operator; no page shows it",
    "DecisionImmutable": "consultation.models.decisions: guards save() against a programmer "
                         "editing a decision; no view catches it (a 500 if it ever happened)",
    "AppendOnlyError": "audit.models: guards the access trail against a programmer's update "
                       "or delete; no view catches it",
    "RedcapError": "imports.redcap: the REDCap import and export commands print it on the "
                   "operator's console; the import page does not read REDCap files",
    "DatabaseError": "registry.export: PostgreSQL refusing the export's COPY, raised to the log "
                     "under the error page's reference, never a page's words",
}
# Exceptions built for a person wherever they are built (their class names them so).
FOR_PEOPLE = {
    "ValidationError", "PermissionDenied", "Http404", "SuspiciousOperation", "BadRequest",
}
FOR_PEOPLE_ENDINGS = ("Refused", "Refusal", "Invalid")
EXCEPTION_ENDINGS = ("Exception", "Error", *FOR_PEOPLE_ENDINGS)
# HttpResponse… whose first argument is not content.
NOT_CONTENT = {
    "HttpResponseRedirect", "HttpResponsePermanentRedirect", "HttpResponseNotAllowed",
    "HttpResponseNotModified",
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


def _not_for_pages(relative: str) -> bool:
    return Path(relative).parts[0] in NOT_FOR_PAGES


def _message(call: ast.Call, position: int = 0) -> list[ast.expr]:
    """The message arguments of an exception call: positional `position` and `message=`."""
    found = [call.args[position]] if len(call.args) > position else []
    return found + [keyword.value for keyword in call.keywords if keyword.arg == "message"]


def _messages_within(node: ast.expr) -> list[ast.expr]:
    """A ValidationError's messages: the argument, a dict's values, a list's items."""
    if isinstance(node, ast.Dict):
        return [inner for value in node.values for inner in _messages_within(value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [inner for element in node.elts for inner in _messages_within(element)]
    return [node]


def _is_for_people(name: str) -> bool:
    if name in FOR_PROGRAMMERS:
        return False
    return name in FOR_PEOPLE or name.endswith(FOR_PEOPLE_ENDINGS)


def _exception_classes(tree: ast.Module) -> dict[ast.ClassDef, bool]:
    """Each class of the module that is an exception (by its bases' names, or a base that is
    one of the module's exceptions), with whether its message is for people."""
    classes: dict[ast.ClassDef, bool] = {}
    known: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {_name(base) for base in node.bases}
            if any(b in known or b in FOR_PEOPLE or b.endswith(EXCEPTION_ENDINGS) for b in bases):
                known.add(node.name)
                classes[node] = node.name not in FOR_PROGRAMMERS
    return classes


def _own_messages(cls: ast.ClassDef) -> list[tuple[ast.expr, str]]:
    """`super().__init__(message)` and `Base.__init__(self, message)` in a class's methods."""
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(cls):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "__init__":
            continue
        owner = node.func.value
        if isinstance(owner, ast.Call) and _name(owner.func) == "super":
            found += [(message, f"{cls.name}.__init__") for message in _message(node)]
        elif isinstance(owner, ast.Name):
            found += [(message, f"{cls.name}.__init__") for message in _message(node, 1)]
    return found


def raised_findings(tree: ast.Module) -> list[tuple[ast.expr, str]]:
    """The messages raised or answered with in a module, each with its place."""
    found: list[tuple[ast.expr, str]] = []
    raised: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = _name(node.exc.func)
            if name not in PYTHON_EXCEPTIONS and name not in FOR_PROGRAMMERS:
                raised.add(id(node.exc))
                for message in _message(node.exc):
                    found += [(inner, f"raise {name}") for inner in _messages_within(message)]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if _is_for_people(name) and id(node) not in raised:
            for message in _message(node):
                found += [(inner, name) for inner in _messages_within(message)]
        elif name.startswith("HttpResponse") and name not in NOT_CONTENT:
            content = node.args[:1] + [k.value for k in node.keywords if k.arg == "content"]
            found += [(value, name) for value in content]
        elif name == "add_error" and len(node.args) > 1:
            found += [(node.args[1], "add_error")]
    for cls, for_people in _exception_classes(tree).items():
        if for_people:
            found += _own_messages(cls)
    return found


def findings(tree: ast.Module, relative: str) -> list[tuple[int, str, str, ast.AST]]:
    """Each untranslated reader-visible literal of a module: line, place, text and node."""
    found: list[tuple[int, str, str, ast.AST]] = []

    def report(node: ast.expr | None, where: str) -> None:
        text = untranslated(node)
        if text is not None and node is not None and (relative, text) not in ALLOWED:
            found.append((node.lineno, where, text, node))

    forms_module = _is_forms_module(relative)
    checks_raised = not _not_for_pages(relative)
    if checks_raised:
        for message, where in raised_findings(tree):
            report(message, where)
        forms_module = False  # the rules above cover a forms module's ValidationErrors too
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
            if _name(func) in {"render", "render_to_string"}:
                context = [k.value for k in node.keywords if k.arg == "context"]
                context += node.args[2:3] if _name(func) == "render" else node.args[1:2]
                for given in context:
                    if isinstance(given, ast.Dict):
                        for key, value in zip(given.keys, given.values, strict=True):
                            if isinstance(key, ast.Constant) and key.value in PAGE_WORDS:
                                report(value, f"render context {key.value!r}")
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
        'return render(request, "form_page.html", {"form": form, "title": "Register a donor"})',
        'render(request, "f.html", {"title": f"Intake: {episode}", "back": "x"})',
        'render(request, "f.html", context={"intro": "No reminders will be sent."})',
        'render_to_string("f.html", {"heading": "Consent"})',
        # What services raise and views answer with:
        'raise CellbankRefused("Unit is on hold.")',
        'raise CellbankRefused(f"Unit {code} is on hold.")',
        'raise EntryRefused("Unit %s is on hold." % code, field="code")',
        'raise units.CellbankRefused("Unit {} is on hold.".format(code)) from None',
        'raise CellbankRefused(_("Unit %(c)s is on hold: ") % {"c": c} + reasons + " first.")',
        'raise EntryRefused(message="Keep the reason short.")',
        'raise SearchRefused("Search with fewer words.")',  # any class not Python's own
        'raise ProtocolLocked("A published protocol is not edited.")',
        'raise self.refuse("The bundle has no entries.")',
        'return SigningRefused("You signed it first.", reason=r)',  # built, raised later
        'errors.append(ValidationError("Give a height."))',
        'raise ValidationError({"kind": "The result changed.", "when": ["Too late."]})',
        'raise ValidationError(["Give a height."])',
        'raise PermissionDenied(f"Only a clinician may enter {name}.")',
        'raise Http404("No such record.")',
        'raise SuspiciousOperation("Tampered form.")',
        'return HttpResponseBadRequest("No such joint on this chart.")',
        'return HttpResponse(f"Unknown instrument {name!r}.", status=400)',
        'return HttpResponseForbidden(content="Not yours.")',
        'form.add_error(None, "Nothing was saved.")',
        "class Late(Exception):\n    def __init__(self):\n"
        "        super().__init__('Saved meanwhile.')",
        "class Late(ValueError):\n    def __init__(self):\n"
        "        ValueError.__init__(self, 'Late.')",
        "class A(CellbankRefused):\n    pass\nclass B(A):\n"
        "    def __init__(self, m):\n        super().__init__(f'{m} is late.')",
    ],
)
def test_untranslated_strings_are_found(source):
    assert _check(source)


@pytest.mark.parametrize(
    "source",
    [
        'messages.success(request, _("Patient saved."))',
        'render(request, "f.html", {"title": _("Intake: %(j)s") % {"j": e}, "back": "x"})',
        'render(request, "f.html", {"title": task.get_kind_display(), "form": form})',
        'render(request, "f.html", {"mode": "edit", "title": title})',
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
        'raise SystemExit("orthoregen dicom: no site with code X")',  # the operator's console
        'raise ImproperlyConfigured("ALLOWED_HOSTS is not set.")',
        'raise CommandError("No such site.")',
        'raise LinkRefused("link expired", invitation)',  # named in FOR_PROGRAMMERS
        'raise CellbankRefused(_("Unit %(code)s is on hold.") % {"code": code})',
        'raise CellbankRefused(gettext("Unit on hold."), problems)',
        'raise EntryRefused(ngettext("%(n)s day.", "%(n)s days.", n) % {"n": n}, field="d")',
        'raise CellbankRefused(str(refused)) from None',
        'raise CellbankRefused("; ".join(reasons) + ".")',
        "raise CellbankRefused(first_problem(problems))",
        "raise refused",
        'raise ValidationError({"kind": _("The result changed.")}, code="changed")',
        'raise Http404(_("No such record."))',
        'raise CellbankRefused(message=_("Keep the reason short."))',
        'return HttpResponse(render_label_svg(unit), content_type="image/svg+xml")',
        'return HttpResponseRedirect(f"{request.path}?step=2")',
        'return HttpResponseNotAllowed(["GET", "POST"])',
        'return HttpResponse(status=202)',
        'form.add_error(None, str(error))',
        'form.add_error("code", error.messages)',
        "class Late(Exception):\n    def __init__(self, when):\n"
        "        super().__init__(_('Saved at %(w)s.') % {'w': when})",
        "class Helper:\n    def __init__(self):\n        super().__init__('Not an exception.')",
        'get_object_or_404(Unit, code="Unit")',
    ],
)
def test_translated_or_unshown_strings_pass(source):
    assert _check(source) == []


def test_validation_errors_are_checked_in_every_module():
    source = 'raise ValidationError("Storage must be in kelvin.")'
    assert _check(source, "cellbank/forms.py")
    assert _check(source, "cellbank/services/units.py")
    assert _check("errors = [ValidationError('Too late.')]", "clinic/plausible.py")


def test_the_packages_not_for_pages_skip_only_the_rules_for_raised_words():
    # fhir/ and backup/ answer a client program or an operator's console (NOT_FOR_PAGES):
    # their forms and messages keep the rules for labels and messages.
    raised = 'raise ImportRefused("The bundle has no patient.")'
    assert _check(raised, "imports/services.py")
    assert _check(raised, "fhir/importer.py") == []
    assert _check('raise ValidationError("Too late.")', "fhir/forms.py")
    assert _check('messages.success(request, "Saved.")', "backup/views.py")
    assert _check('return HttpResponse("Unknown.", status=400)', "backup/archive.py") == []
    assert _check('return HttpResponse("Unknown.", status=400)', "home.py")


def test_a_message_is_reported_once():
    assert len(_check('raise ValidationError("Too late.")', "cellbank/forms.py")) == 1
    assert len(_check('raise CellbankRefused("Too late.")', "cellbank/views.py")) == 1


def test_every_package_not_for_pages_exists():
    # An entry whose package is gone would keep skipping whatever later takes its name.
    for name in NOT_FOR_PAGES:
        assert (WEB / name).is_dir(), name


def test_every_class_for_programmers_is_still_raised():
    sources = "\n".join(path.read_text(encoding="utf-8") for path in WEB.rglob("*.py"))
    for name in FOR_PROGRAMMERS:
        assert f"{name}(" in sources, name


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
