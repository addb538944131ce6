#!/usr/bin/env python3
"""A bounded load run against a portal on loopback: N requests over a few pages with C
concurrent clients. Prints completed, failed (incl. stalled past the timeout) and the
median and p95 latency per page. Loopback only; stops by itself."""
import argparse, concurrent.futures, statistics, time, urllib.request, urllib.error
from urllib.parse import urlparse

parser = argparse.ArgumentParser()
parser.add_argument("--base", default="http://127.0.0.1:3000")
parser.add_argument("--requests", type=int, default=1000)
parser.add_argument("--concurrency", type=int, default=16)
parser.add_argument("--timeout", type=float, default=10.0)
parser.add_argument("--cookie", default="", help="e.g. portal_session=…")
parser.add_argument("--paths", default="/,/pages/about,/me,/admin/people")
args = parser.parse_args()
assert urlparse(args.base).hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
paths = args.paths.split(",")

def fetch(i):
    path = paths[i % len(paths)]
    request = urllib.request.Request(args.base + path, headers={"cookie": args.cookie} if args.cookie else {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except Exception as error:  # a stalled or broken response
        return path, None, repr(error)
    return path, (time.perf_counter() - start) * 1000, status

started = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
    results = list(pool.map(fetch, range(args.requests)))
elapsed = time.perf_counter() - started
failed = [r for r in results if r[1] is None or r[2] >= 500]
print(f"requests: {len(results)}, failed or stalled: {len(failed)}, wall time: {elapsed:.1f} s, "
      f"throughput: {len(results) / elapsed:.0f} req/s (concurrency {args.concurrency})")
for path in paths:
    times = sorted(r[1] for r in results if r[0] == path and r[1] is not None)
    if times:
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"  {path:<16} n={len(times):<5} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")
for r in failed[:5]:
    print("  failure:", r)
raise SystemExit(1 if failed else 0)
