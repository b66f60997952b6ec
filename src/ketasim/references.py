"""The reference registry: source key -> full citation (data/references.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Reference:
    key: str
    citation: str
    doi: str = ""
    pmid: str = ""

    @property
    def link(self) -> str:
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return ""


@lru_cache(maxsize=1)
def registry() -> dict[str, Reference]:
    """All references shipped with the package, by key."""
    text = resources.files("ketasim").joinpath("data/references.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return {
        key: Reference(key=key, citation=v["citation"], doi=v.get("doi", ""), pmid=str(v.get("pmid", "")))
        for key, v in raw.items()
    }


def lookup(key: str) -> Reference:
    """The reference for `key`; KeyError naming the key when unknown."""
    reg = registry()
    if key not in reg:
        raise KeyError(f"unknown source key {key!r}: add it to ketasim/data/references.toml")
    return reg[key]
