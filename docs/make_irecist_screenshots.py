"""Regenerate the user guide's iRECIST screenshots (docs/images/7-*.png, 8-*.png) from a real
read of the pseudo-progression phantom (recist_reader.phantom.immunotherapy).

Runs the reading widget under a display (use Xvfb on a headless machine)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python docs/make_irecist_screenshots.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from make_screenshots import save  # the same size and palette as the other screenshots


def main() -> None:
    os.environ.setdefault("NAPARI_CONFIG", str(Path(tempfile.mkdtemp()) / "napari.yaml"))
    from qtpy.QtWidgets import QScrollArea

    import napari
    from recist_reader._widget import ReadingWidget
    from recist_reader.phantom.immunotherapy import write_immunotherapy_patient

    folder = Path(tempfile.mkdtemp())
    _, record = write_immunotherapy_patient(folder, "pseudo-progression")
    (folder / "record.json").write_text(json.dumps(record, indent=2))

    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1500, 950)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"
    widget.open_record(folder / "record.json", series_folder=folder)
    scroll = widget.findChild(QScrollArea)

    # 7. Week 8: the new liver lesion NL1, tracked as a new-lesion target, with its ruler;
    # the iRECIST sections of the dock in view.
    widget.select_visit("W8")
    widget.tracked_new_lesions.select("NL1")
    ruler = widget.session.ruler("W8", "NL1")
    layers = widget.visit_layers["W8"]
    from recist_reader.reading.display import lps_to_world

    ends = lps_to_world(ruler.points_lps_mm, layers.world_to_lps)
    viewer.dims.set_point(0, float(ends[0][0]))
    viewer.reset_view()
    box = widget._sections["Tracked new lesions (iRECIST)"]
    from qtpy.QtWidgets import QApplication

    QApplication.processEvents()
    scroll.verticalScrollBar().setValue(box.mapTo(scroll.widget(), box.rect().topLeft()).y() - 8)
    save(viewer, "08-irecist-tracked-new-lesion")

    # 8. Week 12: the response under RECIST 1.1 and iRECIST side by side, and the episode.
    widget.select_visit("W12")
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    save(viewer, "09-irecist-response-by-criteria")
    viewer.close()


if __name__ == "__main__":
    main()
