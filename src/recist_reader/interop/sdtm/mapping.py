"""One read's TU, TR and RS rows (sdtm.md §4–§6).

Rows are dicts keyed by variable name. Besides the variables each row carries ``_order`` (its
place in the --SEQ order: VISITNUM, evaluator, creation order) and ``_where`` (the file and the
JSON path it comes from, for validation messages); the writers drop both.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from recist_reader.core.exact import exact_sum, minus, to_decimal
from recist_reader.core.record import Lesion, Measurement, Visit
from recist_reader.interop.sdtm.location import (
    Location,
    NoLocationTerm,
    UnknownLocationCode,
    resolve_location,
)
from recist_reader.interop.sdtm.new_lesions import (
    Listing,
    NewFinding,
    new_lesion_findings,
    optional_field,
)
from recist_reader.interop.sdtm.options import SdtmOptions
from recist_reader.interop.sdtm.problems import Problems
from recist_reader.interop.sdtm.reads import Read, VisitPlace, number_text
from recist_reader.interop.sdtm.terminology import (
    DEFAULT_METHOD,
    LESION_METHODS,
    MODALITY_METHODS,
    NON_TARGET_STATES,
    NOT_DONE,
    NOT_EVALUATED,
    RESPONSES,
    RS_CATEGORY,
    RS_TESTS,
    TOO_SMALL_TO_MEASURE,
    TR_TESTS,
    TR_UNITS,
    TU_RESULTS,
    TU_TESTS,
    YES,
)

Row = dict[str, Any]
Tables = dict[str, list[Row]]

# Creation order within one visit and evaluator (sdtm.md §3 --SEQ).
_TU_LESION, _TU_NEW = 0, 1
_TR_TARGET, _TR_NON_TARGET, _TR_NEW, _TR_DERIVED = 0, 1, 2, 3
_RS_ORDER = {"TRGRESP": 0, "NTRGRESP": 1, "NEWLIND": 2, "NEWLPROG": 3, "OVRLRESP": 4, "BESTRESP": 5}


def read_tables(read: Read, options: SdtmOptions, problems: Problems) -> Tables:
    """The TU, TR and RS rows of one read (without --SEQ)."""
    findings, orphans = new_lesion_findings(read.record)
    for orphan in orphans:
        problems.warn(
            read.source,
            orphan.path,
            f"listed {optional_field(orphan.entry, 'status')} but never seen before: no new "
            "lesion to export (check new_lesion_id or location)",
        )
    return {
        "TU": _tu_rows(read, findings, options, problems),
        "TR": _tr_rows(read, findings, options),
        "RS": _rs_rows(read, options),
    }


def _common(read: Read, domain: str, place: VisitPlace, options: SdtmOptions) -> Row:
    """The identifiers, evaluator, vendor and timing every row of a read at a visit has."""
    row: Row = {
        "STUDYID": read.studyid,
        "DOMAIN": domain,
        "USUBJID": read.usubjid,
        f"{domain}EVAL": read.evaluator,
        f"{domain}EVALID": read.evaluator_id,
        f"{domain}ACPTFL": YES if read.accepted else None,
        "VISITNUM": place.visitnum,
        "VISIT": place.visit,
        f"{domain}DTC": place.dtc,
    }
    if place.epoch is not None:
        row["EPOCH"] = place.epoch
    if place.study_day is not None:
        row[f"{domain}DY"] = place.study_day
    if options.vendor is not None:
        row[f"{domain}NAM"] = options.vendor
    return row


# ---------------------------------------------------------------------------------------- TU


def _tu_rows(
    read: Read, findings: list[NewFinding], options: SdtmOptions, problems: Problems
) -> list[Row]:
    record = read.record
    baseline = read.places[_baseline_visit(read).visit_id]
    rows: list[Row] = []
    for index, lesion in enumerate(record.lesions):
        location = _location(
            read,
            problems,
            options,
            organ_text=lesion.organ,
            organ_path=f"lesions[{index}].organ",
            location_code=lesion.location_code,
            code_path=f"lesions[{index}].location_code",
            nodal=lesion.nodal,
        )
        if location is None:
            continue
        row = _common(read, "TU", baseline, options)
        row.update(
            _tu_result(read.prefix + lesion.lesion_id, TU_RESULTS[lesion.kind], location),
            TUMETHOD=LESION_METHODS[lesion.method],
            TULOBXFL=YES,
            _order=(baseline.visitnum, read.order, _TU_LESION, index),
            _where=(read.source, f"lesions[{index}]"),
        )
        rows.append(row)
    for finding in findings:
        first = next((ls for ls in finding.listings if ls.entry.location_code), finding.listings[0])
        entry = first.entry
        organ = optional_field(entry, "organ")
        location = _location(
            read,
            problems,
            options,
            organ_text=organ or entry.location,
            organ_path=f"{first.path}.{'organ' if organ else 'location'}",
            location_code=entry.location_code,
            code_path=f"{first.path}.location_code",
            nodal=_new_lesion_nodal(entry),
        )
        if location is None:
            continue
        place = read.places[finding.first_visit.visit_id]
        row = _common(read, "TU", place, options)
        row.update(
            _tu_result(read.prefix + finding.link_suffix, TU_RESULTS["new"], location),
            TUMETHOD=_new_lesion_method(finding.listings[0].entry, finding.listings[0].visit),
            TULOBXFL=None,
            _order=(place.visitnum, read.order, _TU_NEW, finding.number),
            _where=(read.source, finding.listings[0].path),
        )
        rows.append(row)
    return rows


def _tu_result(link_id: str, result: str, location: Location) -> Row:
    testcd = "TUMIDENT"
    return {
        "TULNKID": link_id,
        "TUTESTCD": testcd,
        "TUTEST": TU_TESTS[testcd],
        "TUORRES": result,
        "TUSTRESC": result,
        "TULOC": location.tuloc,
        "TULAT": location.tulat,
    }


def _location(
    read: Read,
    problems: Problems,
    options: SdtmOptions,
    *,
    organ_text: str,
    organ_path: str,
    location_code: str | None,
    code_path: str,
    nodal: bool,
) -> Location | None:
    """TULOC/TULAT, or None after recording why there is none."""
    try:
        location = resolve_location(
            organ_text,
            location_code=location_code,
            nodal=nodal,
            allow_free_text=options.allow_free_text_location,
        )
    except UnknownLocationCode as error:
        problems.add(read.source, code_path, str(error))
        return None
    except NoLocationTerm as error:
        problems.add(read.source, organ_path, str(error))
        return None
    if location.free_text:
        problems.warn(
            read.source,
            organ_path,
            f"{organ_text!r} has no CDISC Anatomical Location term: TULOC written as free "
            f"text {location.tuloc!r} (a controlled-terminology finding; add location_code)",
        )
    return location


def _new_lesion_nodal(entry: Any) -> bool:
    """Whether a new lesion is a node: its ``nodal``, else true for a porta hepatis node
    (design.md §7.5)."""
    nodal = optional_field(entry, "nodal")
    if nodal is not None:
        return bool(nodal)
    return optional_field(entry, "lesion_type") == "porta_hepatis_node"


def _new_lesion_method(entry: Any, visit: Visit) -> str:
    """A new lesion's method: its ``method``, else the modality of the visit's first series,
    else CT (sdtm.md §3)."""
    method = optional_field(entry, "method")
    if method in LESION_METHODS:
        return LESION_METHODS[method]
    if visit.series:
        modality = visit.series[0].modality
        if modality in MODALITY_METHODS:
            return MODALITY_METHODS[modality]
    return DEFAULT_METHOD


def _baseline_visit(read: Read) -> Visit:
    record = read.record
    return next(visit for visit in record.visits if visit.date == record.baseline_date)


# ---------------------------------------------------------------------------------------- TR


def _tr_rows(read: Read, findings: list[NewFinding], options: SdtmOptions) -> list[Row]:
    record = read.record
    response = read.response
    too_small_mm = to_decimal(response["config"]["too_small_mm"])
    follow_ups = {visit["visit_id"]: visit for visit in response["visits"]}
    listings_by_visit: dict[str, list[tuple[NewFinding, Listing]]] = {}
    for finding in findings:
        for listing in finding.listings:
            listings_by_visit.setdefault(listing.visit.visit_id, []).append((finding, listing))
    positions = {id(visit): index for index, visit in enumerate(record.visits)}
    rows: list[Row] = []
    for visit in read.visits_in_date_order():
        rows.extend(
            _visit_tr_rows(
                read,
                visit,
                f"visits[{positions[id(visit)]}]",
                listings_by_visit.get(visit.visit_id, []),
                None if visit.date == record.baseline_date else follow_ups.get(visit.visit_id),
                too_small_mm,
                options,
            )
        )
    return rows


def _visit_tr_rows(
    read: Read,
    visit: Visit,
    v_path: str,
    listings: list[tuple[NewFinding, Listing]],
    follow_up: Mapping[str, Any] | None,
    too_small_mm: Decimal,
    options: SdtmOptions,
) -> list[Row]:
    """The TR rows of one visit: targets, non-targets, new lesions, derived tests (sdtm.md §5)."""
    record = read.record
    place = read.places[visit.visit_id]
    baseline = visit.date == record.baseline_date
    rows: list[Row] = []

    def add(group: str, rank: int, values: Row, where: str) -> None:
        row = _common(read, "TR", place, options)
        row.update(
            TRGRPID=group,
            TRLNKGRP=place.link_group,
            TRLOBXFL=YES if baseline else None,
            TRSTAT=None,
            _order=(place.visitnum, read.order, rank, len(rows)),
            _where=(read.source, where),
        )
        row.update(values)
        rows.append(row)

    # The index of each lesion's measurement (the last, as measurement_by_lesion keeps).
    m_index = {m["lesion_id"]: i for i, m in enumerate(visit.measurements)}

    def measured(lesion: Lesion) -> tuple[Measurement | None, str]:
        """The lesion's measurement at this visit and its JSON path."""
        measurement = visit.measurement_by_lesion.get(lesion.lesion_id)
        if measurement is None:
            return None, f"{v_path}.measurements"
        return measurement, f"{v_path}.measurements[{m_index[lesion.lesion_id]}]"

    target_values: list[tuple[Lesion, Decimal | None]] = []
    for lesion in record.target_lesions:
        measurement, where = measured(lesion)
        value, values = _target_result(lesion, measurement, too_small_mm, options)
        target_values.append((lesion, value))
        lesion_values = {
            "TRLNKID": read.prefix + lesion.lesion_id,
            "TRMETHOD": LESION_METHODS[lesion.method],
        }
        add("TARGET", _TR_TARGET, values | lesion_values, where)
        other = _secondary_axis(lesion, measurement) if options.secondary_axis else None
        if other is not None:
            testcd, length_mm = other
            add(
                "TARGET", _TR_TARGET, _numeric(testcd, to_decimal(length_mm)) | lesion_values, where
            )
    for lesion in record.non_target_lesions:
        measurement, where = measured(lesion)
        status = None if measurement is None else measurement.get("status")
        values = _tumor_state(NON_TARGET_STATES.get(status or ""), measurement)
        values.update(
            TRLNKID=read.prefix + lesion.lesion_id, TRMETHOD=LESION_METHODS[lesion.method]
        )
        add("NON-TARGET", _TR_NON_TARGET, values, where)
    for finding, listing in listings:
        entry = listing.entry
        status = optional_field(entry, "status")
        if status == "absent":
            state: str | None = "ABSENT"
        elif status == "not_evaluated":
            state = None
        else:
            state = "EQUIVOCAL" if entry.equivocal else options.new_lesion_result
        values = _tumor_state(state, {"note": entry.note} if entry.note else None)
        values.update(
            TRLNKID=read.prefix + finding.link_suffix, TRMETHOD=_new_lesion_method(entry, visit)
        )
        add("NEW", _TR_NEW, values, listing.path)
    for testcd, value in _derived(target_values, follow_up, options):
        add("TARGET", _TR_DERIVED, _numeric(testcd, value) | {"TRMETHOD": None}, v_path)
    return rows


