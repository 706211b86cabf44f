"""§9.8: the published JSON Schemas of the read, the adjudication record and the review output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_builders import e1_reads, signed_adjudication

from recist_reader import review_reads
from recist_reader.review.sample_study import sample_study
from recist_reader.review.schema import REVIEW_SCHEMAS, review_schema_text

jsonschema = pytest.importorskip("jsonschema")

DOCS_SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def validator(name):
    """A validator of a published schema; ``$ref`` to another published schema resolves."""
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text())))
        for path in DOCS_SCHEMAS.glob("*.schema.json")
    )
    schema = json.loads((DOCS_SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize("name", sorted(REVIEW_SCHEMAS))
def test_published_schema_is_generated_from_the_models(name):
    assert (DOCS_SCHEMAS / f"{name}.schema.json").read_text() == review_schema_text(name), (
        f"docs/schemas/{name}.schema.json is stale: run python -m recist_reader.review.schema docs/schemas"
    )


def test_the_study_files_conform():
    reads, adjudications = validator("read"), validator("adjudication")
    for name, document in sample_study().items():
        (adjudications if name.startswith("adjudication") else reads).validate(document)


def test_review_outputs_conform():
    review_schema = validator("review")
    study = sample_study()
    documents = list(study.values())
    reads = [d for d in documents if "read" in d]
    adjudications = [d for d in documents if d.get("kind") == "adjudication"]
    outputs = [
        review_reads(reads, adjudications),
        review_reads(
            reads,
            adjudications,
            full=True,
            triggers=["bor", "pd_date", "pd_status", "response_date", "timepoint"],
            bor_type="both",
        ),
        review_reads(reads[:3]),
        review_reads([]),
    ]
    r1, r2 = e1_reads()
    bad = signed_adjudication(r1, r2, selected="R3", reason_codes=["NOPE"])
    outputs.append(review_reads([r1, r2], [bad]))
    r2["read"]["reader_id"] = "rad-11"
    outputs.append(review_reads([r1, r2], [signed_adjudication(r1, r2)]))
    for output in outputs:
        review_schema.validate(output)


def test_schema_errors_name_the_json_path():
    r1, r2 = e1_reads()
    adjudication = signed_adjudication(r1, r2, selected="R3")
    errors = list(validator("adjudication").iter_errors(adjudication))
    assert [e.json_path for e in errors] == ["$.selected_read"]
    del r1["read"]
    r2["audit"][1]["prev"] = "sha1:abc"
    assert sorted(e.json_path for e in validator("read").iter_errors(r1)) == ["$"]
    best = jsonschema.exceptions.best_match(validator("read").iter_errors(r2))
    assert best.json_path == "$.audit[1].prev"
