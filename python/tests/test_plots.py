"""Every plot renders to a non-empty PNG image."""
from __future__ import annotations

import shutil
import struct

import numpy as np
import pytest

import archlab
from archlab import plots
from synthetic import add_operators, write_study

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(path, min_width=300, min_height=200):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= min_width and height >= min_height, (width, height)
    assert len(data) > 10_000, f"{path} is only {len(data)} bytes: an empty plot?"


@pytest.mark.parametrize("mode", ["rate", "total"])
def test_stats_plot(phold_run, tmp_path, mode):
    with archlab.open(phold_run.path) as run:
        figure = plots.plot_stats(run, mode=mode, path=tmp_path / "stats.png")
    assert len([ax for ax in figure.axes if ax.get_visible()]) == 2  # events, remote_sends
    check_png(tmp_path / "stats.png")


def test_stats_plot_of_an_ensemble_draws_a_line_per_replica(ensemble_run, tmp_path):
    figure = plots.plot_stats(ensemble_run.path, stat="events", path=tmp_path / "ensemble.png")
    assert len(figure.axes[0].get_lines()) == 3
    check_png(tmp_path / "ensemble.png")


def test_stats_plot_of_a_time_statistic_is_utilization():
    import numpy as np
    totals = np.array([[500.0, 1000.0], [1500.0, 2000.0]])  # busy ps, two components
    rate, label = plots.stat_rate(totals, np.array([1000, 2000]), "ps")
    assert label.startswith("utilization")
    np.testing.assert_allclose(rate, [[0.5, 1.0], [1.0, 1.0]])


def test_stats_plot_needs_a_time_series(tmp_path):
    from synthetic import write_root_attributes
    import h5py
    path = tmp_path / "bare.h5"
    with h5py.File(path, "w") as f:
        write_root_attributes(f)
    with pytest.raises(archlab.MissingDataError, match="stats_interval"):
        plots.plot_stats(path)


def test_operator_plot(phold_run, tmp_path):
    path = tmp_path / "ops.h5"
    shutil.copy(phold_run.path, path)
    add_operators(path, "resnet")
    with archlab.open(path) as run:
        plots.plot_operators(run, path=tmp_path / "operators.png")
    check_png(tmp_path / "operators.png")


def test_operator_plot_without_operators(phold_run):
    with pytest.raises(archlab.NoOperatorsError):
        plots.plot_operators(phold_run.path)


def test_pareto_plot_marks_the_chosen_design(tmp_path):
    path = tmp_path / "study.h5"
    write_study(path, chosen=5)
    with archlab.open(path) as study:
        figure = plots.plot_pareto(study, path=tmp_path / "pareto.png")
    assert "chosen: trial 5" in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    check_png(tmp_path / "pareto.png")


def test_pareto_plot_of_a_run_file(phold_run):
    with pytest.raises(archlab.NoStudyError):
        plots.plot_pareto(phold_run.path)


def test_convergence_plot_of_several_studies(tmp_path):
    paths = []
    for seed, tuner in [(1, "random"), (2, "annealing"), (3, "nsga2")]:
        paths.append(tmp_path / f"{tuner}.h5")
        write_study(paths[-1], seed=seed, tuner=tuner)
    figure = plots.plot_convergence(paths, path=tmp_path / "convergence.png")
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["random", "annealing", "nsga2"]
    check_png(tmp_path / "convergence.png")


SRAM_TRAFFIC = """engine = "sequential"
stats_interval = "20 ns"
[system.components.sram]
type = "memory.sram"
capacity = "64 KiB"
[workloads.cpu]
type = "workload.mem_traffic"
count = 2
total_requests = 200
outstanding = 4
[[links]]
from = "cpu[*].out"
to = "sram.req"
latency = "1 ns"
[[links]]
from = "sram.resp"
to = "cpu[*].in"
latency = "1 ns"
"""


@pytest.fixture(scope="module")
def sram_run(files_dir):
    from conftest import run_archlab
    experiment = files_dir / "sram_traffic.toml"
    experiment.write_text(SRAM_TRAFFIC)
    return run_archlab(files_dir / "sram_traffic.h5", experiment)


def visible_panels(figure):
    return [ax.get_title().split("  (")[0] for ax in figure.axes if ax.get_visible()]


