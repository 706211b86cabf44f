"""``score_record``: a patient record in, its response JSON out (design.md §2, §4, §7.2)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from recist_reader.core.criteria import SUPPORTED_CRITERIA, criteria_class
from recist_reader.core.options import ScoringOptions, validate_option_overrides
from recist_reader.core.record import SCHEMA_VERSION, PatientRecord
from recist_reader.core.validation import parse_record
from recist_reader.errors import RecordError, RecordProblem

__all__ = [
    "SUPPORTED_CRITERIA",
    "criteria_names",
    "resolve_options",
    "score_parsed_record",
    "score_record",
]

DEFAULT_OPTIONS = ScoringOptions()


@functools.cache
def _defaults(options_class: type[ScoringOptions]) -> ScoringOptions:
    return DEFAULT_OPTIONS if options_class is ScoringOptions else options_class()


def resolve_options(
    record: PatientRecord,
    overrides: Mapping[str, Any],
    *,
    prefix: str,
    options_class: type[ScoringOptions] = ScoringOptions,
) -> ScoringOptions:
    """Defaults, then the record's ``config``, then ``overrides`` (the caller's).

    Only the keys ``options_class`` uses are taken; those of other criteria are accepted and
    ignored (design.md §7.4).
    """
    options = _defaults(options_class)
    config = record.config
    if config.model_fields_set:
        own = options_class.option_names()
        # The options the record sets (not None): model_dump(exclude_none=True), cheaper.
        record_config = {
            name: value
            for name in config.model_fields_set
            if name in own and (value := getattr(config, name)) is not None
        }
        if record_config:
            options = replace(options, **record_config)
    return options.with_overrides(overrides, path_prefix=prefix) if overrides else options


def criteria_names(criteria: str | Sequence[str]) -> tuple[str, ...]:
    """The names ``criteria`` gives (one name, or a list or tuple of names), checked.

    Raises
    ------
    RecordError
        ``unsupported_criteria`` for an unknown or repeated name, or an empty list.
    """
    names = (criteria,) if isinstance(criteria, str) else tuple(criteria)
    problem = None
    if not names:
        problem = "no criteria named"
    for name in names:
        if not isinstance(name, str) or name not in SUPPORTED_CRITERIA:
            problem = f"unsupported criteria {name!r}"
            break
    if problem is None and len(set(names)) != len(names):
        repeated = next(name for name in names if names.count(name) > 1)
        problem = f"criteria {repeated!r} named twice"
    if problem is not None:
        raise RecordError(
            [
                RecordProblem(
                    "criteria",
                    f"{problem}: name one or more of {', '.join(SUPPORTED_CRITERIA)}",
                    "unsupported_criteria",
                )
            ]
        )
    return names


def score_record(
    record: Mapping[str, Any], *, criteria: str | Sequence[str] | None = None, **options: Any
) -> dict[str, Any]:
    """Score one patient record under its primary criteria, or under those named.

    Parameters
    ----------
    record : dict
        A patient record as in design.md §1 and §7 (e.g. ``json.load`` of a record file).
    criteria : str or list of str, optional
        None: the record's primary criteria (its ``criteria``). A name (``"RECIST1.1"``,
        ``"mRECIST"``, ``"iRECIST"``): the response under that criteria. A list or tuple of
        names: one object holding a response per name, in the order given (design.md §7.2).
    **options
        Scoring options (design.md §7.4), overriding the record's ``config``.

    Returns
    -------
    dict
        The response JSON of design.md §2 (§7a, §7b), or
        ``{"schema_version", "patient_id", "responses": {name: response}}`` for a list.

    Raises
    ------
    RecordError
        When the record is invalid (under any of the named criteria: the problems name it),
        or a criteria name is unsupported (``unsupported_criteria``); ``error.problems`` name
        each field by its JSON path.

    Examples
    --------
    >>> record = {
    ...     "patient_id": "P1", "criteria": "RECIST1.1", "baseline_date": "2024-01-10",
    ...     "lesions": [{"lesion_id": "T1", "kind": "target", "organ": "liver"}],
    ...     "visits": [
    ...         {"visit_id": "BL", "date": "2024-01-10",
    ...          "measurements": [{"lesion_id": "T1", "diameter_mm": 71.0}]},
    ...         {"visit_id": "W8", "date": "2024-03-06",
    ...          "measurements": [{"lesion_id": "T1", "diameter_mm": 49.7}]}]}
    >>> score_record(record)["visits"][0]["target"]
    'PR'
    >>> sorted(score_record(record, criteria=["RECIST1.1", "mRECIST"])["responses"])
    ['RECIST1.1', 'mRECIST']
    """
    names = None if criteria is None else criteria_names(criteria)
    parsed = parse_record(record)
    if names is None:
        return score_parsed_record(parsed, options, option_prefix="options")
    if isinstance(criteria, str):
        return score_parsed_record(parsed, options, option_prefix="options", criteria=names[0])
    if options:  # once, not once per criteria
        validate_option_overrides(options, path_prefix="options")
    responses: dict[str, Any] = {}
    problems: list[RecordProblem] = []
    for name in names:
        try:
            responses[name] = score_parsed_record(
                parsed, options, option_prefix="options", criteria=name, name_criteria=True
            )
        except RecordError as error:
            problems.extend(error.problems)
    if problems:
        raise RecordError(problems)
    return {
        "schema_version": SCHEMA_VERSION,
        "patient_id": parsed.patient_id,
        "responses": responses,
    }


def score_parsed_record(
    record: PatientRecord,
    overrides: Mapping[str, Any],
    *,
    option_prefix: str,
    criteria: str | None = None,
    name_criteria: bool = False,
) -> dict[str, Any]:
    """Score a validated record under ``criteria`` (None: its primary criteria).

    ``overrides`` are option overrides named ``option_prefix.key``. Problems name the criteria
    when it is not the record's primary one, or when ``name_criteria`` says the record is
    scored under several (design.md §7.3).
    """
    name = record.criteria if criteria is None else criteria
    scorer = criteria_class(name)
    options = resolve_options(
        record, overrides, prefix=option_prefix, options_class=scorer.options_class
    )
    try:
        return scorer().score(record, options)
    except RecordError as error:
        if name_criteria or name != record.criteria:
            raise error.for_criteria(name) from None
        raise
