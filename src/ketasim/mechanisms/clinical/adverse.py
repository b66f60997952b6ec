"""Adverse effects of repeated use (placeholder while the module is written): bladder_risk, abuse_liability."""

from __future__ import annotations

from ...engine.module import Module


def adverse_modules(drugs: frozenset[str] = frozenset()) -> tuple[Module, ...]:
    return ()
