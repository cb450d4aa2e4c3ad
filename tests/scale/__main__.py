"""``python -m tests.scale [--seconds 60] [--threads 8] [--broker redis|orm] [--keep-logs DIR]``:
one harness run (2 web + 2 queue hosts, every fault), its table, exit status 1 when an invariant
breaks. The harness starts its own PostgreSQL cluster and Redis server (see ``services``)."""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

os.environ.setdefault("DEBUG", "false")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.scale")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--threads", type=int, default=8, help="concurrent API clients")
    parser.add_argument("--drain", type=float, default=200.0, help="seconds to settle, at most")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--loopback", action="store_true", help="no network namespaces")
    parser.add_argument("--broker", choices=("redis", "orm"), default="redis")
    parser.add_argument("--pg-port", type=int, default=5439, help="the private cluster's port")
    parser.add_argument("--keep-logs", type=Path, help="copy every process's log here")
    args = parser.parse_args(argv)
    # SIGTERM (a timeout, Ctrl-C's cousin) unwinds through `finally`: the private PostgreSQL
    # cluster, Redis, the hosts' processes and namespaces are removed, never left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from tests.scale import faults
    from tests.scale.run import ScaleRun, Topology

    broker = args.broker
    run = ScaleRun(Topology(broker=broker, isolate=not args.loopback, pg_port=args.pg_port))
    began = time.monotonic()
    try:
        run.start()
        print(f"hosts: {run.network.describe()}", flush=True)
        print(f"PostgreSQL: {'private cluster' if run.postgres.private else 'shared server'} "
              f"{run.postgres.version}; broker: {broker}; ready in "
              f"{time.monotonic() - began:.0f} s", flush=True)  # fmt: skip
        print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in run.timings.items()), flush=True)
        plan = [] if args.no_faults else faults.standard(args.seconds)
        run.drive(args.seconds, threads=args.threads, faults=plan)
        print(f"load: {run.load.completed} iterations in {run.load_seconds:.0f} s", flush=True)
        drained = run.drain(args.drain)
        print(f"settled in {drained:.0f} s; still in flight: {run.in_flight_at_end}", flush=True)
        for at, what, detail in run.faults.entries:
            print(f"  fault at {at:5.1f} s: {what} {detail}")
        report = report_of(run)
        print(f"\nscale-out run ({time.monotonic() - began:.0f} s in all)\n{report.table()}")
        return 0 if report.holds else 1
    finally:
        if args.keep_logs:
            run.keep_logs(args.keep_logs)
        run.close()


def report_of(run):
    from tests.scale.invariants import check

    connections = run.connections_per_host()  # before the checks add the harness's own
    sends, hooks = run.sandbox_record()
    report = check(run, sends, hooks)
    report.figures["PostgreSQL connections"] = connections
    if run.faults.queue_kill:
        report.figures["kill -9 queue → its sends settled"] = kill_recovery(run)
    return report


def kill_recovery(run) -> str:
    """Seconds from the kill to the last message it held leaving ``sending``."""
    from notifications.models import MessageEvent

    kill = run.faults.queue_kill
    ids = kill["sending"]
    if not ids:
        return "no message was sending at the kill"
    left = MessageEvent.objects.filter(message_id__in=ids, applied=True).exclude(status="sending")
    last = {}
    for message_id, at in left.order_by("received_at").values_list("message_id", "received_at"):
        last.setdefault(message_id, at)  # the first applied event after `sending`
    if len(last) < len(ids):
        return f"{len(ids) - len(last)} of {len(ids)} still sending"
    seconds = max(at.timestamp() for at in last.values()) - kill["at"]
    return f"{seconds:.1f} s for {len(ids)} messages"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
