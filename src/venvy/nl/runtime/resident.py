"""A resident parser, so that `venvy -w` does not load the model on every call.

A `venvy -w` process spends most of its second importing llama.cpp and numpy and loading the
model; the parse itself is a tenth of that. So the first `venvy -w "..."` parses in-process as
before and, once its command is done, starts a background process that keeps the model
loaded; the next calls send the request over a Unix socket in $VENVY_HOME/run/ and get the
ParseResult back. Only the parse moves: the wizard (showing, asking, running) stays in the
calling process, in its terminal and its working directory.

- It exits after VENVY_RESIDENT_IDLE seconds without a request (default 600), when its model
  files change on disk, when a call comes with other settings (VENVY_MODEL, VENVY_THREADS,
  VENVY_MERGE, another venvy version), and when it was started spinning threads on an idle
  machine and other work has started since (spinning threads would collapse then: see
  venvy.nl.runtime.threads). In each case the caller parses in-process and a fresh one starts.
- VENVY_RESIDENT=0 turns it off; `venvy -w` then loads the model in every process.
- One at a time: a lock file keeps a second one from starting; the socket's folder is the
  user's alone (0700). Nothing is written to the terminal; its log is $VENVY_HOME/run/nl.log.

    python -m venvy.nl.runtime.resident serve     what the first call starts (detached)
    python -m venvy.nl.runtime.resident stop      ask a running one to exit
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import socket
import sys

from venvy import __version__, paths
from venvy.nl.runtime.result import ErrorKind, ParseResult, Timing

PROTOCOL = 1
IDLE_S = 600.0
SETTINGS = ("VENVY_MODEL", "VENVY_THREADS", "VENVY_MERGE")
MAX_SOCKET_PATH = 100  # AF_UNIX paths hold 108 bytes; a longer $VENVY_HOME: no resident parser
CONNECT_TIMEOUT_S = 0.2  # connecting to a live socket is immediate; a dead one refuses at once
REPLY_TIMEOUT_S = 30.0  # a parse is well under a second; this only bounds a wedged process


def enabled() -> bool:
    """On unless VENVY_RESIDENT=0; POSIX only (a Unix socket and a lock file)."""
    if os.name != "posix" or not hasattr(socket, "AF_UNIX"):
        return False
    return os.environ.get("VENVY_RESIDENT", "1").strip().lower() not in ("0", "", "no", "off", "false")


def run_dir_text() -> str:
    return os.path.join(paths.home_text(), "run")


def socket_path() -> str:
    return os.path.join(run_dir_text(), "nl.sock")


def idle_s() -> float:
    try:
        return max(1.0, float(os.environ.get("VENVY_RESIDENT_IDLE", IDLE_S)))
    except ValueError:
        return IDLE_S


def settings() -> dict:
    """What must match between a caller and the resident parser (a model path as an absolute
    path: the resident parser runs in /, the caller anywhere)."""
    values = {k: os.environ.get(k, "") for k in SETTINGS}
    if values["VENVY_MODEL"]:
        values["VENVY_MODEL"] = os.path.abspath(os.path.expanduser(values["VENVY_MODEL"]))
    return {"protocol": PROTOCOL, "venvy": __version__, **values}


# --------------------------------------------------------------------------
# ParseResult over the wire
# --------------------------------------------------------------------------


def encode(result: ParseResult) -> dict:
    data = dataclasses.asdict(result)
    data["error_kind"] = result.error_kind.value if result.error_kind is not None else None
    return data


def decode(data: dict) -> ParseResult:
    data = dict(data)
    data["error_kind"] = ErrorKind(data["error_kind"]) if data.get("error_kind") else None
    data["timing"] = Timing(**data["timing"]) if data.get("timing") else None
    data["ignored"], data["warnings"] = tuple(data.get("ignored", ())), tuple(data.get("warnings", ()))
    return ParseResult(**data)


def _read_line(conn) -> bytes:
    """One newline-ended message (or what came before the other end closed)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# --------------------------------------------------------------------------
# The caller's side
# --------------------------------------------------------------------------


def _ask(message: dict) -> dict | None:
    """One request/reply over the socket; None when no resident parser answers."""
    path = socket_path()
    if not os.path.exists(path):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(CONNECT_TIMEOUT_S)
            sock.connect(path)
            sock.settimeout(REPLY_TIMEOUT_S)
            sock.sendall(json.dumps(message).encode("utf-8") + b"\n")
            reply = _read_line(sock)
        return json.loads(reply.decode("utf-8"))
    except (OSError, ValueError):
        return None


def parse(text: str) -> ParseResult | None:
    """The resident parser's result for `text`, or None (none running, or it declined)."""
    reply = _ask({"request": text, "settings": settings()})
    if not reply or not reply.get("ok"):
        return None
    try:
        return decode(reply["result"])
    except (KeyError, TypeError, ValueError):
        return None


def stop() -> bool:
    """Ask a running resident parser to exit; False when none answered."""
    reply = _ask({"stop": True})
    return bool(reply and reply.get("ok"))


