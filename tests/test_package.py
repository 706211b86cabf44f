"""The package skeleton: no Qt at import, a valid napari manifest, a working console script."""

from __future__ import annotations

import subprocess
import sys

import pytest

import recist_reader
from recist_reader.cli import main


def test_import_pulls_in_neither_qt_nor_napari():
    code = (
        "import sys, recist_reader, recist_reader.cli, recist_reader.reading, "
        "recist_reader.measure, recist_reader.cohort, recist_reader.io.dicom, "
        "recist_reader.phantom, recist_reader.core.scoring, recist_reader.registration, "
        "recist_reader.phantom.visit_pairs;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('napari', 'PyQt5', 'PyQt6', 'PySide2', 'PySide6', 'qtpy', 'vispy', 'magicgui')];"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"recist-reader {recist_reader.__version__}"


def test_unknown_public_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        recist_reader.no_such_name  # noqa: B018


def test_napari_manifest_is_valid():
    npe2 = pytest.importorskip("npe2")
    manifest = npe2.PluginManifest.from_distribution("recist-reader")
    assert manifest.name == "recist-reader"
