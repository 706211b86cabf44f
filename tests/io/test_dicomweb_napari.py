"""A DICOMweb series URL opens in napari as a folder does: a layer in mm, slices arriving.

Needs a display (pytest-xvfb) and a real Orthanc.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from recist_reader import phantom as ph
from recist_reader.io.dicom import load_series

napari = pytest.importorskip("napari")
pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def stored_series(orthanc, tmp_path_factory):
    grid = ph.Grid.centred((24, 64, 72), (2.5, 1.0, 1.0))
    body = ph.body_phantom(body_semi_axes_mm=(30, 22), liver=True)
    hu = ph.render_phantom(body, grid, noise_sd_hu=8, seed=4)
    written = ph.write_ct_series(
        tmp_path_factory.mktemp("napari-dicomweb") / "series",
        hu,
        grid,
        series_description="PACS AXIAL",
    )
    orthanc.upload_folder(written.directory)
    return written


def test_a_series_url_opens_as_a_layer_whose_slices_arrive(
    make_napari_viewer, orthanc, stored_series
):
    from recist_reader.io.dicom.arriving import ArrivingSlices

    folder_volume = load_series(stored_series.directory)
    url = (
        f"{orthanc.dicomweb_url}/studies/{folder_volume.study_uid}"
        f"/series/{folder_volume.series_uid}"
    )
    viewer = make_napari_viewer()
    (layer,) = viewer.open(url, plugin="recist-reader")
    assert layer.name == "PACS AXIAL" and isinstance(layer.data, ArrivingSlices)
    assert layer.metadata["series_uid"] == folder_volume.series_uid
    assert layer.metadata["source_files"][0].startswith(url + "/instances/")
    np.testing.assert_allclose(layer.metadata["affine_lps"], folder_volume.affine)
    np.testing.assert_array_equal(np.asarray(layer.data), folder_volume.array)
    # a study URL opens the study's image series the same way
    (study_layer,) = viewer.open(
        f"{orthanc.dicomweb_url}/studies/{folder_volume.study_uid}", plugin="recist-reader"
    )
    assert study_layer.metadata["series_uid"] == folder_volume.series_uid


def test_a_server_that_is_down_is_a_notification_not_a_traceback(
    make_napari_viewer, stored_series, monkeypatch
):
    import recist_reader._reader as reader

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(reader, "_notify", lambda level, message: shown.append((level, message)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/dicom-web/studies/1.2.3/series/4.5"
    viewer = make_napari_viewer()
    assert viewer.open(url, plugin="recist-reader") == []
    assert len(shown) == 1 and shown[0][0] == "error"
    assert "cannot be reached" in shown[0][1] and "127.0.0.1" in shown[0][1]
