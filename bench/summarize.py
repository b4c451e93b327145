#!/usr/bin/env python3
"""Turns bench_core_bench's JSON output into the tables of docs/BENCHMARKS.md.

usage: bench_core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
           --benchmark_out=core.json --benchmark_out_format=json
       python3 bench/summarize.py core.json

Uses the median of the repetitions, CPU time. ns/element is per source
element (bench_core_bench's `per_elem` counter); ratios are against the
hand-written loop of the same group, from the same run.
"""
import json
import sys

GROUPS = {
    "source only": ["source_hand", "source_generator"],
    "1 stage (filter)": ["filter_hand", "filter_range_v3", "filter_generators", "filter_stage_from_vector",
                         "filter_builtin", "filter_builtin_from_vector"],
    "3 stages (source, filter, running min)": [
        "three_hand", "three_range_v3", "three_generators", "three_stages",
        "three_stages_from_vector", "three_stages_builtin_running_min",
        "three_builtin", "three_builtin_from_vector", "three_builtin_as_stage"],
}


def main() -> None:
    with open(sys.argv[1]) as f:
        data = json.load(f)
    med = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median") == "median":
            med[b.get("run_name", b["name"])] = b
    ctx = data["context"]
    print(f"date {ctx.get('date')}, {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
          f"load {ctx.get('load_avg')}")
    for title, names in GROUPS.items():
        print(f"\n{title}\n")
        print("| benchmark | ns/element | vs hand loop |")
        print("|---|---:|---:|")
        base = None
        for n in names:
            if n not in med:
                continue
            ns = med[n]["per_elem"] * 1e9
            base = base or ns
            print(f"| `{n}` | {ns:.2f} | {ns / base:.1f}x |")
    print("\nframes and lifetimes\n")
    print("| benchmark | CPU ns | frame bytes |")
    print("|---|---:|---:|")
    for n, b in med.items():
        if n.startswith("frame_bytes") or n.startswith("create_resume_destroy"):
            fb = b.get("frame_bytes")
            print(f"| `{n}` | {b['cpu_time']:.1f} | {int(fb) if fb is not None else ''} |")


if __name__ == "__main__":
    main()
