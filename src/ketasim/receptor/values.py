"""Receptor parameter values in the units the millisecond scheme works in.

The scheme runs on plain floats in ms, uM, mM and mV (Brian2-like units for a voltage
clamp). `ReceptorValues` reads the layer's `Parameter` records (with any overrides) and
converts each value once, so the scheme never sees a unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from ..errors import InputError
from ..units import from_canonical, to_canonical
from .parameters import BLOCKERS, CELLS, NMDA_PARAMETERS, SUBTYPES


@dataclass(frozen=True)
class ReceptorValues:
    """Parameter values (in their declared units) with unit-converting accessors."""

    values: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {x.name: x.value for x in NMDA_PARAMETERS}))

    def get(self, name: str, unit: str) -> float:
        """The value of parameter `name` expressed in `unit`."""
        decl = _UNITS[name]
        v = float(self.values[name])
        return v if decl == unit else float(from_canonical(to_canonical(v, decl), unit))

    def with_values(self, updates: Mapping[str, float]) -> "ReceptorValues":
        """A copy with some values replaced (in declared units); unknown names are errors."""
        for k in updates:
            if k not in _UNITS:
                raise InputError(f"parameters.{k}: not a receptor parameter")
        merged = dict(self.values)
        merged.update({k: float(v) for k, v in updates.items()})
        return ReceptorValues(MappingProxyType(merged))

    # --- derived gating quantities (scheme units: ms, uM) -----------------------
    def efficacy(self, s: str) -> float:
        """E = beta/alpha, the open/closed ratio of a fully liganded channel."""
        po = self.get(f"open_probability_{s}", "1")
        return po / (1.0 - po)

    def glutamate_kd(self, s: str) -> float:
        """Microscopic glutamate dissociation constant (uM): EC50 * (1 + E)."""
        return self.get(f"glutamate_ec50_{s}", "uM") * (1.0 + self.efficacy(s))

    def glycine_kd(self, s: str) -> float:
        return self.get(f"glycine_ec50_{s}", "uM") * (1.0 + self.efficacy(s))

    def glutamate_koff(self, s: str) -> float:
        """Glutamate unbinding rate (1/ms): (1 + E) / deactivation tau."""
        return (1.0 + self.efficacy(s)) / self.get(f"deactivation_tau_{s}", "ms")

    def closing_rate(self) -> float:
        return 1.0 / self.get("open_time", "ms")

    def native_open_probability(self) -> float:
        """Open probability of the pyramidal receptor mix at saturating agonists."""
        return sum(self.get(f"fraction_pyramidal_{s}", "1") * self.get(f"open_probability_{s}", "1")
                   for s in SUBTYPES)

    def koff(self, v: float) -> float:
        """Microscopic unblocking rate from the open channel at voltage v (mV), in 1/ms.

        The published rate is apparent (drug leaves only while the channel is open), so the
        microscopic rate is the apparent one divided by the native open probability.
        """
        k_app = self.get("koff_apparent", "1/ms")
        dv = v - self.get("block_reference_voltage", "mV")
        return k_app / self.native_open_probability() * math.exp(dv / self.get("koff_efold_voltage", "mV"))

    def kd(self, b: str, s: str, v: float) -> float:
        """Equilibrium constant (uM) of blocker b in an open, Mg2+-free subtype-s channel at v (mV)."""
        dv = v - self.get("block_reference_voltage", "mV")
        return (self.get(f"ketamine_ic50_{s}", "uM") * self.get(f"potency_{b}", "1")
                * math.exp(dv / self.get("kd_efold_voltage", "mV")))

    def mg_unblocked(self, s: str, v: float, mg: float) -> float:
        """Fraction of open subtype-s channels free of Mg2+ at v (mV) and [Mg2+] mg (mM)."""
        return 1.0 / (1.0 + mg / self.get(f"mg_k0_{s}", "mM") * math.exp(-self.get(f"mg_slope_{s}", "1/mV") * v))


_UNITS = {x.name: x.unit for x in NMDA_PARAMETERS}
DEFAULT = ReceptorValues()
__all__ = ["ReceptorValues", "DEFAULT", "SUBTYPES", "BLOCKERS", "CELLS"]
