"""DICOM SR export and import, per visit, against plain pydicom I/O of the same files.

On the phantom patient (three CT visits of 60 slices, four lesions each, rulers on every
target), one run measures:

- the reference: ``pydicom.dcmread`` of every slice header of a visit's series (what any
  export must read at least once) plus ``dcmwrite``/``dcmread`` of one SR-sized dataset;
- ``export_sr`` of the whole record (series found in the folder, headers read, groups built,
  SRs written to disk), per visit;
- ``import_sr`` of the written SRs (parsed, SCOORDs mapped back to LPS), per visit.

and prints each time per visit and its ratio to the reference. Usage::

    python benchmarks/sr_roundtrip.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pydicom

from recist_reader.interop.sr import export_sr_documents, import_sr, write_sr_documents
from recist_reader.reading.phantom_patient import make_phantom_patient


def _best(function, repeat: int) -> float:
    """The fastest of ``repeat`` runs (s): the least disturbed by other work on the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each step (best kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        patient = make_phantom_patient(Path(scratch) / "patient")
        record = patient.record()
        visits = len(patient.visit_ids)
        out = Path(scratch) / "sr"
        paths = write_sr_documents(export_sr_documents(record, patient.folder), out)
        sr_bytes = sum(p.stat().st_size for p in paths) // len(paths)
        slices = sorted(patient.series_folders[patient.visit_ids[0]].glob("*.dcm"))

        def reference() -> None:
            for path in slices:
                pydicom.dcmread(path, stop_before_pixels=True)
            dataset = pydicom.dcmread(paths[0])
            dataset.save_as(Path(scratch) / "copy.dcm")
            pydicom.dcmread(Path(scratch) / "copy.dcm")

        def export() -> None:
            write_sr_documents(export_sr_documents(record, patient.folder), out)

        def imports() -> None:
            import_sr(paths)

        reference_s = _best(reference, args.repeat)
        export_s = _best(export, args.repeat) / visits
        import_s = _best(imports, args.repeat) / visits
        lesions = statistics.mean(len(v["measurements"]) for v in record["visits"])

    print(
        f"phantom patient: {visits} visits, {len(slices)} slices and {lesions:.0f} lesions per "
        f"visit, SR about {sr_bytes / 1024:.0f} KiB"
    )
    print(
        f"reference (read {len(slices)} slice headers + write/read one SR): {reference_s * 1000:8.1f} ms"
    )
    print(f"export_sr per visit:  {export_s * 1000:8.1f} ms  ratio {export_s / reference_s:5.2f}")
    print(f"import_sr per visit:  {import_s * 1000:8.1f} ms  ratio {import_s / reference_s:5.2f}")


if __name__ == "__main__":
    main()
