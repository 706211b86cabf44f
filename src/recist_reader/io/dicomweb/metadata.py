"""Instance headers from a DICOMweb server's metadata (WADO-RS ``.../metadata``, DICOM JSON).

Each instance's DICOM JSON becomes a pydicom dataset and then a
:class:`~recist_reader.io.dicom.headers.FileHeader` through the loader's own header code,
so grouping, geometry and the checks are those of a folder, before any pixel is fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recist_reader.io.dicom.fastheader import EXPLICIT_VR_LITTLE_ENDIAN
from recist_reader.io.dicom.headers import FileHeader, UnreadableDicomError, dataset_header

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

#: DICOM JSON keys (tags) of the three pixel data elements.
_PIXEL_KEYS = {
    "7FE00010": "PixelData",
    "7FE00008": "FloatPixelData",
    "7FE00009": "DoubleFloatPixelData",
}
_SOP_INSTANCE_UID = "00080018"
_ROWS = "00280010"
_AVAILABLE_TRANSFER_SYNTAX_UID = "00083002"


def json_value(instance: dict[str, Any], tag: str) -> Any:
    """The first value of ``tag`` in one DICOM JSON object, or None."""
    values = instance.get(tag, {}).get("Value")
    return values[0] if values else None


def instance_uid(instance: dict[str, Any]) -> str:
    """The SOPInstanceUID of one DICOM JSON object ('' when absent)."""
    return str(json_value(instance, _SOP_INSTANCE_UID) or "")


def header_from_json(instance: dict[str, Any], path: str) -> FileHeader:
    """The loader's header of one instance's DICOM JSON metadata.

    Parameters
    ----------
    instance : dict
        One item of a WADO-RS metadata answer.
    path : str
        What names the instance in messages (its WADO-RS URL).

    Raises
    ------
    UnreadableDicomError
        The JSON cannot be read as a dataset.
    """
    pixel_keyword = next((k for tag, k in _PIXEL_KEYS.items() if tag in instance), None)
    if pixel_keyword is None and _ROWS in instance:
        pixel_keyword = "PixelData"  # servers leave compressed pixel data out of metadata
    try:
        ds = metadata_dataset(instance)
    except Exception as exc:  # pydicom raises many kinds on odd JSON
        raise UnreadableDicomError(
            f"its metadata cannot be read ({type(exc).__name__}: {str(exc)[:120]})"
        ) from None
    ds.set_original_encoding(False, True)
    return dataset_header(path, ds, pixel_keyword)


def metadata_dataset(instance: dict[str, Any]) -> Dataset:
    """One instance's DICOM JSON metadata as a pydicom dataset, without pixel or bulk data.

    ``file_meta.TransferSyntaxUID`` is the server's AvailableTransferSyntaxUID when given,
    else Explicit VR Little Endian.
    """
    from pydicom.dataset import Dataset, FileMetaDataset

    attributes = {tag: value for tag, value in instance.items() if tag not in _PIXEL_KEYS}
    ds = Dataset.from_json(attributes, bulk_data_uri_handler=_no_bulk_data)
    ds.file_meta = FileMetaDataset()
    syntax = json_value(instance, _AVAILABLE_TRANSFER_SYNTAX_UID)
    ds.file_meta.TransferSyntaxUID = str(syntax or EXPLICIT_VR_LITTLE_ENDIAN)
    ds.file_meta.MediaStorageSOPClassUID = str(json_value(instance, "00080016") or "")
    ds.file_meta.MediaStorageSOPInstanceUID = instance_uid(instance)
    return ds


def _no_bulk_data(tag: str, vr: str, uri: str) -> bytes:
    """Bulk data (overlays, private blobs) is never fetched for a header."""
    return b""
