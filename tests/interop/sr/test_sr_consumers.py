"""The exported SRs, read by the real consumers (dicom-sr.md §5, §7): dciodvfy, PixelMed's SR
validator, dcmqi's tid1500reader, and OHIF's parsers (@cornerstonejs/adapters and dcmjs in
node, plus OHIF's SR display-set rules). Each tool is installed by tools/bootstrap.sh; a test
skips, naming the tool, only where it is missing."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pydicom
import pytest

REPO = Path(__file__).resolve().parents[3]
SR_CHECK = REPO / "tools" / "sr-check"
PIXELMED_JAR = Path("/usr/share/java/pixelmed.jar")
JAVA_XML_LIMITS = [  # JDK 17 blocks PixelMed's XSLT without these (dicom-sr.md Traps 14)
    "-Djdk.xml.xpathExprOpLimit=0",
    "-Djdk.xml.xpathExprGrpLimit=0",
    "-Djdk.xml.xpathTotalOpLimit=0",
]
TOLERANCE_MM = 0.1


def _need(tool: str, hint: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} not installed ({hint}); tools/bootstrap.sh installs it")
    return found


def _tid1500reader() -> str:
    local = Path(sys.executable).parent / "tid1500reader"
    if local.exists():
        return str(local)
    return _need("tid1500reader", "PyPI package dcmqi")


@pytest.fixture(scope="module")
def exported(phantom_read, rich_read, sample_record_reads):
    """Every SR of the phantom, rich and sample reads, with their reads."""
    files = []
    for read in [phantom_read, rich_read, *sample_record_reads]:
        _documents, paths = read.export()
        files.extend((read, path) for path in paths)
    return files


@pytest.fixture(scope="module")
def exported_real_ct(real_ct_read):
    _documents, paths = real_ct_read.export()
    return [(real_ct_read, path) for path in paths]


# --- dciodvfy -------------------------------------------------------------------------------


def _dciodvfy_errors(path: Path) -> list[str]:
    result = subprocess.run(
        [_need("dciodvfy", "Debian package dicom3tools"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def test_dciodvfy_reports_no_error(exported):
    assert len(exported) >= 20
    for _read, path in exported:
        assert _dciodvfy_errors(path) == [], path.name


@pytest.mark.shared_data
def test_dciodvfy_reports_no_error_on_the_real_ct_read(exported_real_ct):
    for _read, path in exported_real_ct:
        assert _dciodvfy_errors(path) == [], path.name


# --- PixelMed -------------------------------------------------------------------------------


def _pixelmed_errors(path: Path) -> list[str]:
    java = _need("java", "Debian package default-jre-headless")
    if not PIXELMED_JAR.exists():
        pytest.skip(f"{PIXELMED_JAR} missing (Debian package pixelmed-apps)")
    result = subprocess.run(
        [
            java,
            *JAVA_XML_LIMITS,
            "-cp",
            str(PIXELMED_JAR),
            "com.pixelmed.validate.DicomSRValidator",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert "Root Template Validation Complete" in output, output[-2000:]
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    return [e for e in errors if not _mixed_template_false_error(e, path)]


_WITHIN_GROUP = re.compile(r"within 1\.(\d+)\.(\d+): ")


def _mixed_template_false_error(error: str, path: Path) -> bool:
    """PixelMed 2022 checks every group of a container against the first TID 1410 group's
    template when TID 1410 and TID 1501 groups are mixed (dicom-sr.md Traps 13): exactly the
    errors it reports under "Template 1410" for a group that is a TID 1501 group are false."""
    if not error.startswith("Error: Template 1410 "):
        return False
    match = _WITHIN_GROUP.search(error)
    if match is None:
        return False
    root_index, group_index = (int(v) - 1 for v in match.groups())
    dataset = pydicom.dcmread(path)
    group = dataset.ContentSequence[root_index].ContentSequence[group_index]
    return group.ContentTemplateSequence[0].TemplateIdentifier == "1501"


def test_pixelmed_reports_no_error(exported, real_ct_read):
    # One SR of each shape: Bidirectional + semi-automatic + times (BL); a TID 1410 new-lesion
    # point beside TID 1501 groups (W8_1); status with a ruler, RECIST diameter, no-geometry
    # new lesions (W16); a diameter typed without ruler (sample record).
    wanted = {
        "PHANTOM-HCC-001_BL.SR.dcm",
        "PHANTOM-HCC-001_W8_1.SR.dcm",
        "PHANTOM-HCC-001_W16.SR.dcm",
        "HCC-004_W12.SR.dcm",
    }
    paths = [
        p
        for read, p in exported
        if read.name in ("rich", "HCC-004_PD_new_lesion") and p.name in wanted
    ]
    assert len(paths) == len(wanted)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(paths, pool.map(_pixelmed_errors, paths)))
    assert results == {p: [] for p in paths}


@pytest.mark.shared_data
def test_pixelmed_reports_no_error_on_the_real_ct_read(exported_real_ct):
    for _read, path in exported_real_ct:
        assert _pixelmed_errors(path) == [], path.name


# --- dcmqi ----------------------------------------------------------------------------------


def _dcmqi(path: Path, tmp_path: Path) -> dict:
    out = tmp_path / f"{path.stem}.json"
    result = subprocess.run(
        [_tid1500reader(), "--inputDICOM", str(path), "--outputMetadata", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(out.read_text())


def _expected_lengths(record: dict, visit_id: str) -> dict[str, list[float]]:
    """The NUM values each lesion's group of a visit holds (Length, or Long/Short Axis)."""
    visit = next(v for v in record["visits"] if v["visit_id"] == visit_id)
    nodal = {lesion["lesion_id"]: lesion.get("nodal", False) for lesion in record["lesions"]}
    found = {}
    for m in visit["measurements"]:
        ruler, short = m.get("ruler"), m.get("short_axis_ruler")
        length = lambda r: float(np.linalg.norm(np.subtract(*r["points_lps_mm"])))  # noqa: E731
        if ruler and short:
            found[m["lesion_id"]] = [
                m.get("long_axis_mm") or length(ruler),
                m.get("short_axis_mm") or length(short),
            ]
        elif ruler:
            use = (
                m.get("diameter_mm")
                if m.get("diameter_mm") is not None and not nodal[m["lesion_id"]]
                else length(ruler)
            )
            found[m["lesion_id"]] = [use]
    return found


