"""System checks of the cell lab's release specifications.

orthoregen.E006  a published release specification does not read, or no unit could be
                 judged by it (the checks its services run on a draft before validation)

Each id is explained, with its fix, in docs/system-checks.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error, Tags, register

from orthoregen.web.cellbank.models import ReleaseSpecVersion
from orthoregen.web.cellbank.services.specifications import specification_problems
from orthoregen.web.consultation.checks import stored_messages
from orthoregen.web.consultation.governance import Lifecycle

EDIT_HINT = ("A published version never changes: copy it as a new draft on the release "
             "specification pages, correct it, and have it validated, approved and published "
             "(docs/governance.md); units already released keep the version they were "
             "released against.")


@register("orthoregen", Tags.database)
def stored_release_specs_check(app_configs: object = None,
                               databases: Iterable[str] | None = None,
                               **kwargs: object) -> list[CheckMessage]:
    """Report every published release specification that could not judge a unit.

    Drafts are the lifecycle's to check (at validation and publication); a published one
    judges units, so one broken in storage is reported here.
    """
    return stored_messages(ReleaseSpecVersion.objects.filter(status=Lifecycle.PUBLISHED)
                           .select_related("site").order_by("pk"), databases,
                           lambda stored: [
                               Error(f"Release specification {stored} ({stored.site.name}, "
                                     f"{stored.status}): {problem}", hint=EDIT_HINT,
                                     obj=stored, id="orthoregen.E006")
                               for problem in specification_problems(stored)])
