"""A stored protocol is decoded once per process while its definition stays as stored."""

import pytest

from orthoregen.scheduling import protocol as core
from orthoregen.scheduling.protocol import DEFAULT_PROTOCOL, protocol_from_json, protocol_to_json
from orthoregen.web.followup.models import schedule
from orthoregen.web.followup.models.schedule import ScheduleProtocolVersion, decoded_protocol

pytestmark = pytest.mark.django_db


@pytest.fixture
def decodes(monkeypatch):
    """Count the core's decodes, starting from an empty process cache."""
    schedule._decoded.cache_clear()
    counted = []

    def counting(data):
        counted.append(data)
        return core.protocol_from_json(data)

    monkeypatch.setattr(schedule, "protocol_from_json", counting)
    yield counted
    schedule._decoded.cache_clear()


def test_a_version_read_again_is_not_decoded_again(decodes):
    definition = protocol_to_json(DEFAULT_PROTOCOL)
    version = ScheduleProtocolVersion(version="v-test", definition=definition)
    first = version.as_protocol()
    again = ScheduleProtocolVersion(version="v-test", definition=protocol_to_json(DEFAULT_PROTOCOL))
    assert again.as_protocol() is first and first == protocol_from_json(definition)
    assert len(decodes) == 1


def test_an_edited_draft_is_decoded_anew(decodes):
    definition = protocol_to_json(DEFAULT_PROTOCOL)
    before = decoded_protocol(definition)
    visit = definition["visits"][-1]
    edited = {**definition, "visits": [*definition["visits"][:-1],
                                       {**visit, "days_after": visit["days_after"] + 7}]}
    after = decoded_protocol(edited)
    assert after.visits[-1].days_after == before.visits[-1].days_after + 7
    assert len(decodes) == 2


def test_a_broken_definition_is_refused_every_time_and_never_kept(decodes):
    broken = {**protocol_to_json(DEFAULT_PROTOCOL), "visits": "not a list"}
    for _ in range(2):
        with pytest.raises((TypeError, ValueError)):
            decoded_protocol(broken)
    assert len(decodes) == 2
