"""Shell code that tells venvy when a venv is activated.

The hook runs at each prompt but only compares $VIRTUAL_ENV (or $CONDA_PREFIX)
with the last value it saw, held in a shell variable: no process starts unless
the value changed, and then `venvy _record-use PATH` runs in the background.
A guard variable makes a second `eval` (an rc file sourced twice) a no-op.

    bash/zsh:    eval "$(venvy shell-hook)"
    fish:        venvy shell-hook --shell fish | source
    powershell:  venvy shell-hook --shell powershell | Out-String | Invoke-Expression
"""

from __future__ import annotations

import os

from venvy.errors import VenvyError

SHELLS = ("bash", "zsh", "fish", "powershell")
RECORD_COMMAND = "_record-use"

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


def detect_shell() -> str:
    """The shell named by $SHELL (PowerShell on Windows when $SHELL is unset)."""
    value = os.environ.get("SHELL", "")
    if not value:
        if os.name == "nt":  # pragma: no cover - platform specific
            return "powershell"
        raise VenvyError("$SHELL is not set; name your shell with --shell bash|zsh|fish|powershell.")
    name = os.path.basename(value).lower()
    name = name[: -len(".exe")] if name.endswith(".exe") else name
    if name in ("pwsh", "powershell"):
        return "powershell"
    if name in CODE:
        return name
    raise VenvyError(f"venvy has no hook for {name!r} ($SHELL={value}); use --shell bash|zsh|fish|powershell.")


def code(shell: str | None = None) -> str:
    return CODE[shell or detect_shell()]
