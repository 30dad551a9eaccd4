"""`make bench`: heavy paths measured against their floor, printed as ratios.

The floor is the same result obtained the cheapest way we know: a hand-written SQL query, or the
bare library call. A ratio near 1 means our layers (scoping, filters, ORM) cost little.
Benchmarks run on a separate database under var/bench/ (or BENCH_DATABASE_URL), filled once with
province-scale data by the generator; they are never part of the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PROPWATCH_VAR_DIR", str(ROOT / "var" / "bench"))
if url := os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = url
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propwatch.settings")
sys.path.insert(0, str(ROOT / "bench"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "50000"))
COMPANIES = int(os.environ.get("BENCH_COMPANIES", "5000"))


def best_of(fn, repeat: int = 7) -> float:
    """Median wall time of `repeat` runs after one warm-up (seconds)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def prepare() -> None:
    from propwatch.registry.models import Project

    call_command("migrate", verbosity=0)
    have = Project.objects.count()
    if have < PROJECTS:
        print(f"生成基准数据：{PROJECTS - have} 个项目 …", flush=True)
        start = time.perf_counter()
        from propwatch.demo.generate import generate
        from propwatch.regions.services import load_yichang

        load_yichang()
        generate(companies=COMPANIES, projects=PROJECTS - have, seed=99)
        print(f"  用时 {time.perf_counter() - start:.1f} 秒", flush=True)


def main() -> None:
    prepare()
    import bench_ledger
    import bench_registry

    rows = []
    for name, ours, floor in [*bench_registry.cases(), *bench_ledger.cases()]:
        repeat = 3 if "XLSX" in name else 7  # an export takes seconds: fewer rounds, same median
        t_ours, t_floor = best_of(ours, repeat), best_of(floor, repeat)
        rows.append((name, t_ours, t_floor))
    import bench_complaints

    # Already medians of alternating blocks, measured in a PostgreSQL child process.
    rows.extend(bench_complaints.surge())
    print()
    print(f"{'benchmark':58} {'ours ms':>9} {'floor ms':>9} {'ratio':>7}")
    for name, t_ours, t_floor in rows:
        print(f"{name:58} {t_ours * 1000:9.2f} {t_floor * 1000:9.2f} {t_ours / t_floor:7.2f}")

    import bench_classifier

    bench_classifier.report()


if __name__ == "__main__":
    main()
