"""Mechanism modules of the slow model, one concept per file, and their registry."""