def pid() -> int | None:
    """The process id the last resident parser wrote into its lock file (it may have exited)."""
    try:
        with open(os.path.join(run_dir_text(), "nl.lock"), encoding="utf-8") as fh:
            return int(fh.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def start() -> None:
    """Start a resident parser in the background (detached, quiet); nothing when one holds
    the lock already (it exits at once) or when it cannot be started."""
    import subprocess

    if len(os.fsencode(socket_path())) > MAX_SOCKET_PATH:
        return
    try:
        os.makedirs(run_dir_text(), mode=0o700, exist_ok=True)
        log = open(os.path.join(run_dir_text(), "nl.log"), "ab")
    except OSError:
        return
    env = {**os.environ, "VENVY_HOME": os.path.abspath(paths.home_text())}
    if env.get("VENVY_MODEL"):
        env["VENVY_MODEL"] = settings()["VENVY_MODEL"]
    with log:
        try:  # in /, so that it holds no folder of the caller's (a mount, a folder to delete)
            subprocess.Popen(
                [sys.executable, "-m", "venvy.nl.runtime.resident", "serve"], cwd="/", env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
            )
        except OSError:
            pass


class ResidentAgent:
    """An agent whose parse() asks the resident parser and falls back to loading the model
    in this process (and then starts a fresh resident parser for the next call)."""

    def __init__(self, load_local):
        self._load_local = load_local
        self.local = None
        self.fell_back = False

    def parse(self, text: str) -> ParseResult:
        if self.local is None:
            result = parse(text)
            if result is not None:
                from venvy.cli import debug_enabled

                if debug_enabled():
                    print(f"venvy: parsed by the resident parser ({socket_path()})", file=sys.stderr)
                return result
            self.local, self.fell_back = self._load_local(), True
        return self.local.parse(text)


# --------------------------------------------------------------------------
# The resident side
# --------------------------------------------------------------------------


def _fingerprint(specs) -> list:
    """(path, mtime, size) of the files the model came from and of venvy's own source files:
    a change to any means exit (an upgraded adapter, an edited checkout)."""
    import venvy

    files = [f for spec in specs for f in (spec.model_path, spec.lora_path, spec.manifest_path) if f is not None]
    root = os.path.dirname(venvy.__file__)
    files += [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names if name.endswith(".py")]
    out = []
    for file in sorted({str(f) for f in files}):
        try:
            st = os.stat(file)
            out.append((file, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((file, None, None))
    return out


def serve() -> int:
    """Load the model, answer requests on the socket until idle, stale or stopped."""
    import fcntl
    import time

    os.makedirs(run_dir_text(), mode=0o700, exist_ok=True)
    os.chmod(run_dir_text(), 0o700)
    lock = open(os.path.join(run_dir_text(), "nl.lock"), "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # one is running already
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()

    def log(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} pid {os.getpid()}: {line}", file=sys.stderr, flush=True)

    resident = Resident()
    path = socket_path()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a dead one's socket: the lock says nobody serves it
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    umask = os.umask(0o177)  # the socket is the user's alone, as its folder is
    try:
        server.bind(path)
    finally:
        os.umask(umask)
    server.listen(8)
    server.settimeout(idle_s())
    log(f"serving {resident.describe()}")
    reason = None
    try:
        while reason is None:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                reason = "idle"
                break
            with conn:
                try:
                    conn.settimeout(REPLY_TIMEOUT_S)
                    reply, reason = resident.answer(json.loads(_read_line(conn).decode("utf-8")))
                except (OSError, ValueError):
                    continue  # a caller that went away or sent garbage: it parses in-process
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps(reply).encode("utf-8") + b"\n")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        server.close()
        log(f"exit ({reason})")
    return 0


class Resident:
    """The loaded model and what it was loaded under; answers one message at a time."""

    def __init__(self):
        from venvy.nl.runtime import resolve, threads
        from venvy.nl.runtime.agent import VenvyNLAgent

        self.settings = settings()
        self.agent = VenvyNLAgent()
        self.specs = (resolve.resolve(), self.agent.spec)  # as found, and as loaded (the merged file)
        self.fingerprint = _fingerprint(self.specs)
        choice = self.agent.loaded.threads
        self.choice = choice
        # spinning threads collapse when other work takes the cores (venvy.nl.runtime.threads)
        self.busy_check = threads if choice.wait_policy == "ACTIVE" and choice.n_threads > 1 else None

    def describe(self) -> str:
        return f"{self.agent.spec.describe()} ({self.choice.n_threads} threads, {self.choice.wait_policy})"

    def answer(self, message: dict) -> tuple[dict, str | None]:
        """(reply, why this process must now exit, or None)."""
        if message.get("stop"):
            return {"ok": True}, "stopped"
        why = self.stale(message)
        if why:
            return {"ok": False, "reason": why}, why
        try:
            return {"ok": True, "result": encode(self.agent.parse(str(message.get("request", ""))))}, None
        except Exception as exc:  # noqa: BLE001  (the caller parses in-process instead)
            return {"ok": False, "reason": f"{type(exc).__name__}: {exc}"}, "failed"

    def stale(self, message: dict) -> str | None:
        if message.get("settings") != self.settings:
            return "other settings"
        if _fingerprint(self.specs) != self.fingerprint:
            return "model or venvy changed"
        if self.other_work():
            return "other work started"
        return None

    def other_work(self) -> bool:
        """Whether other work now holds the cores the spinning threads need: two 30 ms samples in
        a row must both say so (the second is taken only when the first does), so a short burst
        (a shell starting a command) does not end the resident and cost the next call a load."""
        check = self.busy_check
        return check is not None and all(check.busy_cores() >= check.BUSY_FRACTION for _ in range(2))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["serve"]:
        return serve()
    if args == ["stop"]:
        print("stopped" if stop() else "none running")
        return 0
    print("usage: python -m venvy.nl.runtime.resident serve|stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
