"""The preview's web server, on 127.0.0.1 only: the session's pages and nothing else (they are
looked up by name, never on the disk), the reload script and what it waits on, the print
view; and the watcher that rebuilds on every save of a source."""

from __future__ import annotations

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from studyguide.errors import BuildError
from studyguide.options import Progress
from studyguide.preview.session import Session
from studyguide.sources import files
from studyguide.sources.files import LISTED_DIRS, TREE_DIRS

HOST = "127.0.0.1"
WAIT_SECONDS = 25.0  # the reload script's request is answered after this at the latest
PRINT_SECONDS = 600.0  # the longest the print view waits for its layout
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",  # the figures' pictures (checked: nothing in them runs)
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# The pages run no script but the reload script, load nothing from elsewhere, and cannot be
# framed by another site.
# (The search page runs Pagefind's WebAssembly: 'wasm-unsafe-eval', which runs no string.)
POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # a reload script's waiting request does not hold up Ctrl-C

    def __init__(self, port: int, session: Session) -> None:
        self.session = session
        super().__init__((HOST, port), PreviewHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser left (a closed tab's waiting request): nothing to say
        super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "studyguide-preview"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for the build's messages."""

    def _answer(self, body: bool) -> None:
        session = self.server.session
        # A page elsewhere on the web cannot reach the preview through a name of its own
        # that resolves to 127.0.0.1 (DNS rebinding): only our own names are answered.
        if self.headers.get("Host") not in (
            f"{HOST}:{self.server.port}",
            f"localhost:{self.server.port}",
        ):
            return self._send(403, ".txt", b"forbidden\n", body)
        url = urlsplit(self.path)
        if url.path == "/_preview/wait":
            version = parse_qs(url.query).get("version", [""])[0]
            return self._send(200, ".txt", session.wait(version, WAIT_SECONDS).encode(), body)
        if url.path == "/_preview/reload.js":
            script = resources.files("studyguide.preview").joinpath("reload.js").read_bytes()
            return self._send(200, ".js", script, body)
        if url.path == "/_preview/status":
            return self._send(200, ".json", _status(session), body)
        if url.path == "/_preview/print.pdf":
            pdf = session.print_pdf(PRINT_SECONDS)
            if pdf is None:
                return self._send(503, ".txt", b"no print layout: see the page's mistakes\n", body)
            return self._send(200, ".pdf", pdf.read_bytes(), body)
        name = unquote(url.path).removeprefix("/") or "index.html"
        files = session.site.files
        if name.startswith("pagefind/"):
            files = session.search_files()
        if name not in files:
            return self._send(404, ".txt", b"not found\n", body)
        return self._send(200, Path(name).suffix, files[name], body)

    def _send(self, status: int, suffix: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", TYPES.get(suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if suffix in (".html", ".svg"):
            self.send_header("Content-Security-Policy", POLICY)
        self.end_headers()
        if body:
            self.wfile.write(data)


def _status(session: Session) -> bytes:
    shown = session.shown
    return json.dumps(
        {
            "version": session.site.version,
            "errors": list(shown.errors),
            "page_numbers_current": shown.exact,
            "print_layout_running": session.printing.running,
            "rebuild_seconds": round(session.last_rebuild, 4),
        }
    ).encode("utf-8")


def is_source(path: Path, root: Path, out: Path) -> bool:
    """Whether a change to `path` can change the book: a source, as sources.files.is_source
    says (book.toml, a chapter, a glossary entry, a text as published, the book's own layout
    and words), or a source folder made whole (its files may come before its watch); not
    the output, nor an editor's hidden or backup files."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not parts or path == out or out in path.parents:
        return False
    if len(parts) == 1 and parts[0] in (*LISTED_DIRS, *TREE_DIRS):
        return True
    return files.is_source(parts)


def watch_sources(session: Session, stop: threading.Event, ready: threading.Event) -> None:
    """Rebuild after every save of a source, until `stop` is set; `ready` is set once the
    watch is in place (a save before it would be missed)."""
    import watchfiles

    root, out = session.root.resolve(), session.options.out.resolve()
    try:
        for changes in watchfiles.watch(
            root,
            watch_filter=lambda change, path: is_source(Path(path), root, out),
            debounce=400,  # the longest a burst of changes is gathered (ms)
            step=20,  # changes are taken once the files have been quiet this long
            stop_event=stop,
            rust_timeout=250,  # an empty answer after this long without a change: watching
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            ready.set()
            if changes:
                session.rebuild()
    except OSError as exc:  # no more inotify watches, say: the pages stay, not rebuilt
        session.progress(f"error: cannot watch the sources for changes: {exc}")
    finally:
        ready.set()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(session: Session, port: int, progress: Progress) -> int:
    """Serve the preview until Ctrl-C (or SIGTERM); the URL goes to stdout once it is ready."""
    try:
        server = PreviewServer(port, session)
    except OSError as exc:
        raise BuildError(
            None,
            f"cannot serve the preview on {HOST}:{port}: {exc.strerror or exc}",
            "choose another port with --port, or --port 0 for any free one",
            "serve.port",
        ) from None
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        ready = threading.Event()
        threading.Thread(target=watch_sources, args=(session, stop, ready), daemon=True).start()
        ready.wait(timeout=60)
        session.rebuild()
        url = f"http://{HOST}:{server.port}/"
        print(url, flush=True)
        progress(f"serving the preview at {url} (Ctrl-C stops it)")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        session.stop()
        server.server_close()
        signal.signal(signal.SIGTERM, previous)
    progress("the preview has stopped")
    return 0
