"""The read without a window: load each visit's series, apply the saved rulers, score, write.

`run_headless_read` is what ``recist-reader read --headless`` runs and what scripts call.
Pure Python; napari is imported only by `render_screenshot`, which runs in a child process
(under the current display, or a virtual one started with ``xvfb-run``) so that a missing or
broken OpenGL stack costs the screenshot, never the read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recist_reader.core.scoring import score_record
from recist_reader.io.dicom import Volume, list_series, load_series
from recist_reader.io.dicom.loader import is_dicomweb_url
from recist_reader.io.record_json import RESPONSE_SUFFIX, write_json_atomic
from recist_reader.reading.display import ruler_label
from recist_reader.reading.geometry import Ruler
from recist_reader.reading.session import ReadingSession

__all__ = [
    "HeadlessResult",
    "PipelineError",
    "RulerOutsideVolumeError",
    "RulerSeriesError",
    "display_available",
    "render_screenshot",
    "run_headless_read",
    "screenshot_in_subprocess",
]

#: Ruler keys of a measurement and the axis each one measures.
_RULER_KEYS = (("ruler", "long"), ("short_axis_ruler", "short"))
#: A saved diameter may differ from its ruler's length by the rounding of one decimal.
_ROUNDING_MM = 0.05 + 1e-9
_SCREENSHOT_TIMEOUT_S = 180.0
_PANEL_PX = 512


class PipelineError(ValueError):
    """The saved read cannot be applied to the series found; the message says what to fix."""


class RulerSeriesError(PipelineError):
    """A ruler cites a series that is not under the series folder."""


class RulerOutsideVolumeError(PipelineError):
    """A ruler end lies outside the volume of the series it cites."""


@dataclass(frozen=True)
class HeadlessResult:
    """What `run_headless_read` did.

    Attributes
    ----------
    record_path : Path
    response_path : Path
        The per-visit response JSON (design.md §2).
    response : dict
        Its content.
    rulers_applied : int
        Rulers re-measured from their LPS end points.
    screenshot_path : Path or None
        The PNG of the baseline with its rulers, when it could be rendered.
    screenshot_note : str
        How the screenshot was rendered, or why it was not.
    notes : list of str
        Findings: diameters that differ from their rulers, series warnings.
    """

    record_path: Path
    response_path: Path
    response: dict[str, Any]
    rulers_applied: int
    screenshot_path: Path | None
    screenshot_note: str
    notes: list[str] = field(default_factory=list)


def run_headless_read(
    record_path: str | os.PathLike[str],
    series_folder: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    screenshot: bool = True,
) -> HeadlessResult:
    """Load the series a record cites, apply its saved rulers, score, write the response.

    Parameters
    ----------
    record_path : path
        A patient record (design.md §1) with rulers.
    series_folder : path, optional
        Folder holding every visit's DICOM series (matched by SeriesInstanceUID), or a
        DICOMweb server's URL (each series retrieved by its UIDs); defaults to the
        record's folder.
    out_dir : path, optional
        Where ``<patient_id>.response.json`` and ``<patient_id>.baseline.png`` are written;
        defaults to the record's folder.
    screenshot : bool
        Render a PNG of the baseline with its rulers (needs napari and a display or
        ``xvfb-run``; skipped with a note otherwise).

    Returns
    -------
    HeadlessResult

    Raises
    ------
    RecordError
        The record is invalid (each problem names the file and field).
    RulerSeriesError, RulerOutsideVolumeError
        Naming the visit, the lesion and the series UID.
    SeriesError
        A cited series cannot be loaded.
    """
    record_path = Path(record_path)
    folder: Any = Path(series_folder) if series_folder is not None else record_path.parent
    if is_dicomweb_url(series_folder):
        folder = str(series_folder)  # a DICOMweb server: each series fetched by its UIDs
    out = Path(out_dir) if out_dir is not None else record_path.parent
    session = ReadingSession.open(record_path)
    volumes = _load_cited_series(session.record, folder, record_path)
    notes = [
        f"series {uid}: {warning}" for uid, volume in volumes.items() for warning in volume.warnings
    ]
    applied = _apply_rulers(session, volumes, record_path, notes)
    response = score_record(session.record)
    response_path = write_json_atomic(
        out / f"{_safe_name(session.patient_id)}{RESPONSE_SUFFIX}", response, durable=False
    )
    png: Path | None = None
    note = "screenshot not requested"
    if screenshot:
        png, note = screenshot_in_subprocess(
            record_path, folder, out / f"{_safe_name(session.patient_id)}.baseline.png"
        )
    return HeadlessResult(record_path, response_path, response, applied, png, note, notes)


def _cited_uids(record: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Series UID -> the (visit id, lesion id) of every ruler citing it, plus each visit's
    listed series (lesion id empty)."""
    cited: dict[str, list[tuple[str, str]]] = {}
    for visit in record["visits"]:
        for series in visit.get("series", []):
            cited.setdefault(series["series_uid"], []).append((visit["visit_id"], ""))
        for measurement in visit["measurements"]:
            for key, _axis in _RULER_KEYS:
                if measurement.get(key):
                    uid = measurement[key]["series_uid"]
                    cited.setdefault(uid, []).append((visit["visit_id"], measurement["lesion_id"]))
    return cited