def _target_result(
    lesion: Lesion, measurement: Measurement | None, too_small_mm: Decimal, options: SdtmOptions
) -> tuple[Decimal | None, Row]:
    """A target's value at a visit (None when not evaluated) and its TR result variables."""
    testcd = options.nodal_testcd if lesion.nodal else "LDIAM"
    diameter = None if measurement is None else measurement.get("diameter_mm")
    status = None if measurement is None else measurement.get("status")
    if diameter is not None:
        value: Decimal | None = to_decimal(diameter)
        values = _numeric(testcd, value)
    elif status == "too_small":
        value = too_small_mm
        values = _numeric(testcd, value) | {"TRORRES": TOO_SMALL_TO_MEASURE}
    elif status == "absent":
        value = Decimal(0)
        values = _numeric(testcd, value)
    else:
        value = None
        values = _not_done(testcd, measurement) | {"TRORRESU": None, "TRSTRESU": None}
    return value, values


def _numeric(testcd: str, value: Decimal) -> Row:
    """A numeric TR result: the value as written, in its test's unit."""
    text = number_text(value)
    unit = TR_UNITS[testcd]
    return {
        "TRTESTCD": testcd,
        "TRTEST": TR_TESTS[testcd],
        "TRORRES": text,
        "TRORRESU": unit,
        "TRSTRESC": text,
        "TRSTRESN": float(value),
        "TRSTRESU": unit,
        "TRLNKID": None,
    }


