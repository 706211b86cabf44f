"""A broken record file opens as a clear error or a session that scores, checks and saves."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recist_reader.errors import RecordError
from recist_reader.reading import ReadingSession
from recist_reader.reading.session import ReadingError

from ..core.test_properties import records
from ..core.test_robustness import _mutate


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records(), st.data())
def test_a_mutated_record_file_opens_or_is_refused_and_nothing_else(tmp_path_factory, record, data):
    folder = tmp_path_factory.mktemp("session")
    path = folder / "record.json"
    text = json.dumps(_mutate(record, data))
    path.write_text(text, encoding="utf-8")
    try:
        session = ReadingSession.open(path)
    except RecordError as error:
        assert error.problems
        assert path.read_text(encoding="utf-8") == text  # the file is left as it was
        return
    session.score()
    session.checks()
    try:
        saved = session.save(folder / "saved.json")
    except ReadingError:  # a baseline rule blocks saving: said, not raised further
        return
    assert ReadingSession.open(saved).record == session.record
