"""Cell lab and procedure-room records; every model names SITE_PATH and keeps its history."""

from orthoregen.web.cellbank.models.investigations import (
    InvestigationFinding,
    InvestigationRecipient,
    ProductInvestigation,
)
from orthoregen.web.cellbank.models.lab_settings import SiteCellLabSettings
from orthoregen.web.cellbank.models.procedures import (
    Administration,
    BedsideCheckAttempt,
    Procedure,
    ProcedureJoint,
)
from orthoregen.web.cellbank.models.products import (
    CustodyEvent,
    Donor,
    DonorTest,
    Harvest,
    ProductUnit,
    QcResult,
    ReleaseSpecVersion,
)
from orthoregen.web.cellbank.models.refusals import RefusedStep, UnitStepRefusal

__all__ = [
    "Administration", "BedsideCheckAttempt", "CustodyEvent", "Donor", "DonorTest", "Harvest",
    "InvestigationFinding", "InvestigationRecipient", "Procedure", "ProcedureJoint",
    "ProductInvestigation", "ProductUnit", "QcResult", "RefusedStep", "ReleaseSpecVersion",
    "SiteCellLabSettings", "UnitStepRefusal",
]
