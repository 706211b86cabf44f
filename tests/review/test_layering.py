"""The review layer is pure (no Qt) and the core never imports it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import recist_reader

CORE = Path(recist_reader.__file__).parent / "core"


def test_review_imports_no_qt_and_the_core_not_the_review():
    code = (
        "import sys, recist_reader.core.scoring, recist_reader.core.schema;"
        "core_only = [m for m in sys.modules if m.startswith('recist_reader.review')];"
        "import recist_reader.review, recist_reader.review.sample_study, recist_reader.review.schema;"
        "from recist_reader import review_reads, read_hash;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('napari', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'vispy', 'magicgui')];"
        "print(','.join(core_only + bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_no_core_module_names_the_review_package():
    offenders = [p.name for p in CORE.rglob("*.py") if "recist_reader.review" in p.read_text()]
    assert offenders == []
