"""The registration package is exported lazily from recist_reader (its import without Qt is
checked with the other core packages' in tests/test_package.py)."""

from __future__ import annotations

import recist_reader


def test_lazy_exports():
    from recist_reader import registration

    assert recist_reader.register_visits is registration.register_visits
    assert recist_reader.Registration is registration.Registration
    assert recist_reader.RegistrationError is registration.RegistrationError
    assert issubclass(recist_reader.RegistrationError, ValueError)
    assert {"register_visits", "Registration", "RegistrationError"} <= set(dir(recist_reader))
