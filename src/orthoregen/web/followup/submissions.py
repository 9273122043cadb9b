"""One-time submission tokens: a double-click or a resubmitted form records nothing twice.

Each render of a form carries a fresh token: a random key signed together with the user and
the patient the page was made for. The key is saved, under a unique constraint, on the row
the submission creates and in the same transaction, so the database (not a process's memory)
holds what was consumed: a second POST of the same page, from any server process, finds the
row already there or loses the race at the constraint. The signature makes a token typed in,
altered or copied from another patient's page a clear form error instead of a lookup.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING

from django.core import signing
from django.utils.translation import gettext, gettext_lazy

TOKEN_FIELD = "submission_token"
SALT = "orthoregen.followup.submission"
# A page left open longer than a working day is refused with a fresh token: someone else may
# have recorded the same event meanwhile, so the clinician checks the list before resending.
# The entries are shown again, so nothing has to be typed twice.
TOKEN_MAX_AGE = dt.timedelta(hours=12)
KEY_PATTERN = re.compile(r"[0-9a-f]{32}")


if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User
    from orthoregen.web.clinic.models import Patient


class SubmissionRefused(Exception):
    """The form's token is missing, altered, made for another page, or too old."""


def submission_token_issue(*, user: User, patient: Patient) -> str:
    """Return a new signed token for one form page of `user` about `patient`."""
    return signing.dumps({"k": secrets.token_hex(16), "u": user.pk, "p": patient.pk},
                         salt=SALT)


def submission_key(token: str, *, user: User, patient: Patient,
                   max_age: dt.timedelta | None = TOKEN_MAX_AGE) -> str:
    """Return the key a token carries, or raise SubmissionRefused saying what to do."""
    if not token:
        raise SubmissionRefused(gettext("This form arrived without its submission token. "
                                        "Nothing has been saved; check the entries and submit "
                                        "again."))
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise SubmissionRefused(gettext(
            "This form was opened more than %(hours).0f hours ago. Nothing has been saved: check "
            "the adverse event list in case it was recorded meanwhile, then submit again.")
            % {"hours": TOKEN_MAX_AGE.total_seconds() / 3600}) from None
    except signing.BadSignature:
        raise SubmissionRefused(_NOT_THIS_PAGE) from None
    if not isinstance(value, dict) or value.get("u") != user.pk \
            or value.get("p") != patient.pk or not KEY_PATTERN.fullmatch(str(value.get("k"))):
        raise SubmissionRefused(_NOT_THIS_PAGE)
    return value["k"]


def submission_key_any_age(token: str, *, user: User, patient: Patient) -> str | None:
    """Return the key of an authentic token of this page however old, else None."""
    try:
        return submission_key(token, user=user, patient=patient, max_age=None)
    except SubmissionRefused:
        return None


_NOT_THIS_PAGE = gettext_lazy("This form's submission token is not valid for this page "
                              "(altered, or copied from another form). Nothing has been saved; "
                              "check the entries and submit again.")
