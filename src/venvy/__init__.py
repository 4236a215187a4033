"""venvy: a registry of the Python virtual environments on this machine."""

__version__ = "0.1.0"
