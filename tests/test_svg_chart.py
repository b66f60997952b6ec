"""report.svg_chart: tick rules, tick labels, line paths and the SVG itself, against values worked by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from ketasim.report.svg_chart import (Line, LineChart, Stack, axis_range, log_text, log_ticks, nice_ticks, path_data,
                                      stack_svg, tick_text)

NS = "{http://www.w3.org/2000/svg}"


def test_ticks_are_round_steps_covering_the_range():
    assert nice_ticks(0.0, 1.0).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]     # raw step 0.25
    assert nice_ticks(3.0, 97.0).tolist() == [25.0, 50.0, 75.0]             # raw 23.5 -> 25
    assert nice_ticks(0.0, 7.0).tolist() == [0.0, 2.0, 4.0, 6.0]            # raw 1.75 -> 2
    assert nice_ticks(-1e-4, 3e-4).tolist() == list(np.arange(-1, 4) * 1e-4)
    flat = nice_ticks(5.0, 5.0)                                             # a constant: widened around it
    assert flat.min() <= 5.0 <= flat.max() and flat.size >= 2


def test_tick_labels_have_the_decimals_their_step_needs():
    assert tick_text(np.array([0.0, 0.25, 0.5])) == ["0.00", "0.25", "0.50"]
    assert tick_text(np.array([0.0, 2.0, 4.0])) == ["0", "2", "4"]
    assert tick_text(np.array([-0.2, -1e-17, 0.2])) == ["-0.2", "0.0", "0.2"]   # no '-0.0'
    small = tick_text(np.array([1e-4, 2e-4, 3e-4]))
    assert small == ["1.0e-04", "2.0e-04", "3.0e-04"]
    big = tick_text(np.array([1e6, 1.5e6, 2e6]))
    assert len(set(big)) == 3 and all("e+06" in s for s in big)


def test_a_non_finite_value_breaks_the_line():
    d = path_data(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, np.nan, 2.0, 3.0]))
    assert d == "M0.0 1.0M2.0 2.0L3.0 3.0"


def test_chart_svg_places_points_in_pixels_worked_by_hand():
    # no title: the plot spans x 62..426 px, y 10..160 px; y range -0.05..1.05 (5 % margin)
    chart = LineChart((0.0, 10.0), (Line("a<b", (0.0, 1.0), "#123456", ":"),), "Hz")
    svg = stack_svg(Stack((chart,), "time (h)"))
    root = ET.fromstring(svg)                      # well-formed XML, labels escaped
    paths = [p for p in root.iter(f"{NS}path") if p.get("stroke") == "#123456"]
    assert paths[0].get("d") == "M62.0 153.2L426.0 16.8"
    assert paths[0].get("stroke-dasharray") == "1.5 2.5"
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "a<b" in texts and "time (h)" in texts and "Hz" in texts
    assert "id=" not in svg and "href" not in svg


def test_every_point_of_every_line_lies_inside_the_plot():
    x = tuple(np.linspace(0.0, 48.0, 97).tolist())
    lines = (Line("up", tuple(np.linspace(-3.0, 9.0, 97).tolist()), "#000"),
             Line("wave", tuple(np.sin(np.linspace(0, 6, 97)).tolist()), "#f00", "--"))
    root = ET.fromstring(stack_svg(Stack((LineChart(x, lines, "1", "mood"),), "time (h)")))
    frame = next(root.iter(f"{NS}rect"))
    left, top = float(frame.get("x")), float(frame.get("y"))
    right, bottom = left + float(frame.get("width")), top + float(frame.get("height"))
    for colour in ("#000", "#f00"):
        d = next(p.get("d") for p in root.iter(f"{NS}path") if p.get("stroke") == colour)
        pts = np.array([xy.split() for xy in d.replace("M", "L").split("L")[1:]], dtype=float)
        assert len(pts) == 97
        assert (pts[:, 0] >= left).all() and (pts[:, 0] <= right).all()
        assert (pts[:, 1] >= top).all() and (pts[:, 1] <= bottom).all()
        assert pts[:, 1].min() > top + 0.04 * (bottom - top) - 0.1    # the 5 % margin is kept


def test_log_axes_tick_the_decades_and_keep_four_below_the_peak():
    assert log_ticks(0.02, 700.0).tolist() == [0.1, 1.0, 10.0, 100.0]
    assert log_ticks(0.3, 4.0).tolist() == [0.5, 1.0, 2.0]                  # under two decades: 2x and 5x too
    assert log_text(np.array([0.001, 1.0, 1e5])) == ["0.001", "1", "1e+05"]
    lo, hi = axis_range([0.0, 1e-9, 2.0, 200.0], log=True)                  # zero dropped, 1e-9 below the span
    assert np.isclose(np.log10(hi), np.log10(200.0) + 0.05 * 4) and np.isclose(np.log10(lo), np.log10(0.02) - 0.2)


def test_a_stack_shares_its_x_axis_and_puts_tick_labels_under_the_last_panel():
    x = tuple(np.geomspace(0.01, 100.0, 50).tolist())
    a = LineChart(x, (Line("bdnf", tuple(np.linspace(1, 2, 50).tolist()), "#111"),
                      Line("mtorc1", tuple(np.linspace(1, 3, 50).tolist()), "#222")), "signalling", references=(1.0,))
    b = LineChart(x, (Line("spines", tuple(np.linspace(1, 1.2, 50).tolist()), "#333"),), "structure")
    root = ET.fromstring(stack_svg(Stack((a, b), "time (h, log scale)", xlog=True, legend="right",
                                         ylabel="horizontal", width=640.0, panel_height=64.0)))
    frames = list(root.iter(f"{NS}rect"))
    assert len(frames) == 2 and frames[0].get("x") == frames[1].get("x")
    assert float(frames[1].get("y")) == float(frames[0].get("y")) + 64.0 + 8.0    # panel height, then the gap
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts.count("100") == 1 and "0.01" in texts                              # x ticks once, under the last
    assert "mtorc1" in texts and "spines" not in texts                              # legend only beside 2+ lines
    dotted = [p for p in root.iter(f"{NS}path") if p.get("stroke") == "#999"]
    assert len(dotted) == 1                                                         # the reference line at 1
    first = next(p.get("d") for p in root.iter(f"{NS}path") if p.get("stroke") == "#111")
    x_first = float(first[1:].split()[0])
    assert x_first == float(frames[0].get("x"))                                      # x = 0.01 at the left edge


def test_path_data_breaks_at_non_finite_points():
    """A new subpath (M) after each gap; nothing for no finite point; one decimal."""
    xs = np.array([1.0, 2.04, np.nan, 4.0, 5.0, 6.0])
    ys = np.array([1.0, 2.0, 3.0, np.inf, 6.06, 7.0])
    assert path_data(xs, ys) == "M1.0 1.0L2.0 2.0M5.0 6.1L6.0 7.0"
    assert path_data(np.array([]), np.array([])) == ""
    assert path_data(np.array([np.nan]), np.array([1.0])) == ""
