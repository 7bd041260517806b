"""`python -m benchmarks [--quick] [--only NAME ...]`: run the benchmarks and write RESULTS.md.

--quick runs each benchmark once at tiny sizes (a smoke test: it proves they still work, and its
numbers mean nothing); it prints the report instead of writing RESULTS.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks import (
    batched_sweep,
    build_and_test,
    chapter_times,
    large_n,
    lighthouse,
    page_cost,
    playground_latency,
    static_redraw,
)
from benchmarks.common import machine, torch_available

BENCHMARKS = {
    "playground_latency": playground_latency,
    "batched_sweep": batched_sweep,
    "large_n": large_n,
    "build_and_test": build_and_test,
    "chapter_times": chapter_times,
    "page_cost": page_cost,
    "lighthouse": lighthouse,
    "static_redraw": static_redraw,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
NEEDS_TORCH = {"batched_sweep", "large_n"}  # their baselines are torch.optim loops
TORCH_MISSING = (
    "torch is not installed, so the torch.optim baselines of {names} cannot be measured.\n"
    "Install it with `.venv/bin/pip install -r requirements-torch.txt` (`make bench` does this),\n"
    "or pass --quick for a smoke run that skips them."
)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, print instead of writing RESULTS.md")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    needs_torch = sorted(NEEDS_TORCH.intersection(names))
    if needs_torch and not args.quick and not torch_available():
        # RESULTS.md must never lose its torch baselines silently.
        raise SystemExit(TORCH_MISSING.format(names=", ".join(needs_torch)))
    sections = ["# Benchmark results", "Written by `make bench` (`python -m benchmarks`).", machine()]
    for name in names:
        print(f"running {name} ...", flush=True)
        sections.append(BENCHMARKS[name].run(quick=args.quick))
    report = "\n\n".join(sections) + "\n"
    if args.quick:
        print(report)
    elif args.only:
        RESULTS.write_text(merged(RESULTS.read_text() if RESULTS.exists() else "", sections))
        print(f"updated {len(names)} section(s) of {RESULTS}")
    else:
        RESULTS.write_text(report)
        print(f"wrote {RESULTS}")
    return report


def merged(old: str, sections: list[str]) -> str:
    """`--only` updates part of RESULTS.md: the old report keeps its header and its other sections, and each
    section just measured replaces its namesake (or is appended), with the machine it was measured on."""
    _, _, machine_now, *new = sections
    head, *parts = old.split("\n## ") if old else (f"{sections[0]}\n\n{sections[1]}\n\n{machine_now}",)
    kept = {p.split("\n", 1)[0]: "## " + p.rstrip("\n") for p in parts}
    for section in new:
        title, body = section.split("\n", 1)
        kept[title.removeprefix("## ")] = f"{title}\n\nMeasured alone (`--only`) on:\n{machine_now}\n{body.rstrip()}"
    return "\n\n".join([head.rstrip("\n"), *kept.values()]) + "\n"


if __name__ == "__main__":
    main()
