// Writes an SR the way OHIF v3 saves its measurements: @cornerstonejs/adapters
// Cornerstone3D MeasurementReport.generateReport over Length / Bidirectional annotations.
//
//   node make-ohif-sr.mjs SPEC.json
//
// SPEC: {"images": [DIR, ...], "out": FILE,
//        "measurements": [{"toolType": "Length" | "Bidirectional", "sopInstanceUid": UID,
//                          "points": [[x, y, z], ...] (LPS mm; 2 for Length, 4 for
//                          Bidirectional: long axis then short axis), "label": TEXT}]}

import fs from "node:fs";
import path from "node:path";
import dcmjs from "dcmjs";
import { adaptersSR } from "@cornerstonejs/adapters";
import { metaData } from "@cornerstonejs/core";

const log = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
console.log = log;
console.info = log;
console.warn = log;

const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
const PREFIX = "ohifsr:";

function asArray(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
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

function readHeader(file) {
  const buffer = fs.readFileSync(file);
  const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const dicom = DicomMessage.readFile(arrayBuffer, { untilTag: "7FE00010", includeUntilTagValue: false });
  return DicomMetaDictionary.naturalizeDataset(dicom.dict);
}

function distance(a, b) {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const instances = new Map();
for (const dir of spec.images) {
  for (const file of walk(dir)) {
    try {
      const ds = readHeader(file);
      if (ds.ImagePositionPatient) instances.set(ds.SOPInstanceUID, ds);
    } catch {
      // not DICOM
    }
  }
}

metaData.addProvider((type, imageId) => {
  if (typeof imageId !== "string" || !imageId.startsWith(PREFIX)) return undefined;
  const ds = instances.get(imageId.slice(PREFIX.length));
  if (!ds) return undefined;
  const iop = asArray(ds.ImageOrientationPatient).map(Number);
  const spacing = asArray(ds.PixelSpacing).map(Number);
  switch (type) {
    case "imagePlaneModule":
      return {
        frameOfReferenceUID: ds.FrameOfReferenceUID,
        rows: Number(ds.Rows),
        columns: Number(ds.Columns),
        imageOrientationPatient: iop,
        rowCosines: iop.slice(0, 3),
        columnCosines: iop.slice(3, 6),
        imagePositionPatient: asArray(ds.ImagePositionPatient).map(Number),
        rowPixelSpacing: spacing[0],
        columnPixelSpacing: spacing[1],
      };
    case "instance":
      return ds;
    case "sopCommonModule":
      return { sopInstanceUID: ds.SOPInstanceUID, sopClassUID: ds.SOPClassUID };
    case "frameNumber":
      return 1;
    default:
      return undefined;
  }
}, 10000);

const toolState = {};
for (const m of spec.measurements) {
  const imageId = PREFIX + m.sopInstanceUid;
  const ds = instances.get(m.sopInstanceUid);
  const stats =
    m.toolType === "Bidirectional"
      ? { length: distance(m.points[0], m.points[1]), width: distance(m.points[2], m.points[3]), unit: "mm", widthUnit: "mm" }
      : { length: distance(m.points[0], m.points[1]), unit: "mm" };
  const annotation = {
    annotationUID: DicomMetaDictionary.uid(),
    metadata: { toolName: m.toolType, referencedImageId: imageId, FrameOfReferenceUID: ds.FrameOfReferenceUID },
    data: {
      label: m.label,
      handles: { points: m.points },
      cachedStats: { [`imageId:${imageId}`]: stats },
    },
  };
  toolState[imageId] ||= {};
  toolState[imageId][m.toolType] ||= { data: [] };
  toolState[imageId][m.toolType].data.push(annotation);
}

const report = adaptersSR.Cornerstone3D.MeasurementReport.generateReport(toolState, metaData, {});
const buffer = dcmjs.data.datasetToBuffer(report.dataset);
fs.writeFileSync(spec.out, buffer);
process.stdout.write(spec.out + "\n");
