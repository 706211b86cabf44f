"""``recist-reader read``: open a patient's read in napari, or run it headless.

With a display, napari opens with the reading widget docked and the record and its series
loaded. With ``--headless`` (or no display) the same read runs without a window: each
visit's series is loaded, the saved rulers are applied and re-measured, the record is
scored and the response JSON (and a screenshot, when Xvfb is available) is written. Without
RECORD the generated phantom patient is used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DOCK_NAME = "RECIST reading"


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``read`` sub-command."""
    parser = subcommands.add_parser(
        "read",
        help="read a patient in napari (or headless): rulers, live response",
        description=(
            "Open RECORD (a patient record, design.md §1) in napari with the RECIST reading "
            "widget and each visit's series. With --headless, or when there is no display, "
            "load the series, apply the saved rulers, score and write "
            "<patient_id>.response.json and a screenshot <patient_id>.baseline.png to --out. "
            "Without RECORD, the generated phantom patient (baseline and two follow-ups) is "
            "used. Exit 0 on success, 2 when the record or its series are invalid."
        ),
    )
    parser.add_argument(
        "record", nargs="?", type=Path, metavar="RECORD", help="patient record file (JSON)"
    )
    parser.add_argument(
        "--series-folder",
        type=Path,
        metavar="DIR",
        help="folder holding the visits' DICOM series, matched by series UID "
        "(default: the record's folder)",
    )
    parser.add_argument(
        "--dicomweb",
        metavar="URL",
        help="a DICOMweb server (http://host:port/dicom-web) holding the visits' series, each "
        "retrieved by its UIDs instead of read from --series-folder; credentials from "
        "RECIST_DICOMWEB_TOKEN, or RECIST_DICOMWEB_USER and RECIST_DICOMWEB_PASSWORD",
    )
    parser.add_argument("--headless", action="store_true", help="run without a window")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where the headless read writes its response and screenshot "
        "(default: the record's folder)",
    )
    parser.add_argument(
        "--no-screenshot", action="store_true", help="headless: do not render the screenshot"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="noise seed of the phantom patient (without RECORD)"
    )
    parser.add_argument(
        "--immunotherapy",
        choices=("pseudo-progression", "confirmed-progression"),
        metavar="NAME",
        help="without RECORD: a phantom patient on immunotherapy, read under iRECIST and "
        "RECIST 1.1: pseudo-progression (iUPD reset, iPR) or confirmed-progression (iCPD)",
    )
    parser.add_argument(
        "--hcc",
        action="store_true",
        help="without RECORD: the multiphase HCC phantom patient (arterial and portal-venous "
        "series, viable diameters), read under RECIST 1.1 and mRECIST",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the read; return the exit code."""
    from recist_reader.reading.pipeline import display_available

    record, series_folder = args.record, args.series_folder
    if args.dicomweb:
        if series_folder is not None:
            print(
                "recist-reader read: give --series-folder or --dicomweb, not both",
                file=sys.stderr,
            )
            return 2
        series_folder = args.dicomweb
    if record is None and args.immunotherapy:
        from recist_reader.phantom.immunotherapy import make_immunotherapy_patient

        patient = make_immunotherapy_patient(args.immunotherapy, seed=args.seed)
        record, series_folder = patient.record_path, series_folder or patient.folder
        print(f"No RECORD given: using the {args.immunotherapy} phantom patient {record}")
    if record is None and args.hcc:
        from recist_reader.phantom.hcc_patient import default_hcc_folder, write_hcc_patient

        hcc = write_hcc_patient(default_hcc_folder(args.seed), seed=args.seed)
        record, series_folder = hcc.record_path, series_folder or hcc.folder
        print(f"No RECORD given: using the HCC phantom patient {record}")
    if record is None:
        from recist_reader.reading.phantom_patient import make_phantom_patient

        patient = make_phantom_patient(seed=args.seed)
        record, series_folder = patient.record_path, series_folder or patient.folder
        print(f"No RECORD given: using the phantom patient {record}")
    if not args.headless and not display_available():
        print("No display (DISPLAY is not set): running headless instead of opening napari.")
        args.headless = True
    if args.headless:
        return _run_headless(record, series_folder, args.out, screenshot=not args.no_screenshot)
    return _run_gui(record, series_folder)


def _run_headless(
    record: Path, series_folder: Path | None, out: Path | None, *, screenshot: bool
) -> int:
    from recist_reader.cli.tables import format_response_table
    from recist_reader.errors import RecordError
    from recist_reader.reading.pipeline import run_headless_read

    try:
        result = run_headless_read(record, series_folder, out, screenshot=screenshot)
    except RecordError as error:
        for problem in error.problems:
            print(problem.describe(error.source or str(record)), file=sys.stderr)
        return 2
    except ValueError as error:  # PipelineError, SeriesError, ReadingError: one sentence each
        print(f"recist-reader read: {error}", file=sys.stderr)
        return 2
    print(format_response_table(result.response))
    for path in _other_criteria_responses(result):
        print(f"response under another criteria the read serves written to {path}")
    for note in result.notes:
        print(f"note: {note}")
    print(f"{result.rulers_applied} rulers applied; response written to {result.response_path}")
    if result.screenshot_path is not None:
        print(f"screenshot written to {result.screenshot_path} ({result.screenshot_note})")
    else:
        print(result.screenshot_note)
    return 0


def _other_criteria_responses(result: Any) -> list[Path]:
    """Score the read under every other criteria it serves (its mRECIST or iRECIST fields,
    design.md §7), print each table and write ``<patient_id>.<criteria>.response.json``."""
    from recist_reader.cli.score import response_file_name
    from recist_reader.cli.tables import format_response_table
    from recist_reader.core.criteria import criteria_read_in
    from recist_reader.core.scoring import score_parsed_record
    from recist_reader.errors import RecordError
    from recist_reader.io.record_json import read_record, write_json_atomic

    record = read_record(result.record_path)
    written = []
    for criteria in criteria_read_in(record)[1:]:
        try:
            response = score_parsed_record(
                record, {"validate_baseline": False}, option_prefix="options", criteria=criteria
            )
        except RecordError as error:
            for problem in error.problems:
                print(problem.describe(str(result.record_path)), file=sys.stderr)
            continue
        print(format_response_table(response))
        path = result.response_path.parent / response_file_name(
            record.patient_id, criteria, record.criteria
        )
        written.append(write_json_atomic(path, response, durable=False))
    return written


def open_in_napari(record: Path, series_folder: Path | None) -> tuple[Any, Any]:
    """A napari viewer with the reading widget docked and ``record`` open in it.

    Returns
    -------
    (napari.Viewer, ReadingWidget)
    """
    import napari
    from recist_reader._widget import ReadingWidget

    viewer = napari.Viewer(title=f"RECIST reading: {record.name}")
    widget = ReadingWidget(viewer)
    viewer.window.add_dock_widget(widget, name=DOCK_NAME, area="right")
    widget.open_record(record, series_folder=series_folder)
    targets = widget.session.lesions("target") if widget.session is not None else []
    if targets:  # show the first target's ruler rather than the middle slice
        from recist_reader.reading import ReadingError

        widget.select_lesion(targets[0]["lesion_id"])
        try:
            widget.go_to_selected_lesion()
        except ReadingError:
            pass  # not measured yet
    return viewer, widget


def _run_gui(record: Path, series_folder: Path | None) -> int:  # pragma: no cover - needs a user
    try:
        import napari

        open_in_napari(record, series_folder)
    except ImportError as error:
        print(
            f"recist-reader read: napari or the reading widget cannot be imported ({error}); "
            "install recist-reader[testing] or run with --headless",
            file=sys.stderr,
        )
        return 2
    napari.run()
    return 0
