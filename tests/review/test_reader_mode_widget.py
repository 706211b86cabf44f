"""Reader mode in napari (Xvfb): a reader opens their own read, blinded, on the phantom
patient; locked timepoints refuse edits; saves write the trail; a broken trail is not opened."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari")

from recist_reader._widget import ReadingWidget  # noqa: E402
from recist_reader.review import verify_audit_chain  # noqa: E402
from recist_reader.review.audited_session import AuditedReadingSession  # noqa: E402
from recist_reader.review.options import ReviewOptions  # noqa: E402
from recist_reader.review.phantom_study import make_phantom_review  # noqa: E402

pytestmark = pytest.mark.gui

#: Every file opened by this process while ``_OPENED`` is a list (the blinding test).
_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _OPENED is not None and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(
            str(Path(str(args[0], "utf-8") if isinstance(args[0], bytes) else args[0]).resolve())
        )


sys.addaudithook(_audit)


@pytest.fixture
def study(tmp_path):
    """The phantom review: R1 in progress (baseline locked), R2 complete."""
    return make_phantom_review(tmp_path / "reads", r1_locked=1)


@pytest.fixture
def widget(make_napari_viewer, qtbot):
    viewer = make_napari_viewer(show=True)
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name="RECIST reading", area="right")
    widget.ask = lambda title, text, buttons: buttons[-1]
    return widget


def open_r1(widget, study, **kwargs):
    return widget.reader_mode.open_read(
        study.read_path("R1"),
        reader_id="rad-11",
        slot="R1",
        series_folder=study.images_folder,
        **kwargs,
    )


def test_reader_mode_never_opens_another_reads_file(widget, study):
    """The sibling read cannot be read at all (a folder in its place), and no file of it is
    opened while the reader's read and its images are opened, read and saved."""
    global _OPENED
    sibling = study.read_path("R2")
    sibling.unlink()
    sibling.mkdir()  # unreadable as a file
    _OPENED = []
    try:
        session = open_r1(widget, study)
        widget.select_visit("W8")
        widget.reader_mode.save()
        opened = list(_OPENED)
    finally:
        _OPENED = None
    assert isinstance(session, AuditedReadingSession)
    assert str(study.read_path("R1").resolve()) in opened
    assert not [path for path in opened if path.startswith(str(sibling.resolve()))]
    assert not [
        p for p in opened if Path(p).parent == study.reads_folder.resolve() and "R1" not in p
    ]


def test_reader_mode_refuses_an_image_folder_holding_the_reads(widget, study):
    widget.reader_mode.context.guard(
        widget.reader_mode.open_read,
        study.read_path("R1"),
        reader_id="rad-11",
        series_folder=study.reads_folder,
    )
    assert widget.session is None
    assert "holds the reads" in widget.messages.label.text()


def test_reader_mode_blinded_read_locks_and_trail(widget, study, qtbot, tmp_path):
    view = widget.reader_mode
    asked = []
    view.ask_text = lambda title, label: asked.append(title) or "ruler end moved to the capsule"
    session = open_r1(widget, study)
    assert sorted(widget.visit_layers) == ["BL", "W16", "W8"]
    assert view.mode_label.text() == "R1 — blinded · PHANTOM-HCC-001-R1 · rad-11"
    dock = widget.parent()
    while dock is not None and not hasattr(dock, "setFloating"):
        dock = dock.parent()
    assert dock.windowTitle() == "RECIST reading — R1 — blinded"
    assert dock.titleBarWidget().title.text() == "RECIST reading — R1 — blinded"
    # the baseline is locked: its rulers are not editable, and an edit is undone
    assert (
        not widget.visit_layers["BL"].rulers.editable and widget.visit_layers["W8"].rulers.editable
    )
    before = session.record
    widget.context.guard(widget.session.set_status, "BL", "NT1", "absent")
    assert session.record == before
    assert "BL is locked: the charter forbids unlocking" in widget.messages.label.text()
    # W8: a ruler moved (a saved value changes: the reason is asked), then locked
    widget.select_visit("W8")
    layer = widget.visit_layers["W8"].rulers
    lines = [np.asarray(line) for line in layer.data]
    lines[0] = lines[0] + np.array([0.0, 0.0, 1.5]) * np.array([[0.0], [1.0]])
    layer.data = lines
    assert session.dirty
    view.lock_button.click()
    qtbot.wait(10)
    assert asked == ["Reason for the change"]
    saved = json.loads(study.read_path("R1").read_text())
    verify_audit_chain(saved)
    actions = [e["action"] for e in saved["audit"]]
    assert actions[-1] == "lock" and saved["audit"][-1]["visit_id"] == "W8"
    assert "modify" in actions
    assert saved["visits"][1]["locked_at"] == saved["audit"][-1]["at"]
    assert not widget.visit_layers["W8"].rulers.editable
    assert view.lock_state.text().startswith("W8 is locked")
    widget.select_visit("W16")
    view.lock_button.click()
    view.complete_button.click()
    qtbot.wait(10)
    assert json.loads(study.read_path("R1").read_text())["read"]["status"] == "complete"
    widget.select_visit("W8")
    qtbot.wait(50)
    shot = widget.viewer.screenshot(str(tmp_path / "reader-mode.png"), canvas_only=False)
    assert shot.shape[0] > 100 and (tmp_path / "reader-mode.png").stat().st_size > 0


def test_unlock_with_reason_when_the_charter_allows(widget, study):
    view = widget.reader_mode
    view.options = ReviewOptions(unlock_policy="with_reason")
    view.ask_text = lambda title, label: "QC query QRY-12"
    open_r1(widget, study)
    assert view.unlock_button.isVisible()
    widget.context.guard(
        widget.session.update_lesion, "T1", organ="liver segment 8"
    )  # offers the unlock
    saved = json.loads(study.read_path("R1").read_text())
    assert (
        saved["audit"][-1]["action"] == "unlock"
        and saved["audit"][-1]["reason"] == "QC query QRY-12"
    )
    widget.session.update_lesion("T1", organ="liver segment 8")  # now allowed
    widget.select_visit("BL")
    view.lock_button.click()
    saved = json.loads(study.read_path("R1").read_text())
    assert [e["action"] for e in saved["audit"][-3:]] == ["unlock", "modify", "lock"]
    assert saved["audit"][-2]["reason"] == "QC query QRY-12"


def test_a_broken_trail_is_shown_and_not_opened(widget, study):
    read = json.loads(study.read_path("R1").read_text())
    read["audit"][0]["at"] = "2024-01-09T08:30:00Z"
    study.read_path("R1").write_text(json.dumps(read))
    shown = []
    widget.ask = lambda title, text, buttons: shown.append((title, text)) or buttons[-1]
    assert open_r1(widget, study) is None
    assert widget.session is None
    assert shown[0][0] == "Audit trail broken"
    assert "audit[1].prev" in shown[0][1] and "PHANTOM-HCC-001-R1" in shown[0][1]


def test_another_readers_read_is_refused(widget, study):
    widget.context.guard(widget.reader_mode.open_read, study.read_path("R2"), reader_id="rad-11")
    assert widget.session is None
    assert "belongs to 'rad-12'" in widget.messages.label.text()
