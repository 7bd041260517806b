"""Each benchmark runs once at tiny sizes, to prove it still works (its numbers are not checked:
no test asserts a time). The page-cost benchmark needs the built site and Chromium, so it is
smoke-tested with the browser tests."""

import pytest

from benchmarks.__main__ import main


@pytest.mark.parametrize("name", ["playground_latency", "batched_sweep", "large_n", "build_and_test", "chapter_times"])
def test_benchmark_runs_at_tiny_sizes(name, capsys):
    report = main(["--quick", "--only", name])
    assert report.startswith("# Benchmark results")
    assert "## " in report.split("- date:", 1)[1]
    assert "|---" in report or "skipped" in report


def test_full_benchmark_run_refuses_to_drop_the_torch_baselines(monkeypatch):
    """Without torch a real run stops and names the install command; RESULTS.md is not rewritten."""
    import benchmarks.__main__ as bench

    monkeypatch.setattr(bench, "torch_available", lambda: False)
    monkeypatch.setattr(bench, "RESULTS", None)  # writing would raise: proves nothing was written
    with pytest.raises(SystemExit, match=r"pip install -r requirements-torch.txt"):
        bench.main(["--only", "playground_latency", "large_n"])


def test_only_updates_its_sections_and_keeps_the_others():
    from benchmarks.__main__ import merged

    old = "# Benchmark results\n\nnote\n\n- date: old\n\n## A\n\nold a\n\n## B\n\nold b\n"
    new = merged(old, ["# Benchmark results", "note", "- date: new", "## B\n\nnew b", "## C\n\nnew c"])
    assert new.startswith("# Benchmark results\n\nnote\n\n- date: old\n\n## A\n\nold a\n\n## B")
    assert "old b" not in new and "new b" in new and new.rstrip().endswith("new c")
    assert new.count("- date: new") == 2  # each updated section names the machine it was measured on
