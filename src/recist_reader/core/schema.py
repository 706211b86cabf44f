"""JSON Schemas of the patient record and the response, generated from the models.

``python -m recist_reader.core.schema docs/schemas`` (or ``recist-reader schema``) writes
``record.schema.json`` and ``response.schema.json``; a test checks the published files match.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def record_json_schema() -> dict[str, Any]:
    """JSON Schema of the patient record (design.md §1)."""
    from recist_reader.core.record import MEASUREMENT_SCHEMA_EXTRA, PatientRecord

    schema = PatientRecord.model_json_schema(mode="validation")
    schema["$defs"]["Measurement"].update(MEASUREMENT_SCHEMA_EXTRA)
    return {"$schema": SCHEMA_DIALECT, "$id": "record.schema.json", **schema}


def response_json_schema() -> dict[str, Any]:
    """JSON Schema of the per-visit response (design.md §2)."""
    from recist_reader.core.response_model import PatientResponse

    schema = PatientResponse.model_json_schema(mode="serialization")
    return {"$schema": SCHEMA_DIALECT, "$id": "response.schema.json", **schema}


SCHEMAS = {"record": record_json_schema, "response": response_json_schema}


def schema_text(name: str, schemas: Mapping[str, Callable[[], dict[str, Any]]] = SCHEMAS) -> str:
    """The schema ``name`` (record or response) as the text published in docs/schemas."""
    return json.dumps(schemas[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(
    folder: str | Path, schemas: Mapping[str, Callable[[], dict[str, Any]]] = SCHEMAS
) -> list[Path]:
    """Write every schema (of ``schemas``: name → function) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in schemas:
        path = folder / f"{name}.schema.json"
        path.write_text(schema_text(name, schemas), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for written in write_schemas(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas"):
        print(written)
