"""``recist-reader score``: score patient records."""

from __future__ import annotations

import argparse


def add_parser(subcommands: argparse._SubParsersAction) -> None:
    """Register the ``score`` sub-command."""
    parser = subcommands.add_parser("score", help="score RECIST patient records")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise SystemExit("not yet")
