"""Run the command line as `python -m studyguide`."""

from studyguide.cli import run

run()
