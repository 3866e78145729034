"""The ``mockapi`` command: serving, the database, and the admin subcommands that talk to a running
server through one HTTP client (``client``). ``main`` is the console-script entry point."""

from __future__ import annotations

from .commands import main

__all__ = ["main"]
