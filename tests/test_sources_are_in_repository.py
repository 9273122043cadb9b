"""Every source the repository cites can be followed inside the repository.

Citations name a primary source (paper and DOI, guide and section, standard and section) or a
page of docs/. A reference to a research note kept outside the repository (instruments.md,
cell_products.md, evidence.md, standards.md, PRODUCT.md, STYLE.md, the seed article,
evidence-arms, anything under shared/) or to a numbered issue leads a reader nowhere, so it
fails here with file:line. docs/instruments.md and docs/evidence.md are pages of this
repository: a path that resolves to a file in it is allowed. Every docs/<page>.md#<anchor>
must name a heading of that page (GitHub's anchor of the heading).
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

NOTE_NAMES = r"instruments|cell_products|evidence|standards|PRODUCT|STYLE"
# A path-like token ending in a note's name, a seed-article or evidence-arms file, or any path
# under shared/. The token is resolved before it is judged, so docs/evidence.md passes.
NOTE_PATH = re.compile(
    rf"[\w./-]*(?<![\w-])(?:(?:{NOTE_NAMES})\.md|seed[- ]article[\w.]*|evidence-arms[\w.]*)"
    r"|(?<![\w.-])shared/[\w./-]*"
)
ISSUE = re.compile(r"\b[Ii]ssue #?\d+")
DOCS_ANCHOR = re.compile(r"\bdocs/([\w-]+\.md)#([\w-]+)")
MARKDOWN_LINK = re.compile(r"\]\(([\w-]+\.md)?#([\w-]+)\)")

# The web layer, its tests and the README, checked by a test of their own so that a failure
# says which part of the repository it is in.
WEB_LAYER = ("src/orthoregen/web/", "tests/web/", "README.md")


@cache
def tracked_text_files() -> tuple[Path, ...]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    files = []
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return tuple(files)


def _resolves(token: str, cited_in: Path) -> bool:
    """Say whether a cited path names a file inside the repository."""
    token = token.rstrip(".")
    if not token or token.startswith("/") or " " in token:
        return False
    for base in (cited_in.parent, ROOT):
        candidate = (base / token).resolve()
        if candidate.is_file() and ROOT in candidate.parents:
            return True
    return False


def unresolved_references(path: Path) -> list[str]:
    """Return file:line and the text of each reference in `path` that leads outside."""
    relative = path.relative_to(ROOT)
    found = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        bad = [m.group(0) for m in NOTE_PATH.finditer(line) if not _resolves(m.group(0), path)]
        bad += [m.group(0) for m in ISSUE.finditer(line)]
        found += [f"{relative}:{number}: {text}" for text in bad]
    return found


def github_anchor(heading: str) -> str:
    """Return GitHub's anchor of a Markdown heading: lower case, punctuation out, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    result = set()
    in_code = False
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"#{1,6} (.+)", line)
        if match:
            slug = github_anchor(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            result.add(slug if count == 0 else f"{slug}-{count}")
    return frozenset(result)


def broken_anchors(path: Path) -> list[str]:
    relative = path.relative_to(ROOT)
    found = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        targets = [(ROOT / "docs" / page, anchor) for page, anchor in DOCS_ANCHOR.findall(line)]
        if path.suffix == ".md":
            targets += [(path.parent / page if page else path, anchor)
                        for page, anchor in MARKDOWN_LINK.findall(line)]
        for page, anchor in targets:
            if not page.is_file() or anchor not in anchors(page):
                found.append(f"{relative}:{number}: {page.name}#{anchor}")
    return found


SELF = Path(__file__).resolve()


def _in_web_layer(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(relative == p or relative.startswith(p) for p in WEB_LAYER)


def test_sources_are_in_repository():
    problems = [
        problem
        for path in tracked_text_files()
        if not _in_web_layer(path) and path != SELF  # this file names the notes to catch them
        for problem in unresolved_references(path)
    ]
    assert not problems, "cited outside the repository:\n" + "\n".join(problems)


def test_docs_anchors_exist():
    problems = [problem for path in tracked_text_files() for problem in broken_anchors(path)]
    assert not problems, "no such heading:\n" + "\n".join(problems)


def test_sources_of_the_web_layer_are_in_repository():
    problems = [
        problem
        for path in tracked_text_files()
        if _in_web_layer(path)
        for problem in unresolved_references(path)
    ]
    assert not problems, "cited outside the repository:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Source: shared/cell_products.md 2.5", True),
        ("see cell_products.md §6.4", True),
        ("(instruments.md 3.1)", True),
        ("PRODUCT.md stage 4", True),
        ("the seed-article.txt claims", True),
        ("evidence-arms.json row", True),
        ("/work/shared/evidence.md section 4", True),
        ("issue 4: the procedure gate", True),
        ("docs/evidence.md#seed-library", False),
        ("docs/instruments.md#koos", False),
        ("USP <85>; 21 CFR 1271.85(a)", False),
        ("tissue 4 and the reissue", False),
    ],
)
def test_reference_patterns(text, bad):
    # The patterns themselves: a note outside is caught, a page of docs/ is not.
    probe = ROOT / "tests" / "probe.txt"
    found = [m.group(0) for m in NOTE_PATH.finditer(text) if not _resolves(m.group(0), probe)]
    found += ISSUE.findall(text)
    assert bool(found) is bad, found
