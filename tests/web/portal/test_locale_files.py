"""The committed Spanish catalogue: complete, without fuzzy entries, and compiled.

CI has no gettext tools, so the compiled django.mo is committed beside django.po; these
tests fail when one is edited without the other (docs/translations.md#adding-or-changing-text).
"""

import ast
import gettext
import re
from pathlib import Path

import orthoregen.web

LC_MESSAGES = Path(orthoregen.web.__file__).parent / "locale" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}|\$\w+")


def po_entries(path: Path) -> list[dict]:
    """Read a .po file's entries: msgctxt, msgid, msgstr and flags (a minimal parser)."""
    entries, entry, key = [], {"flags": set()}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, quoted = line.partition(" ")
            entry[key] = ast.literal_eval(quoted)
    return entries


ENTRIES = po_entries(LC_MESSAGES / "django.po")
MESSAGES = [e for e in ENTRIES if e["msgid"]]  # without the header


def test_the_catalogue_is_not_empty_and_has_a_spanish_header():
    header = next(e for e in ENTRIES if not e["msgid"])
    assert "Language: es\n" in header["msgstr"] and "fuzzy" not in header["flags"]
    assert len(MESSAGES) > 50


def test_every_message_has_a_spanish_translation_and_none_is_fuzzy():
    assert [e["msgid"] for e in MESSAGES if not e["msgstr"].strip()] == []
    assert [e["msgid"] for e in ENTRIES if "fuzzy" in e["flags"]] == []


def test_each_translation_keeps_its_placeholders():
    # A dropped %(joint)s or $link would lose the joint or the link in the Spanish message.
    assert [e["msgid"] for e in MESSAGES
            if sorted(PLACEHOLDER.findall(e["msgid"])) != sorted(PLACEHOLDER.findall(e["msgstr"]))
            ] == []


def test_the_compiled_catalogue_matches_the_po_file():
    with (LC_MESSAGES / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in MESSAGES:
        if "msgctxt" in entry:
            assert catalogue.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert catalogue.gettext(entry["msgid"]) == entry["msgstr"]
    # Nothing compiled that the .po no longer has (GNUTranslations keeps a plain dict).
    compiled_ids = {key for key in catalogue._catalog if key}  # type: ignore[attr-defined]
    po_ids = {f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
              for e in MESSAGES}
    assert compiled_ids == po_ids
