"""A series over DICOMweb from a local Orthanc vs the same files from a folder (issue 13, §5).

Writes a 512x512 signed CT phantom (300 slices by default) to a temporary folder, stores it
byte for byte in a throwaway Orthanc (``LocalOrthanc``: Debian ``orthanc`` +
``orthanc-dicomweb``, free loopback port, stopped by PID), then times each reader in its own
process (interpreter start-up and imports included, as ``load_series.py`` does):

- folder: ``load_series(folder)``;
- dicomweb: ``load_series(url, series_uid=..., study_uid=...)`` (QIDO-RS, one WADO-RS
  request streamed into a temporary folder, then the folder loader);
- dicomweb first slice: ``load_series_progressively(url, ...)`` until its middle slice is
  shown (what napari waits for), and until every slice has arrived.

The goal is DICOMweb <= 3x the folder. With ``--shared`` the shared chest CT (30 slices) is
measured as well. Not a test::

    python benchmarks/dicomweb_load.py [--slices 300] [--repeat 5] [--shared] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_series import _PEAK, generate, reader_environment  # noqa: E402

from recist_reader.io.dicom import load_series  # noqa: E402
from recist_reader.io.dicomweb.local_orthanc import LocalOrthanc  # noqa: E402

GOAL = 3.0
SHARED_CT = Path(__file__).resolve().parents[2] / "shared/data/dicom/ct_chest_lung_tumour/series"

READERS: dict[str, str] = {
    "folder": """
import sys
from recist_reader.io.dicom import load_series
volume = load_series(sys.argv[1])
print(volume.array.nbytes, _peak_bytes())
""",
    "dicomweb": """
import sys
from recist_reader.io.dicom import load_series
volume = load_series(sys.argv[2], series_uid=sys.argv[3], study_uid=sys.argv[4])
print(volume.array.nbytes, _peak_bytes())
""",
    "dicomweb first slice": """
import sys, time
start = time.perf_counter()
from recist_reader.io.dicom.arriving import load_series_progressively
volume = load_series_progressively(sys.argv[2], series_uid=sys.argv[3], study_uid=sys.argv[4])
middle = volume.array[len(volume.array) // 2]
shown = time.perf_counter() - start
import numpy as np
np.asarray(volume.array)
print(volume.array.nbytes, _peak_bytes(), shown)
""",
}


def run(code: str, args: list[str], environment: dict[str, str]) -> tuple[float, int, float]:
    """Whole-process seconds, peak RSS bytes, and the seconds the reader printed (or 0)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK + code, *args],
        capture_output=True,
        text=True,
        env=environment,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"reader failed (exit {result.returncode}): {result.stderr[-800:]}")
    values = result.stdout.split()
    return elapsed, int(values[1]), float(values[2]) if len(values) > 2 else 0.0


def measure(
    name: str, folder: Path, orthanc: LocalOrthanc, repeat: int, environment: dict[str, str]
) -> dict:
    """Time every reader on one series stored in ``orthanc``."""
    volume = load_series(folder)
    args = [str(folder), orthanc.dicomweb_url, volume.series_uid, volume.study_uid]
    for code in READERS.values():  # warm-up: bytecode, page cache, Orthanc's caches
        run(code, args, environment)
    times: dict[str, list[float]] = {reader: [] for reader in READERS}
    peaks: dict[str, int] = {}
    first: list[float] = []
    for _ in range(repeat):
        for reader, code in READERS.items():
            elapsed, peak, shown = run(code, args, environment)
            times[reader].append(elapsed)
            peaks[reader] = max(peaks.get(reader, 0), peak)
            if shown:
                first.append(shown)
    row = {
        "series": name,
        "slices": volume.shape[0],
        "volume_mb": volume.array.nbytes / 1e6,
        **{f"{reader}_s": statistics.median(values) for reader, values in times.items()},
        **{f"{reader}_peak_mb": peak / 1e6 for reader, peak in peaks.items()},
        "first_slice_s": statistics.median(first),
    }
    row["ratio"] = row["dicomweb_s"] / row["folder_s"]
    return row


def print_row(row: dict) -> None:
    print(f"\n{row['series']}: {row['slices']} slices, volume {row['volume_mb']:.0f} MB")
    print(f"  {'reader':<22} {'time s':>8} {'x folder':>9} {'peak MB':>8}")
    for reader in READERS:
        seconds = row[f"{reader}_s"]
        print(
            f"  {reader:<22} {seconds:8.2f} {seconds / row['folder_s']:9.2f} "
            f"{row[f'{reader}_peak_mb']:8.0f}"
        )
    print(
        f"  progressive: middle slice shown after {row['first_slice_s']:.2f} s "
        "(inside the process, after imports)"
    )
    verdict = "ok" if row["ratio"] <= GOAL else "MISSED"
    print(f"  goal: dicomweb {row['ratio']:.2f}x folder (<= {GOAL}) {verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument("--repeat", type=int, default=5, help="runs per reader (median)")
    parser.add_argument("--shared", action="store_true", help="also the shared chest CT")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, LocalOrthanc() as orthanc:
        folders = generate(Path(tmp), [args.slices], ["none"], args.size, "int16")
        series = {f"phantom CT {args.slices}": folders[(args.slices, "none")]}
        if args.shared and SHARED_CT.is_dir():
            series["shared chest CT"] = SHARED_CT
        environment = reader_environment(Path(tmp) / "pyc")
        for name, folder in series.items():
            start = time.perf_counter()
            count = orthanc.upload_folder(folder)
            print(f"stored {count} files of {name} in {time.perf_counter() - start:.1f} s")
            for path in folder.iterdir():  # a warm page cache for the folder reader
                path.read_bytes()
            row = measure(name, folder, orthanc, args.repeat, environment)
            print_row(row)
            rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
