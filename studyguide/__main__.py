"""Run the command line as `python -m studyguide`."""

from studyguide.entry import run

run()