def _tumor_state(state: str | None, measurement: Mapping[str, Any] | None) -> Row:
    """A TUMSTATE result, or NOT DONE when ``state`` is None."""
    if state is None:
        return _not_done("TUMSTATE", measurement) | {"TRORRESU": None, "TRSTRESU": None}
    return {
        "TRTESTCD": "TUMSTATE",
        "TRTEST": TR_TESTS["TUMSTATE"],
        "TRORRES": state,
        "TRORRESU": None,
        "TRSTRESC": state,
        "TRSTRESN": None,
        "TRSTRESU": None,
    }


def _not_done(testcd: str, measurement: Mapping[str, Any] | None) -> Row:
    note = None if measurement is None else measurement.get("note")
    return {
        "TRTESTCD": testcd,
        "TRTEST": TR_TESTS[testcd],
        "TRORRES": None,
        "TRSTRESC": None,
        "TRSTRESN": None,
        "TRSTAT": NOT_DONE,
        "TRREASND": note if note else NOT_EVALUATED,
    }


def _secondary_axis(lesion: Lesion, measurement: Measurement | None) -> tuple[str, float] | None:
    """The other axis of a measured target (``--secondary-axis``): a node's long axis as LDIAM,
    another lesion's short axis as LPERP."""
    if measurement is None or measurement.get("diameter_mm") is None:
        return None
    if lesion.nodal:
        other = measurement.get("long_axis_mm")
        return None if other is None else ("LDIAM", other)
    other = measurement.get("short_axis_mm")
    return None if other is None else ("LPERP", other)


