"""venvy's command line: a click group whose commands are thin (parse, call, render).

The commands, options, their order, types and defaults ARE the team's command contract
(summarised in docs/cli.md): venvy.nl.contract reads this tree to build the
dataset's targets, the decoding grammar and the canonical form. Change a
contract command here and the NL pipeline follows (or a test fails).
"""

from __future__ import annotations

import os
import sys

import click

from venvy import __version__
from venvy import types as T
from venvy.errors import VenvyError

WIZARD_FLAGS = ("-w", "--wizard")
WIZARD_PASSTHROUGH = ("--print", "-y", "--yes", "--debug", "-h", "--help")


def debug_enabled(ctx: click.Context | None = None) -> bool:
    if os.environ.get("VENVY_DEBUG", "") not in ("", "0"):
        return True
    ctx = ctx or click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.params.get("debug"))


class VenvyGroup(click.Group):
    """The root group.

    - `venvy -w [--print] [--yes] REQUEST WORDS...` collects the words after -w
      into one request instead of treating the first as a command name.
    - VenvyError becomes one clear line on stderr and exit 1; a traceback only
      with --debug or VENVY_DEBUG=1.
    """

    def parse_args(self, ctx, args):
        leading = [a for a in args[:2]]
        if any(a in WIZARD_FLAGS for a in leading):
            flags = [a for a in args if a in WIZARD_FLAGS or a in WIZARD_PASSTHROUGH]
            words = [a for a in args if a not in WIZARD_FLAGS and a not in WIZARD_PASSTHROUGH]
            ctx.meta["venvy.request"] = " ".join(words) if words else None
            args = flags
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VenvyError as exc:
            if debug_enabled(ctx):
                raise
            raise click.ClickException(str(exc)) from None


@click.group(
    cls=VenvyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="venvy")
@click.option("--debug", is_flag=True, help="Show full tracebacks (or set VENVY_DEBUG=1).")
@click.option(
    "-w",
    "--wizard",
    is_flag=True,
    help='Natural-language mode: venvy -w "create a python 3.11 venv named api". '
    "Without a request, opens an interactive prompt. The first call leaves the model loaded "
    "in a background process for 10 idle minutes, so the next ones are fast (VENVY_RESIDENT=0: off).",
)
@click.option("--print", "print_only", is_flag=True, help="With -w: print the command only; run nothing.")
@click.option("-y", "--yes", is_flag=True, help="With -w: run destructive commands without asking.")
@click.pass_context
def main(ctx: click.Context, debug: bool, wizard: bool, print_only: bool, yes: bool) -> None:
    """venvy: every Python virtual environment on this machine, in one registry.

    \b
    Quick start:
      venvy scan --home          find the venvs you already have
      venvy ls --sort size       list them, biggest first
      venvy create --name api --python 3.11
      venvy cleanup --dry-run    what has not been used for 90 days
      venvy -w "delete envs unused for two weeks"

    Data lives in $VENVY_HOME (default ~/.venvy).
    """
    if wizard:
        from venvy.nl.runtime.wizard import run_wizard

        ctx.exit(run_wizard(ctx.meta.get("venvy.request"), print_only=print_only, assume_yes=yes) or 0)
    if print_only or yes:
        raise click.UsageError("--print and --yes only apply to -w.")
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


# --------------------------------------------------------------------------
# Contract commands. Their names, options, order, types and defaults are read
# by venvy.nl.contract: keep them in the contract's canonical order.
# --------------------------------------------------------------------------


@main.command()
@click.option("--name", "-n", type=T.NAME, help="Name of the venv; alone, it goes in $VENVY_HOME/envs/NAME.")
@click.option("--python", "-p", "python", type=T.VERSION, help="Python version: 3, 3.11 or 3.11.4.")
@click.option("--path", type=T.DIR, help="Folder to create the venv in (default: ./.venv).")
@click.option("--packages", type=T.LIST, help="Packages to install, comma-separated: 'fastapi,uvicorn==0.30.1'.")
@click.option("--requirements", "-r", type=T.FILE, help="Install from this requirements file.")
def create(name, python, path, packages, requirements):
    """Create a venv and register it.

    \b
    venvy create                         ./.venv, named after this folder
    venvy create --name api --python 3.11
    venvy create --path ~/work/x/.venv --packages requests,rich
    """
    from venvy import render
    from venvy.ops.create import create as create_venv

    with render.status("Creating the venv ...") as progress:
        record = create_venv(name, python, path, packages, requirements, progress=progress)
    render.created(record)


@main.command("ls")
@click.option(
    "--sort",
    type=click.Choice(["name", "recent", "size", "created", "python"]),
    default="name",
    show_default=True,
    help="Order of the list.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "simple"]),
    default="table",
    show_default=True,
    help="table for people, json for scripts, simple: one path per line.",
)
@click.option("--python", "python", type=T.VERSION, help="Only venvs whose Python starts with this (3.11 matches 3.11.4).")
def ls_cmd(sort, fmt, python):
    """List registered venvs (instant: reads the registry, not the disk)."""
    from venvy import render
    from venvy.ops.listing import list_venvs

    records = list_venvs(sort, python)
    registered = len(list_venvs()) if python and not records and fmt == "table" else None
    render.venvs(records, fmt, python=python, registered=registered)


