"""Time-point (overall) response tables shared by every criteria set.

Table 1 of E09 for patients with target disease (rule book R8) and Table 2 for patients with
non-target disease only (R9).
"""

from __future__ import annotations

from recist_reader.core.labels import CR, NA, NE, NON_CR_NON_PD, PD, PR, SD, Response


def overall_with_targets(target: Response, non_target: Response, new_lesion: bool) -> Response:
    """Overall response at a time point for a patient with target lesions (Table 1, R8).

    Parameters
    ----------
    target : Response
        CR, PR, SD, PD or NE.
    non_target : Response
        CR, NonCR/NonPD, NE, PD, or NA when the patient has no non-targets (treated as CR).
    new_lesion : bool
        An unequivocal new lesion was found.
    """
    if target is PD or non_target is PD or new_lesion:
        return PD
    if target is NE:
        return NE
    if target is CR:
        return CR if non_target in (CR, NA) else PR
    if target in (PR, SD):
        return target
    raise ValueError(f"not a target response: {target}")


def overall_non_target_only(non_target: Response, new_lesion: bool) -> Response:
    """Overall response for a patient with non-target disease only (Table 2, R9)."""
    if non_target is PD or new_lesion:
        return PD
    if non_target in (CR, NON_CR_NON_PD, NE):
        return non_target
    raise ValueError(f"not a non-target response: {non_target}")