def _load_cited_series(
    record: dict[str, Any], folder: Path | str, record_path: Path
) -> dict[str, Volume]:
    """Every series the record cites, loaded from ``folder`` (or a DICOMweb server's URL),
    by SeriesInstanceUID."""
    cited = _cited_uids(record)
    if not cited:
        return {}
    if is_dicomweb_url(folder):
        studies = {
            series["series_uid"]: series.get("study_uid")
            for visit in record["visits"]
            for series in visit.get("series", [])
        }
        return {
            uid: load_series(folder, series_uid=uid, study_uid=studies.get(uid)) for uid in cited
        }
    keys: dict[str, str] = {}
    for info in list_series(folder).series:
        keys.setdefault(info.summary.series_uid, info.summary.key)
    for uid, users in cited.items():
        if uid in keys:
            continue
        rulers = [(visit, lesion) for visit, lesion in users if lesion]
        if rulers:
            visit_id, lesion_id = rulers[0]
            raise RulerSeriesError(
                f"{record_path}: visit {visit_id}, lesion {lesion_id}: the ruler cites series "
                f"UID {uid}, which is not under {folder} (found {len(keys)} series: "
                f"{', '.join(sorted(keys)) or 'none'}); point --series-folder at the folder "
                "holding that visit's series"
            )
    return {uid: load_series(folder, series_uid=keys[uid]) for uid in cited if uid in keys}


def _apply_rulers(
    session: ReadingSession, volumes: dict[str, Volume], record_path: Path, notes: list[str]
) -> int:
    """Check every ruler against its volume and set it again (re-measuring the diameter)."""
    applied = 0
    # The targets' rulers and those of the tracked new-lesion targets (design.md §7b).
    nodal = {
        lesion["lesion_id"]: bool(lesion["nodal"])
        for lesion in [*session.lesions(), *session.new_lesion_targets()]
    }
    for visit in session.visits():
        visit_id = visit["visit_id"]
        listed = {series["series_uid"] for series in visit.get("series", [])}
        for uid in sorted(listed - set(volumes)):
            notes.append(f"visit {visit_id}: its series {uid} is not under the series folder")
        measured = [
            *visit["measurements"],
            *(
                {**listing, "lesion_id": listing["new_lesion_id"]}
                for listing in visit["new_lesions"]
                if session.is_new_lesion_target(listing.get("new_lesion_id") or "")
            ),
        ]
        for measurement in measured:
            lesion_id = measurement["lesion_id"]
            where = f"{record_path}: visit {visit_id}, lesion {lesion_id}"
            for key, axis in _RULER_KEYS:
                if not measurement.get(key):
                    continue
                ruler = Ruler.from_json(measurement[key])
                if listed and ruler.series_uid not in listed:
                    raise RulerSeriesError(
                        f"{where}: the ruler cites series UID {ruler.series_uid}, which is not "
                        f"one of the visit's series ({', '.join(sorted(listed))}); the lesion was "
                        "measured on another visit's images: redraw it on this visit's series"
                    )
                _check_inside(ruler, volumes[ruler.series_uid], where)
                saved = measurement.get("diameter_mm")
                updated = session.set_ruler(visit_id, lesion_id, ruler, axis=axis)
                recist_axis = "short" if nodal[lesion_id] else "long"
                if (
                    axis == recist_axis
                    and saved is not None
                    and abs(updated["diameter_mm"] - saved) > _ROUNDING_MM
                ):
                    notes.append(
                        f"visit {visit_id}, lesion {lesion_id}: saved diameter {saved} mm, its "
                        f"ruler measures {ruler.length_mm:.1f} mm; the ruler is used"
                    )
                applied += 1
    return applied


