"""The checksum a trial chunk's done flag records: SHA-256 over the chunk's arrays, in a fixed order.

A chunk of one arm is a set of named arrays (scores, per-patient values, covariates). Its
checksum covers, for every array in name order, the name, the dtype, the shape and the
bytes (C order), so a missing array, a changed value, a changed shape or a changed type
all change it. Text arrays (genotype covariates) are hashed as their strings (UTF-8,
each followed by a NUL), the values a reader sees, independent of the stored codes.
"""

from __future__ import annotations

import hashlib
from typing import Mapping

import numpy as np

DIGEST_BYTES = 32   # SHA-256


def chunk_checksum(arrays: Mapping[str, np.ndarray]) -> bytes:
    """SHA-256 (32 bytes) of `arrays` (name -> array), independent of the mapping's order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.asarray(arrays[name])
        if a.dtype.kind in "USO":
            kind, payload = "text", b"".join(s.encode("utf-8") + b"\0" for s in a.astype(str).ravel().tolist())
        else:
            a = np.ascontiguousarray(a)
            kind, payload = a.dtype.str, a.tobytes()
        h.update(f"{name}\0{kind}\0{a.shape}\0{len(payload)}\0".encode())
        h.update(payload)
    return h.digest()
