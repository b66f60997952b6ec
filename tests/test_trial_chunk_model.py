"""The model a trial chunk solves is built once per process (a Dask worker) and reused by its later chunks.

Builds are counted (`chunk_model_builds`), not timed.
"""

import logging

from ketasim.trial.chunk_model import chunk_model, chunk_model_builds

HYPOTHESES = (("opioid_gate", "none"),)
DRUGS = frozenset({"ketamine"})


def test_a_second_request_for_the_same_model_does_not_rebuild_it():
    before = chunk_model_builds()
    first = chunk_model("human", HYPOTHESES, DRUGS)
    second = chunk_model("human", tuple(reversed(HYPOTHESES)), set(DRUGS))     # same key, other containers
    after = chunk_model_builds()
    assert second is first
    assert after["requests"] - before["requests"] == 2
    assert after["builds"] - before["builds"] <= 1                              # 0 if an earlier test built it
    name = next(iter(first.parameters))
    value = first.parameters[name].value
    overridden = chunk_model("human", HYPOTHESES, DRUGS, ((name, value * 1.01),))
    assert overridden is not first and overridden.parameters[name].value == value * 1.01
    assert chunk_model("human", HYPOTHESES, DRUGS, ((name, value * 1.01),)) is overridden
    assert chunk_model_builds()["builds"] - after["builds"] == 1                # the override: one build, kept


def test_a_dask_worker_builds_the_model_for_its_first_chunk_only():
    from dask.distributed import Client, LocalCluster, wait

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        futures = [client.submit(chunk_model, "human", HYPOTHESES, DRUGS, pure=False) for _ in range(3)]
        wait(futures)
        counts = client.run(chunk_model_builds)
    assert list(counts.values()) == [{"requests": 3, "builds": 1}]
