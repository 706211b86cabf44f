"""Speed and memory of `load_series` against SimpleITK and the I/O floor (issue 3, section 7).

Generates 512x512 CT phantom series (300 and 600 slices, uncompressed and RLE) in a temporary
folder, then times each reader in its own process: whole-process wall time (interpreter
start-up and imports included) and peak resident memory (the child's VmHWM). Readers:

- floor: read every file's bytes into one preallocated numpy buffer;
- load_series: ``recist_reader.io.dicom.load_series(folder)``;
- SimpleITK: ``ImageSeriesReader`` (GDCM file names) + ``GetArrayFromImage``.

"volume" is the voxel count times 2 bytes (int16 HU); "array MB" is what each reader
returned (the floor: the files' bytes).

Files are read once before timing so every reader sees a warm page cache, and every reader
runs once untimed with a bytecode cache in the temporary folder (PYTHONPYCACHEPREFIX), as an
installed package has its modules compiled: with PYTHONDONTWRITEBYTECODE set (as in some
development shells) recist_reader's modules, unlike numpy's or SimpleITK's, would otherwise
be compiled from source in every run. ``--no-bytecode-cache`` measures that case.

``--reference-src DIR`` also runs ``load_series`` from another checkout's ``src`` (e.g. a
``git worktree`` of main) in the same run, as the reader "reference", and prints this
tree's time and peak as ratios to it. Not a test::

    python benchmarks/load_series.py [--slices 300 600] [--repeat 3] [--json out.json]
        [--layout int16] [--reference-src ../main-worktree/src]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recist_reader import phantom as ph

# Printed by every reader at exit: its peak resident memory. VmHWM belongs to the process's
# own address space (reset by exec); ru_maxrss from wait4 would also count the benchmark's
# own pages that the forked child shared before exec.
_PEAK = """
def _peak_bytes():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource, sys
    unit = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
"""

READERS: dict[str, str] = {
    "floor": """
import os, sys, numpy as np
folder = sys.argv[1]
paths = sorted(os.path.join(folder, n) for n in os.listdir(folder))
sizes = [os.path.getsize(p) for p in paths]
buffer = np.empty(sum(sizes), np.uint8)
view, offset = memoryview(buffer), 0
for path, size in zip(paths, sizes):
    with open(path, "rb", buffering=0) as handle:
        handle.readinto(view[offset:offset + size])
    offset += size
print(buffer.nbytes, _peak_bytes())
""",
    "load_series": """
import sys
from recist_reader.io.dicom import load_series
volume = load_series(sys.argv[1])
print(volume.array.nbytes, _peak_bytes())
""",
    "SimpleITK": """
import sys
import SimpleITK as sitk
reader = sitk.ImageSeriesReader()
reader.SetFileNames(reader.GetGDCMSeriesFileNames(sys.argv[1]))
array = sitk.GetArrayFromImage(reader.Execute())
print(array.nbytes, _peak_bytes())
""",
}


#: The reader run from ``--reference-src``: ``load_series`` of another checkout.
REFERENCE = "reference"


def reader_environment(pycache: Path | None, src: Path | None = None) -> dict[str, str]:
    """The readers' environment: bytecode cached in ``pycache`` (None: as inherited), and
    ``src`` first on the module path when given."""
    environment = dict(os.environ)
    if pycache is not None:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = str(pycache)
    if src is not None:
        environment["PYTHONPATH"] = str(src)
    return environment


def run_reader(
    code: str, folder: Path, environment: dict[str, str] | None = None
) -> tuple[float, int, int]:
    """Whole-process seconds, peak RSS in bytes and the printed byte count of one run."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK + code, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"reader failed on {folder} (exit {result.returncode})")
    nbytes, peak = (int(v) for v in result.stdout.split()[-2:])
    return elapsed, peak, nbytes


