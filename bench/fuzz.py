"""The larger fuzz run: thousands of damaged corpus PDFs, each refused clearly or read exactly.

    python bench/fuzz.py [--count 3000] [--seed 1] [--workers 2] [--per-layout N] [--timeout 60]
                         [--failures FILE.jsonl]
    python bench/fuzz.py --only ID [--write out.pdf]     # one mutant, e.g. from a failing test

The mutants are tests/mutants.py's (the kinds in turn, over the `--per-layout` smallest forms of
each of xlsx, reportlab, xlsx-noise, xlsx-overflow; all of them by default). Prints tried, refused
(by kind), exact, wrong, unclear, crash, hang and mutants per second, then each failure with its id,
what the mutation changed and what came out. Exit 1 when any mutant failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import mutants  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-layout", type=int, default=None, help="the N smallest forms of each layout")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant before it is a hang")
    ap.add_argument("--failures", type=Path, help="write every failing outcome here as JSON lines")
    ap.add_argument("--only", help="read one mutant by its id (kind/source/seed)")
    ap.add_argument("--write", type=Path, help="with --only: write the mutant's bytes to this file")
    args = ap.parse_args(argv)

    if args.only:
        mutant = mutants.Mutant.parse(args.only)
        data, note = mutant.build()
        print(f"{mutant.id}: {note}")
        if args.write:
            args.write.write_bytes(data)
            print(f"written to {args.write}")
            return 0
        with tempfile.TemporaryDirectory() as workdir:
            outcome = mutants.read_mutant(mutant.id, workdir)
        print(f"{outcome.status}" + (f" ({outcome.kind})" if outcome.kind else "") + f": {outcome.detail}")
        return 0 if outcome.status in mutants.PASSING else 1

    files = mutants.sources(per_layout=args.per_layout)
    ids = [m.id for m in mutants.mutants(args.count, args.seed, files)]
    print(f"{len(ids)} mutants of {len(files)} PDFs, seed {args.seed}, {args.workers} workers", flush=True)
    started = time.perf_counter()
    outcomes = []
    with tempfile.TemporaryDirectory() as workdir:
        for n, outcome in enumerate(mutants.run(ids, workdir, workers=args.workers, timeout=args.timeout), 1):
            outcomes.append(outcome)
            if n % 250 == 0:
                print(f"  {n}: {mutants.tally(outcomes)}", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    failed = [o for o in outcomes if o.status not in mutants.PASSING]
    print(mutants.tally(outcomes))
    print(f"{seconds:.0f} s, {len(outcomes) / seconds:.2f} mutants/s")
    by_kind = Counter((o.mutant.split("/")[0], o.status) for o in outcomes)
    for kind in mutants.KINDS:
        counts = ", ".join(f"{s} {by_kind[(kind, s)]}" for s in mutants.STATUSES if by_kind[(kind, s)])
        print(f"  {kind:16} {counts}")
    for o in failed:
        print(f"{o.status} {o.mutant}: {o.note}\n    {o.detail[-800:]}")
    if args.failures:
        with args.failures.open("w", encoding="utf-8") as fh:
            for o in failed:
                fh.write(json.dumps(o.__dict__, ensure_ascii=False) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
