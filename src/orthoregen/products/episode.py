"""Who and where a unit is for: patient, joint episode, joint and side.

Values match the clinic vocabulary of the web layer ("knee", "left"...), so a StrEnum member
compares equal to the stored text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Joint(StrEnum):
    KNEE = "knee"
    HIP = "hip"
    SHOULDER = "shoulder"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


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
