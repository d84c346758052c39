"""The authoring commands on the command line: `new`, `import`, `migrate`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add(commands: argparse._SubParsersAction) -> None:
    migrate = commands.add_parser(
        "migrate",
        help="rewrite an old book.toml (one [original] article) as [[texts]]; "
        "book.toml.bak keeps the old one",
    )
    migrate.set_defaults(run=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    from studyguide.authoring.migrate import migrate

    root: Path = args.root
    for line in migrate(root):
        print(f"studyguide: {line}", file=sys.stderr)
    return 0
