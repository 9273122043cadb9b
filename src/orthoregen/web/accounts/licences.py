"""May a site put an instrument's wording before its patients?"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.instruments import get_instrument
from orthoregen.web.accounts.models import InstrumentLicence, Site


def licence_problem(site: Site, instrument_id: str, on: dt.date) -> str | None:
    """Return why the site may not send an instrument to patients on a day, or None if it may.

    Instruments whose wording may be shipped (VAS, NRS, SANE, ASES, Harris, Constant) need no
    licence; proprietary ones (KOOS, HOOS, WOMAC, Oxford) need a current licence of the site.
    A text pack must still be installed for the questionnaire to be shown.
    """
    if get_instrument(instrument_id).licence.ships_wording:
        return None
    licence = InstrumentLicence.objects.filter(site=site, instrument_id=instrument_id).first()
    if licence is None:
        return gettext("%(site)s has recorded no licence for %(instrument)s.") % {
            "site": site.name, "instrument": instrument_id}
    if not licence.is_current(on):
        return gettext("%(site)s's licence for %(instrument)s does not cover %(day)s.") % {
            "site": site.name, "instrument": instrument_id, "day": date_format(on, "d M Y")}
    return None
