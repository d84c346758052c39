"""Run commands side by side in a process of its own, for a test run that goes on meanwhile
(conftest.in_calibre_started): `python background.py RESULT COMMANDS` runs each of the
JSON list COMMANDS (name, argv, extra environment) and writes each one's exit code and the
end of its output to RESULT, as JSON. The lock it was handed (an inherited descriptor) is
held until it ends: whoever waits for the result takes that lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TIMEOUT = 600  # seconds for each command: far above what one takes, against a hang


def _run(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    try:
        run = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=False,
            timeout=TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"code": -1, "output": str(error)}
    return {"code": run.returncode, "output": (run.stdout + run.stderr)[-4000:]}


def main(result: Path, commands: list[tuple[str, list[str], dict[str, str]]]) -> None:
    with ThreadPoolExecutor(max(1, len(commands))) as pool:
        runs = {name: pool.submit(_run, argv, env) for name, argv, env in commands}
    done = {name: future.result() for name, future in runs.items()}
    written = result.with_suffix(".part")
    written.write_text(json.dumps(done), encoding="utf-8")
    written.replace(result)


if __name__ == "__main__":
    main(Path(sys.argv[1]), json.loads(sys.argv[2]))
