"""`python -m benchmarks [--quick] [--only NAME ...]`: run the benchmarks and write RESULTS.md.

--quick runs each benchmark once at tiny sizes (a smoke test: it proves they still work, and its
numbers mean nothing); it prints the report instead of writing RESULTS.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import batched_sweep, build_and_test, large_n, page_cost, playground_latency
from benchmarks.common import machine

BENCHMARKS = {
    "playground_latency": playground_latency,
    "batched_sweep": batched_sweep,
    "large_n": large_n,
    "build_and_test": build_and_test,
    "page_cost": page_cost,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, print instead of writing RESULTS.md")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    sections = ["# Benchmark results", "Written by `make bench` (`python -m benchmarks`).", machine()]
    for name in names:
        print(f"running {name} ...", flush=True)
        sections.append(BENCHMARKS[name].run(quick=args.quick))
    report = "\n\n".join(sections) + "\n"
    if args.quick:
        print(report)
    else:
        RESULTS.write_text(report)
        print(f"wrote {RESULTS}")
    return report


if __name__ == "__main__":
    main()