def _check_inside(ruler: Ruler, volume: Volume, where: str) -> None:
    """Raise unless both ends lie inside the volume (within half a voxel of its edge)."""
    index = volume.lps_to_index(np.asarray(ruler.points_lps_mm, float))
    upper = np.asarray(volume.shape, float) - 0.5
    for end, point in enumerate(index):
        if np.any(point < -0.5) or np.any(point > upper):
            raise RulerOutsideVolumeError(
                f"{where}: ruler end {end + 1} at LPS {list(ruler.points_lps_mm[end])} mm is "
                f"at voxel index {np.round(point, 1).tolist()}, outside series {ruler.series_uid} "
                f"of shape {list(volume.shape)}; the ruler was drawn on another series: redraw it"
            )


def _safe_name(patient_id: str) -> str:
    """A file name for a patient id: path separators and control characters replaced."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in patient_id)
    return cleaned.strip(". ") or "patient"


# ----------------------------------------------------------------------------- screenshot
def display_available() -> bool:
    """Whether a GUI can open: always off Linux; on Linux when DISPLAY or WAYLAND_DISPLAY is set."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def screenshot_in_subprocess(
    record_path: str | os.PathLike[str],
    series_folder: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    timeout_s: float = _SCREENSHOT_TIMEOUT_S,
) -> tuple[Path | None, str]:
    """Run `render_screenshot` in a child process: under ``xvfb-run`` when installed, else on
    the current display.

    Returns
    -------
    (Path or None, str)
        The PNG written (None when it could not be) and how, or why not.
    """
    code = (
        "import sys; from recist_reader.reading.pipeline import render_screenshot; "
        "render_screenshot(sys.argv[1], sys.argv[2], sys.argv[3])"
    )
    command: list[str] = [
        sys.executable,
        "-c",
        code,
        *map(os.fspath, (record_path, series_folder, png_path)),
    ]
    xvfb = shutil.which("xvfb-run") if sys.platform.startswith("linux") else None
    if xvfb is not None:  # a private virtual display: no window flashes on the user's screen
        command = [xvfb, "-a", "-s", "-screen 0 1920x1080x24", *command]
        how = "rendered with napari under Xvfb (xvfb-run)"
    elif display_available():
        how = "rendered with napari on the current display"
    else:
        return None, "no screenshot: no display and no xvfb-run (install xvfb)"
    Path(png_path).unlink(missing_ok=True)
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"no screenshot: rendering took more than {timeout_s:.0f} s"
    if finished.returncode != 0 or not Path(png_path).is_file():
        last = (finished.stderr.strip().splitlines() or ["(no message)"])[-1]
        return None, f"no screenshot: napari exited with code {finished.returncode}: {last}"
    return Path(png_path), how