def test_stats_plot_says_which_panels_it_left_out_and_why(sram_run, tmp_path):
    with archlab.open(sram_run.path) as run:
        plain = [(t, n) for t in run.types for n in run.stat_names(t)
                 if run.stat_kinds.get((t, n), {}).get("kind") != "histogram_bin"]
        values = {panel: run.stat_array(*panel)[0] for panel in plain}
        # A ratio whose denominator stayed 0 (mean_write_latency of a read-only run) has no value.
        nan = [panel for panel in plain if np.isnan(values[panel]).all()]
        zero = [panel for panel in plain
                if panel not in nan and np.all((values[panel] == 0) | np.isnan(values[panel]))]
        drawable = [panel for panel in plain if panel not in zero and panel not in nan]
        # The SRAM writes nothing and rejects nothing: zero at every sample, on both sides.
        assert ("memory.sram", "writes") in zero and ("workload.mem_traffic", "rejected") in zero
        assert len(drawable) > 12  # more than one figure's worth once the empty ones are gone
        with pytest.warns(archlab.PanelsLeftOutWarning) as caught:
            figure = plots.plot_stats(run, path=tmp_path / "many.png")
        assert visible_panels(figure) == [f"{t}: {n}" for t, n in drawable[:12]]
        expected = {"max_panels": drawable[12:], "zero": zero, "nan": nan,
                    "histogram": [("workload.mem_traffic", "latency_histogram")]}
        assert figure.left_out == {reason: panels for reason, panels in expected.items() if panels}
        message = str(caught[0].message)
        assert message.startswith(f"plot_stats: {run.path.name}: drew 12 panels; left out beyond max_panels=12: ")
        for t, n in drawable[12:] + zero + nan:
            assert f"{t}/{n}" in message
        assert "(raise max_panels (--max-panels)" in message and "show_empty=True (--show-empty)" in message
        assert "workload.mem_traffic/latency_histogram (plot_histogram(run, type, name)" in message
        without_value = f"{len(nan)} without a value, " if nan else ""
        assert (f"not drawn: {len(drawable) - 12} beyond max_panels, {len(zero)} zero throughout, "
                f"{without_value}1 histogram (plot_histogram)" in figure._suptitle.get_text())
        check_png(tmp_path / "many.png")

        # show_empty and a larger max_panels draw every statistic; only the histogram stays out.
        with pytest.warns(archlab.PanelsLeftOutWarning, match="left out histograms: "):
            figure = plots.plot_stats(run, max_panels=len(plain), show_empty=True)
        assert visible_panels(figure) == [f"{t}: {n}" for t, n in plain]
        assert list(figure.left_out) == ["histogram"]
        # A statistic asked for by name is drawn even when it is zero throughout, and nothing is left out.
        figure = plots.plot_stats(run, stat="writes", types=["memory.sram"])
        assert visible_panels(figure) == ["memory.sram: writes"] and figure.left_out == {}
        with pytest.raises(ValueError, match="max_panels is 0"):
            plots.plot_stats(run, max_panels=0)


def write_stats_file(path, stats, times=(10_000, 20_000, 30_000)):
    """A run file with two components of type t.unit and the given statistics:
    {name: (values [samples x 2], unit, extra attributes)}."""
    import h5py
    from synthetic import write_root_attributes
    with h5py.File(path, "w") as f:
        write_root_attributes(f)
        f["components"] = np.array([(0, b"unit", 0, b"t.unit", 0), (1, b"unit", 1, b"t.unit", 0)],
                                   dtype=[("id", "<u4"), ("name", "S8"), ("index", "<u4"), ("type", "S8"),
                                          ("replica", "<u4")])
        f["stats/time"] = np.array(times, dtype=np.uint64)
        group = f.create_group("stats/t.unit")
        group.attrs["first_id"] = np.uint32(0)
        for name, (values, unit, attributes) in stats.items():
            group[name] = np.asarray(values, dtype=np.float64)
            group[name].attrs["unit"] = unit
            for key, value in attributes.items():
                group[name].attrs[key] = value
    return path


def test_stats_plot_leaves_out_a_ratio_without_a_value(tmp_path):
    """A derived statistic whose denominator stays 0 is NaN at every sample: left out as 'nan'; a
    statistic asked for by name is drawn all the same."""
    path = write_stats_file(tmp_path / "empty.h5", {
        "ops": ([[1, 2], [3, 4], [5, 6]], "ops", {}),
        "idle": (np.zeros((3, 2)), "ps", {}),
        "mean": (np.full((3, 2), np.nan), "ps", {"kind": "derived", "numerator": "ops", "denominator": "idle"})})
    with archlab.open(path) as run, pytest.warns(archlab.PanelsLeftOutWarning, match="no value at any sample"):
        figure = plots.plot_stats(run)
    assert visible_panels(figure) == ["t.unit: ops"]
    assert figure.left_out == {"zero": [("t.unit", "idle")], "nan": [("t.unit", "mean")]}
    with archlab.open(path) as run:
        figure = plots.plot_stats(run, types=["t.unit"], stat="mean")
        assert visible_panels(figure) == ["t.unit: mean"]


