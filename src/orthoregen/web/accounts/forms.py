"""Forms of the sign-in steps that follow the password."""

from django import forms


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=40, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}))


class AuthenticatorConfirmForm(forms.Form):
    code = forms.CharField(
        label="Six-digit code from the app", max_length=10, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}))
