"""clinic.vocabulary.label shows what get_FOO_display() shows, in the active language.

It exists for speed (get_FOO_display translates every label of the field at each call), so
the words must stay the same: every joint and side, in English and in Spanish, and a value
that is none of the choices (that the words follow the active language:
tests/web/test_core_labels_translated.py).
"""

import pytest
from django.utils import translation

from orthoregen.web.clinic.models import JointEpisode
from orthoregen.web.clinic.vocabulary import Joint, Side, label
from orthoregen.web.followup.models import ScheduledVisit, VisitKind


@pytest.mark.parametrize("language", ["en", "es"])
def test_label_is_get_display_for_every_choice(language):
    with translation.override(language):
        for joint in Joint:
            for side in Side:
                episode = JointEpisode(joint=joint, side=side)
                assert label(Joint, joint) == episode.get_joint_display()
                assert label(Side, side) == episode.get_side_display()
                assert str(episode) == (f"{episode.get_side_display()} "
                                        f"{episode.get_joint_display().lower()}")
        for kind in VisitKind:
            assert label(VisitKind, kind) == ScheduledVisit(kind=kind).get_kind_display()


def test_label_of_a_value_that_is_no_choice_is_the_value():
    assert label(Joint, "elbow") == JointEpisode(joint="elbow").get_joint_display() == "elbow"

