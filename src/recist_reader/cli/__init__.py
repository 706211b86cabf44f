"""The ``recist-reader`` command line: ``main(argv=None)`` dispatches to sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from recist_reader import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="recist-reader",
        description="RECIST 1.1 tumour response assessment.",
    )
    parser.add_argument("--version", action="version", version=f"recist-reader {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subcommands.required = True
    from recist_reader.cli import cohort as cohort_command
    from recist_reader.cli import inspect as inspect_command
    from recist_reader.cli import score as score_command

    score_command.add_parser(subcommands)
    inspect_command.add_parser(subcommands)
    cohort_command.add_parser(subcommands)
    from recist_reader.cli import read as read_command

    read_command.add_parser(subcommands)  # noqa: E702, I001
    from recist_reader.cli import export_sr as export_sr_command
    from recist_reader.cli import import_sr as import_sr_command

    export_sr_command.add_parser(subcommands)
    import_sr_command.add_parser(subcommands)
    from recist_reader.cli import review as review_command  # noqa: I001
    from recist_reader.cli import adjudicate as adjudicate_command

    review_command.add_parser(subcommands)
    adjudicate_command.add_parser(subcommands)
    from recist_reader.cli import export_sdtm as export_sdtm_command

    export_sdtm_command.add_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
