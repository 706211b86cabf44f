// Reads DICOM SR files the way OHIF v3 does and prints what it found, as JSON on stdout.
//
//   node check-sr.mjs --images DIR [--images DIR ...] SR.dcm|SR.json ...
//
// For each SR (a Part 10 file, or the DICOM JSON of WADO-RS metadata):
// - "viewport": OHIF's SR display set (extensions/cornerstone-dicom-sr getSopClassHandlerModule):
//   its TID 1500 check, Image Library, measurements merged by Tracking Unique Identifier, the
//   NUM/SCOORD parsing, where each SCOORD is placed among the images, and isRehydratable.
//   A failure there is what OHIF would show instead of the SR.
// - "adapters": @cornerstonejs/adapters Cornerstone3D MeasurementReport.generateToolState, the
//   call OHIF's hydrateStructuredReport makes: each tool with its world points (mm) and stats.
// - "dcmjs": the earlier OHIF path: identifiers cut to their first two ':' parts, then dcmjs
//   adapters.Cornerstone3D.MeasurementReport.generateToolState.
// The images' geometry (imagePlaneModule) is read from the --images folders with dcmjs, as
// OHIF's metadata provider gives it to Cornerstone.

import fs from "node:fs";
import path from "node:path";
import dcmjs from "dcmjs";
import { adaptersSR } from "@cornerstonejs/adapters";
import { metaData, utilities } from "@cornerstonejs/core";

// Keep stdout for the JSON: the parsers log measurements with console.log.
const log = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
console.log = log;
console.info = log;
console.debug = log;
console.warn = log;

const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
const IMAGE_ID_PREFIX = "srcheck:";
const CODES = {
  ImagingMeasurementReport: "126000",
  ImageLibrary: "111028",
  ImagingMeasurements: "126010",
  MeasurementGroup: "125007",
  ImageLibraryGroup: "126200",
  TrackingUniqueIdentifier: "112040",
  TrackingIdentifier: "112039",
};
const SR_SOP_CLASSES = [
  "1.2.840.10008.5.1.4.1.1.88.11",
  "1.2.840.10008.5.1.4.1.1.88.22",
  "1.2.840.10008.5.1.4.1.1.88.33",
  "1.2.840.10008.5.1.4.1.1.88.34",
];

function parseArgs(argv) {
  const imageDirs = [];
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--images") imageDirs.push(argv[++i]);
    else files.push(argv[i]);
  }
  return { imageDirs, files };
}

