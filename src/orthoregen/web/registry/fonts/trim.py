"""Make the progress report's fonts from DejaVu Sans: every letter, none of the symbols.

    .venv/bin/python src/orthoregen/web/registry/fonts/trim.py /usr/share/fonts/truetype/dejavu

fpdf2 reads the whole font file for every PDF before embedding the letters used, and that
reading grows with the number of glyphs: the full DejaVu Sans (about 6,000) cost about
0.1 s per report. Names need letters, marks, digits and punctuation, not DejaVu's box
drawing, Braille, arrows, dingbats or mathematical signs, so those are left out (about
3,700 glyphs remain), with the hinting instructions (screens and printers draw PDF text
well without them) and the OpenType layout tables fpdf2 uses only when it shapes text
through HarfBuzz, which the report does not. Every glyph kept is DejaVu's own, unchanged;
the licence (LICENSE.txt beside this file) allows this under the DejaVu name.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
# Unicode general categories kept: letters, marks, numbers, punctuation, spaces, currency
# and modifier symbols (spacing accents). Latin-1 is kept whole.
KEPT_CATEGORIES = ("L", "M", "N", "P", "Zs", "Sc", "Sk")


def is_kept(code_point: int) -> bool:
    if code_point < 0x100:
        return True
    if 0xE000 <= code_point <= 0xF8FF or code_point > 0xFFFF:
        return False  # private use (DejaVu's own symbols); mathematical letters (𝐀, 𝔄)
    return unicodedata.category(chr(code_point)).startswith(KEPT_CATEGORIES)


def trim(source: Path, target: Path) -> int:
    """Write the trimmed font to `target`; return how many characters it keeps."""
    font = TTFont(source, recalcTimestamp=False)  # the same bytes on every run
    kept = [code for code in font.getBestCmap() if is_kept(code)]
    options = subset.Options()
    options.hinting = False
    options.legacy_kern = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "hdmx", "MATH"]
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright, licence and version records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=kept)
    subsetter.subset(font)
    font.save(target)
    return len(kept)


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu")
    for face in FACES:
        kept = trim(source / face, Path(__file__).with_name(face))
        print(f"{face}: {kept} characters")


if __name__ == "__main__":
    main()
