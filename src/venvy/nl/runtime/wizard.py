"""`venvy -w`: a request in words -> a command shown with its confidence -> confirm, edit or
skip -> the command runs in-process through the click command object (never a shell).

    venvy -w "create a python 3.11 venv named backend"   show, ask [Y/n/e], run
    venvy -w --print "list my venvs"                     print the command only (exit 1 if none)
    venvy -w --yes "remove the venv old"                 run without asking (see below)
    venvy -w                                             one request per line; Ctrl-D ends

Safety rules (docs/wizard.md explains them):
- What runs is exactly the command shown, parsed again by the CLI's real parser; an
  edited command is validated the same way. Nothing outside the contract can run.
- Destructive commands (rm; cleanup without --dry-run) always ask, default No.
- Confidence below LOW_CONFIDENCE: a warning, and the default answer becomes No.
- --yes skips the question, and for a destructive command it also adds the command's
  own --yes (shown before it runs). It never applies below LOW_CONFIDENCE: then venvy
  still asks, and with no terminal to ask on, nothing runs.

Diagnostics and questions go to stderr; stdout carries only what the command prints
(or, with --print, the command itself).
"""

from __future__ import annotations

import shlex
import sys
import time

import click

from venvy.errors import VenvyError
from venvy.nl.runtime.result import ErrorKind, ParseResult

LOW_CONFIDENCE = 0.6  # below it: a warning, No as the default answer, and --yes does not apply
HISTORY_FILE = "wizard_history"
HELP_HINT = "`venvy --help` lists what venvy can do."


# --------------------------------------------------------------------------
# Entry point (called by cli.py)
# --------------------------------------------------------------------------


def run_wizard(request, *, print_only=False, assume_yes=False, agent=None, execute=None) -> int:
    """Handle `venvy -w ...`; returns the exit code.

    agent: anything with .parse(text) -> ParseResult (venvy.nl.runtime.result); None
    loads the real model. execute: args -> exit code; None runs the click command in-process.
    Both can also come from the root context's obj (tests: CliRunner.invoke(main, args,
    obj={"venvy.nl.agent": fake})), so the real CLI routing is what gets tested.
    """
    agent = agent or _injected("venvy.nl.agent")
    execute = execute or _injected("venvy.nl.execute") or run_in_process
    if request is None:
        if print_only:
            raise click.UsageError('--print needs a request: venvy -w --print "list my venvs"')
        return interactive(agent, assume_yes=assume_yes, execute=execute)
    if not _has_words(request):
        raise VenvyError('the request is empty: say what you want, e.g. venvy -w "list my venvs".')
    if agent is None:
        from venvy.nl.runtime import resident

        if resident.enabled():  # the resident parser answers, or this process loads the model
            agent = resident.ResidentAgent(load_agent)
            try:
                return handle(request, agent, print_only=print_only, assume_yes=assume_yes, execute=execute)
            finally:
                if agent.fell_back:
                    resident.start()  # for the next call
        agent = load_agent()
    return handle(request, agent, print_only=print_only, assume_yes=assume_yes, execute=execute)


def _injected(key: str):
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get(key) if isinstance(obj, dict) else None


def _has_words(request: str) -> bool:
    return any(ch.isprintable() and not ch.isspace() for ch in request)


def load_agent():
    from venvy.nl.runtime.agent import VenvyNLAgent

    return VenvyNLAgent(progress=DownloadProgress())


def run_in_process(args: list[str]) -> int:
    """Run `venvy ARGS` through the click command object, in this process."""
    from venvy.cli import main

    try:
        rv = main.main(args=list(args), prog_name="venvy", standalone_mode=False)
    except SystemExit as exc:  # a command that ends with sys.exit(n), e.g. a declined confirmation
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return rv if isinstance(rv, int) else 0


# --------------------------------------------------------------------------
# One request
# --------------------------------------------------------------------------


