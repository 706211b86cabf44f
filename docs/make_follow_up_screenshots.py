"""Regenerate the user guide's follow-up assist screenshots (docs/images/7-*.png, 8-*.png).

A phantom torso at baseline and at a follow-up where the patient lies differently (table
shift, rotation, breathing; `recist_reader.phantom.visit_pairs`), read in the reading widget
under a display (Xvfb on a headless machine)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_follow_up_screenshots.py
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import numpy as np
from make_screenshots import save  # noqa: E402 (docs/ is the script's folder)


def main() -> None:
    os.environ.setdefault("NAPARI_CONFIG", str(Path(tempfile.mkdtemp()) / "napari.yaml"))
    import napari
    import recist_reader.phantom as ph
    from recist_reader._qt.visit_layers import camera_of
    from recist_reader._widget import ReadingWidget
    from recist_reader.phantom.motion import KnownMotion
    from recist_reader.phantom.visit_pairs import DEFAULT_LESIONS, phantom_visit_pair
    from recist_reader.reading.display import lps_to_world

    motion = KnownMotion(
        translation_mm=(9.0, -14.0, 27.0),
        rotation_deg=(1.0, -1.5, 3.0),
        breathing_mm=8.0,
        breathing_centre_mm=(0.0, 0.0, -20.0),
    )
    pair = phantom_visit_pair(21, motion=motion, pixel_mm=1.0)
    folder = Path(tempfile.mkdtemp())
    patient = ph.PatientInfo()
    for visit_id, volume, grid, date in (
        ("BL", pair.baseline, pair.grids[0], dt.date(2024, 1, 10)),
        ("W8", pair.follow_up, pair.grids[1], dt.date(2024, 3, 6)),
    ):
        ph.write_ct_series(
            folder / visit_id,
            np.asarray(volume.array),
            grid,
            patient=patient,
            study=ph.StudyInfo(study_date=date),
        )

    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1500, 950)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard" if "Discard" in buttons else buttons[0]
    widget.new_patient("PH-REG", "2024-01-10")
    widget.add_visit_from_series(folder / "BL")
    for lesion_id, organ in (("T1", "liver"), ("T3", "lung")):
        lesion = next(les for les in DEFAULT_LESIONS if les.lesion_id == lesion_id)
        truth = ph.lesion_truth(lesion, pair.grids[0])
        added = widget.add_lesion("target", organ)
        widget.set_ruler_from_world(
            added,
            lps_to_world(
                np.asarray(truth.long_axis_endpoints_mm), widget.visit_layers["BL"].world_to_lps
            ),
        )
    visit_id = widget.add_visit_from_series(folder / "W8")
    widget.registrations.wait(visit_id)
    widget.select_visit(visit_id)
    widget.select_lesion("T1")
    widget.lesion_actions.goto_button.click()
    camera_of(viewer).zoom = 3.0
    save(viewer, "03-follow-up-expected")
    widget.propagation.propose_button.click()
    camera_of(viewer).zoom = 3.0
    save(viewer, "04-follow-up-proposal")
    widget.registrations.cancel_all()
    viewer.close()


if __name__ == "__main__":
    main()