function walk(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function readPart10(file, headerOnly) {
  const buffer = fs.readFileSync(file);
  const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const options = headerOnly ? { untilTag: "7FE00010", includeUntilTagValue: false } : {};
  const dicom = DicomMessage.readFile(arrayBuffer, options);
  return DicomMetaDictionary.naturalizeDataset(dicom.dict);
}

function readSR(file) {
  if (file.endsWith(".json")) {
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    return DicomMetaDictionary.naturalizeDataset(Array.isArray(json) ? json[0] : json);
  }
  return readPart10(file, false);
}

function asArray(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

// The images: geometry by SOP Instance UID, as OHIF's MetadataProvider answers imagePlaneModule.
function loadImages(imageDirs) {
  const images = new Map();
  for (const dir of imageDirs) {
    for (const file of walk(dir)) {
      let ds;
      try {
        ds = readPart10(file, true);
      } catch {
        continue;
      }
      if (!ds.ImagePositionPatient || !ds.ImageOrientationPatient || !ds.PixelSpacing) continue;
      const iop = asArray(ds.ImageOrientationPatient).map(Number);
      const spacing = asArray(ds.PixelSpacing).map(Number);
      images.set(ds.SOPInstanceUID, {
        sopInstanceUID: ds.SOPInstanceUID,
        sopClassUID: ds.SOPClassUID,
        seriesInstanceUID: ds.SeriesInstanceUID,
        studyInstanceUID: ds.StudyInstanceUID,
        frameOfReferenceUID: ds.FrameOfReferenceUID,
        imagePositionPatient: asArray(ds.ImagePositionPatient).map(Number),
        imageOrientationPatient: iop,
        rowCosines: iop.slice(0, 3),
        columnCosines: iop.slice(3, 6),
        rowPixelSpacing: spacing[0],
        columnPixelSpacing: spacing[1],
        rows: Number(ds.Rows),
        columns: Number(ds.Columns),
      });
    }
  }
  return images;
}

function registerProvider(images) {
  metaData.addProvider((type, imageId) => {
    if (typeof imageId !== "string" || !imageId.startsWith(IMAGE_ID_PREFIX)) return undefined;
    const image = images.get(imageId.slice(IMAGE_ID_PREFIX.length));
    if (!image) return undefined;
    switch (type) {
      case "imagePlaneModule":
        return {
          frameOfReferenceUID: image.frameOfReferenceUID,
          rows: image.rows,
          columns: image.columns,
          imageOrientationPatient: image.imageOrientationPatient,
          rowCosines: image.rowCosines,
          columnCosines: image.columnCosines,
          imagePositionPatient: image.imagePositionPatient,
          rowPixelSpacing: image.rowPixelSpacing,
          columnPixelSpacing: image.columnPixelSpacing,
          pixelSpacing: [image.rowPixelSpacing, image.columnPixelSpacing],
        };
      case "instance":
        return {
          SOPInstanceUID: image.sopInstanceUID,
          SOPClassUID: image.sopClassUID,
          SeriesInstanceUID: image.seriesInstanceUID,
          StudyInstanceUID: image.studyInstanceUID,
          FrameOfReferenceUID: image.frameOfReferenceUID,
        };
      case "sopCommonModule":
        return { sopInstanceUID: image.sopInstanceUID, sopClassUID: image.sopClassUID };
      case "frameNumber":
        return 1;
      default:
        return undefined;
    }
  }, 10000);
}

function imageIdMap(images) {
  const map = {};
  for (const sop of images.keys()) {
    map[sop] = IMAGE_ID_PREFIX + sop;
    map[`${sop}:1`] = IMAGE_ID_PREFIX + sop;
  }
  return map;
}

// --- OHIF's SR display set (getSopClassHandlerModule), re-implemented step by step -----------

function codeValue(item) {
  return item.ConceptNameCodeSequence && asArray(item.ConceptNameCodeSequence)[0]?.CodeValue;
}

function first(sequence) {
  return asArray(sequence)[0];
}

function coordsOf(graphicItem) {
  const { ValueType, GraphicType, GraphicData } = graphicItem;
  const coords = { ValueType, GraphicType, GraphicData: asArray(GraphicData).map(Number) };
  if (ValueType === "SCOORD") {
    coords.ReferencedSOPSequence = first(first(graphicItem.ContentSequence).ReferencedSOPSequence);
  } else if (ValueType === "SCOORD3D") {
    coords.ReferencedFrameOfReferenceSequence = graphicItem.ReferencedFrameOfReferenceUID;
  }
  return coords;
}

function processMeasurement(merged) {
  const trackingUid = merged.find((i) => i.ValueType === "UIDREF");
  const trackingIdentifier = merged.find((i) => codeValue(i) === CODES.TrackingIdentifier);
  if (!trackingIdentifier) throw new Error("a measurement group has no Tracking Identifier (112039)");
  const measurement = {
    labels: [],
    coords: [],
    TrackingUniqueIdentifier: trackingUid.UID,
    TrackingIdentifier: trackingIdentifier.TextValue,
  };
  const nums = merged.filter((i) => i.ValueType === "NUM");
  const graphic = merged.find((i) => i.ValueType === "SCOORD" || i.ValueType === "SCOORD3D");
  if (graphic) {
    // TID 1410 path: the first group-level SCOORD is the graphic.
    measurement.path = "TID1410";
    measurement.coords.push(coordsOf(graphic));
  } else {
    measurement.path = "non-geometric";
    for (const num of nums) {
      // OHIF destructures the NUM's ContentSequence without a check: a NUM without one throws.
      if (!num.ContentSequence) {
        throw new Error(
          `NUM ${asArray(num.ConceptNameCodeSequence)[0]?.CodeMeaning} has no ContentSequence: ` +
            "OHIF's SR viewport throws a TypeError for the whole SR"
        );
      }
      measurement.coords.push(coordsOf(first(num.ContentSequence)));
    }
  }
  for (const num of nums) {
    const { MeasuredValueSequence } = num;
    if (!MeasuredValueSequence) continue;
    const value = first(MeasuredValueSequence);
    const unit = first(value.MeasurementUnitsCodeSequence)?.CodeValue;
    const numeric = value.NumericValue !== undefined ? Number(value.NumericValue).toFixed(2) : "";
    measurement.labels.push({
      label: first(num.ConceptNameCodeSequence).CodeMeaning,
      value: `${numeric} ${unit}`,
    });
  }
  return measurement;
}

function viewport(dataset, images) {
  const errors = [];
  const result = { errors, measurements: [], referencedImages: [], rehydratable: false };
  if (!SR_SOP_CLASSES.includes(dataset.SOPClassUID)) {
    errors.push(`SOP class ${dataset.SOPClassUID} is not handled by the SR display set`);
    return result;
  }
  if (first(dataset.ConceptNameCodeSequence)?.CodeValue !== CODES.ImagingMeasurementReport) {
    errors.push("the root concept is not 126000: OHIF shows only TID 1500 measurement reports");
    return result;
  }
  const content = asArray(dataset.ContentSequence);
  try {
    const library = content.find((i) => codeValue(i) === CODES.ImageLibrary);
    if (!library) throw new Error("no Image Library (111028): OHIF reads it without a check");
    const group = asArray(library.ContentSequence).find((i) => codeValue(i) === CODES.ImageLibraryGroup);
    for (const item of asArray(group?.ContentSequence)) {
      for (const ref of asArray(item.ReferencedSOPSequence)) {
        if (ref.ReferencedSOPClassUID) result.referencedImages.push(ref.ReferencedSOPInstanceUID);
      }
    }
    const imaging = content.find((i) => codeValue(i) === CODES.ImagingMeasurements);
    const groups = asArray(imaging.ContentSequence).filter((i) => codeValue(i) === CODES.MeasurementGroup);
    const merged = new Map();
    for (const g of groups) {
      const items = asArray(g.ContentSequence);
      const uidItem = items.find((i) => codeValue(i) === CODES.TrackingUniqueIdentifier);
      if (!uidItem) throw new Error("a measurement group has no Tracking Unique Identifier (112040)");
      if (!merged.has(uidItem.UID)) merged.set(uidItem.UID, [...items]);
      else merged.get(uidItem.UID).push(...items.filter((i) => codeValue(i) !== CODES.TrackingUniqueIdentifier));
    }
    for (const items of merged.values()) {
      const measurement = processMeasurement(items);
      // _checkIfCanAddMeasurementsToDisplaySet: a SCOORD is drawn on the image it names when
      // that image (of a handled SOP class) is in the study's image display sets.
      measurement.placements = measurement.coords.map((coord) => {
        const ref = coord.ReferencedSOPSequence;
        if (!ref) return null;
        const image = images.get(ref.ReferencedSOPInstanceUID);
        return image && image.sopClassUID === ref.ReferencedSOPClassUID ? ref.ReferencedSOPInstanceUID : null;
      });
      result.measurements.push(measurement);
    }
    const mappings = new Set(["Length", "Bidirectional", "EllipticalROI", "CircleROI", "ArrowAnnotate", "RectangleROI", "PlanarFreehandROI", "Probe", "Angle", "CobbAngle"]);
    result.rehydratable = result.measurements.some((m) => {
      const adapter = adaptersSR.Cornerstone3D.MeasurementReport.getAdapterForTrackingIdentifier(m.TrackingIdentifier);
      return Boolean(adapter && mappings.has(adapter.toolType));
    });
  } catch (error) {
    errors.push(String(error.message || error));
  }
  return result;
}

// --- hydration --------------------------------------------------------------------------

function toolSummary(toolType, state) {
  const annotation = state.annotation || {};
  const data = annotation.data || {};
  const metadata = annotation.metadata || {};
  const stats = Object.values(data.cachedStats || {})[0] || {};
  const referencedImageId = metadata.referencedImageId || "";
  return {
    toolType,
    trackingIdentifier: state.TrackingIdentifier || state.trackingIdentifier || null,
    trackingUniqueIdentifier: state.TrackingUniqueIdentifier || null,
    label: data.label ?? null,
    description: state.description ?? null,
    findingSites: asArray(state.findingSites).map((s) => s.CodeValue || s.code || null),
    sopInstanceUid: referencedImageId.startsWith(IMAGE_ID_PREFIX)
      ? referencedImageId.slice(IMAGE_ID_PREFIX.length)
      : state.sopInstanceUid || null,
    points: asArray(data.handles?.points).map((p) => Array.from(p).map(Number)),
    length: stats.length !== undefined ? Number(stats.length) : null,
    width: stats.width !== undefined ? Number(stats.width) : null,
    unit: stats.unit ?? null,
  };
}

function adaptersPath(dataset, idMap) {
  const tools = [];
  const warnings = [];
  const originalWarn = console.warn;
  console.warn = (...args) => warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
  try {
    const byType = adaptersSR.Cornerstone3D.MeasurementReport.generateToolState(dataset, idMap, metaData);
    for (const [toolType, states] of Object.entries(byType)) {
      for (const state of states) tools.push(toolSummary(toolType, state));
    }
    return { tools, warnings, error: null };
  } catch (error) {
    return { tools, warnings, error: String(error.message || error) };
  } finally {
    console.warn = originalWarn;
  }
}

function legacyCopy(file) {
  // OHIF 3.x _mapLegacyDataSet: every Tracking Identifier cut to its first two ':' parts
  // (on a fresh copy of the SR: naturalised datasets do not clone).
  const copy = readSR(file);
  const imaging = asArray(copy.ContentSequence).find((i) => codeValue(i) === CODES.ImagingMeasurements);
  for (const group of asArray(imaging?.ContentSequence)) {
    for (const item of asArray(group.ContentSequence)) {
      if (codeValue(item) === CODES.TrackingIdentifier && typeof item.TextValue === "string") {
        item.TextValue = item.TextValue.split(":").slice(0, 2).join(":");
      }
    }
  }
  return copy;
}

function dcmjsPath(file, idMap) {
  const tools = [];
  try {
    const byType = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(
      legacyCopy(file),
      idMap,
      utilities.imageToWorldCoords,
      metaData
    );
    for (const [toolType, states] of Object.entries(byType)) {
      for (const state of states) tools.push(toolSummary(toolType, state));
    }
    return { tools, error: null };
  } catch (error) {
    return { tools, error: String(error.message || error) };
  }
}

function main() {
  const { imageDirs, files } = parseArgs(process.argv.slice(2));
  if (!files.length) {
    process.stderr.write("usage: node check-sr.mjs --images DIR [--images DIR ...] SR...\n");
    process.exit(2);
  }
  const images = loadImages(imageDirs);
  registerProvider(images);
  const idMap = imageIdMap(images);
  const documents = files.map((file) => {
    const dataset = readSR(file);
    return {
      file,
      sopInstanceUid: dataset.SOPInstanceUID,
      studyInstanceUid: dataset.StudyInstanceUID,
      templateIdentifier: first(dataset.ContentTemplateSequence)?.TemplateIdentifier ?? null,
      viewport: viewport(dataset, images),
      adapters: adaptersPath(dataset, idMap),
      dcmjs: dcmjsPath(file, idMap),
    };
  });
  process.stdout.write(JSON.stringify({ images: images.size, documents }, null, 1) + "\n");
}

main();
