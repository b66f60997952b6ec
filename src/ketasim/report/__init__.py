"""Reports: figures, rendered equations, PK summaries and a self-contained HTML report.

Everything here is a pure function of a simulation Dataset and the assembled model; the
HTML report is one offline file (inline CSS, inline SVG figures, MathML equations).
"""
