"""A small, independent reader of SAS transport (XPORT) version 5 files, for the tests.

It reads the structure the SAS TS-140 layout defines (80-byte records, library, member,
descriptor, namestr and observation headers, 140-byte namestr records, IBM double-precision
numbers) and checks it on the way, so the tests see the files as a third implementation would,
not through the writer's own library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

LIBRARY = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
MEMBER_V5 = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  "
DESCRIPTOR = b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
NAMESTR = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
# "." and the special missing values "_", "A"-"Z", followed by seven zero bytes.
_MISSING_FIRST_BYTES = frozenset({0x2E, 0x5F, *range(0x41, 0x5B)})
OBSERVATIONS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "


@dataclass(frozen=True)
class XptVariable:
    name: str
    label: str
    numeric: bool
    length: int
    position: int


@dataclass
class XptMember:
    name: str
    label: str
    variables: list[XptVariable]
    rows: list[dict[str, object]]


def ibm_to_float(data: bytes) -> float | None:
    """An IBM System/360 double (8 bytes), None for a SAS missing value."""
    if data[1:] == bytes(7) and data[0] in _MISSING_FIRST_BYTES:
        return None
    if data == b"\x00" * 8:
        return 0.0
    sign = -1.0 if data[0] & 0x80 else 1.0
    exponent = (data[0] & 0x7F) - 64
    fraction = int.from_bytes(data[1:], "big") / float(1 << 56)
    return sign * fraction * 16.0**exponent


def read_xpt_v5(path: Path) -> XptMember:
    """The one member of a version-5 transport file; AssertionError when the structure is off."""
    data = Path(path).read_bytes()
    assert len(data) % 80 == 0, "a transport file is a sequence of 80-byte records"
    records = [data[i : i + 80] for i in range(0, len(data), 80)]
    assert records[0] == LIBRARY, records[0]
    assert records[1].startswith(b"SAS     SAS     SASLIB  ")
    assert records[3] == MEMBER_V5, records[3]
    assert records[4] == DESCRIPTOR, records[4]
    assert records[5].startswith(b"SAS     ") and records[5][16:24] == b"SASDATA "
    member_name = records[5][8:16].decode("ascii").rstrip()
    label = records[6][32:72].decode("ascii").rstrip()
    assert records[7].startswith(NAMESTR)
    n_variables = int(records[7][54:58])
    namestr_bytes = data[8 * 80 : 8 * 80 + 140 * n_variables]
    variables = []
    for index in range(n_variables):
        namestr = namestr_bytes[140 * index : 140 * (index + 1)]
        ntype, _, length, varnum = struct.unpack(">hhhh", namestr[:8])
        position = struct.unpack(">i", namestr[84:88])[0]
        assert varnum == index + 1
        variables.append(
            XptVariable(
                namestr[8:16].decode("ascii").rstrip(),
                namestr[16:56].decode("ascii").rstrip(),
                ntype == 1,
                length,
                position,
            )
        )
    after_names = 8 * 80 + ((140 * n_variables + 79) // 80) * 80
    assert data[after_names : after_names + 80] == OBSERVATIONS
    assert data.count(b"HEADER RECORD*******MEMBER  HEADER RECORD") == 1, "one member per file"
    width = sum(v.length for v in variables)
    assert [v.position for v in variables] == [
        sum(w.length for w in variables[:i]) for i in range(n_variables)
    ]
    body = data[after_names + 80 :]
    rows = []
    for start in range(0, len(body) - width + 1, width):
        chunk = body[start : start + width]
        if chunk.strip(b" ") == b"":
            break  # blank padding of the last 80-byte record
        row: dict[str, object] = {}
        for variable in variables:
            field = chunk[variable.position : variable.position + variable.length]
            if variable.numeric:
                assert variable.length == 8
                row[variable.name] = ibm_to_float(field)
            else:
                text = field.decode("utf-8").rstrip(" ")
                row[variable.name] = text or None
        rows.append(row)
    assert body[len(rows) * width :].strip(b" ") == b"", "only blanks after the last row"
    return XptMember(member_name, label, variables, rows)