def handle(request: str, agent, *, print_only: bool, assume_yes: bool, execute) -> int:
    result: ParseResult = agent.parse(request)
    command = result.command
    if print_only or command is None:
        for warning in result.warnings:
            _warn(warning)
    if print_only:
        if command is None:
            _err(no_command_message(result))
            return 1
        if result.confidence < LOW_CONFIDENCE:
            _warn(f"low confidence ({_pct(result.confidence)}).")
        click.echo(command)
        return 0
    if command is None:
        _err(no_command_message(result))
        return 1
    return confirm_and_run(
        command, result.confidence, assume_yes=assume_yes, execute=execute, warnings=result.warnings
    )


def no_command_message(result: ParseResult) -> str:
    if result.error_kind is ErrorKind.EMPTY_REQUEST:
        return 'venvy: the request is empty; say what you want, e.g. venvy -w "list my venvs".'
    if result.error_kind is not None:
        return f"venvy can't turn that into a command: {result.error} Nothing ran. {HELP_HINT}"
    return f"venvy can't do that: it is not one of venvy's commands. Nothing ran. {HELP_HINT}"


def confirm_and_run(command: str, confidence, *, assume_yes: bool, execute, warnings=()) -> int:
    """Show the command, ask [Y/n/e] (or not, with --yes), run it. confidence None = edited."""
    from venvy.nl import contract
    from venvy.nl.runtime.describe import describe, destructive

    while True:
        parsed = contract.parse(command)
        is_destructive = destructive(parsed)
        low = confidence is not None and confidence < LOW_CONFIDENCE
        show(command, describe(parsed), confidence, is_destructive, warnings if confidence is not None else ())
        if assume_yes and not low:
            args = run_args(parsed, add_yes=is_destructive)
            if is_destructive:
                _err(f"--yes: running without asking: venvy {shlex.join(args)}")
            return execute(args)
        if assume_yes and low:
            _warn(f"--yes does not apply below {_pct(LOW_CONFIDENCE)} confidence; asking instead.")
        answer = ask(default_yes=not (is_destructive or low))
        if answer == "n":
            _err("Nothing ran.")
            return 0
        if answer == "e":
            edited = edit(command)
            if edited is not None and edited != command:
                command, confidence = edited, None
            continue
        return execute(run_args(parsed, add_yes=False))


def run_args(parsed, *, add_yes: bool) -> list[str]:
    """The argument list for the click command, from the canonical form."""
    from venvy.nl import contract

    args = shlex.split(contract.canonical_from_parsed(parsed))[1:]
    has_yes_option = any(o.flag == "--yes" for o in contract.commands()[parsed.command].options)
    if add_yes and has_yes_option and "--yes" not in args:
        args.append("--yes")
    return args


# --------------------------------------------------------------------------
# Terminal I/O
# --------------------------------------------------------------------------


def _err(text: str) -> None:
    click.echo(text, err=True)


def _warn(text: str) -> None:
    click.echo(click.style("warning: ", fg="yellow", bold=True) + text, err=True)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def show(command: str, description: str, confidence, is_destructive: bool, warnings=()) -> None:
    click.echo(click.style(command, bold=True), err=True)
    click.echo("  " + click.style(description, fg="red" if is_destructive else None), err=True)
    if confidence is None:
        click.echo("  (edited by you)", err=True)
    elif confidence < LOW_CONFIDENCE:
        click.echo(
            "  confidence " + click.style(_pct(confidence), fg="yellow", bold=True)
            + click.style(" - low: read the command before you run it.", fg="yellow"),
            err=True,
        )
    else:
        click.echo(f"  confidence {_pct(confidence)}", err=True)
    for warning in warnings:
        click.echo("  " + click.style("warning: ", fg="yellow", bold=True) + warning, err=True)


ANSWERS = {"y": "y", "yes": "y", "n": "n", "no": "n", "e": "e", "edit": "e"}


