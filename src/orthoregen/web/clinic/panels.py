"""Facts other pathway stages show in a joint episode's block on the patient page.

An app contributes by defining `episode_panels(episodes)` on its AppConfig, returning
{episode id: [{"label": …, "value": …}, …]} for the episodes given, in one or two queries.
The clinic app then shows the decision, the latest scores and so on without importing them.
"""

from __future__ import annotations

from django.apps import apps


def episode_panels(episodes: list) -> dict[int, list[dict]]:
    """Collect every app's panel lines for a patient's episodes, in pathway order."""
    panels: dict[int, list[dict]] = {episode.pk: [] for episode in episodes}
    for config in apps.get_app_configs():
        if contribute := getattr(config, "episode_panels", None):
            for episode_id, lines in contribute(episodes).items():
                panels.setdefault(episode_id, []).extend(lines)
    return panels
