"""Turn cell lab rows into products core values, and record a custody event per transition."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from orthoregen.products.custody import Sterility, UnitEvent
from orthoregen.products.donor import DonorEligibility
from orthoregen.products.episode import IssueTarget, Joint, Side
from orthoregen.products.isbt128 import (
    DonationIdentificationNumber,
    UnitIdentifier,
    parse_unit_identifier,
)
from orthoregen.products.status import (
    SafetyProblem,
    TransitionRefused,
    UnitState,
    UnitStatus,
    transition,
)
from orthoregen.web.cellbank.models import CustodyEvent, ProductUnit
from orthoregen.web.cellbank.vocabulary import IdentifierKind
from orthoregen.web.clinic.models import JointEpisode

if TYPE_CHECKING:
    from orthoregen.web.accounts.models import User


class CellbankRefused(ValueError):
    """A cell lab or procedure action refused with a message for the person who asked.

    `problems` are the safety reasons (products.status.SafetyProblem) when those refused it.
    """

    def __init__(self, message: str, problems: tuple[SafetyProblem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


def actor(user: User) -> str:
    """Return how a user is named in core events (full name, else username)."""
    return user.get_full_name() or user.username


def canonical_identifier(identifier: UnitIdentifier) -> tuple[str, str]:
    """Return the stored form and kind of an identifier: DIN + K, or LOC-body-K."""
    if isinstance(identifier, DonationIdentificationNumber):
        return str(identifier), IdentifierKind.ISBT_DIN
    return str(identifier), IdentifierKind.LOCAL


def identifier_of(unit: ProductUnit) -> UnitIdentifier:
    """Return a stored unit's identifier as a core value."""
    if unit.identifier_kind == IdentifierKind.ISBT_DIN:
        return DonationIdentificationNumber.from_din(unit.identifier[:13])
    return parse_unit_identifier(unit.identifier)


def issue_target(episode: JointEpisode) -> IssueTarget:
    """Return the core's issue target for a joint episode."""
    return IssueTarget(patient_id=str(episode.patient_id), episode_id=str(episode.pk),
                       joint=Joint(episode.joint), side=Side(episode.side))


def unit_state(unit: ProductUnit, *, hold_reason: str = "") -> UnitState:
    """Return what the status machine needs to know about a stored unit.

    `hold_reason` is services.holds.hold_reason(unit), passed by the steps it can refuse
    (release, issue, thaw, administration); other steps need not pay for the look-up.
    """
    episode = unit.issued_to_episode
    return UnitState(
        unit_id=unit.identifier,
        status=UnitStatus(unit.status),
        expires_at=unit.expires_at,
        sterility=Sterility(unit.sterility),
        donor_eligibility=DonorEligibility(unit.donor.eligibility) if unit.donor else None,
        is_cryopreserved=unit.is_cryopreserved,
        max_post_thaw_hold_minutes=unit.max_post_thaw_hold_minutes,
        issued_to=issue_target(episode) if episode is not None else None,
        thawed_at=unit.thawed_at,
        release_approver=unit.release_approver or None,
        hold_reason=hold_reason,
    )


def apply_event(unit: ProductUnit, event: UnitEvent, *, by: User, at: datetime,
                note: str = "", hold_reason: str = "") -> CustodyEvent:
    """Apply one core event to a unit, save the new state and its custody event.

    The core refuses illegal transitions with its own message; it is passed on unchanged.
    """
    before = unit.status
    try:
        after = transition(unit_state(unit, hold_reason=hold_reason), event, at=at)
    except TransitionRefused as refused:
        raise CellbankRefused(str(refused), refused.problems) from None
    unit.status = after.status
    unit.sterility = after.sterility
    unit.release_approver = after.release_approver or ""
    unit.thawed_at = after.thawed_at
    if after.issued_to is None:
        unit.issued_to_episode = None
    unit.save()
    return CustodyEvent.objects.create(
        unit=unit, from_status=before, to_status=after.status, by=by, at=at,
        location=event.location or unit.site.name, note=note, thawed_at=after.thawed_at)
