"""`register_visits` on phantom pairs of known motion: landing, plausibility, cancellation,
bad input (design.md §11, issue 16 part 1)."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from recist_reader import Registration, RegistrationError, register_visits
from recist_reader.phantom.motion import KnownMotion
from recist_reader.phantom.visit_pairs import head_volume, phantom_visit_pair
from recist_reader.registration import RegistrationCancelled


def landing_errors(reg: Registration, pair) -> dict[str, float]:
    return {
        lesion_id: float(
            np.linalg.norm(reg.to_follow_up(centre) - pair.follow_up_centres_mm[lesion_id])
        )
        for lesion_id, centre in pair.baseline_centres_mm.items()
    }


@pytest.fixture(scope="module")
def ct_pair():
    """Table shift, rotation, breathing up to 10 mm, lesions x0.6-1.5, 5 mm follow-up slices
    of 3 mm pixels over another field of view."""
    return phantom_visit_pair(3, pixel_mm=2.5)


@pytest.fixture(scope="module")
def ct_registration(ct_pair):
    return register_visits(ct_pair.baseline, ct_pair.follow_up)


def test_every_lesion_lands_within_7_mm_of_where_it_moved(ct_pair, ct_registration):
    moved = {
        k: np.linalg.norm(ct_pair.follow_up_centres_mm[k] - c)
        for k, c in ct_pair.baseline_centres_mm.items()
    }
    errors = landing_errors(ct_registration, ct_pair)
    print({k: (round(moved[k]), round(e, 1)) for k, e in errors.items()})
    assert min(moved.values()) > 20  # the lesions did move
    assert max(errors.values()) <= 7.0
    assert np.median(list(errors.values())) <= 4.0


def test_a_good_registration_is_plausible_and_says_what_it_is(ct_pair, ct_registration):
    reg = ct_registration
    assert reg.plausible, reg.reason
    assert reg.reason == ""
    assert reg.method == "affine"
    assert reg.baseline_series_uid == ct_pair.baseline.series_uid
    assert reg.follow_up_series_uid == ct_pair.follow_up.series_uid
    assert reg.seconds > 0
    assert reg.software.startswith("SimpleITK ")
    assert set(reg.checks) >= {"overlap", "body_dice", "nmi_peak", "rotation_deg"}


def test_to_baseline_inverts_to_follow_up(ct_registration):
    points = np.array([[0.0, 0.0, 0.0], [-60.0, -20.0, -45.0], [60.0, 10.0, 110.0]])
    back = ct_registration.to_baseline(ct_registration.to_follow_up(points))
    np.testing.assert_allclose(back, points, atol=1e-9)
    single = ct_registration.to_follow_up(points[1])
    assert single.shape == (3,)
    np.testing.assert_allclose(single, ct_registration.to_follow_up(points)[1])


def test_rigid_motion_lands_within_2_mm():
    """Without deformation or growth the landing is exact up to the coarse grid's accuracy."""
    motion = KnownMotion(translation_mm=(8.0, -12.0, 31.0), rotation_deg=(1.5, -1.0, 3.0))
    pair = phantom_visit_pair(11, motion=motion, pixel_mm=2.5)
    for method in ("rigid", "affine"):
        reg = register_visits(pair.baseline, pair.follow_up, method=method)
        errors = landing_errors(reg, pair)
        print(method, {k: round(e, 2) for k, e in errors.items()})
        assert reg.plausible, reg.reason
        assert max(errors.values()) <= 2.0


def test_mr_follow_up_registers_to_a_ct_baseline():
    pair = phantom_visit_pair(4, follow_up_modality="MR", pixel_mm=2.5)
    assert pair.follow_up.modality == "MR"
    reg = register_visits(pair.baseline, pair.follow_up)
    errors = landing_errors(reg, pair)
    print({k: round(e, 1) for k, e in errors.items()})
    assert reg.plausible, reg.reason
    assert max(errors.values()) <= 7.0


