"""`make bench`: performance and relevance figures, printed as `name: value unit` lines.

Scale comes from BENCH_SCALE (default 100000 offerings). Each section runs in its own process on a fresh
database so that peak memory (max RSS) belongs to that section alone. Targets are printed next to the
figures; the bench reports, it does not assert.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    scale = int(os.environ.get("BENCH_SCALE", "100000"))
    sections = os.environ.get("BENCH_SECTIONS", "import,search").split(",")
    started = time.perf_counter()
    print(f"bench_scale: {scale} offerings")  # noqa: T201
    if "import" in sections:
        from bench import import_bench

        import_bench.run(scale)
    if "search" in sections:
        try:
            from bench import search_bench
        except ImportError as exc:  # pragma: no cover - reported, not hidden
            print(f"search_bench: unavailable ({exc})")  # noqa: T201
        else:
            for name, value, unit in search_bench.run(scale) or []:
                print(f"{name}: {value} {unit}".rstrip())  # noqa: T201
    print(f"bench_total_time: {time.perf_counter() - started:.1f} s")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
