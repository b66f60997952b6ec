"""Analyses over the slow model: global sensitivity (SALib) and gradient-based fitting."""
