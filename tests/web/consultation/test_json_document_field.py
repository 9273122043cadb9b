"""The JSON box in which a draft protocol, schedule definition or release specification is
edited (governance_forms.JsonDocumentField)."""

import pytest
from django import forms

from orthoregen.web.consultation.governance_forms import JsonDocumentField


class DraftForm(forms.Form):
    content = JsonDocumentField(label="Content (JSON)")


def test_a_stored_document_is_shown_pretty_printed_with_its_letters():
    form = DraftForm(initial={"content": {"name": "Protocole genou", "é": [1, 2]}})
    # Two-space indent, keys as stored, letters not escaped (ensure_ascii=False).
    assert form["content"].value() == (
        '{\n  "name": "Protocole genou",\n  "é": [\n    1,\n    2\n  ]\n}')


def test_what_was_typed_is_shown_back_as_typed():
    form = DraftForm(data={"content": '{"a": 1,}'})
    assert not form.is_valid()
    assert form["content"].value() == '{"a": 1,}'


@pytest.mark.parametrize(("typed", "parsed"), [
    ('{"a": 1}', {"a": 1}),
    ("{}", {}),  # an empty object is content (the services refuse it by name), not "required"
    ("[]", []),
])
def test_valid_json_is_cleaned_to_the_document(typed, parsed):
    form = DraftForm(data={"content": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["content"] == parsed


@pytest.mark.parametrize(("typed", "message"), [
    ('{"a": }', "Not valid JSON: Expecting value: line 1 column 7 (char 6)"),
    ("{'a': 1}", "Not valid JSON: Expecting property name enclosed in double quotes: line 1 "
                 "column 2 (char 1)"),
    ("", "This field is required."),
])
def test_invalid_json_is_refused_with_the_parsers_words(typed, message):
    form = DraftForm(data={"content": typed})
    assert not form.is_valid()
    assert form.errors["content"][0].startswith(message)


@pytest.mark.django_db
def test_detail_pages_show_the_stored_document_as_json(as_user, admin_a, site_a):
    """What a version holds is shown as the JSON that is edited, never as Python's repr."""
    from django.urls import reverse

    from orthoregen.web.cellbank.models import ReleaseSpecVersion
    from orthoregen.web.cellbank.services.release import release_specs_ensure
    from orthoregen.web.followup.protocols import active_protocol

    release_specs_ensure(site_a)
    spec = ReleaseSpecVersion.objects.filter(site=site_a).first()
    pages = [reverse("cellbank:spec-detail", args=[spec.pk]),
             reverse("followup:protocol-detail", args=[active_protocol(site_a).pk])]
    client = as_user(admin_a)
    for url in pages:
        text = client.get(url).content.decode()
        assert "&quot;version&quot;: " in text, url  # "version": as JSON writes it
        assert "&#x27;version&#x27;: " not in text, url  # 'version': as Python's repr does
