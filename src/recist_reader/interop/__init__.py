"""Exchange with other systems' standards (CDISC SDTM, DICOM SR). The core never imports it."""
