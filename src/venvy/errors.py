"""The one error family that reaches the user.

Every message is a sentence ready for a person: what went wrong and, where it
helps, what to do about it. cli.py turns these into one line on stderr and exit 1.
"""


class VenvyError(Exception):
    """Something the user can understand and act on."""


class NotAVenvError(VenvyError):
    """A folder that is neither a venv nor a conda env."""


class NotFoundError(VenvyError):
    """An unknown name or a path that does not exist."""


class RegistryError(VenvyError):
    """The registry file cannot be read or written."""


class InterpreterNotFoundError(VenvyError):
    """The requested Python version is not installed anywhere venvy looks."""


class ModelError(VenvyError):
    """The natural-language model is missing, unloadable or misconfigured."""


class AlreadyExistsError(VenvyError):
    """A name or a folder that is already taken."""

    @classmethod
    def name_taken(cls, name: str) -> "AlreadyExistsError":
        return cls(f"The name {name!r} is already taken; choose another with --name.")


class CommandFailedError(VenvyError):
    """An external tool (venv, uv, pip) failed; the message carries its last words."""
