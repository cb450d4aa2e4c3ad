"""``python -m tests.bench [name …]``: run every ``tests/bench/bench_*.py`` (or the named ones).

Each module has ``main() -> dict``; it prints its own figures and returns the goal checks
(name → bool). Goals are ratios against a bare probe measured in the same run.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    results: dict[str, bool] = {}
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"tests.bench.{name}")
        results.update(module.main())
    print("\n=== goals ===")
    for goal, ok in results.items():
        print(f"{'PASS' if ok else 'MISS'}  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
