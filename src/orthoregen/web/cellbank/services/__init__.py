"""Cell lab services: one unit of work, one transaction, each."""

from orthoregen.web.cellbank.services.core import CellbankRefused
from orthoregen.web.cellbank.services.donors import (
    donor_determine,
    donor_register,
    donor_test_record,
)
from orthoregen.web.cellbank.services.harvests import harvest_record
from orthoregen.web.cellbank.services.investigations import investigation_close
from orthoregen.web.cellbank.services.release import release_evaluation, release_spec_for
from orthoregen.web.cellbank.services.signoffs import qc_panel_verify
from orthoregen.web.cellbank.services.units import (
    RecallResult,
    ReleaseSigned,
    qc_record,
    unit_discard,
    unit_expire,
    unit_issue,
    unit_recall,
    unit_receive,
    unit_release,
    unit_release_countersign,
    unit_split,
    unit_thaw,
)

__all__ = [
    "CellbankRefused", "RecallResult", "ReleaseSigned", "donor_determine", "donor_register",
    "donor_test_record", "harvest_record", "investigation_close", "qc_panel_verify",
    "qc_record", "release_evaluation", "release_spec_for", "unit_discard", "unit_expire",
    "unit_issue", "unit_recall", "unit_receive", "unit_release", "unit_release_countersign",
    "unit_split", "unit_thaw",
]
