"""Patient covariates as global signals: body weight and CYP2B6 activity."""

from __future__ import annotations

from ..engine.module import Module
from ..parameters import p

PATIENT = Module(
    name="patient",
    doc="Covariates of the simulated subject. Values are overridden per patient.",
    equations="""
    body_weight = weight : kg
    cyp2b6_activity = cyp2b6_relative_activity : 1
    """,
    parameters=(
        p("weight", 70.0, "kg", "standard_adult", "body weight of a standard adult", species="human",
          lower=30, upper=200),
        p("weight", 0.30, "kg", "assumed", "body weight of an adult rat", species="rat", lower=0.15, upper=0.6,
          note="typical adult Sprague-Dawley rat in the cited rodent studies (250-350 g)"),
        p("weight", 0.025, "kg", "assumed", "body weight of an adult mouse", species="mouse",
          lower=0.015, upper=0.045, note="typical adult C57BL/6 mouse (20-30 g)"),
        p("cyp2b6_relative_activity", 1.0, "1", "assumed",
          "CYP2B6 N-demethylation activity relative to *1/*1", lower=0.1, upper=2.0,
          note="reference genotype *1/*1 defines 1; other genotypes set by ketasim.population"),
    ),
    outputs=("body_weight", "cyp2b6_activity"),
    descriptions={"body_weight": "body weight", "cyp2b6_activity": "CYP2B6 activity relative to *1/*1"},
)