def test_dcmqi_reads_every_group_and_ruler(exported, tmp_path):
    for read, path in exported:
        if read.name not in ("rich", "phantom"):
            continue
        metadata = _dcmqi(path, tmp_path)
        dataset = pydicom.dcmread(path)
        groups = metadata["Measurements"]
        uids = [g["TrackingUniqueIdentifier"] for g in groups]
        assert all(re.fullmatch(r"[0-9.]+", uid) for uid in uids)
        assert len(set(uids)) == len(uids)
        visit_id = dataset.SeriesDescription.rsplit(" ", 1)[-1]
        expected = _expected_lengths(read.record, visit_id)
        for group in groups:
            if not group["TrackingIdentifier"].startswith("Cornerstone3DTools@^0.1.0:"):
                continue  # no ruler: a status, a typed diameter or a new lesion
            lesion_id = group["TrackingIdentifier"].rsplit(":", 1)[-1]
            values = [
                float(i["value"])
                for i in group["measurementItems"]
                if i["quantity"]["CodeValue"] != "RRDIAM"
            ]
            units = {i["units"]["CodeValue"] for i in group["measurementItems"]}
            assert units == {"mm"}
            assert values == pytest.approx(expected.pop(lesion_id), abs=TOLERANCE_MM), path.name
        rulers_here = {
            m["lesion_id"]
            for m in next(v for v in read.record["visits"] if v["visit_id"] == visit_id)[
                "measurements"
            ]
            if (m.get("reader") or None) == (_observer(dataset) or None)
        }
        assert not (set(expected) & rulers_here), f"{path.name}: groups missing for {expected}"


def _observer(dataset) -> str | None:
    for item in dataset.ContentSequence:
        if item.ConceptNameCodeSequence[0].CodeValue == "121008":
            name = str(item.PersonName)
            return None if name == "unknown^unknown" else name
    return None


