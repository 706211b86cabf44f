"""The published JSON Schemas match the code, and real inputs and outputs conform to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recist_reader import score_record
from recist_reader.core.record_builder import RecordBuilder
from recist_reader.core.schema import SCHEMAS, schema_text

jsonschema = pytest.importorskip("jsonschema")

DOCS_SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"


def validator(name):
    schema = json.loads((DOCS_SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_is_generated_from_the_models(name):
    published = (DOCS_SCHEMAS / f"{name}.schema.json").read_text()
    assert published == schema_text(name), (
        f"docs/schemas/{name}.schema.json is stale: run python -m recist_reader.core.schema docs/schemas"
    )


def example_records():
    builder = RecordBuilder("P1", config={"sd_min_days": 56})
    builder.target("T1", organ="liver", baseline_mm=42.0).target(
        "N1", organ="node", nodal=True, baseline_mm=18
    )
    builder.non_target("NT1", organ="bone")
    builder.visit(day=56, T1=20.0, N1="too_small", NT1="present", equivocal=["lung"])
    builder.visit(day=112, T1=None, N1=5.0, NT1="not_evaluated", new=["lung"])
    records = [builder.to_dict()]
    records += [json.loads(path.read_text()) for path in sorted(SAMPLE_DATA.glob("records/*.json"))]
    return records


def test_records_and_responses_conform_to_the_schemas():
    record_validator, response_validator = validator("record"), validator("response")
    records = example_records()
    assert len(records) > 1
    for record in records:
        record_validator.validate(record)
        response_validator.validate(score_record(record))


def test_schema_rejects_what_the_code_rejects():
    record_validator = validator("record")
    record = example_records()[0]
    record["visits"][1]["measurements"][0]["diameter_mm"] = -1
    assert not record_validator.is_valid(record)
    record = example_records()[0]
    record["config"] = {"unknown": 1}
    assert not record_validator.is_valid(record)