def ask(*, default_yes: bool) -> str:
    """'y', 'n' or 'e'. EOF (no terminal) raises click.Abort: nothing runs."""
    choices = "[Y/n/e]" if default_yes else "[y/N/e]"
    while True:
        raw = click.prompt(f"Run it? {choices}", default="", show_default=False, err=True, prompt_suffix=" ")
        raw = raw.strip().lower()
        if not raw:
            return "y" if default_yes else "n"
        if raw in ANSWERS:
            return ANSWERS[raw]
        _err("Answer y (run it), n (do not) or e (edit the command).")


def edit(command: str) -> str | None:
    """Let the user edit the command; returns its canonical form, or None to keep the old one."""
    from venvy.nl import contract

    text = command
    while True:
        text = _read_edit(text)
        if not text.strip():
            return None
        try:
            return contract.canonical(text.strip())
        except contract.ContractError as exc:
            _err(f"not a venvy command: {exc}. Edit it again, or leave it empty to go back.")


def _read_edit(current: str) -> str:
    if sys.stdin.isatty():
        try:
            import readline
        except ImportError:  # pragma: no cover - Windows without pyreadline
            readline = None
        if readline is not None:
            readline.set_startup_hook(lambda: readline.insert_text(current))
            try:
                return input("command: ")
            except EOFError:
                return ""
            finally:
                readline.set_startup_hook(None)
    return click.prompt("command", default=current, err=True)


# --------------------------------------------------------------------------
# Interactive mode
# --------------------------------------------------------------------------


def interactive(agent, *, assume_yes: bool, execute) -> int:
    """One request per line, with line editing and history where readline exists; Ctrl-D ends."""
    agent = agent or load_agent()
    history = _start_history()
    _err("venvy natural-language mode: type a request, e.g. \"list my venvs\". Ctrl-D ends.")
    try:
        while True:
            try:
                line = _read_line("venvy> ")
            except EOFError:
                _err("")
                return 0
            except KeyboardInterrupt:
                _err("")
                continue
            if not _has_words(line):
                continue
            try:
                handle(line, agent, print_only=False, assume_yes=assume_yes, execute=execute)
            except (click.exceptions.Abort, KeyboardInterrupt):
                _err("\nNothing ran.")
            except click.exceptions.Exit:
                pass
            except click.ClickException as exc:
                exc.show()
            except VenvyError as exc:
                _err(f"Error: {exc}")
    finally:
        _save_history(history)


def _read_line(prompt: str) -> str:
    if sys.stdin.isatty():
        return input(prompt)
    click.echo(prompt, nl=False, err=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def _start_history():
    if not sys.stdin.isatty():
        return None
    try:
        import readline
    except ImportError:  # pragma: no cover
        return None
    from venvy import paths

    path = paths.home() / HISTORY_FILE
    if path.is_file():
        try:
            readline.read_history_file(str(path))
        except OSError:
            pass
    return path


def _save_history(path) -> None:
    if path is None or not path.parent.is_dir():
        return
    try:
        import readline

        readline.set_history_length(1000)
        readline.write_history_file(str(path))
    except (ImportError, OSError):
        pass


# --------------------------------------------------------------------------
# Download progress (the model, first run only)
# --------------------------------------------------------------------------


class DownloadProgress:
    """A one-line progress bar on stderr, refreshed at most 10 times a second."""

    def __init__(self, label: str = "downloading the model", stream=None):
        self.label = label
        self.stream = stream
        self.last = 0.0
        self.width = 30

    def __call__(self, done: int, total) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self.last < 0.1:
            return
        self.last = now
        if total:
            filled = int(self.width * done / total)
            bar = "#" * filled + "-" * (self.width - filled)
            line = f"\r{self.label} [{bar}] {done / total:4.0%} {done / 1e6:.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"\r{self.label} {done / 1e6:.1f} MB"
        stream = self.stream or sys.stderr
        stream.write(line + ("\n" if finished else ""))
        stream.flush()

