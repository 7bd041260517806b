"""The page-cost benchmark (benchmarks/page_cost.py) runs at tiny size against the built site."""

from benchmarks import page_cost


def test_page_cost_benchmark_runs(browser, site_url):
    report = page_cost.run(quick=True, browser=browser)
    assert "| page |" in report
    assert report.count(".html") >= 1
