"""The preview on the command line: `studyguide serve [--port N]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studyguide.options import PAPERS

DEFAULT_PORT = 8000


def add(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="preview the book as the web edition on http://127.0.0.1:PORT/, rebuilt and "
        "reloaded on every save",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"the port on 127.0.0.1 (default: {DEFAULT_PORT}; 0: any free port)",
    )
    serve.add_argument(
        "--paper", choices=PAPERS, default="a4", help="paper of the print view and page numbers"
    )
    serve.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: build/); the print view is laid out in its preview/",
    )
    serve.add_argument(
        "--no-writing-space",
        dest="writing_space",
        action="store_false",
        help="no ruled lines for answers in the print view",
    )
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from studyguide.options import Options
    from studyguide.output import prepare_output_dir
    from studyguide.preview.server import serve
    from studyguide.preview.session import Session

    root: Path = args.root.resolve()
    out = prepare_output_dir((args.out or root / "build").resolve())
    options = Options(out=out, paper=args.paper, writing_space=args.writing_space)
    return serve(Session(root, options, _progress), args.port, _progress)


def _progress(message: str) -> None:
    print(f"studyguide: {message}", file=sys.stderr, flush=True)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got '{text}'")
    return int(text)