@main.command()
@click.argument("name", type=T.NAME)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def info(name, fmt):
    """Everything venvy knows about one venv."""
    from venvy import render
    from venvy.ops.query import info as venv_info

    render.venv_detail(venv_info(name), fmt)


@main.command()
@click.argument("path", type=T.PATH, required=False)
@click.option("--name", "-n", type=T.NAME, help="Name to register it under (default: derived from the path).")
@click.option("--project", type=T.DIR, help="The project folder it belongs to.")
def register(path, name, project):
    """Add an existing venv to the registry.

    PATH defaults to the first of .venv, venv, env in the current folder.
    """
    from venvy import render
    from venvy.ops.register import register as register_venv

    render.registered(*register_venv(path, name, project))


@main.command()
@click.option("--path", type=T.DIR, help="Folder to search (default: the current folder).")
@click.option("--home", is_flag=True, help="Search your home folder, hidden folders included.")
@click.option("--depth", type=T.DEPTH, default=3, show_default=True, help="How many folders deep to look.")
def scan(path, home, depth):
    """Find venvs on disk and register them."""
    from venvy import render
    from venvy.ops.scan import scan as scan_venvs

    with render.scan_progress() as on_progress:
        result = scan_venvs(path, home, depth, on_progress=on_progress)
    render.scan_summary(result)


@main.command()
def current():
    """Show the active venv ($VIRTUAL_ENV or $CONDA_PREFIX)."""
    from venvy import render
    from venvy.ops.query import current as active_venv

    render.current(active_venv())


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(fmt):
    """Totals: count, disk used, packages, unused for 30+/90+ days, broken."""
    from venvy import render
    from venvy.ops.query import stats as totals

    render.stats(totals(), fmt)


@main.command()
@click.option("--days", type=T.DAYS, default=90, show_default=True, help="Remove venvs unused for this many days.")
@click.option("--dry-run", is_flag=True, help="Only show what would be removed.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def cleanup(days, dry_run, yes):
    """Remove venvs that have not been used for a while (asks first)."""
    from venvy import render
    from venvy.ops import remove

    steps = remove.plan_cleanup(days)
    if not steps:
        click.echo(f"Nothing to clean up: no venv has gone {days}+ days unused (last use, or creation if never used).")
        return
    render.removal_plan(steps, f"Unused for {days}+ days", to_stdout=dry_run)
    todo = [s for s in steps if s.action != remove.SKIP]
    if dry_run or not todo:
        click.echo("Dry run: nothing was changed." if dry_run else "Nothing venvy may remove.")
        return
    _confirm(f"Remove {len(todo)} venv(s)?", yes)
    _finish(remove.execute(todo))


@main.command()
@click.argument("name", type=T.NAME)
@click.option("--keep-files", is_flag=True, help="Only forget it; leave the files on disk.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def rm(name, keep_files, yes):
    """Delete one venv from disk and from the registry."""
    from venvy import render
    from venvy.ops import remove

    step = remove.plan_rm(name, keep_files)
    render.removal_plan([step], f"venvy rm {name}")
    question = f"Delete {step.record.path}?" if step.action == remove.DELETE else f"Forget {name}?"
    _confirm(question, yes)
    _finish(remove.execute([step]))


@main.command("shell-hook")
@click.option("--shell", type=click.Choice(["bash", "zsh", "fish", "powershell"]), help="Default: from $SHELL.")
def shell_hook(shell):
    """Print shell code that records venv use on activation.

    \b
    Add once to your rc file:
      eval "$(venvy shell-hook)"                  # ~/.bashrc, ~/.zshrc
      venvy shell-hook --shell fish | source      # config.fish
      venvy shell-hook --shell powershell | Out-String | Invoke-Expression
    """
    from venvy.shell_hook import code

    click.echo(code(shell), nl=False)


@main.command("_record-use", hidden=True)
@click.argument("path")
def record_use(path):
    """Called by the shell hook in the background when $VIRTUAL_ENV changes."""
    from venvy.ops.register import record_use as note_use

    try:
        note_use(path)
    except VenvyError:  # the hook runs in the background: stay silent
        sys.exit(1)


def _confirm(question: str, yes: bool) -> None:
    """Ask on stderr, No by default; stop (exit 1) unless the answer is yes."""
    if yes:
        return
    if not click.confirm(question, default=False, err=True):
        click.echo("Nothing was changed.", err=True)
        sys.exit(1)


def _finish(outcome) -> None:
    from venvy import render

    render.removal_outcome(outcome)
    if outcome.failed:
        sys.exit(1)
