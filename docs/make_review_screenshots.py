"""Regenerate the central-review screenshots of the user guide (docs/images/8-*.png, 9-*.png).

Reader mode on the phantom review with W8 locked, and the adjudicator mode on its
progression-date discordance (R1 marked a new liver lesion at W16 that R2 did not)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_review_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_screenshots import IMAGES, save  # noqa: E402


def main() -> None:
    os.environ.setdefault("NAPARI_CONFIG", str(Path(tempfile.mkdtemp()) / "napari.yaml"))
    from qtpy.QtWidgets import QApplication, QScrollArea

    import napari
    from recist_reader._qt.review_overview import ReviewOverviewWidget
    from recist_reader._widget import ReadingWidget
    from recist_reader.review.phantom_study import make_phantom_review

    IMAGES.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp())

    # 7. Reader mode: R1's own read, BL and W8 locked, W16 open.
    study = make_phantom_review(workdir / "reads", r1_locked=2)
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1500, 950)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: buttons[-1]
    widget.reader_mode.open_read(
        study.read_path("R1"), reader_id="rad-11", slot="R1", series_folder=study.images_folder
    )
    widget.select_visit("W8")
    widget.select_lesion("T1")
    widget.go_to_selected_lesion()
    viewer.reset_view()
    scroll = widget.findChild(QScrollArea)
    for _ in range(3):
        QApplication.processEvents()
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    save(viewer, "16-reader-mode")
    viewer.close()

    # 8. Adjudicator mode: both reads of W16 side by side, the triggers, the decision pane.
    study = make_phantom_review(workdir / "reads-pd", discordance="pd_date")
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1600, 950)
    overview = ReviewOverviewWidget(viewer)
    viewer.window.add_dock_widget(overview, name="RECIST central review", area="right")
    overview.open_folder(study.reads_folder, images_folder=study.images_folder)
    overview.open_patient(overview.rows[0].patient_id)
    view = overview.adjudicator
    view.show_visit("W16")
    QApplication.processEvents()
    viewer.reset_view()
    points = view.layers[2].data
    if len(points):
        viewer.dims.set_point(0, float(points[0][0]))
    view.r1_button.setChecked(True)
    view.rationale.setPlainText("Solid 9 mm nodule in liver segment 6 at W16, absent at W8.")
    view.adjudicator_edit.setText("rad-19")
    save(viewer, "17-adjudicator-mode")
    viewer.close()


if __name__ == "__main__":
    main()
