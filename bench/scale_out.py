"""Scale-out benchmark: `make bench-scale-out` (or `python bench/scale_out.py`).

Runs the portal the way a deployment with several app servers does, all on 127.0.0.1:
two gunicorn instances behind HAProxy (Debian's), one task worker (``db_worker``) and
one scheduler, on one PostgreSQL, with sessions and cache shared through Redis
(127.0.0.1:6379). First it checks that a sign-in made through the balancer holds on
both instances; then it runs the load scenario of ``bench/load.py`` against one
instance alone and against the balancer, and prints both tables and the throughput
of two instances over one. Everything it started is stopped at the end.

Each instance gets ``--workers`` sync workers (1 by default), so that two instances
can use two cores: about twice one instance's throughput needs at least as many free
cores as workers in all, plus what wrk, HAProxy and PostgreSQL use.
"""

import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import (
    HELLO,
    Processes,
    arguments,
    collect_static,
    deployment_settings,
    free_port,
    gunicorn,
    query_counts,
    report,
    run_scenario,
    scenario,
    setup_django,
    sign_in,
    wait_for,
)

HAPROXY = """
global
    maxconn 512
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option forwardfor
frontend portal
    bind 127.0.0.1:{port}
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    # Which instance answered, so that the benchmark can see both serve one session.
    http-response set-header X-Served-By %s
{servers}
"""


def haproxy(processes: Processes, port: int, backends: list[int], folder: Path):
    config = folder / "haproxy.cfg"
    servers = "\n".join(
        f"    server app{i} 127.0.0.1:{p} check inter 2s" for i, p in enumerate(backends, 1)
    )
    config.write_text(HAPROXY.format(port=port, servers=servers))
    subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
    process = processes.start(
        ["haproxy", "-db", "-f", str(config)], dict(os.environ), folder / "haproxy.log"
    )
    wait_for(f"http://127.0.0.1:{port}{HELLO}")
    return process


def session_holds(base: str, user: str, path: str, tries: int = 20) -> set[str]:
    """Sign in through the balancer, then ask for ``path`` ``tries`` times: every answer
    must be the page (no redirect to sign in). Returns the instances that answered."""
    cookies = sign_in(base, user)
    host, port = base.removeprefix("http://").split(":")
    served = set()
    for _ in range(tries):
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request(
            "GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        )
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(
                f"The session of {user} did not hold: {path} answered {response.status} "
                f"from {response.getheader('X-Served-By')}"
            )
        served.add(response.getheader("X-Served-By"))
        connection.close()
    return served


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.set_defaults(workers=1, seconds=5)
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        raise SystemExit(
            "HAProxy is missing: apt-get install -y haproxy (make bench-scale-out does)."
        )
    extra = {
        **deployment_settings(),
        # Two instances behind a proxy that appends the client to X-Forwarded-For.
        "TRUSTED_PROXY_COUNT": "1",
    }
    extra.update(item.split("=", 1) for item in args.set)
    env = setup_django(args.database, extra)
    from django.db import connection

    collect_static(env)
    pages = [p for p in scenario() if args.only in p.label]
    counts = query_counts(pages)
    connection.close()
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports, 1):
            gunicorn(processes, env, port, args.workers, folder / f"app{i}.log")
        python = sys.executable
        processes.start(
            [python, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            env,
            folder / "worker.log",
        )
        processes.start([python, "manage.py", "run_scheduler"], env, folder / "scheduler.log")
        balancer = free_port()
        haproxy(processes, balancer, ports, folder)
        base = f"http://127.0.0.1:{balancer}"
        served = session_holds(base, "acme.buyer", "/cart/")
        print(
            f"A sign-in through HAProxy holds on {len(served)} instances "
            f"({', '.join(sorted(served))}): 20 of 20 pages, no redirect to sign in."
        )
        print(
            f"\n{os.cpu_count()} cores. Each instance: gunicorn, {args.workers} sync "
            f"worker(s); wrk -c{args.connections}, {args.seconds} s per run; database "
            f"{args.database}; Redis sessions and cache; one db_worker; one scheduler."
        )
        print("\n== one instance, directly")
        one_hello, one = run_scenario(
            f"http://127.0.0.1:{ports[0]}", pages, args.seconds, args.connections, folder
        )
        report(one_hello, one, counts)
        print("\n== two instances behind HAProxy")
        two_hello, two = run_scenario(base, pages, args.seconds, args.connections, folder)
        report(two_hello, two, counts)
        errors = sum(r.errors for _, r, _ in two) + two_hello.errors
        print(f"\n{'page':<44} {'one req/s':>10} {'two req/s':>10} {'two/one':>8}")
        print(
            f"{'hello-world':<44} {one_hello.requests_per_second:10.0f} "
            f"{two_hello.requests_per_second:10.0f} "
            f"{two_hello.requests_per_second / one_hello.requests_per_second:8.2f}"
        )
        total_one = total_two = 0.0
        for (page, a, _), (_, b, _) in zip(one, two, strict=True):
            total_one += a.requests_per_second
            total_two += b.requests_per_second
            print(
                f"{page.label:<44} {a.requests_per_second:10.0f} {b.requests_per_second:10.0f}"
                f" {b.requests_per_second / a.requests_per_second:8.2f}"
            )
        print(f"{'all pages':<44} {total_one:10.0f} {total_two:10.0f} {total_two / total_one:8.2f}")
        print(f"\nErrors through the balancer: {errors}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
