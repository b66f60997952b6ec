"""The millisecond engine: a Brian2 spiking microcircuit of prefrontal layer 2/3.

Pyramidal, PV and SST cells with AMPA, NMDA (Mg2+ and drug block read from the receptor
layer) and GABA-A synapses; `network.run_circuit` simulates it, `analysis` turns the
result into rates, band powers, glutamate release and E/I ratio.
"""
