"""Random lab and clinic days: no unsafe unit is ever given, and every refusal says why.

A Hypothesis rule-based machine receives units (a donor's or autologous), records QC and
sterility, releases, issues, divides, holds and clears lots, recalls, re-opens and re-decides
donors, lets time pass, expires, thaws, checks at the bedside and administers, in any order.
The oracle below is written from docs/cell-products.md#product-status and 21 CFR 1271.60 /
1271.265(c), not from the code: at the moment of a step towards a patient the unit is not on
hold, its donor (if any) is eligible, it has a documented release (the release step aside)
and it is not past its expiry.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orthoregen.products.bedside import (
    IssuedUnit,
    MismatchKind,
    PatientIdentity,
    PresentedPatient,
    verify_bedside,
)
from orthoregen.products.custody import (
    Administer,
    BeginProcessing,
    ConditionalRelease,
    Discard,
    Expire,
    Issue,
    PlaceInQuarantine,
    Recall,
    RecordSterility,
    Release,
    Sterility,
    Thaw,
)
from orthoregen.products.division import divide_unit
from orthoregen.products.donor import (
    Determine,
    DonorDeterminationRefused,
    DonorEligibility,
    Reopen,
    determine_donor,
)
from orthoregen.products.donor_testing import (
    Donation,
    Reactivity,
    RecordedResult,
    required_panel,
)
from orthoregen.products.episode import IssueTarget, Joint, Side
from orthoregen.products.isbt128 import DonationIdentificationNumber
from orthoregen.products.product_class import Origin
from orthoregen.products.product_code import DivisionRefused, ProductCode
from orthoregen.products.release import ReleaseOutcome
from orthoregen.products.status import (
    RELEASED_STATES,
    TransitionRefused,
    UnitState,
    UnitStatus,
    Unsafe,
    effective_status,
    transition,
)

S = UnitStatus
E = DonorEligibility
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DIN = DonationIdentificationNumber.from_din("A999917123456")  # ST-001 Fig. 21
TARGETS = (
    IssueTarget("P1", "E1", Joint.KNEE, Side.LEFT),
    IssueTarget("P2", "E2", Joint.HIP, Side.RIGHT),
)
PATIENTS = {
    "P1": PatientIdentity("Anna Müller", date(1958, 4, 12), "MRN-1"),
    "P2": PatientIdentity("Ben Okafor", date(1949, 11, 3), "MRN-2"),
}
RECOVERED = date(2026, 3, 1)
DONATION = Donation(origin=Origin.ALLOGENEIC, recovered_on=RECOVERED, is_leukocyte_rich=True)
CLEAN = tuple(
    RecordedResult(test_id=t.id, specimen_date=RECOVERED, reactivity=Reactivity.NON_REACTIVE)
    for t in required_panel(DONATION)
)
HIV_REACTIVE = RecordedResult(
    test_id="hiv1_nat", specimen_date=RECOVERED, reactivity=Reactivity.REACTIVE
)
# The words each refusal must use for each reason.
SAID = {
    Unsafe.ON_HOLD: "on hold",
    Unsafe.DONOR_NOT_ELIGIBLE: "donor is",
    Unsafe.NOT_RELEASED: "release",
    Unsafe.EXPIRED: "expired at",
}
BEDSIDE_KIND = {
    Unsafe.ON_HOLD: MismatchKind.ON_HOLD,
    Unsafe.DONOR_NOT_ELIGIBLE: MismatchKind.DONOR_NOT_ELIGIBLE,
    Unsafe.NOT_RELEASED: MismatchKind.NOT_RELEASED,
    Unsafe.EXPIRED: MismatchKind.EXPIRED,
}
TOWARDS_PATIENT = (Release, ConditionalRelease, Issue, Thaw, Administer)


def expected_unsafe(state, *, held, donor, now, needs_release=True):
    """The oracle: what makes a unit unsafe to move towards a patient at `now`."""
    found = set()
    if held:
        found.add(Unsafe.ON_HOLD)
    if donor is not None and donor is not E.ELIGIBLE:
        found.add(Unsafe.DONOR_NOT_ELIGIBLE)
    released = state.status in {S.RELEASED, S.CONDITIONALLY_RELEASED, S.ISSUED, S.THAWED}
    if needs_release and not (released and state.release_approver):
        found.add(Unsafe.NOT_RELEASED)
    if now >= state.expires_at:
        found.add(Unsafe.EXPIRED)
    return found


class UnitLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.now = START
        self.units = {}  # unit id -> stored state (status and fields the lab keeps)
        self.codes = {}  # unit id -> Product Code
        self.lot_of = {}  # unit id -> lot (the received unit it was divided from)
        self.donor_of = {}  # unit id -> donor id, None for autologous
        self.qc_passed = {}  # unit id -> every QC test but sterility passed
        self.donors = {"D1": E.ELIGIBLE, "D2": E.ELIGIBLE}
        self.held_lots = set()
        self.given = []  # (unit id, unsafe reasons found by the oracle at that moment)
        self.received = 0

    # What the web layer does before every step: read the donor and the hold afresh.
    def current(self, unit_id):
        donor = self.donor_of[unit_id]
        eligibility = None if donor is None else self.donors[donor]
        held = self.lot_of[unit_id] in self.held_lots
        state = replace(
            self.units[unit_id],
            donor_eligibility=eligibility,
            hold_reason="investigation of the lot is open" if held else "",
        )
        return state, held, eligibility

    def step(self, unit_id, custody):
        state, held, donor = self.current(unit_id)
        needs_release = not isinstance(custody, (Release, ConditionalRelease))
        unsafe = expected_unsafe(
            state, held=held, donor=donor, now=self.now, needs_release=needs_release
        )
        if isinstance(custody, TOWARDS_PATIENT) and unsafe:
            event(f"{type(custody).__name__} tried while " + ", ".join(sorted(unsafe)))
        try:
            after = transition(state, custody, at=self.now)
        except TransitionRefused as refused:
            event(f"{type(custody).__name__} refused" + (" as unsafe" if refused.problems else ""))
            if refused.problems:
                assert {p.kind for p in refused.problems} == unsafe, str(refused)
                for kind in unsafe:
                    assert SAID[kind] in str(refused), (kind, str(refused))
            return None
        if isinstance(custody, TOWARDS_PATIENT):
            assert not unsafe, f"{type(custody).__name__} of an unsafe unit: {unsafe}"
        if isinstance(custody, Administer):
            self.given.append((unit_id, unsafe))
        event(f"{type(custody).__name__} done")
        self.units[unit_id] = replace(after, donor_eligibility=None, hold_reason="")
        return after

    def unit_ids(self, statuses=None):
        ids = sorted(self.units)
        return [u for u in ids if statuses is None or self.units[u].status in statuses]

    def pick(self, data, statuses):
        """Draw a unit, mostly one in `statuses` so that runs go deep, sometimes any unit."""
        fitting = self.unit_ids(statuses)
        if fitting and data.draw(st.integers(min_value=0, max_value=4)):
            return data.draw(st.sampled_from(fitting))
        return data.draw(st.sampled_from(self.unit_ids()))

    @initialize()
    def receive_the_first_units(self):
        # A fresh and a cryopreserved unit of an allogeneic donor, so that a donor re-opened
        # after issue meets both the administration and the thaw.
        self.receive("D1", shelf_life_hours=120, cryopreserved=False)
        self.receive("D1", shelf_life_hours=120, cryopreserved=True)

    @rule(
        donor=st.sampled_from(["D1", "D2", None]),
        shelf_life_hours=st.integers(min_value=1, max_value=240),
        cryopreserved=st.booleans(),
    )
    def receive(self, donor, shelf_life_hours, cryopreserved):
        self.received += 1
        unit_id = f"{DIN.din}-{self.received}"
        state = UnitState(
            unit_id=unit_id,
            status=S.COLLECTED,
            expires_at=self.now + timedelta(hours=shelf_life_hours),
            is_cryopreserved=cryopreserved,
            max_post_thaw_hold_minutes=60 if cryopreserved else None,
        )
        self.units[unit_id] = state
        self.codes[unit_id] = ProductCode("S1128", "V" if donor else "1")
        self.lot_of[unit_id] = unit_id
        self.donor_of[unit_id] = donor
        self.qc_passed[unit_id] = False
        self.step(unit_id, BeginProcessing(actor="lab"))
        self.step(unit_id, PlaceInQuarantine(actor="lab", reason="awaiting QC"))

    @rule(data=st.data(), passed=st.sampled_from([True, True, True, False]))
    def record_qc(self, data, passed):
        self.qc_passed[self.pick(data, {S.QUARANTINE})] = passed

    def evaluation(self, unit_id):
        """The release evaluation (products.release): sterility decides full or conditional."""
        sterility = self.units[unit_id].sterility
        if not self.qc_passed[unit_id] or sterility is Sterility.POSITIVE:
            return ReleaseOutcome.NOT_RELEASABLE
        if sterility is Sterility.NEGATIVE:
            return ReleaseOutcome.FULL
        return ReleaseOutcome.CONDITIONAL_PENDING_STERILITY

    # Cultures are mostly negative; a positive one stops the unit for good.
    @rule(data=st.data(), result=st.sampled_from([Sterility.NEGATIVE] * 3 + [Sterility.POSITIVE]))
    def record_sterility(self, data, result):
        unit_id = data.draw(st.sampled_from(self.unit_ids()))
        self.step(unit_id, RecordSterility(actor="lab", result=result))

    @rule(data=st.data(), as_evaluated=st.integers(min_value=0, max_value=4))
    def release(self, data, as_evaluated):
        unit_id = self.pick(data, {S.QUARANTINE})
        evaluation = self.evaluation(unit_id)
        # Mostly the release the QC evaluation allows; sometimes the other one.
        conditional = evaluation is ReleaseOutcome.CONDITIONAL_PENDING_STERILITY
        if not as_evaluated:
            conditional = not conditional
        if conditional:
            event = ConditionalRelease(
                actor="qp", approver="Dr QP", reason="fresh product", evaluation=evaluation
            )
        else:
            event = Release(actor="qp", approver="Dr QP", evaluation=evaluation)
        self.step(unit_id, event)

    @rule(data=st.data(), issue_to=st.sampled_from(TARGETS))
    def issue(self, data, issue_to):
        unit_id = self.pick(data, {S.RELEASED, S.CONDITIONALLY_RELEASED})
        self.step(unit_id, Issue(actor="lab", target=issue_to))

    @rule(data=st.data(), count=st.integers(min_value=1, max_value=4))
    def split(self, data, count):
        unit_id = self.pick(data, {S.QUARANTINE, S.RELEASED, S.CONDITIONALLY_RELEASED})
        state, _, _ = self.current(unit_id)
        try:
            parts = divide_unit(state, self.codes[unit_id], count)
        except DivisionRefused:
            return
        for part in parts:
            # Each part keeps the DIN: same lot, same donor, same safety state.
            assert part.state.unit_id.startswith(self.lot_of[unit_id])
            self.units[part.state.unit_id] = replace(
                part.state, donor_eligibility=None, hold_reason=""
            )
            self.codes[part.state.unit_id] = part.product_code
            self.lot_of[part.state.unit_id] = self.lot_of[unit_id]
            self.donor_of[part.state.unit_id] = self.donor_of[unit_id]
            self.qc_passed[part.state.unit_id] = self.qc_passed[unit_id]
        self.step(unit_id, Discard(actor="lab", reason="divided"))

    @rule(data=st.data(), held=st.booleans())
    def hold_or_clear_lot(self, data, held):
        lot = self.lot_of[data.draw(st.sampled_from(self.unit_ids()))]
        if held:
            self.held_lots.add(lot)
        else:
            self.held_lots.discard(lot)

    @rule(data=st.data(), recalled=st.integers(min_value=0, max_value=3))
    def recall(self, data, recalled):
        # A recall ends a unit for good, so it comes one time in four.
        if recalled == 0:
            unit_id = data.draw(st.sampled_from(self.unit_ids()))
            self.step(unit_id, Recall(actor="qp", reason="lot recalled"))

    @rule(donor=st.sampled_from(["D1", "D2"]))
    def reopen_donor(self, donor):
        # e.g. "HIV-1 NAT reactive confirmed" after units were issued.
        try:
            decided = determine_donor(self.donors[donor], Reopen(reason="HIV-1 NAT reactive"))
        except DonorDeterminationRefused:
            return
        self.donors[donor] = decided.status

    @rule(donor=st.sampled_from(["D1", "D2"]), reactive=st.booleans())
    def decide_donor(self, donor, reactive):
        results = CLEAN + ((HIV_REACTIVE,) if reactive else ())
        outcome = E.INELIGIBLE if reactive else E.ELIGIBLE
        event = Determine(
            outcome=outcome,
            determined_by="Dr RP",
            reason="HIV-1 NAT reactive confirmed" if reactive else "",
            donation=DONATION,
            results=results,
        )
        try:
            decided = determine_donor(self.donors[donor], event)
        except DonorDeterminationRefused:
            return
        self.donors[donor] = decided.status

    @rule(data=st.data(), news=st.sampled_from(["hold", "reopen", "ineligible", "expiry"]))
    def news_about_a_unit_on_its_way(self, data, news):
        self.news(self.pick(data, {S.ISSUED, S.THAWED, S.RELEASED}), news)

    def news(self, unit_id, news):
        """What can happen between issue and the bedside: a lot held, a donor re-opened or
        found ineligible, the unit's expiry passing."""
        donor = self.donor_of[unit_id]
        if news == "hold":
            self.held_lots.add(self.lot_of[unit_id])
        elif news == "expiry":
            self.now = max(self.now, self.units[unit_id].expires_at)
        elif donor is not None and news == "reopen":
            self.reopen_donor(donor)
        elif donor is not None:
            self.decide_donor(donor, reactive=True)

    @rule(hours=st.integers(min_value=1, max_value=48))
    def pass_time(self, hours):
        self.now += timedelta(hours=hours)

    @rule(data=st.data())
    def expire(self, data):
        self.step(data.draw(st.sampled_from(self.unit_ids())), Expire(actor="system"))

    @rule(data=st.data())
    def thaw(self, data):
        self.step(self.pick(data, {S.ISSUED}), Thaw(actor="nurse"))

    @rule(
        data=st.data(),
        issue_to=st.sampled_from(TARGETS),
        until=st.sampled_from(["release", "issue", "thaw", "administer"]),
        news=st.sampled_from([None, "hold", "reopen", "ineligible", "expiry"]),
    )
    def care_pathway(self, data, issue_to, until, news):
        """Take a unit as far as it goes towards a patient now (QC, release, issue, thaw, give),
        or `until` a step; `news` may come between issue and the bedside."""
        unit_id = self.pick(data, {S.QUARANTINE, S.RELEASED, S.CONDITIONALLY_RELEASED, S.ISSUED})
        if self.units[unit_id].status is S.QUARANTINE:
            self.qc_passed[unit_id] = True
            evaluation = self.evaluation(unit_id)
            if evaluation is ReleaseOutcome.CONDITIONAL_PENDING_STERILITY:
                event = ConditionalRelease(
                    actor="qp", approver="Dr QP", reason="fresh product", evaluation=evaluation
                )
            else:
                event = Release(actor="qp", approver="Dr QP", evaluation=evaluation)
            if self.step(unit_id, event) is None or until == "release":
                return
        if self.units[unit_id].status in RELEASED_STATES:
            if self.step(unit_id, Issue(actor="lab", target=issue_to)) is None or until == "issue":
                return
        if news is not None:
            self.news(unit_id, news)
        state = self.units[unit_id]
        if state.is_cryopreserved and state.status is S.ISSUED:
            if self.step(unit_id, Thaw(actor="nurse")) is None or until == "thaw":
                return
        state = self.units[unit_id]
        if state.issued_to is not None:
            self.step(unit_id, Administer(actor="dr", target=state.issued_to))

    @rule(data=st.data())
    def bedside_check(self, data):
        at_the_bedside = self.unit_ids({S.ISSUED, S.THAWED})
        if not at_the_bedside:
            return
        unit_id = data.draw(st.sampled_from(at_the_bedside))
        state, held, donor = self.current(unit_id)
        target = state.issued_to
        issued = IssuedUnit(DIN, state, PATIENTS[target.patient_id])
        patient = issued.patient
        presented = PresentedPatient(name=patient.name, date_of_birth=patient.date_of_birth)
        result = verify_bedside(
            issued, DIN.barcode_data, presented, joint=target.joint, side=target.side, now=self.now
        )
        unsafe = expected_unsafe(state, held=held, donor=donor, now=self.now)
        assert result.kinds & set(BEDSIDE_KIND.values()) == {BEDSIDE_KIND[k] for k in unsafe}
        if unsafe:
            assert not result.passed

    @rule(data=st.data(), right_target=st.booleans())
    def administer(self, data, right_target):
        unit_id = self.pick(data, {S.ISSUED, S.THAWED})
        issued_to = self.units[unit_id].issued_to
        target = issued_to if right_target and issued_to else TARGETS[0]
        self.step(unit_id, Administer(actor="dr", target=target))

    @invariant()
    def no_unsafe_unit_was_ever_administered(self):
        for unit_id, unsafe in self.given:
            assert not unsafe, (unit_id, unsafe)
            assert self.units[unit_id].status is S.ADMINISTERED

    @invariant()
    def a_unit_past_expiry_shows_expired_until_it_is_in_a_patient(self):
        for state in self.units.values():
            shown = effective_status(state, self.now)
            if self.now >= state.expires_at and state.status in {S.RELEASED, S.ISSUED}:
                assert shown is S.EXPIRED
            if state.status is S.ADMINISTERED:
                assert shown is S.ADMINISTERED


# On the suite's profile (derandomised in CI). 300 short runs found, every time, the gap this
# machine was written for (thaw and administration not asking about the donor) when that gap
# was put back by hand; about five seconds on one core.
UnitLifecycle.TestCase.settings = settings(
    settings.default, max_examples=300, stateful_step_count=25
)
TestUnitLifecycle = UnitLifecycle.TestCase
