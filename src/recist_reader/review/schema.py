"""JSON Schemas of the read, the adjudication record and the review output (design.md §9.8).

``python -m recist_reader.review.schema docs/schemas`` writes ``read.schema.json``,
``adjudication.schema.json`` and ``review.schema.json``; a test checks the published files
match.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from recist_reader.core.schema import SCHEMA_DIALECT, schema_text, write_schemas


def read_json_schema() -> dict[str, Any]:
    """The read: a patient record (``record.schema.json``, design.md §1 with §9.1–§9.3) whose
    ``read`` block is required. It refers to the record schema rather than copying it, so
    that it follows every change of the record model."""
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "read.schema.json",
        "title": "Central review read",
        "description": "One reader's read of one patient: a patient record with its read block "
        "(design.md §9.2), per-visit locked_at and the hash-chained audit trail (§9.3).",
        "allOf": [{"$ref": "record.schema.json"}],
        "required": ["read"],
        "properties": {"read": {"type": "object"}},
    }


def adjudication_json_schema() -> dict[str, Any]:
    """The adjudication record (design.md §9.4)."""
    from recist_reader.review.adjudication import REASON_CODES, AdjudicationRecord

    schema = AdjudicationRecord.model_json_schema(mode="validation")
    # The CRV8 fields are read as given (a bad value is a review problem, not a broken file);
    # the schema states what a valid record holds.
    schema["required"] = [*schema["required"], "selected_read"]
    properties = schema["properties"]
    properties["selected_read"] = {"enum": ["R1", "R2"], "description": "the read selected, whole"}
    properties["rationale"] = {
        "type": "string",
        "description": "required unless the charter turns require_rationale off",
    }
    properties["reason_codes"] = {"type": "array", "items": {"enum": list(REASON_CODES)}}
    return {"$schema": SCHEMA_DIALECT, "$id": "adjudication.schema.json", **schema}


def review_json_schema() -> dict[str, Any]:
    """The review output (design.md §9.5)."""
    from recist_reader.review.output_model import RESPONSE_PART, ReviewOutput

    def referenced(node: Any) -> Any:
        if isinstance(node, dict):
            if RESPONSE_PART in node:
                name = node[RESPONSE_PART]
                return {"$ref": "response.schema.json" + (f"#/$defs/{name}" if name else "")}
            return {key: referenced(value) for key, value in node.items()}
        if isinstance(node, list):
            return [referenced(value) for value in node]
        return node

    schema = referenced(ReviewOutput.model_json_schema(mode="serialization"))
    return {"$schema": SCHEMA_DIALECT, "$id": "review.schema.json", **schema}


REVIEW_SCHEMAS = {
    "read": read_json_schema,
    "adjudication": adjudication_json_schema,
    "review": review_json_schema,
}


def review_schema_text(name: str) -> str:
    """The schema ``name`` as published in docs/schemas."""
    return schema_text(name, REVIEW_SCHEMAS)


def write_review_schemas(folder: str | Path) -> list[Path]:
    """Write the three review schemas into ``folder``."""
    return write_schemas(folder, REVIEW_SCHEMAS)


if __name__ == "__main__":  # pragma: no cover
    for written in write_review_schemas(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas"):
        print(written)
