"""Reading and writing files: patient records, responses, DICOM series."""
