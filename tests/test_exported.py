"""engine.exported: a solve exported once per model and shapes, read back by later processes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from ketasim.engine.exported import identity_digest, program_key, versions

SCRIPT = """
import sys
import numpy as np
from ketasim.engine.assembler import assemble
from ketasim.engine.dosing import Schedule
from ketasim.engine.module import Module
from ketasim.engine.solve import diffrax_program, solve
from ketasim.engine.solver_options import SolverOptions
from ketasim.parameters import p
m = assemble([Module(name='mm', equations='dA/dt = -vmax * A / (km + A) : mg',
    parameters=(p('vmax', 1.0, 'mg/min', 'assumed', note='t'), p('km', 1.0, 'mg', 'assumed', note='t')))])
s = Schedule(np.array([0.0, 60.0]), np.array([[10.0]]), np.zeros((1, 0)))
y = solve(m, m.param_vector, s, np.linspace(0, 60, 7), solver='kvaerno5')
prog = diffrax_program(m.source, 1, SolverOptions('kvaerno5', 1e-8, 1e-10), False)
print(repr(float(y[1, 0])), prog.loaded, 'diffrax' in sys.modules)
"""


def run(cache) -> tuple[float, int, bool]:
    env = {**os.environ, "KETASIM_JAX_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    value, loaded, diffrax = out.stdout.split()[-3:]
    return float(value), int(loaded), diffrax == "True"


def test_a_second_process_reads_the_exported_solve_without_tracing_or_diffrax(tmp_path):
    first = run(tmp_path)
    assert first[1:] == (0, True)                       # exported by the first process (diffrax traced)
    (exported,) = (tmp_path / "exported").glob("diffrax-*.jaxexport")
    second = run(tmp_path)
    assert second[1:] == (1, False)                     # read back; diffrax never imported
    # the same numbers; A(10) solves A + ln A = 10 + ln 10 - 10 (vmax = km = 1, A0 = 10)
    assert second[0] == first[0]
    a = first[0]
    assert abs(a + np.log(a) - np.log(10.0)) < 1e-7
    exported.write_bytes(b"not a program")              # unreadable: exported again, same result
    third = run(tmp_path)
    assert third == (first[0], 0, True)
    assert run(tmp_path)[1:] == (1, False)


def test_off_means_the_plain_jitted_solve(tmp_path):
    value, loaded, _ = run("off")
    assert loaded == 0 and not (tmp_path / "exported").exists()


def test_the_key_changes_with_identity_shapes_and_nothing_else():
    args = (np.zeros(3), np.zeros((2, 4)))
    a, b = identity_digest("diffrax", "model A"), identity_digest("diffrax", "model B")
    k = program_key("diffrax", a, args)
    assert k == program_key("diffrax", a, (np.ones(3), np.ones((2, 4))))       # values do not matter
    assert k != program_key("diffrax", b, args)
    assert k != program_key("diffrax", a, (np.zeros(3), np.zeros((4, 4))))
    assert k != program_key("diffrax", a, (np.zeros(3, dtype=np.float32), np.zeros((2, 4))))
    assert k.startswith("diffrax-") and "jax=" in versions() and "diffrax=" in versions()


def test_a_changed_ketasim_file_gives_a_new_key(monkeypatch):
    """The solvers' code is not in a program's identity: a change to any ketasim file (same
    version number) must give a new key, or an old program would be read back."""
    from ketasim.engine import exported

    before = identity_digest("split", "model A")
    monkeypatch.setattr(exported, "package_digest", lambda: "a ketasim with one file changed")
    assert identity_digest("split", "model A") != before


def test_a_program_new_to_the_process_first_lets_crowded_code_go(tmp_path, monkeypatch):
    """engine.code_memory's check runs before each program new to the process is loaded or
    built (a library run compiles hundreds), and not on calls of a program it already has."""
    import jax
    import jax.numpy as jnp

    import ketasim.engine.exported as exported_mod
    import ketasim.engine.jaxconfig  # noqa: F401  (float64 from the start: one dtype for every call)
    from ketasim.engine.exported import Program

    checks = []
    monkeypatch.setattr(exported_mod, "release_if_crowded", lambda: checks.append(True))
    monkeypatch.setenv("KETASIM_JAX_CACHE", str(tmp_path))
    prog = Program("test", "twice", lambda: jax.jit(lambda x: 2.0 * x))
    assert float(prog(jnp.ones(3))[0]) == 2.0 and len(checks) == 1
    prog(jnp.zeros(3))
    assert len(checks) == 1                              # same shapes: the program it has
    prog(jnp.ones(4))
    assert len(checks) == 2                              # new shapes: a new program
    monkeypatch.setenv("KETASIM_JAX_CACHE", "off")
    plain = Program("test", "thrice", lambda: jax.jit(lambda x: 3.0 * x))
    assert float(plain(jnp.ones(3))[0]) == 3.0
    assert len(checks) == 3                              # caching off: the jitted function, built once
    plain(jnp.ones(5))
    assert len(checks) == 3
