"""napari sample data: the RECIST phantom patient (baseline and two follow-ups, with its record).

Thin glue over `recist_reader.reading.phantom_patient.make_phantom_patient` (generated once,
then reused from the cache) and the reader's `layer_data`. Each image layer carries its visit
(``metadata["recist_visit_id"]``) and the saved record (``metadata["recist_record_path"]``,
``metadata["recist_series_folder"]``), so the reading widget can open the complete read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LayerData = tuple[Any, dict[str, Any], str]


def make_phantom_patient_sample() -> list[LayerData]:
    """The phantom patient's three visits as image layers in one LPS-millimetre world.

    The baseline is shown; the follow-ups are added hidden, in date order after it.
    """
    from recist_reader._reader import layer_data
    from recist_reader.io.dicom import load_series
    from recist_reader.reading.phantom_patient import make_phantom_patient

    patient = make_phantom_patient()
    record = patient.record()
    dates = {visit["visit_id"]: visit["date"] for visit in record["visits"]}
    layers: list[LayerData] = []
    frame: np.ndarray | None = None
    labels: tuple[str, str, str] | None = None
    for number, (visit_id, folder) in enumerate(patient.series_folders.items()):
        volume = load_series(folder, series_uid=patient.series_uids[visit_id])
        data, kwargs, layer_type = layer_data(volume, frame=frame, labels=labels)
        if frame is None:  # the baseline's frame for every visit, so the layers overlay
            frame = np.asarray(kwargs["metadata"]["world_to_lps"], float)[:3, :3].T
            labels = tuple(kwargs["axis_labels"])  # type: ignore[assignment]
        kwargs["name"] = f"{visit_id} {dates[visit_id]}"
        kwargs["visible"] = number == 0
        kwargs["metadata"].update(
            recist_visit_id=visit_id,
            recist_record_path=str(patient.record_path),
            recist_series_folder=str(patient.folder),
        )
        layers.append((data, kwargs, layer_type))
    return layers
