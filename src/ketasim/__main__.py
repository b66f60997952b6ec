"""`python -m ketasim ...` is the `ketasim` command."""

from .cli import entry

entry()
