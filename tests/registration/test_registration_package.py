"""The registration package is core: importable without Qt, exported lazily."""

from __future__ import annotations

import subprocess
import sys

import recist_reader


def test_import_pulls_in_neither_qt_nor_napari():
    code = (
        "import sys, recist_reader.registration, recist_reader.phantom.visit_pairs;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('napari', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'vispy', 'magicgui')];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_lazy_exports():
    from recist_reader import registration

    assert recist_reader.register_visits is registration.register_visits
    assert recist_reader.Registration is registration.Registration
    assert recist_reader.RegistrationError is registration.RegistrationError
    assert issubclass(recist_reader.RegistrationError, ValueError)
    assert {"register_visits", "Registration", "RegistrationError"} <= set(dir(recist_reader))
