"""The forms that sign a governed version's approval and publication (consultation.governance),
the box in which a draft's content is edited as JSON, and the form that names a copy.

Each asks the signed-in administrator for their password again: the second component of an
electronic signature (21 CFR 11.200(a)(1)). The password is never shown again after a
refusal; the signer types it again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orthoregen.web.accounts.signatures import second_factor_verified
from orthoregen.web.consultation.governance import Lifecycle, Review, Signing

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django_stubs_ext import StrOrPromise

    from orthoregen.web.consultation.governance import GovernedVersion


class JsonDocumentField(forms.CharField):
    """A draft's content (a protocol, a schedule definition, a release specification) typed
    as JSON in a large monospaced box: shown pretty-printed, cleaned to the parsed document,
    refused with the parser's own words (which line and column)."""

    widget = forms.Textarea(attrs={"rows": 30, "class": "mono", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        # What the user typed is shown back as typed; a stored document, pretty-printed.
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)  # required and length checked on the text itself
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) \
                from None


class CopyForm(forms.Form):
    """The label of the new draft a version is copied as; each kind says how long a label
    may be and gives an example of its own."""

    def __init__(self, data: Any = None, *, max_length: int, help_text: StrOrPromise,
                 label: StrOrPromise | None = None) -> None:
        super().__init__(data)
        self.fields["version"] = forms.CharField(label=label or _("New version"),
                                                 max_length=max_length, help_text=help_text)


class DocumentForm(forms.Form):
    """A draft's whole content in one JSON box, named as the model's field (``field``) and
    filled with what is stored there."""

    def __init__(self, data: Any = None, *, stored: GovernedVersion, field: str,
                 label: StrOrPromise) -> None:
        super().__init__(data, initial={field: getattr(stored, field)})
        self.fields[field] = JsonDocumentField(label=label)


class SigningForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to sign"), strip=False, max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your electronic signature: you sign as the person signed in."))

    def signing(self, request: HttpRequest) -> Signing:
        """Return what the signer entered, for the service that signs (a valid form only)."""
        return Signing(self.cleaned_data["password"],
                       second_factor=second_factor_verified(request))


class ApprovalForm(SigningForm):
    """Approve the difference shown, identified by its fingerprint (governance.Review.digest)."""

    seen_digest = forms.CharField(widget=forms.HiddenInput, max_length=64,
                                  error_messages={"required": _("Open the changes again and "
                                                                "read them before approving.")})
    action = "approve"
    button = _("Approve these changes")
    statement = _("By approving, you sign under your name that you have read these changes "
                  "and agree they may be published.")


class PublicationForm(SigningForm):
    action = "publish"
    button = _("Publish")
    statement = _("By publishing, you sign under your name that this approved version is in "
                  "use from now on; it can no longer change.")


def signing_form(stored: GovernedVersion, review: Review) -> SigningForm | None:
    """Return the unbound form of the version's next signed step, if it has one."""
    if stored.status == Lifecycle.VALIDATED:
        return ApprovalForm(initial={"seen_digest": review.digest})
    if stored.status == Lifecycle.APPROVED:
        return PublicationForm()
    return None
