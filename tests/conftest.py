"""Shared test fixtures: the read-only shared data folder and an isolated napari config."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_dicom_dir() -> Path:
    """``../shared/data/dicom``; skips the test when the shared folder is absent."""
    path = SHARED_DATA_DIR / "dicom"
    if not path.is_dir():
        pytest.skip(f"shared DICOM data not found at {path} (a user's checkout without ../shared)")
    return path


@pytest.fixture(autouse=True)
def _isolated_napari_environment(tmp_path_factory, monkeypatch):
    """Point napari's config and Qt's runtime/cache folders at temporary directories."""
    base = tmp_path_factory.getbasetemp()
    runtime = base / "xdg_runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    monkeypatch.setenv("NAPARI_CONFIG", str(base / "napari_config.yaml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "xdg_cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))


@pytest.fixture(scope="session")
def orthanc():
    """A throwaway Orthanc with DICOMweb for the whole run (dicom-sr.md §8): its own storage
    and free loopback port, stopped by PID; skips when Orthanc is not installed."""
    from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc, orthanc_available

    missing = orthanc_available()
    if missing:
        pytest.skip(f"{missing}; tools/bootstrap.sh installs it")
    with LocalOrthanc() as server:
        yield server
