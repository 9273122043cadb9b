"""System checks of instrument text packs and licences.

orthoregen.E004  a text pack (shipped or installed) does not match its instrument
orthoregen.W005  a site's current licence has no usable text pack in the site language

Each id is explained, with its fix, in docs/system-checks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils import timezone

from orthoregen.instruments.errors import TextPackError
from orthoregen.instruments.textpacks import SHIPPED_DIR, load_text_pack, text_pack_for
from orthoregen.web.accounts.checks import stored_rows
from orthoregen.web.accounts.models import InstrumentLicence
from orthoregen.web.followup.questionnaires import text_language, text_pack_dirs

LOAD_TEXT_HINT = (
    "Fix or remove the file, then install the clinic's pack again with "
    "`orthoregen instruments load-text FILE`, which checks it first."
)



def installed_text_pack_directories() -> list[Path]:
    """Return where clinics install text packs, as the questionnaires read them."""
    return [Path(directory) for directory in text_pack_dirs()]


@register("orthoregen")
def text_packs_check(app_configs: Sequence[AppConfig] | None = None,
                     **kwargs: Any) -> list[CheckMessage]:
    """Report every text pack file that does not match its instrument (orthoregen.E004)."""
    return [message for directory in [*installed_text_pack_directories(), SHIPPED_DIR]
            for path in sorted(directory.glob("*.json"))
            for message in text_pack_messages(path)]


def text_pack_messages(path: Path) -> list[CheckMessage]:
    """Check one pack file as `instruments load-text` does, and that it is found by its name."""
    try:
        pack = load_text_pack(path)
    except TextPackError as error:
        return [Error(f"Text pack {error}", hint=LOAD_TEXT_HINT, id="orthoregen.E004")]
    if path.name != pack.file_name:
        # Questionnaires look a pack up by its file name, so this one would give one
        # instrument's items the wording of another.
        return [Error(f"Text pack {path}: holds {pack.instrument_id} in language "
                      f"{pack.language!r}, so it must be named {pack.file_name}",
                      hint=LOAD_TEXT_HINT, id="orthoregen.E004")]
    return []


@register("orthoregen", Tags.database)
def licensed_text_packs_check(app_configs: Sequence[AppConfig] | None = None,
                              databases: Sequence[str] | None = None,
                              **kwargs: Any) -> list[CheckMessage]:
    """Warn of a current licence whose instrument has no usable text pack (orthoregen.W005)."""
    today = timezone.localdate()
    language = text_language()
    directories = installed_text_pack_directories()
    messages: list[CheckMessage] = []
    for alias in databases or ():
        for licence in stored_rows(InstrumentLicence.objects.select_related("site"), alias):
            if licence.is_current(today) and not _has_text_pack(licence.instrument_id,
                                                                language, directories):
                messages.append(Warning(
                    f"{licence.site.name} holds a current licence for {licence.instrument_id} "
                    f"({licence.licence_reference}), but no valid text pack "
                    f"{licence.instrument_id}.{language}.json is installed, so its "
                    "questionnaires cannot be sent to patients and staff must enter them.",
                    hint="Install the licensed wording with `orthoregen instruments load-text`.",
                    obj=licence, id="orthoregen.W005"))
    return messages


def _has_text_pack(instrument_id: str, language: str, directories: list[Path]) -> bool:
    try:
        return text_pack_for(instrument_id, language, directories) is not None
    except TextPackError:  # reported by orthoregen.E004
        return False
