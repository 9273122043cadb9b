"""Who and where a unit is for: patient, joint episode, joint and side.

Joint and side are the clinic vocabulary (``orthoregen.vocabulary``), so a member compares
equal to the stored text; they stay importable from here for the products and scheduling
code that reads them with an issue target.
"""

from __future__ import annotations

from dataclasses import dataclass

from orthoregen.vocabulary import Joint, Side

__all__ = ["IssueTarget", "Joint", "Side"]


@dataclass(frozen=True)
class IssueTarget:
    """The one patient, joint episode, joint and side a unit is issued to."""

    patient_id: str
    episode_id: str
    joint: Joint
    side: Side

    def __post_init__(self) -> None:
        # Form and database values arrive as text; unknown joints or sides fail here.
        object.__setattr__(self, "joint", Joint(self.joint))
        object.__setattr__(self, "side", Side(self.side))

    def describe(self) -> str:
        return f"patient {self.patient_id}, episode {self.episode_id}, {self.side} {self.joint}"
