"""``review_reads``: pair the reads of each patient, check them, find discordance, apply the
adjudications, and report each patient's status and central outcome with the agreement
statistics (central-review.md CRV1–CRV20, design.md §9.5)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recist_reader.review.adjudication import (
    Adjudication,
    adjudication_problems,
    parse_adjudication,
)
from recist_reader.review.agreement import (
    ProgressionPair,
    ReaderCase,
    adjudication_rate,
    bor_agreement,
    cohen_kappa,
    investigator_vs_central,
    mapping_counts,
    pd_agreement,
    reader_metrics,
)
from recist_reader.review.options import SLOTS, ReviewOptions
from recist_reader.review.problems import ReviewProblem, problem
from recist_reader.review.reads import Read, check_read, make_read
from recist_reader.review.triggers import discordance

REVIEW_SCHEMA_VERSION = 1
STATUSES = ("concordant", "adjudicated", "awaiting_adjudication", "awaiting_reads", "invalid")
#: Statuses of a patient with two complete valid central reads (the statistics' population).
PAIRED_STATUSES = frozenset({"concordant", "adjudicated", "awaiting_adjudication"})


@dataclass
class PatientReview:
    """One patient's review.

    Attributes
    ----------
    patient_id : str
    reads : list of Read
        Every read of the patient (central and investigator), in input order.
    adjudications : list of Adjudication
    status : str
        One of :data:`STATUSES`.
    slots : dict
        ``{"R1": Read, "R2": Read}`` for the slots holding exactly one read.
    investigator : Read or None
        The single investigator read, if any.
    discordance : dict
        The triggers that fired, with both values (valid pairs only).
    adjudication : Adjudication or None
        The patient's adjudication when there is exactly one.
    adjudication_applied : bool
    central_slot, basis : str or None
        The read of record and why (``concordant`` | ``adjudicated``).
    problems, warnings : list of ReviewProblem
    """

    patient_id: str
    reads: list[Read] = field(default_factory=list)
    adjudications: list[Adjudication] = field(default_factory=list)
    status: str = "awaiting_reads"
    slots: dict[str, Read] = field(default_factory=dict)
    investigator: Read | None = None
    discordance: dict[str, Any] = field(default_factory=dict)
    adjudication: Adjudication | None = None
    adjudication_applied: bool = False
    central_slot: str | None = None
    basis: str | None = None
    problems: list[ReviewProblem] = field(default_factory=list)
    warnings: list[ReviewProblem] = field(default_factory=list)

    @property
    def paired(self) -> bool:
        """Two complete valid central reads (CRV2–CRV4, CRV14)."""
        return self.status in PAIRED_STATUSES

    @property
    def central_read(self) -> Read | None:
        """The read of record, when there is one (CRV10)."""
        return None if self.central_slot is None else self.slots[self.central_slot]

    @property
    def arm(self) -> str | None:
        """The treatment arm the reads carry (the investigator read's first)."""
        ordered = ([self.investigator] if self.investigator else []) + self.reads
        for read in ordered:
            arm = read.data.get("arm")
            if isinstance(arm, str) and arm:
                return arm
        return None


@dataclass
class Review:
    """The result of a review: the patients, the options, and the JSON of design.md §9.5."""

    patients: list[PatientReview]
    options: ReviewOptions
    scoring: dict[str, Any]

    def as_json(self, *, full: bool = False) -> dict[str, Any]:
        """The review output (design.md §9.5); ``full`` adds ``central.response``."""
        return review_json(self, full=full)


def _dedupe(problems: Iterable[ReviewProblem]) -> list[ReviewProblem]:
    """Problems in order, a ``record_error`` reported twice for one field kept once."""
    seen: set[tuple[str, str | None, str | None]] = set()
    kept = []
    for item in problems:
        key = (item.code, item.read_id, item.path)
        if item.code == "record_error" and key in seen:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def _pairing_problems(patient: PatientReview) -> list[ReviewProblem]:
    """CRV2: one read per slot, at most one investigator read, two different readers."""
    problems = []
    groups: dict[str, list[Read]] = {}
    for read in patient.reads:
        if read.role == "central_reader" and read.slot is not None:
            groups.setdefault(read.slot, []).append(read)
        elif read.role == "investigator":
            groups.setdefault("investigator", []).append(read)
    for key, reads in groups.items():
        if len(reads) > 1:
            names = ", ".join(r.read_id or r.label for r in reads)
            where = f"slot {key}" if key in SLOTS else "the investigator role"
            for read in reads[1:]:
                problems.append(
                    problem(
                        "duplicate_read",
                        f"patient {patient.patient_id} has {len(reads)} reads in {where} "
                        f"({names}): one read per slot",
                        read_id=read.read_id or read.label,
                        path="read.slot" if key in SLOTS else "read.role",
                    )
                )
        elif key in SLOTS:
            patient.slots[key] = reads[0]
        else:
            patient.investigator = reads[0]
    r1, r2 = patient.slots.get("R1"), patient.slots.get("R2")
    if r1 and r2 and r1.reader_id is not None and r1.reader_id == r2.reader_id:
        problems.append(
            problem(
                "same_reader",
                f"R1 ({r1.read_id}) and R2 ({r2.read_id}) are both by {r1.reader_id!r}: "
                "the two reads must be by two independent readers",
                read_id=r2.read_id,
                path="read.reader_id",
            )
        )
    return problems


def _visit_dates(read: Read) -> dict[str, str]:
    assert read.record is not None
    return {v.visit_id: v.date.isoformat() for v in read.record.visits}


def _pair_problems(r1: Read, r2: Read) -> list[ReviewProblem]:
    """CRV3 (same timepoints, baseline and study) and CRV4 (same criteria and scoring)."""
    assert r1.record is not None and r2.record is not None
    assert r1.response is not None and r2.response is not None
    problems = []

    def mismatch(code: str, path: str, text: str) -> None:
        problems.append(
            problem(
                code, f"R1 {r1.read_id} and R2 {r2.read_id}: {text}", read_id=r2.read_id, path=path
            )
        )

    if r1.record.baseline_date != r2.record.baseline_date:
        mismatch(
            "timepoint_mismatch",
            "baseline_date",
            f"baseline_date {r1.record.baseline_date} ≠ {r2.record.baseline_date}",
        )
    dates1, dates2 = _visit_dates(r1), _visit_dates(r2)
    if dates1 != dates2:
        only1 = sorted(set(dates1) - set(dates2))
        only2 = sorted(set(dates2) - set(dates1))
        moved = sorted(v for v in set(dates1) & set(dates2) if dates1[v] != dates2[v])
        parts = [
            f"only in R1: {', '.join(only1)}" if only1 else "",
            f"only in R2: {', '.join(only2)}" if only2 else "",
            ", ".join(f"{v} dated {dates1[v]} vs {dates2[v]}" for v in moved),
        ]
        mismatch(
            "timepoint_mismatch",
            "visits",
            "the reads must hold the same visit_ids with the same dates (the core lab assigns "
            "timepoints): " + "; ".join(p for p in parts if p),
        )
    study1, study2 = r1.data.get("study_id"), r2.data.get("study_id")
    if study1 != study2:
        mismatch("timepoint_mismatch", "study_id", f"study_id {study1!r} ≠ {study2!r}")
    if r1.response["criteria"] != r2.response["criteria"]:
        mismatch(
            "scoring_config_mismatch",
            "criteria",
            f"criteria {r1.response['criteria']!r} ≠ {r2.response['criteria']!r}",
        )
    config1, config2 = r1.response["config"], r2.response["config"]
    differing = [k for k in config1 if config1.get(k) != config2.get(k)]
    differing += [k for k in config2 if k not in config1]
    if differing:
        mismatch(
            "scoring_config_mismatch",
            "config",
            "scored with different options ("
            + ", ".join(f"{k}: {config1.get(k)!r} vs {config2.get(k)!r}" for k in differing)
            + "): both reads are scored with the same config",
        )
    return problems


def _apply_adjudications(patient: PatientReview, options: ReviewOptions) -> None:
    """CRV7–CRV10: validate the adjudication and settle the status and the read of record."""
    adjudications = patient.adjudications
    if len(adjudications) == 1:
        patient.adjudication = adjudications[0]
    if not patient.paired:
        for adjudication in adjudications:
            patient.warnings.append(
                problem(
                    "adjudication_premature",
                    f"patient {patient.patient_id} does not have two complete valid reads "
                    f"(status {patient.status}): the adjudication is ignored",
                    read_id=adjudication.label,
                    subject="adjudication",
                )
            )
        return
    discordant = bool(patient.discordance)
    valid = None
    if len(adjudications) > 1:
        for adjudication in adjudications:
            patient.problems.append(
                problem(
                    "duplicate_adjudication",
                    f"patient {patient.patient_id} has {len(adjudications)} adjudications: one "
                    "decision per patient; withdraw all but one (a QC action)",
                    read_id=adjudication.label,
                    subject="adjudication",
                )
            )
    elif adjudications:
        found = adjudication_problems(adjudications[0], patient.slots, options)
        patient.problems += found
        if not found:
            valid = adjudications[0]
    if valid is not None and not discordant:
        patient.warnings.append(
            problem(
                "adjudication_not_required",
                f"the reads of {patient.patient_id} are concordant; the adjudication is "
                + (
                    "applied (unrequired_adjudication: apply)"
                    if options.unrequired_adjudication == "apply"
                    else "ignored (unrequired_adjudication: ignore)"
                ),
                read_id=valid.label,
                subject="adjudication",
            )
        )
        if options.unrequired_adjudication == "ignore":
            valid = None
    if valid is not None:
        patient.status, patient.basis = "adjudicated", "adjudicated"
        patient.central_slot = valid.record.selected_read
        patient.adjudication_applied = True
    elif discordant:
        patient.status = "awaiting_adjudication"
    else:
        patient.status, patient.basis = "concordant", "concordant"
        patient.central_slot = options.concordant_source


def review_patient(patient: PatientReview, options: ReviewOptions) -> None:
    """Settle one patient's status, discordance and read of record (reads already checked)."""
    patient.problems = _dedupe(
        [p for read in patient.reads for p in read.problems] + _pairing_problems(patient)
    )
    r1, r2 = patient.slots.get("R1"), patient.slots.get("R2")
    if patient.problems:
        patient.status = "invalid"
    elif r1 is None or r2 is None or not (r1.complete and r2.complete):
        patient.status = "awaiting_reads"
    else:
        patient.problems = _pair_problems(r1, r2)
        if patient.problems:
            patient.status = "invalid"
        else:
            assert r1.response is not None and r2.response is not None
            patient.discordance = discordance(r1.response, r2.response, options)
            patient.status = "awaiting_adjudication" if patient.discordance else "concordant"
    _apply_adjudications(patient, options)


def run_review(
    reads: Sequence[Read],
    adjudications: Sequence[Adjudication],
    options: ReviewOptions,
    scoring: Mapping[str, Any],
) -> Review:
    """Check and score every read, then review each patient (sorted by patient id)."""
    patients: dict[str, PatientReview] = {}
    by_read_id: dict[str, Read] = {}
    for read in reads:
        check_read(read, options, scoring)
        if read.read_id is not None:
            first = by_read_id.setdefault(read.read_id, read)
            if first is not read:
                read.problems.append(
                    problem(
                        "duplicate_read",
                        f"read_id {read.read_id!r} is also the id of another read "
                        f"({first.source or first.label}): read ids are unique",
                        read_id=read.read_id,
                        path="read.read_id",
                    )
                )
        patients.setdefault(read.patient_id, PatientReview(read.patient_id)).reads.append(read)
    for adjudication in adjudications:
        patient_id = adjudication.record.patient_id
        patients.setdefault(patient_id, PatientReview(patient_id)).adjudications.append(
            adjudication
        )
    ordered = [patients[key] for key in sorted(patients)]
    for patient in ordered:
        review_patient(patient, options)
    return Review(ordered, options, dict(scoring))


def review_reads(
    records: Iterable[Mapping[str, Any]],
    adjudications: Iterable[Mapping[str, Any]] = (),
    *,
    scoring: Mapping[str, Any] | None = None,
    full: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Review the reads of a blinded independent central review (design.md §9.5).

    Parameters
    ----------
    records : iterable of dict
        Read records as loaded from JSON (design.md §1 with the §9.2 ``read`` block).
        Records without a ``read`` block are not part of the review and are skipped.
    adjudications : iterable of dict
        Adjudication records (design.md §9.4).
    scoring : dict, optional
        Scoring options applied to both reads (CRV4; design.md §1 ``config`` keys).
    full : bool
        Add each central read's whole response under ``central.response``.
    **options
        Review options (central-review.md §5): ``triggers``, ``bor_type``, ...

    Returns
    -------
    dict
        The review output of design.md §9.5.

    Raises
    ------
    ReviewOptionError
        An unknown review option or a value the charter does not allow (a ValueError).
    RecordError
        An unknown scoring option (a ValueError).
    ReviewInputError
        A record that is not an object or has no patient_id (a ValueError).
    AdjudicationFileError
        A structurally invalid adjudication record (a ValueError).
    """
    review = review_documents(records, adjudications, scoring=scoring, **options)
    return review.as_json(full=full)


class ReviewInputError(ValueError):
    """A document given to the review cannot be attributed to a patient."""


def review_documents(
    records: Iterable[Mapping[str, Any]],
    adjudications: Iterable[Mapping[str, Any]] = (),
    *,
    scoring: Mapping[str, Any] | None = None,
    sources: Sequence[str | None] | None = None,
    adjudication_sources: Sequence[str | None] | None = None,
    **options: Any,
) -> Review:
    """Like :func:`review_reads`, returning the :class:`Review` (for the cohort and the widget).

    ``sources`` and ``adjudication_sources`` name the file of each document, for messages.
    """
    from recist_reader.core.options import ScoringOptions

    review_options = ReviewOptions.from_mapping(options)
    scoring = dict(scoring or {})
    ScoringOptions().with_overrides(scoring, path_prefix="scoring")
    reads = []
    for index, record in enumerate(records):
        source = sources[index] if sources is not None else None
        where = source or f"records[{index}]"
        if not isinstance(record, Mapping):
            raise ReviewInputError(f"{where}: a read record is a JSON object")
        if record.get("read") is None:
            continue
        if not isinstance(record.get("patient_id"), str) or not record["patient_id"]:
            raise ReviewInputError(f"{where}: patient_id: required, the patient's id as text")
        reads.append(make_read(record, label=where, source=source))
    parsed = [
        Adjudication(parse_adjudication(document, source=source), document, source)
        for document, source in zip(
            adjudications,
            adjudication_sources if adjudication_sources is not None else _nones(),
        )
    ]
    return run_review(reads, parsed, review_options, scoring)


def _nones() -> Iterable[None]:
    while True:
        yield None


def _central_json(patient: PatientReview, *, full: bool) -> dict[str, Any] | None:
    read = patient.central_read
    if read is None:
        return None
    response = read.response
    assert response is not None
    central = {
        "source": patient.central_slot,
        "basis": patient.basis,
        "read_id": read.read_id,
        "best_overall_response": dict(response["best_overall_response"]),
        "progression": response["progression"],
        "pfs": response["pfs"],
        "duration_of_response": response["duration_of_response"],
    }
    if full:
        central["response"] = response
    return central


def _adjudication_json(patient: PatientReview) -> dict[str, Any] | None:
    adjudication = patient.adjudication
    if adjudication is None:
        return None
    record = adjudication.record
    return {
        "adjudication_id": record.adjudication_id,
        "selected_read": record.selected_read,
        "adjudicator_id": record.adjudicator_id,
        "adjudicated_at": record.adjudicated_at,
        "rationale": record.rationale,
        "reason_codes": record.reason_codes,
        "required": bool(patient.discordance) if patient.paired else None,
        "applied": patient.adjudication_applied,
    }


def patient_json(patient: PatientReview, *, full: bool = False) -> dict[str, Any]:
    """One entry of the review's ``patients`` (design.md §9.5)."""
    investigator = patient.investigator
    return {
        "patient_id": patient.patient_id,
        "status": patient.status,
        "reads": {slot: patient.slots[slot].summary() for slot in SLOTS if slot in patient.slots},
        "triggers": sorted(patient.discordance),
        "discordance": patient.discordance,
        "adjudication": _adjudication_json(patient),
        "central": _central_json(patient, full=full),
        "investigator": investigator.summary()
        if investigator is not None and investigator.scored and patient.status != "invalid"
        else None,
        "problems": [p.as_json() for p in patient.problems],
        "warnings": [w.as_json() for w in patient.warnings],
    }


def agreement_json(patients: Sequence[PatientReview], options: ReviewOptions) -> dict[str, Any]:
    """The ``agreement`` block (CRV15–CRV19) over the patients with two valid reads."""
    pairs = [p for p in patients if p.paired]
    responses = [(p.slots["R1"].response, p.slots["R2"].response) for p in pairs]
    n_discordant = sum(1 for p in pairs if p.discordance)
    timepoints = []
    for r1, r2 in responses:
        overall2 = {v["visit_id"]: v["overall"] for v in r2["visits"]}
        timepoints += [(v["overall"], overall2[v["visit_id"]]) for v in r1["visits"]]
    cases = []
    for patient in pairs:
        required = patient.adjudication_applied and bool(patient.discordance)
        for slot in SLOTS:
            read = patient.slots[slot]
            selected = patient.central_slot == slot
            cases.append(ReaderCase(read.reader_id or "", required, required and selected))
    timepoint = cohen_kappa(timepoints)
    return {
        "n_pairs": len(pairs),
        "n_discordant": n_discordant,
        **adjudication_rate(n_discordant, len(pairs), options.alpha),
        "by_trigger": mapping_counts(options.triggers, (p.discordance for p in pairs)),
        "bor": {
            kind: bor_agreement(
                [
                    (r1["best_overall_response"][kind], r2["best_overall_response"][kind])
                    for r1, r2 in responses
                ]
            )
            for kind in ("confirmed", "unconfirmed")
        },
        "pd": pd_agreement(
            [
                tuple(None if r["progression"] is None else r["progression"]["date"] for r in pair)
                for pair in responses
            ],
            options.pd_date_windows_days,
        ),
        "timepoint": {key: timepoint[key] for key in ("n", "p_o", "p_e", "kappa")},
        "readers": reader_metrics(cases),
    }


def review_json(review: Review, *, full: bool = False) -> dict[str, Any]:
    """The review output of design.md §9.5."""
    patients = review.patients
    comparisons = []
    for patient in patients:
        central, investigator = patient.central_read, patient.investigator
        if central is None or investigator is None or not investigator.scored:
            continue
        assert central.response is not None and investigator.response is not None
        comparisons.append(
            ProgressionPair(
                investigator=_pd_date(investigator.response),
                central=_pd_date(central.response),
                arm=patient.arm,
            )
        )
    return {
        "schema_version": REVIEW_SCHEMA_VERSION,
        "options": review.options.as_json(),
        "scoring": review.scoring,
        "n_patients": len(patients),
        "status_counts": {s: sum(1 for p in patients if p.status == s) for s in STATUSES},
        "patients": [patient_json(p, full=full) for p in patients],
        "agreement": agreement_json(patients, review.options),
        "investigator_vs_central": investigator_vs_central(comparisons),
    }


def _pd_date(response: Mapping[str, Any]) -> str | None:
    progression = response["progression"]
    return None if progression is None else progression["date"]
