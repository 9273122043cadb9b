"""The upload form: which kind of file, for which of the user's sites, dry run or for real."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orthoregen.web.accounts.models import Site, User
from orthoregen.web.clinic.forms import model_choice_field
from orthoregen.web.imports.models import ImportKind

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    site: forms.ModelChoiceField[Site] = forms.ModelChoiceField(label=_("Site"), queryset=None)
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, one header row; see the "
                                                       "templates below."))
    dry_run = forms.BooleanField(label=_("Dry run: check every row, save nothing"),
                                 required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = user.sites.all()
        model_choice_field(self, "site").queryset = sites
        if len(sites) == 1:
            self.fields["site"].initial = sites[0]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MiB; import it with the orthoregen import "
                  "command.") % {"size": MAX_UPLOAD_BYTES // 2**20})
        return upload
