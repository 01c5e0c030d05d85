"""The benchmark script reads its tools' output correctly; the figures themselves are not tested."""

from __future__ import annotations

import sys

import pytest
import yaml
from support import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from run import (
    DEFAULT_PROFILE,
    Figure,
    files_row,
    importtime_total,
    parse_wrk,
    slowest_imports,
    third_party_imports,
    verdict,
)

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/api/v1/items?limit=50&offset=100
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    83.02ms   20.11ms 210.44ms   80.12%
    Req/Sec   193.20     30.11   250.00     70.00%
  Latency Distribution
     50%   80.31ms
     75%   90.02ms
     90%  100.50ms
     99%    1.38s
  966 requests in 5.01s, 2.61MB read
Requests/sec:    192.81
Transfer/sec:    533.40KB
"""

IMPORTTIME_OUTPUT = """\
import time: self [us] | cumulative | imported package
import time:       300 |        300 | site
import time:       100 |        100 |     pydantic.fields
import time:       500 |        600 |   fastapi
import time:       200 |        200 |   my_service.core.config
import time:      1000 |       1800 | my_service.main
"""


def test_wrk_output_gives_throughput_and_latency_percentiles_in_ms() -> None:
    assert parse_wrk(WRK_OUTPUT) == (192.81, 80.31, 1380.0)


def test_importtime_total_is_the_sum_of_self_times() -> None:
    assert importtime_total(IMPORTTIME_OUTPUT) == pytest.approx(0.0021)


def test_slowest_imports_are_the_direct_imports_by_cumulative_time() -> None:
    assert slowest_imports(IMPORTTIME_OUTPUT) == [
        ("fastapi", 0.0006),
        ("my_service.core.config", 0.0002),
    ]


# my_service.main imports fastapi (which imports pydantic) and its own config module, which
# imports pydantic_settings and the standard library's os.
NESTED_IMPORTTIME_OUTPUT = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     pydantic.fields
import time:       500 |        600 |   fastapi
import time:        50 |         50 |       pydantic_settings.sources
import time:       100 |        150 |     pydantic_settings
import time:        10 |         10 |     os
import time:       200 |        360 |   my_service.core.config
import time:      1000 |       1960 | my_service.main
"""


def test_the_dependency_floor_is_what_the_packages_own_modules_import_from_others() -> None:
    assert third_party_imports(NESTED_IMPORTTIME_OUTPUT) == ["fastapi", "pydantic_settings"]


def test_a_goal_is_met_at_its_ratio_or_says_by_how_much_it_is_not() -> None:
    assert verdict(0.5, 0.5) == "met"
    assert "0.10x" in verdict(0.4, 0.5)
    assert verdict(1.0, 1.0, at_most=True) == "met"
    assert "0.13x" in verdict(1.13, 1.0, at_most=True)


def test_a_figure_is_a_median_with_its_spread_and_knows_its_budget() -> None:
    figure = Figure([0.5, 0.3, 0.9], "s", budget=0.4)

    assert figure.show() == "0.50 s (0.30-0.90)"
    assert figure.over_budget


def test_the_file_budget_is_judged_on_the_profile_copier_gives_by_default() -> None:
    class CopierLoader(yaml.SafeLoader):
        """copier.yml, with its `!include` tags left unread."""

    CopierLoader.add_constructor("!include", lambda _loader, _node: None)
    questions = yaml.load((REPO / "copier.yml").read_text(), Loader=CopierLoader)  # noqa: S506

    assert questions["profile"]["default"] == DEFAULT_PROFILE


def test_only_the_default_profile_is_held_to_the_file_budget() -> None:
    counts = {"files": 60, "ai_files": 2}

    assert "**over budget**" in files_row(DEFAULT_PROFILE, counts)
    assert "budget" not in files_row("ddd", counts)


def test_the_load_phase_runs_every_server_once_a_round_starting_from_another_each_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import run

    order: list[str] = []

    def one_run(target: run.Target, seconds: int) -> tuple[float, float, float, float]:
        order.append(target.name)
        return 1.0, 2.0, 3.0, 4.0

    monkeypatch.setattr(run, "load_once", one_run)
    targets = [run.Target(name, REPO, REPO, "app", {}, "/") for name in ("a", "b", "c")]

    figures = run.interleaved_load(targets, seconds=1, runs=3)

    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {name: f["rps"].samples for name, f in figures.items()} == {n: [1.0] * 3 for n in "abc"}
