"""No licensed item wording (KOOS, HOOS, WOMAC, Oxford, EQ-5D, PROMIS) is in the repository.

The phrases are stored as sha256 of their normalised words (lower case, letters and digits
only, single spaces), so this test does not itself contain the wording it looks for.
"""

import hashlib
import re
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]

# (which phrase, number of words, sha256 of the normalised phrase)
LICENSED_PHRASES = [
    ("KOOS S1 question", 7, "9e626ab208cef390231ed94ee2f4d25f1024694dc648e0f4f3f964cfebeab60f"),
    ("KOOS P1 question", 7, "03360d1e832fd2c0708a420f56b2a12e21322fd447642042d1b6aa9c9d4ab3a8"),
    ("KOOS Q1 question", 9, "e1d8c9f43ab32281295d71850206e7602ce6edc0cf88d8df81927dbde7479941"),
    ("KOOS S3 question", 9, "d87d419c5eeb32935dfd20333d9577168c4eb51985525de14f341875d45f4dcf"),
    ("KOOS S6 question", 13, "74653e9ae0cc9523772e2e4929e14851672e0151804eb21ca7d0bac36b2b72d0"),
    ("KOOS Q2 question", 14, "bc4a54d84d52b35af2a3671d4159ba8e43921e861a1895b478e3fc1eb1fa3421"),
    ("KOOS instructions", 9, "905ac2e2791e0854c0431c9c0a86dc1a2489e4a4e7828f5d066cc38429829e7f"),
    ("HOOS P1 question", 6, "353476708e5acfa53f70e51aef7cfe3aa266ca1ff23035bd8d3ff9157c00618c"),
    ("HOOS Q1 question", 9, "f9a3d2133b9b24e0ae8a182d7a9dcaf3be59263095aa542dc584572cdb449901"),
    ("HOOS instructions", 9, "6ce0d5251df5acb69d89e72d74d752a3b0471e24d12eb31ffc710a5e459e9884"),
    ("HOOS S2 question", 9, "05c302626cb79905c7864d4ef81106a1ce43b1efc79074a7c00d57e5beb8642c"),
    ("WOMAC pain stem", 12, "e865d17bdfdc1e2b5dec436446105d96227dcbc4e589a7116e054defc47b4c63"),
    ("WOMAC function stem", 12, "443b903d79ffba7c3c2020044b58257964dd81b8bb67da9b531e9ffa294e4233"),
    ("OKS 1 question", 12, "7aa73fa7b02da3bc0dbae2259987fb867338936a74ed0f47ce69f15a4fed76b0"),
    ("OHS 1 question", 12, "c9c1eb28304656f26f6f8f2497e5347f132b83c5c73acaf550b0b41e033c79c2"),
    ("OKS 7 question", 12, "0ce75329da06d42efb6c081d027ff5524f55c45bd9bece1dbd572ff66ac452da"),
    ("OKS 11 question", 9, "f6683fd1ebf82fddf35fd523fa08f21c45bcf3a01e962f887983db80937da7c6"),
    ("OSS worst pain", 12, "5a278e5e3b88d9378469ea35b1b619db8c55c08ca897dec5e1316c7d9c1f8cc6"),
    ("OKS 2 question", 16, "4a5942bd19defca2b287058b7a57553086f0652a8df78c73df0f5a860fac4f59"),
    ("EQ-5D-5L mobility level 1", 7,
     "242f4836e3e43749561a9a6228fb3fb1fe40c54a588d02dc13b59ccad6efd541"),
    ("PROMIS Global03 question", 9,
     "4d56847f7d5b0c9ec007dcaeedd93dad3ec74ebde0f9e617ce97afa5fc20c3f5"),
    ("PROMIS Global08r question", 8,
     "fa2b6785a6229fb705255b51a4e7dcca08b2431cf8436e18a3afc3b1fabd3a6a"),
]
TEXT_SUFFIXES = {".py", ".json", ".md", ".txt", ".html", ".csv", ".toml", ".js", ".yaml", ".yml"}


def normalised_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def found_phrases(text: str, phrases) -> set[str]:
    """Return the labels of the hashed phrases that occur in the text."""
    words = normalised_words(text)
    wanted = {(count, digest): label for label, count, digest in phrases}
    found = set()
    for count in {count for _, count, _ in phrases}:
        for start in range(len(words) - count + 1):
            window = " ".join(words[start : start + count]).encode()
            label = wanted.get((count, hashlib.sha256(window).hexdigest()))
            if label:
                found.add(label)
    return found


def repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [REPOSITORY / name for name in listed if Path(name).suffix in TEXT_SUFFIXES]


def test_scanner_finds_a_hashed_phrase_through_case_and_punctuation():
    digest = hashlib.sha256(b"orthoregen scanner self check phrase").hexdigest()
    text = "Intro.\nOrthoRegen   scanner: self-check\nphrase! More."
    assert found_phrases(text, [("self check", 5, digest)]) == {"self check"}
    assert found_phrases("orthoregen scanner check phrase", [("self check", 5, digest)]) == set()


def test_no_licensed_wording_in_the_repository():
    files = repository_files()
    assert any(path.suffix == ".json" for path in files)  # the scan does see the text packs
    hits = {}
    for path in files:
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        found = found_phrases(path.read_text(encoding="utf-8", errors="ignore"), LICENSED_PHRASES)
        if found:
            hits[str(path.relative_to(REPOSITORY))] = sorted(found)
    assert hits == {}
