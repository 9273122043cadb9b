"""May a site put an instrument's wording before its patients?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils.formats import date_format
from django.utils.translation import gettext

from orthoregen.instruments import get_instrument
from orthoregen.web.accounts.models import InstrumentLicence, Site


def licence_problem(site: Site, instrument_id: str, on: dt.date, *,
                    licences: Mapping[str, InstrumentLicence] | None = None) -> str | None:
    """Return why the site may not send an instrument to patients on a day, or None if it may.

    Instruments whose wording may be shipped (VAS, NRS, SANE, ASES, Harris, Constant) need no
    licence; proprietary ones (KOOS, HOOS, WOMAC, Oxford) need a current licence of the site.
    A text pack must still be installed for the questionnaire to be shown. `licences`: the
    site's, from site_licences(), for a caller that asks about several instruments.
    """
    if not needs_licence(instrument_id):
        return None
    if licences is None:
        licence = InstrumentLicence.objects.filter(site=site, instrument_id=instrument_id).first()
    else:
        licence = licences.get(instrument_id)
    if licence is None:
        return gettext("%(site)s has recorded no licence for %(instrument)s.") % {
            "site": site.name, "instrument": instrument_id}
    if not licence.is_current(on):
        return gettext("%(site)s's licence for %(instrument)s does not cover %(day)s.") % {
            "site": site.name, "instrument": instrument_id, "day": date_format(on, "d M Y")}
    return None


def needs_licence(instrument_id: str) -> bool:
    """Say whether sending an instrument's wording to patients needs a site licence."""
    return not get_instrument(instrument_id).licence.ships_wording


def site_licences(site: Site) -> dict[str, InstrumentLicence]:
    """Return the licences a site has recorded, by instrument: one query for a page that
    weighs several instruments (the portal asked once per proprietary option)."""
    return {licence.instrument_id: licence
            for licence in InstrumentLicence.objects.filter(site=site).order_by()}