def generate(
    root: Path, slice_counts: list[int], compressions: list[str], size: int, layout: str
) -> dict:
    """Write the phantom series; returns {(slices, compression): folder}."""
    largest = max(slice_counts)
    grid = ph.Grid.centred((largest, size, size), (1.0, 0.7, 0.7))
    body = ph.body_phantom(
        liver=True,
        lungs=True,
        vessel=True,
        lesions=[
            ph.Lesion("T1", (-60, 0, 0), ph.Ellipsoid((40, 30, 28), angle_deg=25), -50),
            ph.Lesion("T2", (50, -20, 60), ph.Lobulated.regular(20), 60),
            ph.Lesion("N1", (10, 50, -80), ph.LymphNode(22, 14), 30),
        ],
    )
    start = time.perf_counter()
    hu = ph.render_phantom(body, grid, supersample=2, noise_sd_hu=10, seed=0)
    print(f"rendered {grid.shape} in {time.perf_counter() - start:.1f} s", flush=True)
    folders = {}
    for n in slice_counts:
        sub = ph.Grid((n, size, size), grid.spacing_mm, grid.orientation, grid.origin_mm)
        for compression in compressions:
            folder = root / f"ct_{n}_{compression}"
            start = time.perf_counter()
            ph.write_ct_series(
                folder,
                hu[:n],
                sub,
                compression=compression,
                bits_stored=12 if layout == "uint12" else 16,
                signed=layout == "int16",
            )
            mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
            print(
                f"wrote {folder.name}: {mb:.0f} MB in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
            folders[(n, compression)] = folder
    return folders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, nargs="+", default=[300, 600])
    parser.add_argument("--compressions", nargs="+", default=["none", "rle"])
    parser.add_argument("--size", type=int, default=512, help="rows = columns")
    parser.add_argument(
        "--layout",
        choices=["uint12", "int16"],
        default="uint12",
        help="stored pixels: Siemens-like 12-bit unsigned (HU fit int16) or GE-like int16",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader (median)")
    parser.add_argument("--workdir", type=Path, help="where to write (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the readers with the inherited environment, without warm-up runs",
    )
    parser.add_argument(
        "--reference-src",
        type=Path,
        help="also time load_series from this src folder (another checkout), as 'reference'",
    )
    args = parser.parse_args(argv)
    readers = dict(READERS)
    if args.reference_src is not None:
        readers[REFERENCE] = READERS["load_series"]

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folders = generate(Path(tmp), args.slices, args.compressions, args.size, args.layout)
        pycache = None if args.no_bytecode_cache else Path(tmp) / "pyc"
        environment = reader_environment(pycache)
        environments = {name: environment for name in readers}
        if args.reference_src is not None:
            reference_cache = None if pycache is None else Path(tmp) / "pyc-reference"
            environments[REFERENCE] = reader_environment(
                reference_cache, args.reference_src.resolve()
            )
        results: list[dict] = []
        warmed = args.no_bytecode_cache  # nothing to warm up then
        for (n, compression), folder in folders.items():
            for path in folder.iterdir():  # warm the page cache for every reader
                path.read_bytes()
            if not warmed:  # compile and cache every reader's modules, untimed
                for name, code in readers.items():
                    run_reader(code, folder, environments[name])
                warmed = True
            volume_bytes = n * args.size * args.size * 2
            runs: dict[str, list[tuple[float, int]]] = {name: [] for name in readers}
            returned: dict[str, int] = {}
            for _ in range(args.repeat):
                for name, code in readers.items():
                    elapsed, peak, returned[name] = run_reader(code, folder, environments[name])
                    runs[name].append((elapsed, peak))
            row = {"slices": n, "compression": compression, "volume_mb": volume_bytes / 1e6}
            for name, values in runs.items():
                row[f"{name}_s"] = statistics.median(v[0] for v in values)
                row[f"{name}_peak_mb"] = max(v[1] for v in values) / 1e6
                row[f"{name}_array_mb"] = returned[name] / 1e6
            results.append(row)
            print_row(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def print_row(row: dict) -> None:
    volume = row["volume_mb"]
    print(
        f"\n{row['slices']} slices, {row['compression']}: volume {volume:.0f} MB\n"
        f"  {'reader':<12} {'time s':>8} {'x floor':>8} {'peak MB':>8} {'x volume':>9} "
        f"{'array MB':>9}"
    )
    for name in [n for n in (*READERS, REFERENCE) if f"{n}_s" in row]:
        seconds, peak = row[f"{name}_s"], row[f"{name}_peak_mb"]
        print(
            f"  {name:<12} {seconds:8.2f} {seconds / row['floor_s']:8.2f} {peak:8.0f} "
            f"{peak / volume:9.2f} {row[f'{name}_array_mb']:9.0f}"
        )
    speedup = row["SimpleITK_s"] / row["load_series_s"]
    print(f"  load_series is {speedup:.2f}x faster than SimpleITK", flush=True)
    if f"{REFERENCE}_s" in row:
        print(
            f"  this tree vs reference: time {row['load_series_s'] / row[f'{REFERENCE}_s']:.2f}x, "
            f"peak {row['load_series_peak_mb'] / row[f'{REFERENCE}_peak_mb']:.2f}x; "
            f"x floor {row['load_series_s'] / row['floor_s']:.2f} vs "
            f"{row[f'{REFERENCE}_s'] / row['floor_s']:.2f}, x SimpleITK "
            f"{speedup:.2f} vs {row['SimpleITK_s'] / row[f'{REFERENCE}_s']:.2f}",
            flush=True,
        )
    print("  goals: " + ", ".join(check_goals(row)), flush=True)


#: Issue 3's goals for load_series: time vs the floor (uncompressed only), speed-up over
#: SimpleITK, and peak memory vs the volume.
GOALS = {"none": {"floor": 2.0, "sitk": 3.0}, "rle": {"floor": None, "sitk": 10.0}}
PEAK_GOAL = 1.3


def check_goals(row: dict) -> list[str]:
    """One "<measure> <value> (goal ...) ok|MISSED" per goal of the row's compression."""
    goals = GOALS.get(row["compression"], {"floor": None, "sitk": None})
    found = []
    if goals["floor"] is not None:
        ratio = row["load_series_s"] / row["floor_s"]
        verdict = "ok" if ratio <= goals["floor"] else "MISSED"
        found.append(f"{ratio:.2f}x floor (<= {goals['floor']}) {verdict}")
    if goals["sitk"] is not None:
        speedup = row["SimpleITK_s"] / row["load_series_s"]
        verdict = "ok" if speedup >= goals["sitk"] else "MISSED"
        found.append(f"{speedup:.1f}x SimpleITK (>= {goals['sitk']}) {verdict}")
    peak = row["load_series_peak_mb"] / row["volume_mb"]
    found.append(
        f"peak {peak:.2f}x volume (<= {PEAK_GOAL}) {'ok' if peak <= PEAK_GOAL else 'MISSED'}"
    )
    return found


if __name__ == "__main__":
    raise SystemExit(main())