def test_statistics_drawn_as_their_value():
    ones = np.ones((3, 2))
    assert plots.drawn_as_value(ones, "ops", "derived", "total") == "derived"
    assert plots.drawn_as_value(np.cumsum(ones, axis=0), "mm^2", None, "total") == "static"
    assert plots.drawn_as_value(ones, "bytes", None, "rate") == "constant"
    assert plots.drawn_as_value(ones, "bytes", None, "total") is None  # its running total is flat already
    assert plots.drawn_as_value(ones[:1], "bytes", None, "rate") is None  # one sample: nothing to tell
    assert plots.drawn_as_value(np.zeros((3, 2)), "bytes", None, "rate") is None  # a rate of 0 is right
    assert plots.drawn_as_value([[1, 1], [1, 2], [1, 2]], "ops", None, "rate") is None  # one instance changes


def test_stats_plot_draws_a_statistic_that_does_not_change_as_its_value(tmp_path):
    """In rate mode, a statistic set before the first sample (here a capacity in bytes, which no
    unit rule knows) is drawn as its value from the first sample on, not as a spike then zeros;
    a counter beside it is still a rate, and the total mode draws running totals."""
    path = write_stats_file(tmp_path / "constant.h5", {
        "ops": ([[1, 2], [3, 4], [5, 6]], "ops", {}),
        "capacity": ([[64, 128]] * 3, "bytes", {}),
        "partly": ([[1, 1], [1, 2], [1, 3]], "ops", {})})
    with archlab.open(path) as run:
        figure = plots.plot_stats(run)
        by_title = {ax.get_title().split("  (")[0]: ax for ax in figure.axes if ax.get_visible()}
        capacity = by_title["t.unit: capacity"]
        assert capacity.get_ylabel() == "bytes (constant after the first sample: its value)"
        line = capacity.get_lines()[0]
        np.testing.assert_allclose(line.get_xdata(), [10, 20, 30])  # ns: from the first sample, not time 0
        np.testing.assert_allclose(line.get_ydata(), [96, 96, 96])
        ops = by_title["t.unit: ops"]
        assert ops.get_ylabel() == "ops / ns per component"
        np.testing.assert_allclose(ops.get_lines()[0].get_ydata(), [0.15, 0.15, 0.2, 0.2])  # 1.5 then 2 per 10 ns
        assert by_title["t.unit: partly"].get_ylabel() == "ops / ns per component"
        figure = plots.plot_stats(run, stat="capacity", mode="total")
        assert figure.axes[0].get_ylabel() == "bytes (running total)"
        np.testing.assert_allclose(figure.axes[0].get_lines()[0].get_ydata(), [0, 96, 96, 96])


def test_stats_plot_shows_a_static_statistic_as_its_value(sram_run, tmp_path):
    with archlab.open(sram_run.path) as run:
        area = float(run.stat_array("memory.sram", "area")[0][-1, 0])
        assert area > 0
        # The area is set once: in rate mode its line is its value, flat, not a rate (a spike to 0).
        figure = plots.plot_stats(run, stat="area", types=["memory.sram"])
        axis = figure.axes[0]
        assert "static" in axis.get_ylabel()
        values = axis.get_lines()[0].get_ydata()
        assert np.allclose(values, area)
        # A counting statistic in the same run is still a rate.
        figure = plots.plot_stats(run, stat="reads", types=["memory.sram"])
        assert "/ ns" in figure.axes[0].get_ylabel()
        # A derived statistic (mean latency) is drawn as its value: at the last sample, the mean over
        # the generators of latency / completed.
        figure = plots.plot_stats(run, stat="mean_latency", types=["workload.mem_traffic"])
        assert "derived" in figure.axes[0].get_ylabel()
        latency = run.stat_array("workload.mem_traffic", "latency")[0][-1]
        completed = run.stat_array("workload.mem_traffic", "completed")[0][-1]
        last = figure.axes[0].get_lines()[0].get_ydata()[-1]
        assert last == pytest.approx((latency / completed).mean())


def test_histogram_plot(files_dir, tmp_path):
    from conftest import run_archlab
    experiment = files_dir / "sram_histogram.toml"
    experiment.write_text(SRAM_TRAFFIC)
    result = run_archlab(files_dir / "sram_histogram.h5", experiment)
    with archlab.open(result.path) as run:
        assert run.histograms("workload.mem_traffic") == ["latency_histogram"]
        frame = run.histogram("workload.mem_traffic", "latency_histogram")
        assert len(frame) == 22 and frame.attrs["unit"] == "ps"
        assert frame["count"].sum() == 400  # every answer in some bin
        assert frame["count"].iloc[1] == 400  # the SRAM answers within 50 ns
        figure = plots.plot_histogram(run, "workload.mem_traffic", "latency_histogram", path=tmp_path / "hist.png")
        bars = figure.axes[0].patches
        assert len(bars) == 20 and max(bar.get_height() for bar in bars) == 400
        with pytest.raises(archlab.MissingDataError, match="no histogram 'nope'; it has: latency_histogram"):
            run.histogram("workload.mem_traffic", "nope")
    check_png(tmp_path / "hist.png", min_height=150)
