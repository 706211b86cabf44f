"""A lesion's tracking UID is written once, when the lesion is first saved (design.md §8.1)."""

from __future__ import annotations

import json

from recist_reader.core.tracking import derived_lesion_tracking_uid
from recist_reader.interop.sr import export_sr
from recist_reader.reading import ReadingSession


def test_tracking_uid_written_at_first_save_and_never_changed(tmp_path):
    session = ReadingSession.new("P-7", "2024-01-10", reader="Dr A")
    session.add_lesion("target", "liver", lesion_id="T1")
    session.autosave()
    assert "tracking_uid" not in session.record["lesions"][0]  # not saved yet
    path = session.save(tmp_path / "p.json")
    first = json.loads(path.read_text())["lesions"][0]["tracking_uid"]
    assert first == derived_lesion_tracking_uid("P-7", "T1")
    session.set_patient_id("P-7b")
    session.add_lesion("non-target", "bone", lesion_id="NT1")
    session.save()
    saved = json.loads(path.read_text())["lesions"]
    assert saved[0]["tracking_uid"] == first  # never changed, whatever changes later
    assert saved[1]["tracking_uid"] == derived_lesion_tracking_uid("P-7b", "NT1")


def test_an_export_before_and_after_the_first_save_names_lesions_alike(phantom_read, tmp_path):
    session = ReadingSession(phantom_read.record)
    before = export_sr(session.record, phantom_read.images)
    session.save(tmp_path / "record.json")
    after = export_sr(session.record, phantom_read.images)

    def uids(datasets):
        return [
            item.UID
            for ds in datasets
            for group in ds.ContentSequence[-1].ContentSequence
            for item in group.ContentSequence
            if item.ValueType == "UIDREF"
        ]

    assert uids(before) == uids(after)
