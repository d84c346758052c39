"""The warm process: `python -P -m studyguide.warm FOLDER` (as client.start runs it)."""

import sys
from pathlib import Path

from studyguide.warm.server import serve

serve(Path(sys.argv[1]))