# --- OHIF: @cornerstonejs/adapters, dcmjs, the SR display set ------------------------------


def _sr_check(images: list[Path], files: list[Path]) -> dict:
    node = _need("node", "Debian/nodesource package nodejs")
    if not (SR_CHECK / "node_modules" / "@cornerstonejs" / "adapters").is_dir():
        pytest.skip(f"{SR_CHECK}/node_modules missing: run tools/bootstrap.sh (npm ci)")
    command = [node, str(SR_CHECK / "check-sr.mjs")]
    for folder in images:
        command += ["--images", str(folder)]
    result = subprocess.run(
        command + [str(f) for f in files], capture_output=True, text=True, timeout=600, cwd=SR_CHECK
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _as_dicom_json(path: Path, folder: Path) -> Path:
    """The SR as the DICOM JSON of WADO-RS metadata (what OHIF loads from a server)."""
    out = folder / f"{path.stem}.json"
    out.write_text(json.dumps([pydicom.dcmread(path).to_json_dict()]))
    return out


def _check_ohif(read, paths: list[Path], tmp_path: Path) -> int:
    """Every ruler of ``read`` in the SRs ``paths`` comes back through both OHIF paths, on the
    Part 10 files and on their DICOM JSON. Returns the number of rulers checked."""
    files = [*paths, *(_as_dicom_json(p, tmp_path) for p in paths)]
    report = _sr_check([read.images], files)
    checked = 0
    for document in report["documents"]:
        viewport = document["viewport"]
        assert document["templateIdentifier"] == "1500"
        assert viewport["errors"] == [], document["file"]
        dataset_path = Path(document["file"])
        dataset = pydicom.dcmread(paths[[p.stem for p in paths].index(dataset_path.stem)])
        visit_id = dataset.SeriesDescription.rsplit(" ", 1)[-1]
        visit = next(v for v in read.record["visits"] if v["visit_id"] == visit_id)
        reader = _observer(dataset)
        measurements = [m for m in visit["measurements"] if (m.get("reader") or None) == reader]
        with_rulers = [m for m in measurements if m.get("ruler") or m.get("short_axis_ruler")]
        # The SR display set: a measurement per group, every SCOORD placeable on its image.
        assert len(viewport["measurements"]) >= len(measurements)
        for m in viewport["measurements"]:
            if m["coords"]:
                assert all(p is not None for p in m["placements"]), m
        assert viewport["rehydratable"] == bool(with_rulers)
        expected_lengths = _expected_lengths(read.record, visit_id)
        for path_name in ("adapters", "dcmjs"):
            tools = document[path_name]["tools"]
            assert document[path_name]["error"] is None
            rulers = [t for t in tools if t["toolType"] in ("Length", "Bidirectional")]
            assert len(rulers) == len(with_rulers), (path_name, document["file"])
            for m in with_rulers:
                tool = _tool_for(rulers, m)
                _assert_tool(tool, m, expected_lengths[m["lesion_id"]], path_name, read)
                checked += 1
    return checked


def _tool_for(tools, measurement):
    """The tool whose first point is the measurement's first ruler end (the tools come back
    grouped by type, not in record order)."""
    first = (measurement.get("ruler") or measurement["short_axis_ruler"])["points_lps_mm"][0]
    found = [
        t
        for t in tools
        if t["points"] and np.max(np.abs(np.subtract(t["points"][0], first))) <= TOLERANCE_MM
    ]
    assert len(found) == 1, f"no tool at {first} for {measurement['lesion_id']}: {tools}"
    return found[0]


def _assert_tool(tool, measurement, lengths, path_name, read):
    ruler, short = measurement.get("ruler"), measurement.get("short_axis_ruler")
    expected_points = [p for r in (ruler, short) if r for p in r["points_lps_mm"]]
    assert tool["toolType"] == ("Bidirectional" if ruler and short else "Length")
    assert len(tool["points"]) == len(expected_points)
    for got, want in zip(tool["points"], expected_points):
        assert np.max(np.abs(np.subtract(got, want))) <= TOLERANCE_MM, (path_name, got, want)
    assert tool["length"] == pytest.approx(lengths[0], abs=TOLERANCE_MM)
    if ruler and short:
        assert tool["width"] == pytest.approx(lengths[1], abs=TOLERANCE_MM)
    ruler_series = (ruler or short)["series_uid"]
    headers = {
        str(ds.SOPInstanceUID): ds
        for ds in (pydicom.dcmread(p, stop_before_pixels=True) for p in read.images.rglob("*.dcm"))
        if str(ds.SeriesInstanceUID) == ruler_series
    }
    on = headers[tool["sopInstanceUid"]]
    normal = np.cross(
        np.array(on.ImageOrientationPatient[:3], float),
        np.array(on.ImageOrientationPatient[3:], float),
    )
    for point in expected_points:
        distance = abs(np.dot(np.subtract(point, np.array(on.ImagePositionPatient, float)), normal))
        assert distance <= 0.05, "the ruler is drawn on another slice"
    if path_name == "adapters":
        assert tool["unit"] == "mm"
        assert measurement["lesion_id"] in tool["label"]


def test_ohif_hydrates_every_ruler(exported, tmp_path):
    for name in ("phantom", "rich"):
        read = next(r for r, _ in exported if r.name == name)
        paths = [p for r, p in exported if r is read]
        assert _check_ohif(read, paths, tmp_path) >= 8


def test_ohif_reads_sample_records_without_geometry(exported, tmp_path):
    """Diameters typed without rulers: OHIF's SR display set loads them (no failure), nothing
    is hydrated, and no group breaks the others."""
    for read in {r.name: r for r, _ in exported if r.name.startswith("HCC-")}.values():
        paths = [p for r, p in exported if r is read]
        report = _sr_check([read.images], paths)
        for document in report["documents"]:
            assert document["viewport"]["errors"] == [], document["file"]
            assert document["adapters"]["error"] is None and document["dcmjs"]["error"] is None
            assert document["viewport"]["rehydratable"] is False


def test_ohif_shows_a_marked_new_lesion_as_a_probe(exported, tmp_path):
    read = next(r for r, _ in exported if r.name == "rich")
    path = next(p for r, p in exported if r is read and p.name == "PHANTOM-HCC-001_W8_1.SR.dcm")
    document = _sr_check([read.images], [path])["documents"][0]
    probes = [t for t in document["adapters"]["tools"] if t["toolType"] == "Probe"]
    assert len(probes) == 1
    point = read.record["visits"][1]["new_lesions"][0]["point_lps_mm"]
    assert np.max(np.abs(np.subtract(probes[0]["points"][0], point))) <= TOLERANCE_MM
    tid1410 = [m for m in document["viewport"]["measurements"] if m["path"] == "TID1410"]
    assert [m["TrackingIdentifier"] for m in tid1410] == ["N1"]
    assert tid1410[0]["placements"][0] is not None


@pytest.mark.shared_data
def test_ohif_hydrates_the_real_ct_ruler(exported_real_ct, tmp_path):
    read = exported_real_ct[0][0]
    assert _check_ohif(read, [p for _, p in exported_real_ct], tmp_path) == 4


def test_sr_check_fails_on_what_breaks_ohif(phantom_read, tmp_path):
    """The re-implemented SR display-set rules are no test that cannot fail: without the
    Image Library, or a group without its Tracking Unique Identifier, OHIF fails."""
    _documents, paths = phantom_read.export()
    dataset = pydicom.dcmread(paths[0])
    no_library = tmp_path / "no-library.dcm"
    broken = dataset.copy()
    broken.ContentSequence = [
        i for i in dataset.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "111028"
    ]
    broken.save_as(no_library)
    no_uid = tmp_path / "no-uid.dcm"
    broken = pydicom.dcmread(paths[0])
    group = broken.ContentSequence[-1].ContentSequence[0]
    group.ContentSequence = [
        i for i in group.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue != "112040"
    ]
    broken.save_as(no_uid)
    report = _sr_check([phantom_read.images], [no_library, no_uid])
    assert "Image Library" in report["documents"][0]["viewport"]["errors"][0]
    assert "Tracking Unique Identifier" in report["documents"][1]["viewport"]["errors"][0]
