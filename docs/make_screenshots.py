"""Regenerate the user guide's screenshots (docs/images/*.png) from a real read.

Runs the reading widget on the bundled phantom patient under a display (use Xvfb on a
headless machine)::

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
WIDTH_PX = 1100


def save(viewer, name: str) -> None:
    from PIL import Image

    settle()
    path = IMAGES / f"{name}.png"
    viewer.screenshot(str(path), canvas_only=False)
    image = Image.open(path).convert("RGB")
    height = round(image.height * WIDTH_PX / image.width)
    small = image.resize((WIDTH_PX, height), Image.LANCZOS)
    # 256 colours without dithering keep text and rulers crisp at a fifth of the size.
    small.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    print(path, path.stat().st_size // 1024, "KiB")


def settle(rounds: int = 10) -> None:
    """Let Qt finish laying out: a table resized to its rows re-lays its parent, then the
    scroll area, each in an event of its own (one pass left tables overlapped by the
    buttons under them in the screenshot, never on screen)."""
    import time

    from qtpy.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()
        time.sleep(0.01)


def patient_lesion_centre(lesion_id: str) -> tuple[float, float, float]:
    """Where the phantom patient's lesion is (LPS mm)."""
    from recist_reader.reading.phantom_patient import _BASELINE_LESIONS

    return next(lesion.centre_mm for lesion in _BASELINE_LESIONS if lesion.lesion_id == lesion_id)


def main() -> None:
    os.environ.setdefault("NAPARI_CONFIG", str(Path(tempfile.mkdtemp()) / "napari.yaml"))
    import napari
    from recist_reader._widget import ReadingWidget
    from recist_reader.reading import ReadingSession
    from recist_reader.reading.display import lps_to_world
    from recist_reader.reading.phantom_patient import make_phantom_patient

    IMAGES.mkdir(exist_ok=True)
    patient = make_phantom_patient()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1600, 1000)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: "Discard"

    # 1. Baseline: the saved read, opened with its series; T1 selected.
    workdir = Path(tempfile.mkdtemp())
    record = ReadingSession.open(patient.record_path)
    record.save(workdir / "record.json")
    widget.open_record(workdir / "record.json", series_folder=patient.folder)
    widget.select_visit(widget.session.baseline_visit_id)
    widget.windows.apply("liver")  # key 3
    baseline = widget.visit_layers[widget.session.baseline_visit_id]
    non_target = widget.session.lesions("non-target")[0]["lesion_id"]
    nt_centre = patient_lesion_centre(non_target)
    widget.session.set_marker(  # what "Mark on image" and a click record
        widget.session.baseline_visit_id,
        non_target,
        baseline.lps_from_world(lps_to_world([nt_centre], baseline.world_to_lps))[0],
        series_uid=baseline.series_uid,
    )
    first_target = widget.session.lesions("target")[0]["lesion_id"]
    widget.select_lesion(first_target)
    viewer.reset_view()
    widget.go_to_selected_lesion()
    save(viewer, "01-baseline-rulers")

    # 2. A follow-up, with the baseline measurement as reference and a click proposal shown
    # for the reader to accept or reject.
    follow_ups = [v["visit_id"] for v in widget.session.visits()][1:]
    widget.select_visit(follow_ups[0])
    widget.select_lesion(first_target)
    widget.go_to_selected_lesion()
    ruler = widget.session.ruler(follow_ups[0], first_target)
    layers = widget.visit_layers[follow_ups[0]]
    widget.proposals.measure_at(
        first_target, lps_to_world(ruler.points_lps_mm, layers.world_to_lps).mean(axis=0)
    )
    save(viewer, "02-follow-up")
    widget.proposals.reject()

    # 3. Side by side with baseline (linked views).
    widget.compare.combo.setCurrentIndex(1)
    widget.select_lesion(first_target)
    viewer.reset_view()
    save(viewer, "05-compare-with-baseline")
    widget.compare.combo.setCurrentIndex(0)

    # 4. The response panel: sums, changes, responses, best overall response, notes.
    from qtpy.QtWidgets import QScrollArea

    scroll = widget.findChild(QScrollArea)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    save(viewer, "06-response-panel")
    scroll.verticalScrollBar().setValue(0)

    # 5. A baseline rule broken: shown beside the lesion, saving refused.
    widget.select_visit(widget.session.baseline_visit_id)
    extra = widget.add_lesion("target", "liver")
    widget.set_ruler_from_world(extra, [[0, 0, 0], [0, 0, 8.0]])
    widget.context.guard(widget.save)
    save(viewer, "07-baseline-check")

    viewer.close()


if __name__ == "__main__":
    main()
