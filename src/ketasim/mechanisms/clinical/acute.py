"""Acute effects (placeholder while the module is written): cadss, sedation, analgesia."""

from __future__ import annotations

from ...engine.module import Module


def acute_modules(drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    return ()
