"""Shell code that tells venvy when a venv is activated.

The hook runs at each prompt but only compares $VIRTUAL_ENV (or $CONDA_PREFIX)
with the last value it saw, held in a shell variable: no process starts unless
the value changed, and then `venvy _record-use PATH` runs in the background.
A guard variable makes a second `eval` (an rc file sourced twice) a no-op.

Without --shell, the shell is the one that runs `venvy shell-hook` (the parent process:
in `eval "$(venvy shell-hook)"` that is the shell that evaluates the code), else $SHELL.
For bash and zsh the code holds both hooks and picks one when it is evaluated, so a
bash started with SHELL=zsh (or the reverse) still gets a working hook; any other shell
evaluating it gets a warning on stderr instead of silence.

    bash/zsh:    eval "$(venvy shell-hook)"
    fish:        venvy shell-hook --shell fish | source
    powershell:  venvy shell-hook --shell powershell | Out-String | Invoke-Expression
"""

from __future__ import annotations

import os

from venvy.errors import VenvyError

SHELLS = ("bash", "zsh", "fish", "powershell")

BASH = r"""# venvy shell hook (bash): records venv use when $VIRTUAL_ENV changes.
if [ -z "${__VENVY_HOOK:-}" ]; then
  __VENVY_HOOK=1
  __venvy_last_env=""
  __venvy_hook() {
    local env="${VIRTUAL_ENV:-${CONDA_PREFIX:-}}"
    if [ "$env" != "$__venvy_last_env" ]; then
      __venvy_last_env="$env"
      if [ -n "$env" ]; then
        (command venvy _record-use "$env" >/dev/null 2>&1 &)
      fi
    fi
  }
  PROMPT_COMMAND="__venvy_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
fi
"""

ZSH = r"""# venvy shell hook (zsh): records venv use when $VIRTUAL_ENV changes.
if [[ -z "${__VENVY_HOOK:-}" ]]; then
  __VENVY_HOOK=1
  __venvy_last_env=""
  __venvy_hook() {
    local env="${VIRTUAL_ENV:-${CONDA_PREFIX:-}}"
    if [[ "$env" != "$__venvy_last_env" ]]; then
      __venvy_last_env="$env"
      if [[ -n "$env" ]]; then
        (command venvy _record-use "$env" >/dev/null 2>&1 &)
      fi
    fi
  }
  typeset -ag precmd_functions
  precmd_functions+=(__venvy_hook)
fi
"""

FISH = r"""# venvy shell hook (fish): records venv use when $VIRTUAL_ENV changes.
if not set -q __VENVY_HOOK
  set -g __VENVY_HOOK 1
  set -g __venvy_last_env ""
  function __venvy_hook --on-event fish_prompt
    set -l env "$VIRTUAL_ENV"
    if test -z "$env"
      set env "$CONDA_PREFIX"
    end
    if test "$env" != "$__venvy_last_env"
      set -g __venvy_last_env "$env"
      if test -n "$env"
        command venvy _record-use "$env" >/dev/null 2>&1 &
        disown 2>/dev/null
      end
    end
  end
end
"""

POWERSHELL = r"""# venvy shell hook (PowerShell): records venv use when $env:VIRTUAL_ENV changes.
if (-not $global:__VENVY_HOOK) {
  $global:__VENVY_HOOK = $true
  $global:__venvy_last_env = ""
  $global:__venvy_prompt = $function:prompt
  function global:prompt {
    $venvyEnv = if ($env:VIRTUAL_ENV) { $env:VIRTUAL_ENV } elseif ($env:CONDA_PREFIX) { $env:CONDA_PREFIX } else { "" }
    if ($venvyEnv -ne $global:__venvy_last_env) {
      $global:__venvy_last_env = $venvyEnv
      if ($venvyEnv) {
        Start-Process -FilePath "venvy" -ArgumentList @("_record-use", "`"$venvyEnv`"") -NoNewWindow -ErrorAction SilentlyContinue | Out-Null
      }
    }
    & $global:__venvy_prompt
  }
}
"""

CODE = {"bash": BASH, "zsh": ZSH, "fish": FISH, "powershell": POWERSHELL}

# bash or zsh, decided by the shell that evaluates it. Each part is a single-quoted string
# given to eval, so any POSIX shell can parse the whole (and warns instead of failing).
assert "'" not in BASH + ZSH
POSIX = (
    "# venvy shell hook (bash and zsh: the shell that evaluates it picks its part).\n"
    'if [ -n "${ZSH_VERSION:-}" ]; then\n'
    f"eval '{ZSH}'\n"
    'elif [ -n "${BASH_VERSION:-}" ]; then\n'
    f"eval '{BASH}'\n"
    "else\n"
    '  echo "venvy: this shell hook is for bash or zsh; for another shell use: venvy shell-hook --shell fish|powershell" >&2\n'
    "fi\n"
)
ALIASES = {"pwsh": "powershell", "powershell": "powershell", "bash": "bash", "zsh": "zsh", "fish": "fish"}


def _shell_name(text: str) -> str:
    name = os.path.basename(text.strip()).lower().lstrip("-")  # "-bash" for a login shell
    return name[: -len(".exe")] if name.endswith(".exe") else name


def parent_shell() -> str | None:
    """The shell that started venvy (Linux: /proc), or None when the parent is not one we know."""
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8", errors="replace") as fh:
            name = _shell_name(fh.read())
    except OSError:
        return None
    return ALIASES.get(name)


def detect_shell() -> str:
    """The shell that runs venvy, else the one named by $SHELL (PowerShell on Windows when unset)."""
    parent = parent_shell()
    if parent:
        return parent
    value = os.environ.get("SHELL", "")
    if not value:
        if os.name == "nt":  # pragma: no cover - platform specific
            return "powershell"
        raise VenvyError("$SHELL is not set; name your shell with --shell bash|zsh|fish|powershell.")
    name = ALIASES.get(_shell_name(value))
    if name is None:
        raise VenvyError(f"venvy has no hook for {_shell_name(value)!r} ($SHELL={value}); use --shell bash|zsh|fish|powershell.")
    return name


def code(shell: str | None = None) -> str:
    """The hook for `shell`; without one, for the detected shell (bash and zsh: code for both)."""
    if shell:
        return CODE[shell]
    detected = detect_shell()
    return POSIX if detected in ("bash", "zsh") else CODE[detected]
