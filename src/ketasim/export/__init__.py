"""Exports of assembled models to exchange formats (SBML)."""
