"""Regenerate the user guide's HCC screenshots (docs/images/9-*.png to 11-*.png): the
multiphase HCC phantom patient read under RECIST 1.1 and mRECIST, and the cohort view
switched to mRECIST. Under a display (Xvfb on a headless machine)::

    xvfb-run -a -s "-screen 0 1600x1300x24" .venv/bin/python docs/make_mrecist_screenshots.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from make_screenshots import IMAGES, save

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    os.environ.setdefault("NAPARI_CONFIG", str(Path(tempfile.mkdtemp()) / "napari.yaml"))
    import napari
    from recist_reader._widget import ReadingWidget
    from recist_reader.phantom.hcc_patient import default_hcc_folder, write_hcc_patient

    IMAGES.mkdir(exist_ok=True)
    patient = write_hcc_patient(default_hcc_folder())
    workdir = Path(tempfile.mkdtemp())
    shutil.copy(patient.record_path, workdir / "record.json")
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1500, 1250)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    widget.open_record(workdir / "record.json", series_folder=patient.folder)

    # 9. Week 16, arterial phase: the viable rulers (magenta) of both HCCs; T1 selected.
    widget.select_visit("W16")
    widget.series.show_series("W16", patient.series_uids["W16"]["arterial"])
    widget.select_lesion("T1")
    viewer.reset_view()
    viewer.dims.set_point(0, float(widget.visit_layers["W16"].image.data.shape[0] // 2))
    _go_to(widget, "W16", "T1", viable=True)
    _scroll_to(widget, widget.mrecist.finding_size)
    save(viewer, "10-mrecist-arterial-viable-rulers")

    # 10. The same visit, portal-venous phase: the whole-lesion rulers.
    widget.series.show_series("W16", patient.series_uids["W16"]["portal_venous"])
    _go_to(widget, "W16", "T1", viable=False)
    _scroll_to(widget, widget.criteria_response)
    save(viewer, "11-mrecist-portal-venous-whole-rulers")

    # 11. The cohort view switched to mRECIST (the bundled RECIST and mRECIST samples).
    folder = workdir / "cohort"
    folder.mkdir()
    for path in sorted((ROOT / "sample_data" / "records").glob("HCC-[02]*.json")):
        shutil.copy(path, folder)
    viewer.window.remove_dock_widget("all")
    _, cohort = viewer.window.add_plugin_dock_widget("recist-reader", "RECIST cohort")
    cohort.open_folder(folder, criteria="mRECIST")
    save(viewer, "12-mrecist-cohort-view")
    viewer.close()


def _scroll_to(widget, view) -> None:
    """Scroll the dock so that ``view`` is in sight."""
    from qtpy.QtWidgets import QApplication, QScrollArea

    QApplication.processEvents()
    scroll = widget.findChild(QScrollArea)
    scroll.ensureWidgetVisible(view, 0, 0)
    QApplication.processEvents()


def _go_to(widget, visit_id: str, lesion_id: str, *, viable: bool) -> None:
    """Show the slice of the lesion's ruler, centred and zoomed."""
    import numpy as np

    from recist_reader.reading.display import lps_to_world

    session = widget.session
    ruler = session.ruler(visit_id, lesion_id, axis="viable" if viable else "long")
    layers = widget.visit_layers[visit_id]
    ends = lps_to_world(ruler.points_lps_mm, layers.world_to_lps)
    widget.viewer.dims.set_point(0, float(ends[0][0]))
    camera = widget.viewer.camera
    camera.center = tuple(np.mean(ends, axis=0))
    camera.zoom = 7.0


if __name__ == "__main__":
    main()
