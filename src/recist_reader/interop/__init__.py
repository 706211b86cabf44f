"""Interoperability: the edge where recist-reader meets other systems (DICOM SR, DICOMweb, SDTM).

Nothing in :mod:`recist_reader.core` imports this package.
"""
