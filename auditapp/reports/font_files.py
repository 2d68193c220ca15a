"""The fonts shipped with auditapp, in `fonts/` beside this module (licences in `fonts/LICENSE`).

DejaVu Sans draws the PDF reports; WenQuanYi Micro Hei (face 0 of its collection) is the fallback for
Chinese, Japanese and Korean text, in the reports and in both apps' pages (ADR 0090 addendum). In the apps,
DejaVu Sans is a fallback too, for the scripts Roboto lacks (ADR 0094).
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).with_name("fonts")
CJK_FAMILY = "WenQuanYi"
CJK_FILE = FONT_DIR / "wqy-microhei.ttc"
"""CJK ideographs, kana and Hangul, with Latin: face 0 of the collection is WenQuanYi Micro Hei."""
DEJAVU_FAMILY = "DejaVu Sans"
DEJAVU_FILE = FONT_DIR / "DejaVuSans.ttf"
"""The reports' own font; in the apps the fallback for the scripts Roboto lacks (Hebrew, Arabic, Armenian,
Georgian)."""