def _derived(
    target_values: list[tuple[Lesion, Decimal | None]],
    follow_up: Mapping[str, Any] | None,
    options: SdtmOptions,
) -> list[tuple[str, Decimal]]:
    """The derived TR tests of a visit (``--tr-derived``), only where every target was
    evaluated: a partial sum is not a sum of diameters (sdtm.md §5)."""
    if not target_values or any(value is None for _, value in target_values):
        return []
    total = exact_sum(value for _, value in target_values)  # type: ignore[misc]
    derived: list[tuple[str, Decimal]] = []
    for testcd in options.tr_derived:
        if testcd == "SUMDIAM":
            derived.append((testcd, total))
        elif testcd == "SUMNLNLD":
            non_nodal = [value for lesion, value in target_values if not lesion.nodal]
            if non_nodal:
                derived.append((testcd, exact_sum(non_nodal)))  # type: ignore[arg-type]
        elif follow_up is None:
            continue
        elif testcd == "PCBSD" and follow_up["pct_change_baseline"] is not None:
            derived.append((testcd, to_decimal(follow_up["pct_change_baseline"])))
        elif testcd == "PCNSD" and follow_up["pct_change_nadir"] is not None:
            derived.append((testcd, to_decimal(follow_up["pct_change_nadir"])))
        elif testcd == "ACNSD" and follow_up["nadir_mm"] is not None:
            derived.append((testcd, minus(total, to_decimal(follow_up["nadir_mm"]))))
    return derived


# ---------------------------------------------------------------------------------------- RS


def _rs_rows(read: Read, options: SdtmOptions) -> list[Row]:
    rows: list[Row] = []
    visits = read.response["visits"]
    for index, visit in enumerate(visits):
        place = read.places[visit["visit_id"]]
        where = f"response visits[{index}] ({visit['visit_id']})"

        def add(testcd: str, result: str, _place: VisitPlace = place, _where: str = where) -> None:
            row = _common(read, "RS", _place, options)
            row.update(
                RSLNKGRP=_place.link_group if testcd == "OVRLRESP" else None,
                RSTESTCD=testcd,
                RSTEST=RS_TESTS[testcd],
                RSCAT=RS_CATEGORY,
                RSORRES=result,
                RSSTRESC=result,
                _order=(_place.visitnum, read.order, _RS_ORDER[testcd], 0),
                _where=(read.source, _where),
            )
            rows.append(row)

        if visit["target"] != "NA":
            add("TRGRESP", RESPONSES[visit["target"]])
        if visit["non_target"] != "NA":
            add("NTRGRESP", RESPONSES[visit["non_target"]])
        if options.newlind:
            add("NEWLIND", YES if visit["new_lesions"] else "N")
        if visit["new_lesions"] or visit["equivocal_new_lesions"]:
            add("NEWLPROG", "UNEQUIVOCAL" if visit["new_lesions"] else "EQUIVOCAL")
        add("OVRLRESP", RESPONSES[visit["overall"]])
        if options.bestresp and index == len(visits) - 1:
            best = read.response["best_overall_response"]["confirmed"]
            if best in RESPONSES:
                add("BESTRESP", RESPONSES[best])
    return rows
