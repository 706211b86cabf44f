"""Another implementation reads the transport files: R's ``foreign::read.xport``.

R (Debian ``r-base-core``) and its ``foreign`` package (``r-cran-foreign``) are installed by
tools/bootstrap.sh. The R script also applies admiralonco's BICR filter (``RSEVAL ==
"INDEPENDENT ASSESSOR" & RSACPTFL == "Y"``, sdtm.md §11) and returns what a statistician's
ADRS would start from.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from sdtm_builders import read_xpt

from recist_reader import export_sdtm, review_reads

RSCRIPT = shutil.which("Rscript")

R_PROGRAM = r"""
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(foreign))
meta <- lookup.xport(args[1])[["RS"]]
write.csv(data.frame(name = meta$name, label = meta$label, type = meta$type,
                     width = meta$width), args[2], row.names = FALSE)
rs <- read.xport(args[1])
write.csv(rs, args[3], row.names = FALSE, na = "")
bicr <- rs[rs$RSTESTCD == "OVRLRESP" & rs$RSEVAL == "INDEPENDENT ASSESSOR" &
           rs$RSACPTFL == "Y", c("USUBJID", "RSDTC", "RSSTRESC")]
write.csv(bicr, args[4], row.names = FALSE)
"""


def r_has_foreign() -> bool:
    if RSCRIPT is None:
        return False
    done = subprocess.run(
        [RSCRIPT, "-e", "library(foreign)"], capture_output=True, text=True, check=False
    )
    return done.returncode == 0


pytestmark = pytest.mark.skipif(
    not r_has_foreign(),
    reason="needs Rscript and R's foreign package (Debian r-base-core, r-cran-foreign; "
    "tools/bootstrap.sh installs them)",
)


def r_value(value) -> str:
    """How R's write.csv prints a value read back by pyreadstat."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_r_reads_rs_xpt_as_written(tmp_path, study):
    records, adjudications = study
    export_sdtm(records, adjudications, tmp_path, formats="xpt")
    script = tmp_path / "read.R"
    script.write_text(R_PROGRAM)
    outputs = [tmp_path / name for name in ("meta.csv", "rs.csv", "bicr.csv")]
    subprocess.run(
        [RSCRIPT, str(script), str(tmp_path / "rs.xpt"), *map(str, outputs)],
        check=True,
        capture_output=True,
        text=True,
    )
    ours, meta = read_xpt(tmp_path / "rs.xpt")
    r_meta = rows(outputs[0])
    assert [m["name"] for m in r_meta] == list(meta.column_names)
    assert [m["label"] for m in r_meta] == [
        meta.column_names_to_labels[n] for n in meta.column_names
    ]
    assert [int(m["width"]) for m in r_meta] == [
        meta.variable_storage_width[n] for n in meta.column_names
    ]
    assert {m["name"]: m["type"] for m in r_meta}["RSSEQ"] == "numeric"
    r_rows = rows(outputs[1])
    assert len(r_rows) == len(ours) > 100
    for r_row, row in zip(r_rows, ours):
        assert r_row == {name: r_value(value) for name, value in row.items()}

    # admiralonco's filter on R's data frame gives each resolved patient's central read.
    review = review_reads(records, adjudications, full=True)
    expected = []
    labels = {"NonCR/NonPD": "NON-CR/NON-PD"}
    for patient in review["patients"]:
        if patient["central"] is None:
            continue
        usubjid = f"NCT05831969-{patient['patient_id']}"
        for visit in patient["central"]["response"]["visits"]:
            expected.append(
                (usubjid, visit["date"], labels.get(visit["overall"], visit["overall"]))
            )
    bicr = [(r["USUBJID"], r["RSDTC"], r["RSSTRESC"]) for r in rows(outputs[2])]
    assert sorted(bicr) == sorted(expected) and bicr