def render_screenshot(
    record_path: str | os.PathLike[str],
    series_folder: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    panel_px: int = _PANEL_PX,
) -> Path:
    """Render the baseline with its rulers in napari: one panel per ruler, on its slice.

    Needs napari and a display. Each panel shows the baseline series on the ruler's slice,
    the ruler drawn in yellow and its label (``T1 liver 32.0 mm``); the panels are tiled
    side by side into one PNG.
    """
    import napari  # lazily: the rest of the package runs without napari
    from recist_reader._reader import layer_data

    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    session = ReadingSession(record)
    baseline = session.visit(session.baseline_visit_id)
    lesions = {lesion["lesion_id"]: lesion for lesion in session.lesions()}
    per_lesion: list[list[tuple[str, Ruler]]] = []  # one panel per lesion: its rulers
    for measurement in baseline["measurements"]:
        lesion = lesions[measurement["lesion_id"]]
        drawn = []
        for key, axis in _RULER_KEYS:
            if measurement.get(key):
                ruler = Ruler.from_json(measurement[key])
                drawn.append((ruler_label(lesion, axis, ruler.length_mm), ruler))
        if drawn:
            per_lesion.append(drawn)
    if not per_lesion:
        raise PipelineError(f"{record_path}: the baseline has no rulers to show")
    uid = per_lesion[0][0][1].series_uid
    volume = load_series(series_folder, series_uid=_series_key(series_folder, uid))
    data, kwargs, _ = layer_data(volume)
    to_world = np.linalg.inv(np.asarray(kwargs["metadata"]["world_to_lps"], float))

    # Shown (on a virtual display under xvfb-run): napari renders nothing for hidden windows.
    viewer = napari.Viewer(show=True)
    try:
        viewer.add_image(data, **kwargs)
        viewer.text_overlay.visible = True
        viewer.text_overlay.color = "yellow"
        viewer.text_overlay.position = "top_left"
        panels = []
        for drawn in per_lesion:
            drawn = [(label, ruler) for label, ruler in drawn if ruler.series_uid == uid]
            if not drawn:
                continue
            lines = []
            for _label, ruler in drawn:
                lps = np.c_[np.asarray(ruler.points_lps_mm, float), np.ones(2)]
                lines.append((lps @ to_world.T)[:, :3])
            added = [
                viewer.add_shapes(
                    [line[:, 1:]],  # in-plane line, shown on this panel's slice
                    shape_type="line",
                    edge_color="yellow",
                    edge_width=0.8,
                    features={"label": [label]},
                    text={"string": "{label}", "color": "yellow", "size": 10, "anchor": anchor},
                    name=label,
                )
                for (label, _ruler), line, anchor in zip(
                    drawn, lines, ("upper_left", "lower_left"), strict=False
                )
            ]
            viewer.dims.set_point(0, float(lines[0][:, 0].mean()))
            viewer.text_overlay.text = f"{baseline['visit_id']} {baseline['date']}"
            viewer.reset_view()
            # Centred on the lesion, so that its labels (drawn right of the ruler) stay in view.
            viewer.camera.center = tuple(float(c) for c in lines[0].mean(axis=0))
            panels.append(viewer.screenshot(canvas_only=True, size=(panel_px, panel_px)))
            for layer in added:
                viewer.layers.remove(layer)
    finally:
        viewer.close()
    height = min(panel.shape[0] for panel in panels)
    gap = np.full((height, 6, panels[0].shape[2]), 255, dtype=panels[0].dtype)  # white line
    tiles = [part for panel in panels for part in (gap, panel[:height])][1:]
    mosaic = np.concatenate(tiles, axis=1)
    from matplotlib.image import imsave

    Path(png_path).parent.mkdir(parents=True, exist_ok=True)
    imsave(os.fspath(png_path), mosaic)
    return Path(png_path)


def _series_key(folder: str | os.PathLike[str], uid: str) -> str:
    if is_dicomweb_url(folder):
        return uid
    for info in list_series(folder).series:
        if info.summary.series_uid == uid:
            return info.summary.key
    raise RulerSeriesError(f"{folder}: no series {uid}; point the series folder at it")