@pytest.mark.parametrize(
    ("scale", "degrees", "hint_once"),
    [(0.5, 0.0, True), (1.0, 45.0, True), (0.5, 45.0, True)],
)
def test_every_implausible_reason_says_what_it_likely_means(ct_pair, scale, degrees, hint_once):
    """Which check trips on another body region depends on the optimiser's path (threads,
    load): the reason names the likely cause whichever it is, once."""
    from recist_reader.registration.coarse import coarse_volume
    from recist_reader.registration.plausibility import judge

    baseline = coarse_volume(ct_pair.baseline.array, ct_pair.baseline.affine, "CT")
    angle = np.radians(degrees)
    matrix = np.eye(4)
    matrix[:2, :2] = scale * np.array(
        [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    )
    plausible, reason, _ = judge(baseline, baseline, matrix, 0.0)
    assert not plausible
    assert reason.startswith("registration implausible: ")
    assert reason.count("perhaps a different body region") == 1, reason


def test_a_different_body_region_is_implausible_not_an_error(ct_pair):
    reg = register_visits(ct_pair.baseline, head_volume())
    assert not reg.plausible
    assert reg.reason.startswith("registration implausible: ")
    assert "different body region" in reg.reason
    # The result is still a usable object (the reader falls back to scrolling by hand).
    assert reg.to_follow_up(np.zeros(3)).shape == (3,)
    assert Registration.from_json(reg.to_json()).plausible is False


def test_cancel_before_starting_raises():
    volume = head_volume()
    with pytest.raises(RegistrationCancelled):
        register_visits(volume, volume, cancel=lambda: True)


def test_cancel_during_the_optimisation_stops_at_the_next_check(ct_pair):
    """The cancel check runs between iterations; once it says yes, nothing more is done."""
    calls = {"n": 0, "after": 0}
    stages: list[str] = []

    def cancel() -> bool:
        if "rigid registration" in stages:
            calls["after"] += 1
            return True
        calls["n"] += 1
        return False

    with pytest.raises(RegistrationCancelled):
        register_visits(ct_pair.baseline, ct_pair.follow_up, cancel=cancel, progress=stages.append)
    assert stages[-1] == "rigid registration"
    assert calls["n"] > 3  # checked between the earlier stages' steps
    assert calls["after"] == 1


def test_cancel_from_another_thread(ct_pair):
    """How the widget uses it: a worker thread registers, the reader closes the visit."""
    event = threading.Event()
    outcome: dict[str, object] = {}

    def work():
        try:
            outcome["result"] = register_visits(
                ct_pair.baseline,
                ct_pair.follow_up,
                cancel=event.is_set,
                progress=lambda message: event.set() if message == "affine registration" else None,
            )
        except RegistrationCancelled as exc:
            outcome["cancelled"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive()
    assert "cancelled" in outcome and "result" not in outcome


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((0, 10, 10)), "shape"),
        (np.zeros((1, 64, 64)), "single plane"),
        (np.zeros((10, 64, 64)), "flat"),
        (np.full((10, 64, 64), np.nan), "no finite voxel"),
    ],
)
def test_unusable_volumes_raise_registration_error(ct_pair, array, message):
    bad = replace(ct_pair.baseline, array=array)
    with pytest.raises(RegistrationError, match=message) as info:
        register_visits(ct_pair.baseline, bad)
    assert "the follow-up" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_a_volume_without_a_body_raises(ct_pair):
    air = replace(ct_pair.baseline, array=np.random.default_rng(0).normal(-1000, 5, (20, 64, 64)))
    with pytest.raises(RegistrationError, match="no body"):
        register_visits(air, ct_pair.follow_up)


def test_unknown_method_and_non_volume_raise(ct_pair):
    with pytest.raises(RegistrationError, match="method"):
        register_visits(ct_pair.baseline, ct_pair.follow_up, method="bspline")
    with pytest.raises(RegistrationError, match="must be a Volume"):
        register_visits(ct_pair.baseline, np.zeros((4, 4, 4)))
