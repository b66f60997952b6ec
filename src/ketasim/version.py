"""The package's version, on the ground floor: every module that records it in an output
(Dataset provenance, the trial store and summary, caches) reads it here, and
`ketasim.__version__` re-exports it."""

__version__ = "0.1.0"
