"""The receptor layer: NMDA receptor kinetic scheme (GluN2A-D, Mg2+ block, trapping block),
voltage-clamp protocols, and equilibrium assays of the off-target receptors."""
