"""Item wording and response labels, kept apart from scoring because wording may be licensed.

A text pack is one JSON file per instrument and language (`<instrument>.<language>.json`):

    {"instrument": "sane", "language": "en", "title": "…", "instructions": "…",
     "source": "optional: where a licensed text came from",
     "items": {"SANE": {"text": "…", "options": {"0": "…", "100": "…"}}}}

Every item of the definition and every one of its labelled codes must be present, and
nothing else. Packs ship only for instruments whose licence allows it
(docs/instruments.md#licences-and-item-wording);
a clinic installs its licensed KOOS/HOOS/WOMAC/Oxford pack with `install_text_pack`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orthoregen.instruments.definitions import Instrument, format_code
from orthoregen.instruments.errors import TextPackError, UnknownInstrumentError
from orthoregen.instruments.registry import get_instrument

SHIPPED_DIR = Path(__file__).parent / "text"
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")  # e.g. en, fr, pt-BR
REQUIRED_KEYS = {"instrument", "language", "title", "instructions", "items"}
OPTIONAL_KEYS = {"source"}


@dataclass(frozen=True)
class ItemText:
    item_id: str
    text: str
    options: tuple[tuple[str, str], ...]  # (code as written, label)

    def label(self, code: float) -> str:
        """Return the label of a response code."""
        return dict(self.options)[format_code(code)]


@dataclass(frozen=True)
class TextPack:
    instrument_id: str
    language: str
    title: str
    instructions: str
    items: tuple[ItemText, ...]
    source: str = ""

    def item(self, item_id: str) -> ItemText:
        """Return the wording of one item."""
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def file_name(self) -> str:
        return f"{self.instrument_id}.{self.language}.json"


def load_text_pack(path: str | Path) -> TextPack:
    """Read a text pack file and check it against its instrument's definition."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TextPackError(f"{path}: cannot be read ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TextPackError(f"{path}: not valid UTF-8 JSON ({error})") from None
    return parse_text_pack(data, source=str(path))


def parse_text_pack(data: object, source: str = "text pack") -> TextPack:
    """Check decoded JSON against the instrument definition; name every problem found."""
    if not isinstance(data, dict):
        raise TextPackError(f"{source}: a text pack is a JSON object")
    problems = _top_level_problems(data)
    instrument = None
    if isinstance(data.get("instrument"), str):
        try:
            instrument = get_instrument(data["instrument"])
        except UnknownInstrumentError as error:
            problems.append(str(error))
    if instrument is not None and isinstance(data.get("items"), dict):
        problems += _item_problems(instrument, data["items"])
    if problems:
        raise TextPackError(f"{source}: " + "; ".join(problems))
    assert instrument is not None
    items = tuple(
        ItemText(
            item.id,
            data["items"][item.id]["text"],
            tuple(
                (format_code(code), data["items"][item.id]["options"][format_code(code)])
                for code in item.options
            ),
        )
        for item in instrument.items
    )
    return TextPack(
        instrument.id,
        data["language"],
        data["title"],
        data["instructions"],
        items,
        data.get("source", ""),
    )


def _top_level_problems(data: dict[str, object]) -> list[str]:
    problems = [f"missing key {key!r}" for key in sorted(REQUIRED_KEYS - data.keys())]
    problems += [
        f"unexpected key {key!r}" for key in sorted(data.keys() - REQUIRED_KEYS - OPTIONAL_KEYS)
    ]
    for key in sorted((REQUIRED_KEYS | OPTIONAL_KEYS) - {"items"}):
        if key in data and not _is_text(data[key]):
            problems.append(f"{key!r} must be a non-empty string")
    language = data.get("language")
    if isinstance(language, str) and language.strip() and not LANGUAGE_TAG.match(language):
        problems.append(f"language {language!r} is not a tag such as 'en' or 'pt-BR'")
    if "items" in data and not isinstance(data["items"], dict):
        problems.append("'items' must be an object keyed by item id")
    return problems


def _item_problems(instrument: Instrument, items: dict[str, object]) -> list[str]:
    problems = [
        f"item {item_id!r} is not in {instrument.id}"
        for item_id in items
        if item_id not in instrument.item_index
    ]
    for item in instrument.items:
        entry = items.get(item.id)
        if entry is None:
            problems.append(f"item {item.id!r} is missing")
            continue
        if not isinstance(entry, dict) or set(entry) != {"text", "options"}:
            problems.append(f"item {item.id!r} must have exactly 'text' and 'options'")
            continue
        if not _is_text(entry["text"]):
            problems.append(f"item {item.id!r} text must be a non-empty string")
        options = entry["options"]
        if not isinstance(options, dict):
            problems.append(f"item {item.id!r} options must be an object keyed by code")
            continue
        expected = [format_code(code) for code in item.options]
        problems += [
            f"item {item.id!r} is missing option {code}" for code in expected if code not in options
        ]
        problems += [
            f"item {item.id!r} has unexpected option {code!r}"
            for code in options
            if code not in expected
        ]
        problems += [
            f"item {item.id!r} option {code} label must be a non-empty string"
            for code, label in options.items()
            if code in expected and not _is_text(label)
        ]
    return problems


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def install_text_pack(path: str | Path, directory: str | Path) -> Path:
    """Validate a text pack and copy it into `directory` as `<instrument>.<language>.json`.

    The copy is written to a temporary file and renamed, so a reader never sees half a pack.
    """
    pack = load_text_pack(path)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / pack.file_name
    content = Path(path).read_text(encoding="utf-8")
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False
    ) as handle:
        handle.write(content)
    os.replace(handle.name, destination)
    return destination


def text_pack_for(
    instrument_id: str, language: str, extra_dirs: Iterable[str | Path] = ()
) -> TextPack | None:
    """Return the pack for an instrument and language, or None when there is no text.

    Directories given by the caller (a clinic's installed packs) are searched before the
    packs shipped with the code. Without text a questionnaire cannot be sent to a patient.
    """
    for directory in (*map(Path, extra_dirs), SHIPPED_DIR):
        candidate = directory / f"{instrument_id}.{language}.json"
        try:
            found = candidate.stat()
        except OSError:  # not there (or not readable, which load_text_pack would report)
            continue
        if stat.S_ISREG(found.st_mode):
            return _pack_as_stored(str(candidate), found.st_ino, found.st_mtime_ns,
                                   found.st_size)
    return None


@functools.lru_cache(maxsize=256)
def _pack_as_stored(path: str, inode: int, mtime_ns: int, size: int) -> TextPack:
    """Read and check a pack once per process while its file stays as it was.

    Every questionnaire page asks for its packs, and reading and checking one against its
    instrument cost more than the rest of the lookup. A pack installed since
    (install_text_pack writes a new file and renames it over the old) has a new inode and
    time, so it is read anew; a pack that fails its checks is never kept.
    """
    return load_text_pack(path)


def shipped_text_packs() -> tuple[Path, ...]:
    """Return the text pack files distributed with the code."""
    return tuple(sorted(SHIPPED_DIR.glob("*.json")))
