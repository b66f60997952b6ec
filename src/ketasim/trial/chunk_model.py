"""The model a trial chunk solves, built once per process (a Dask worker, or this process) and reused by every chunk.

A Dask worker runs many chunks of one trial, and every chunk of a trial solves the same
model (all arms share one: `spec.trial_spec`). `mechanisms.registry.build_model` caches the
assembled model, but a trial with parameter overrides (a fitted parameter file) needs
`with_parameters`, a new model object whose generated code (about a second) would be
regenerated for every chunk. `chunk_model` caches the finished model (overrides applied,
code generated) by its key (species, hypotheses, drugs, overrides), so a worker builds it
for its first chunk and reuses it, generated code and compiled solve alike (the JAX solve
and observe are cached by the model's source, `engine.solver_jax.jitted`,
`population.jitted_observe`), for every later one. `chunk_model_builds` reads how often
this process built one (and was asked for one), so a test can check that a second chunk
on the same worker did not rebuild, without timing anything.
"""

from __future__ import annotations

from functools import lru_cache

MODELS_KEPT = 8   # models per process: a trial needs one; the scorecard's trials run one after another


def chunk_model(species: str, hypotheses: tuple[tuple[str, str], ...], drugs: frozenset[str],
                parameters: tuple[tuple[str, float], ...] = ()):
    """The `AssembledModel` for chunks of an arm: `build_model(species, hypotheses, drugs)` with
    `parameters` (qualified name, value in its unit; sorted) as its typical values, its code
    generated; built once per process for each key."""
    return _built(species, tuple(sorted(hypotheses)), frozenset(drugs), tuple(sorted(parameters)))


@lru_cache(maxsize=MODELS_KEPT)
def _built(species: str, hypotheses: tuple[tuple[str, str], ...], drugs: frozenset[str],
           parameters: tuple[tuple[str, float], ...]):
    from ..mechanisms.registry import build_model

    model = build_model(species, dict(hypotheses), drugs)
    if parameters:
        model = model.with_parameters(model.parameters.with_mapping(dict(parameters)))
    _ = model.source   # the generated code, once (a cached property of this model object)
    return model


def chunk_model_builds() -> dict[str, int]:
    """This process's chunk models: {"requests": chunks that asked for one, "builds": models
    built}. On a Dask worker, read them with `client.run(chunk_model_builds)`."""
    info = _built.cache_info()
    return {"requests": info.hits + info.misses, "builds": info.misses}
