"""iRECIST time points: iUPD episodes, their confirmation (iCPD), reset and early scans.

Rules I6–I8 of the iRECIST rule book. :class:`EpisodeTracker` takes the follow-ups in date
order, each with its baseline-disease reading (target and non-target categories, sums, as RECIST
1.1 computes them) and its new-lesion reading, and decides the time point: the I8.1 table
without an open episode, I7 with one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from recist_reader.core.assessment import VisitAssessment
from recist_reader.core.criteria.irecist_new_lesions import (
    NO_NEW_LESIONS,
    NewLesionReading,
    TrackedNewLesion,
)
from recist_reader.core.exact import EXACT, ZERO, minus, mm_text
from recist_reader.core.labels import (
    BEST_RESPONSE_RANK,
    CR,
    NA,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    Response,
)
from recist_reader.core.options import ScoringOptions
from recist_reader.core.record import PatientRecord
from recist_reader.core.timepoint import overall_non_target_only, overall_with_targets

if TYPE_CHECKING:
    from recist_reader.core.criteria.irecist import Irecist

#: The categories that can open an episode (§7b ``iupd_basis``), in this order.
TARGET, NON_TARGET, NEW_LESIONS = "target", "non_target", "new_lesions"
#: §7b ``icpd_triggers``, in the order they are listed.
TRIGGERS = (
    "target_sum_increase",
    "target_progression",
    "non_target_increase",
    "non_target_progression",
    "nlt_sum_increase",
    "nlnt_increase",
    "new_lesion_progression",
    "additional_new_lesion",
)
#: I7.3a/e, IA8: a further increase is at least 5 mm (inclusive).
FURTHER_INCREASE_MM = Decimal(5)
#: IA2: the recommended confirmation window ends 8 weeks after the iUPD.
RECOMMENDED_CONFIRMATION_MAX_DAYS = 56

Outcome = Literal["open", "confirmed", "reset"]


@dataclass(slots=True)
class IrecistVisit(VisitAssessment):
    """A follow-up under iRECIST: the shared assessment plus the iRECIST layer.

    ``overall`` holds the RECIST-shaped category the shared endpoints rank (PD for both iUPD
    and iCPD); ``confirmed`` tells iCPD from iUPD.
    """

    target_values: list[Decimal | None] | None = None
    nlt_sum_mm: Decimal | None = None
    confirmed: bool = False
    iupd_basis: tuple[str, ...] = ()
    icpd_triggers: tuple[str, ...] = ()
    disregarded: bool = False
    new_lesions_reading: NewLesionReading | None = None


@dataclass(slots=True, eq=False)
class Episode:
    """An iUPD and what followed it (§7b ``iupd_episodes``).

    Attributes
    ----------
    iupd : IrecistVisit
        The first iUPD time point of the episode.
    dated_visit_id, date
        What the episode is dated to: the iUPD, or the first sighting of a new lesion first
        seen as equivocal (I6.3, IA18).
    basis : tuple of str
    baseline_disease : Response
        RECIST 1.1 Table 1/2 response without new lesions at the first iUPD (I7.4, IA4).
    target_reference, nlt_reference : dict
        The values the "+5 mm" of I7.3a/e is measured from (IA3): target index or new-lesion
        key to value, for the lesions evaluated at the reference visit.
    known_new_lesions : tuple of TrackedNewLesion
        The new lesions known at the first iUPD (I7.3e).
    """

    iupd: IrecistVisit
    dated_visit_id: str
    date: dt.date
    basis: tuple[str, ...]
    baseline_disease: Response
    target_reference: dict[int, Decimal]
    nlt_reference: dict[str, Decimal]
    known_new_lesions: tuple[TrackedNewLesion, ...]
    outcome: Outcome = "open"
    closed: IrecistVisit | None = None
    eligible_seen: bool = False

    def as_json(self) -> dict:
        """The §7b ``iupd_episodes`` entry."""
        return {
            "iupd_visit_id": self.iupd.visit_id,
            "iupd_date": self.iupd.date.isoformat(),
            "dated_visit_id": self.dated_visit_id,
            "basis": list(self.basis),
            "outcome": self.outcome,
            "closed_visit_id": None if self.closed is None else self.closed.visit_id,
        }


def _sum_over(values: dict, keys) -> Decimal:
    total = ZERO
    for key in keys:
        total = EXACT.add(total, values[key])
    return total


def further_increase(reference: dict, current: dict, *, what: str) -> tuple[bool, str] | None:
    """I7.3a/e: the lesions of ``reference`` measure at least 5 mm more now.

    Compared over the reference's lesions that are evaluated now; lesions not evaluated now
    can only add, so the evaluated ones alone may meet it (I3.2). None when no reference
    lesion is evaluated now; else (met, note text).
    """
    keys = [key for key in reference if current.get(key) is not None]
    if not keys:
        return None
    before = _sum_over(reference, reference)
    now = _sum_over(current, keys)
    difference = minus(now, before)
    sign = "+" if difference >= 0 else "-"
    partial = "" if len(keys) == len(reference) else f" ({len(keys)} of {len(reference)} evaluated)"
    text = (
        f"{what} {mm_text(now)} mm{partial} vs {mm_text(before)} mm "
        f"({sign}{mm_text(abs(difference))} mm)"
    )
    return difference >= FURTHER_INCREASE_MM, text


class EpisodeTracker:
    """The iRECIST layer of one record, fed its follow-ups in date order (I6–I8)."""

    def __init__(
        self,
        record: PatientRecord,
        criteria: Irecist,
        options: ScoringOptions,
        *,
        has_targets: bool,
    ):
        self.record = record
        self.criteria = criteria
        self.options = options
        self.has_targets = has_targets
        self.episodes: list[Episode] = []
        self.open: Episode | None = None
        self.confirmed: Episode | None = None
        #: Earlier follow-ups not disregarded: their readings are the references (I7.2).
        self.used: list[IrecistVisit] = []
        #: NLT nadir by the set of new-lesion targets measured (I5.6, IA17).
        self.nlt_nadir: dict[frozenset[str], Decimal] = {}

    # ------------------------------------------------------------------ the time point
    def decide(self, visit: IrecistVisit, reading: NewLesionReading) -> None:
        """Set ``visit``'s time point: overall, basis, triggers, disregarded, notes."""
        visit.new_lesions_reading = reading
        if (
            reading is NO_NEW_LESIONS
            and self.open is None
            and self.confirmed is None
            and visit.target is not PD
            and visit.non_target is not PD
        ):  # the common case: the I8.1 table without new lesions or progression
            visit.overall = self.table_response(visit, reading)
            self.used.append(visit)
            return
        if self.confirmed is not None:  # I7.6, IA14
            self._set(visit, PD, confirmed=True)
            visit.notes.append("I7.6 iCPD: confirmed progression is not undone (IA14)")
        elif self.open is None:
            self._without_episode(visit, reading)
        else:
            self._with_episode(visit, reading, self.open)
        if not visit.disregarded:
            self._remember(visit, reading)

    def _set(self, visit: IrecistVisit, overall: Response, *, confirmed: bool = False) -> None:
        visit.overall = overall
        visit.confirmed = confirmed

    def _without_episode(self, visit: IrecistVisit, reading: NewLesionReading) -> None:
        """I6.1 (a new episode) or the I8.1 table."""
        basis: list[str] = []
        if visit.target is PD:
            basis.append(TARGET)
        if visit.non_target is PD:
            basis.append(NON_TARGET)
        known_progression = self.known_new_lesion_progression(visit, reading)
        if reading.first_seen or known_progression:
            basis.append(NEW_LESIONS)
        if not basis:
            self._set(visit, self.table_response(visit, reading))
            return
        self._set(visit, PD)
        visit.iupd_basis = tuple(basis)
        visit.notes.append(f"I6.1 iUPD ({', '.join(basis)})")
        if known_progression:
            visit.notes.append(f"I5.6 {known_progression}")
        self.open = self._open_episode(visit, reading, tuple(basis))

    def _open_episode(
        self, visit: IrecistVisit, reading: NewLesionReading, basis: tuple[str, ...]
    ) -> Episode:
        dated_visit_id, date = visit.visit_id, visit.date
        if self.options.backdate_equivocal_new_lesions and reading.first_seen:
            # A19: the earliest sighting wins; a sighting at baseline is no follow-up.
            sighted = min(reading.first_seen, key=lambda lesion: lesion.sighting_date)
            if self.record.baseline_date < sighted.sighting_date < date:
                dated_visit_id, date = sighted.sighting_visit_id, sighted.sighting_date
                visit.notes.append(
                    f"I6.3 iUPD dated to {dated_visit_id} ({date.isoformat()}), where new "
                    f"lesion {sighted.name} was first seen as equivocal (IA18)"
                )
        episode = Episode(
            visit,
            dated_visit_id,
            date,
            basis,
            self.baseline_disease(visit),
            self._target_reference(visit),
            self._nlt_reference(reading, reading.nlt_values),
            tuple(reading.known.values()),
        )
        self.episodes.append(episode)
        return episode

    def _with_episode(
        self, visit: IrecistVisit, reading: NewLesionReading, episode: Episode
    ) -> None:
        """I7: early scan, confirmation, reset, or the episode goes on."""
        options = self.options
        days = (visit.date - episode.iupd.date).days
        visit.iupd_basis = episode.basis
        additional = self.additional_new_lesions(visit, reading, episode)
        if days < options.icpd_min_days:
            if visit.visit.symptom_driven and additional:
                self._confirm(visit, episode, ["additional_new_lesion"])
                visit.notes.append(
                    f"I7.2 iCPD: additional_new_lesion on a symptom-driven scan {days} days "
                    f"after the iUPD of {episode.iupd.visit_id}"
                )
                return
            self._set(visit, PD)
            visit.disregarded = True
            visit.notes.append(
                f"I7.2 disregarded: {days} days after the iUPD of {episode.iupd.visit_id} "
                f"(< icpd_min_days {options.icpd_min_days}): iUPD, confirms and resets nothing"
            )
            return
        if not episode.eligible_seen:
            episode.eligible_seen = True
            if days > RECOMMENDED_CONFIRMATION_MAX_DAYS:
                visit.notes.append(
                    f"I7.1 confirmation scan {days} days after the iUPD of "
                    f"{episode.iupd.visit_id}, later than the recommended 4–8 weeks: still used (IA2)"
                )
        triggers, details = self.triggers(visit, reading, episode, additional)
        if triggers:
            self._confirm(visit, episode, triggers)
            visit.notes.append(f"I7.3 iCPD: {', '.join(triggers)}")
            return
        if details:
            visit.notes.extend(details)
        reset, why = self.may_reset(visit, reading, episode)
        if reset:
            episode.outcome, episode.closed = "reset", visit
            visit.iupd_basis = ()
            self.open = None
            self._set(visit, self.table_response(visit, reading))
            visit.notes.append(f"I7.4 iUPD of {episode.iupd.visit_id} reset: {why}")
            return
        if self.still_progressing(visit, reading, episode):
            self._set(visit, PD)
            visit.notes.append(f"I7.5 iUPD: {why}")
        else:
            self._set(visit, NE)
            visit.notes.append(f"I7.5 NE: {why}; nothing progressing can be evaluated (IA15)")

    def _confirm(self, visit: IrecistVisit, episode: Episode, triggers: list[str]) -> None:
        self._set(visit, PD, confirmed=True)
        visit.iupd_basis = ()
        visit.icpd_triggers = tuple(triggers)
        episode.outcome, episode.closed = "confirmed", visit
        self.open = None
        self.confirmed = episode

    # ------------------------------------------------------------------ I8.1
    def table_response(self, visit: IrecistVisit, reading: NewLesionReading) -> Response:
        """I8.1 without progression: RECIST 1.1 Tables 1/2 with the new-lesion rows."""
        target, non_target = visit.target, visit.non_target
        if self.has_targets and target is NE:
            return NE
        if reading.unevaluated and self.options.irecist_new_lesion_missing_is_ne:
            names = ", ".join(lesion.name for lesion in reading.unevaluated)
            visit.notes.append(f"NE: new lesion {names} not evaluated (I5.8, IA6)")
            return NE
        persisting = reading.unresolved or reading.unevaluated
        if self.has_targets:
            if target is CR and non_target in (CR, NA):
                if persisting:
                    visit.notes.append(
                        f"iPR, not iCR: new lesion {_names(persisting)} persists (I8.2, IA13)"
                    )
                    return PR
                return CR
            return overall_with_targets(target, non_target, False)
        if non_target is CR and persisting:
            visit.notes.append(
                f"non-iCR/non-iUPD, not iCR: new lesion {_names(persisting)} persists (I8.2, IA13)"
            )
            return NON_CR_NON_PD
        return overall_non_target_only(non_target, False)

    def baseline_disease(self, visit: IrecistVisit) -> Response:
        """RECIST 1.1 Table 1/2 response of the baseline disease alone (I7.4)."""
        if self.has_targets:
            return overall_with_targets(visit.target, visit.non_target, False)
        return overall_non_target_only(visit.non_target, False)

    # ------------------------------------------------------------------ I5.6
    def known_new_lesion_progression(self, visit: IrecistVisit, reading: NewLesionReading) -> str:
        """I5.6: known new lesions progress (NLT sum PD vs its nadir, or an NLNT
        ``unequivocal_progression``); the reason, or "" when they do not."""
        if not reading.known:
            return ""
        date = visit.date
        progressed = [
            key
            for key, status in reading.nlnt_status.items()
            if status == "unequivocal_progression" and reading.known[key].first_date < date
        ]
        reasons = []
        if progressed:
            names = ", ".join(reading.known[key].name for key in progressed)
            reasons.append(f"new lesion {names} unequivocal progression")
        known = [key for key in reading.nlt_values if reading.known[key].first_date < date]
        if known:
            nadir = self.nlt_nadir.get(frozenset(known))
            evaluated = [
                reading.nlt_values[key] for key in known if reading.nlt_values[key] is not None
            ]
            if nadir is not None and evaluated:
                total = ZERO
                for value in evaluated:
                    total = EXACT.add(total, value)  # type: ignore[arg-type]
                if self.criteria.meets_progression(total, nadir, self.options):
                    partial = "" if len(evaluated) == len(known) else " (evaluated ones alone)"
                    reasons.append(
                        f"NLT sum {mm_text(total)} mm{partial} vs its nadir {mm_text(nadir)} mm: "
                        "≥ +20 % and ≥ +5 mm (IA17)"
                    )
        return "; ".join(reasons)

    # ------------------------------------------------------------------ I7.3
    def additional_new_lesions(
        self, visit: IrecistVisit, reading: NewLesionReading, episode: Episode
    ) -> list[TrackedNewLesion]:
        """I7.3f: unequivocal new lesions first seen after the episode's iUPD, present now."""
        after = episode.iupd.date
        return [lesion for lesion in reading.unresolved if lesion.first_date > after]

    def triggers(
        self,
        visit: IrecistVisit,
        reading: NewLesionReading,
        episode: Episode,
        additional: list[TrackedNewLesion],
    ) -> tuple[list[str], list[str]]:
        """The I7.3 triggers met at an eligible assessment, and notes on those not met."""
        found: list[str] = []
        details: list[str] = []
        basis = episode.basis
        if TARGET in basis:
            current = _indexed(visit.target_values)
            met = further_increase(episode.target_reference, current, what="target sum")
            if met is not None:
                if met[0]:
                    found.append("target_sum_increase")
                else:
                    details.append(f"I7.3a no further increase: {met[1]}")
        elif visit.target is PD:
            found.append("target_progression")
        if NON_TARGET in basis:
            if self.non_target_increase(visit):
                found.append("non_target_increase")
        elif visit.non_target is PD:
            found.append("non_target_progression")
        if NEW_LESIONS in basis:
            known_targets = [lesion.key for lesion in episode.known_new_lesions if lesion.is_target]
            if known_targets:
                met = further_increase(episode.nlt_reference, reading.nlt_values, what="NLT sum")
                if met is not None:
                    if met[0]:
                        found.append("nlt_sum_increase")
                    else:
                        details.append(f"I7.3e no further increase: {met[1]}")
            if self.nlnt_increase(visit, reading, episode):
                found.append("nlnt_increase")
        elif self.known_new_lesion_progression(visit, reading):
            found.append("new_lesion_progression")
        if additional:
            found.append("additional_new_lesion")
        if found:
            return found, []
        return found, details

    def non_target_increase(self, visit: IrecistVisit) -> bool:
        """I7.3c, IA9: a non-target ``increased``, or unequivocal now and not at its previous
        evaluation."""
        by_id = visit.visit.measurement_by_lesion
        for lesion in self.record.non_target_lesions:
            measurement = by_id.get(lesion.lesion_id)
            status = None if measurement is None else measurement.get("status")
            if status not in ("present", "unequivocal_progression"):
                continue
            if measurement.get("increased"):  # type: ignore[union-attr]
                return True
            if status == "unequivocal_progression":
                previous = self._previous_non_target_status(lesion.lesion_id)
                if previous != "unequivocal_progression":
                    return True
        return False

    def _previous_non_target_status(self, lesion_id: str) -> str:
        """The status of a baseline non-target at its previous evaluation (not disregarded)."""
        for earlier in reversed(self.used):
            measurement = earlier.visit.measurement_by_lesion.get(lesion_id)
            status = None if measurement is None else measurement.get("status")
            if status in ("present", "absent", "unequivocal_progression"):
                return status  # type: ignore[return-value]
        return "present"  # baseline (R3.3)

    def nlnt_increase(
        self, visit: IrecistVisit, reading: NewLesionReading, episode: Episode
    ) -> bool:
        """I7.3e: a new-lesion non-target known at the iUPD ``increased``, or newly unequivocal."""
        for lesion in episode.known_new_lesions:
            if lesion.is_target or not lesion.tracked:
                continue
            key = lesion.key
            if key in reading.increased:
                return True
            if reading.nlnt_status.get(key) == "unequivocal_progression":
                previous = None
                for earlier in reversed(self.used):
                    earlier_reading = earlier.new_lesions_reading
                    if earlier_reading is not None and earlier_reading.nlnt_status.get(key):
                        previous = earlier_reading.nlnt_status[key]
                        break
                if previous != "unequivocal_progression":
                    return True
        return False

    # ------------------------------------------------------------------ I7.4, I7.5
    def may_reset(
        self, visit: IrecistVisit, reading: NewLesionReading, episode: Episode
    ) -> tuple[bool, str]:
        """I7.4: whether the episode is reset at this eligible assessment, and why (not)."""
        not_evaluated = [
            name
            for name, category in (("target", visit.target), ("non-target", visit.non_target))
            if category is NE
        ]
        if reading.unevaluated and self.options.irecist_new_lesion_missing_is_ne:
            not_evaluated.append(f"new lesion {_names(reading.unevaluated)}")
        progressing = self.progressing(visit, reading)
        if progressing:
            return False, f"{' and '.join(progressing)} still progressing, no confirmation trigger"
        if not_evaluated:
            return False, f"{' and '.join(not_evaluated)} not evaluated"
        if NEW_LESIONS not in episode.basis:
            return True, "no category progresses"
        policy = self.options.reset_after_new_lesion_iupd
        resolved = not reading.unresolved and not reading.unevaluated
        if policy == "non_pd":
            return True, "no category progresses (IA4 non_pd)"
        if resolved:
            return True, f"every new lesion has resolved (IA4 {policy})"
        if policy == "resolution":
            return False, f"new lesion {_names(reading.unresolved)} persists (IA4 resolution)"
        now, then = self.baseline_disease(visit), episode.baseline_disease
        if BEST_RESPONSE_RANK[now] > BEST_RESPONSE_RANK[then]:
            return True, (
                f"baseline disease {now.value} now, {then.value} at the iUPD (IA4 improvement)"
            )
        sum_then = episode.iupd.sum_mm
        if now is then and visit.sum_mm is not None and sum_then is not None:
            if visit.sum_mm < sum_then:
                return True, (
                    f"baseline disease {now.value}, target sum {mm_text(visit.sum_mm)} mm < "
                    f"{mm_text(sum_then)} mm at the iUPD (IA4 improvement)"
                )
        return False, (
            f"new lesion {_names(reading.unresolved)} persists and the baseline disease has not "
            f"improved since the iUPD (IA4 improvement, FAQ scenario F)"
        )

    def progressing(self, visit: IrecistVisit, reading: NewLesionReading) -> list[str]:
        """The categories that progress by RECIST 1.1 (I7.4): target, non-target, I5.6."""
        found = []
        if visit.target is PD:
            found.append("target")
        if visit.non_target is PD:
            found.append("non-target")
        if self.known_new_lesion_progression(visit, reading):
            found.append("new lesions")
        return found

    @staticmethod
    def still_progressing(visit: IrecistVisit, reading: NewLesionReading, episode: Episode) -> bool:
        """I7.5, IA15: a basis category still progresses and can be evaluated."""
        basis = episode.basis
        return (
            (TARGET in basis and visit.target is PD)
            or (NON_TARGET in basis and visit.non_target is PD)
            or (NEW_LESIONS in basis and bool(reading.unresolved))
        )

    # ------------------------------------------------------------------ references
    def _target_reference(self, visit: IrecistVisit) -> dict[int, Decimal]:
        values = visit.target_values or []
        return {index: value for index, value in enumerate(values) if value is not None}

    @staticmethod
    def _nlt_reference(reading: NewLesionReading, values: dict) -> dict[str, Decimal]:
        return {key: value for key, value in values.items() if value is not None}

    def _remember(self, visit: IrecistVisit, reading: NewLesionReading) -> None:
        """A used (not disregarded) visit: it sets the NLT nadir and, with
        ``icpd_increase_reference="previous"``, the episode's references (IA3, IA17)."""
        self.used.append(visit)
        values = reading.nlt_values
        if values and all(value is not None for value in values.values()):
            key = frozenset(values)
            total = reading.nlt_sum_mm()
            assert total is not None
            nadir = self.nlt_nadir.get(key)
            if nadir is None or total < nadir:
                self.nlt_nadir[key] = total
        episode = self.open
        if (
            episode is not None
            and episode.iupd is not visit
            and self.options.icpd_increase_reference == "previous"
        ):
            target_reference = self._target_reference(visit)
            if target_reference:
                episode.target_reference = target_reference
            known = {lesion.key for lesion in episode.known_new_lesions}
            nlt_reference = {
                key: value for key, value in values.items() if key in known and value is not None
            }
            if nlt_reference:
                episode.nlt_reference = nlt_reference


def _indexed(values: list[Decimal | None] | None) -> dict[int, Decimal | None]:
    return dict(enumerate(values or []))


def _names(lesions) -> str:
    return ", ".join(lesion.name for lesion in lesions)
