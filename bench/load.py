"""Load benchmark: `make bench-load` (or `python bench/load.py`).

Serves the portal with gunicorn (production settings, DEBUG off) on 127.0.0.1, signs
each persona in through the sign-in page, and runs `wrk` against a hello-world view
that goes through the whole middleware stack and, alternated with it, every main page
of every persona. Prints requests per second, p50 and p99 latency, the ratio to
hello-world (the page's req/s divided by the mean of the hello-world runs on either
side of it) and the queries one request of the page makes. Everything it started is
stopped at the end, by process id.

It reads the database ``bench/seed_large.py`` makes (``make bench-seed``): 10,000
products, 100,000 orders and invoices; ``--database portal`` runs it on the demo data.
The cart of acme.buyer is filled to 200 lines first.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "portal-demo"  # the demo's, which the large data set keeps
HELLO = "/bench/hello/"
CART_LINES = 200
BENCH_DIR = ROOT / ".bench"  # collected static files and stored PDFs of the benchmark


@dataclass
class Page:
    """One request the scenario repeats: who asks for what, and how."""

    label: str
    user: str
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    # For a POST: the form fields; ``{n}`` in a value is replaced by 1, 2, 1, 2 … so that
    # every request changes something.
    form: dict = field(default_factory=dict)
    # Pages a target in the issue names: (largest p99 ms, smallest ratio).
    target: tuple[float | None, float | None] = (None, None)


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


# ---------------------------------------------------------------------------------------
# The environment: database, settings, gunicorn


def database_url(name: str) -> str:
    """DATABASE_URL for database ``name`` on the configured server (embedded by default)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        parts = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    from portal.database import embedded_server_socket_dir

    socket_dir = embedded_server_socket_dir(ROOT / ".pgdata")
    return f"postgres://postgres@{urllib.parse.quote(str(socket_dir), safe='')}/{name}"


def server_environment(database: str, extra: dict | None = None) -> dict:
    """The environment of every process of the benchmark: production settings."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DATABASE_URL": database_url(database),
            # Plain HTTP on loopback; the personas sign in with a password only.
            "SECURE_SSL_REDIRECT": "0",
            "TWO_FACTOR_REQUIRED": "0",
            # Thousands of sign-ins per run are the benchmark, not an attack.
            "LOGIN_FAILURE_LIMIT": "1000",
            # The demo database's PDFs are where the portal keeps them; others' in .bench/.
            "MEDIA_ROOT": os.environ.get(
                "MEDIA_ROOT", str(ROOT / "media" if database == "portal" else BENCH_DIR / "media")
            ),
            "LOG_LEVEL": "ERROR",
        }
    )
    env.update(extra or {})
    return env


def deployment_settings() -> dict:
    """What the deployment puts beside the app servers: a shared Redis cache, through
    which sessions are read (``--set REDIS_URL=`` measures without it)."""
    return {
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        # Keys of this run only, so that a run never reads another's sessions or cache.
        "CACHE_KEY_PREFIX": f"bench-{os.getpid()}-{int(time.time())}",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.2)


class Processes:
    """What the benchmark started, stopped by process id (group) at the end."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict, log: Path) -> subprocess.Popen:
        process = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            self.stop(process)
        self.started.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


def collect_static(env: dict) -> None:
    """Production templates ask the manifest for every static file: collect them once."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def gunicorn(processes: Processes, env: dict, port: int, workers: int, log: Path):
    """One gunicorn with ``workers`` sync workers on 127.0.0.1:``port``, answering."""
    process = processes.start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        env,
        log,
    )
    wait_for(f"http://127.0.0.1:{port}{HELLO}")
    return process


# ---------------------------------------------------------------------------------------
# Signing in and the scenario


def sign_in(base: str, username: str) -> dict[str, str]:
    """Sign ``username`` in through the sign-in page; returns the session's cookies.

    Production cookies are marked Secure, which a cookie jar keeps off plain HTTP: on
    loopback they are carried by hand.
    """
    address = urllib.parse.urlsplit(base)
    cookies: dict[str, str] = {}

    def ask(method: str, body: str = "") -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, "/accounts/login/", body=body or None, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            cookies[name.strip()] = value
        connection.close()
        return response

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', ask("GET").text).group(1)
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    response = ask("POST", urllib.parse.urlencode(form))
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"{username} could not sign in at {base}: {response.status}")
    return cookies


def scenario() -> list[Page]:
    """Every main page of every persona, at the data the database holds (Django is set up)."""
    from django.contrib.auth import get_user_model

    from inventory.permissions import orders_to_pick
    from portal.catalog.models import Product

    users = get_user_model().objects
    buyer = users.get(username="acme.buyer")
    product = Product.objects.filter(is_active=True).order_by("sku").first()
    word = re.split(r"[\s-]+", product.name)[0].lower()
    line = fill_cart(buyer)
    picks = orders_to_pick(users.get(username="warehouse.north")).order_by("submitted_at")
    pick = picks.first()
    invoice = stored_pdf_invoice()
    htmx = {"HX-Request": "true"}
    pages = [
        Page("catalog, 50 rows", "acme.buyer", "/catalog/?per_page=50", target=(60, 0.10)),
        Page(
            "catalog search partial (htmx)",
            "acme.buyer",
            f"/catalog/?q={word}&per_page=50",
            headers={**htmx, "HX-Target": "catalog-results"},
            target=(None, 0.15),
        ),
        Page("product page", "acme.buyer", f"/catalog/{product.sku}/", target=(None, 0.15)),
        Page("cart, 200 lines", "acme.buyer", "/cart/"),
        Page(
            "cart, 200 lines: change a quantity (htmx)",
            "acme.buyer",
            f"/cart/lines/{line.pk}/",
            method="POST",
            # As the line's quantity field sends it: the answer is that line and the totals.
            headers={**htmx, "HX-Target": f"line-{line.pk}"},
            form={"quantity": "{n}"},
            target=(100, None),
        ),
        Page("quick order", "acme.buyer", "/cart/quick-order/"),
        Page("dashboard, acme.buyer", "acme.buyer", "/", target=(None, 0.10)),
        Page("orders, acme.admin", "acme.admin", "/orders/", target=(80, None)),
        Page("dashboard, acme.admin", "acme.admin", "/", target=(None, 0.10)),
        Page("approval queue, acme.manager", "acme.manager", "/approvals/"),
        Page("dashboard, acme.manager", "acme.manager", "/", target=(None, 0.10)),
        Page("stock, warehouse.north", "warehouse.north", "/inventory/"),
        Page("picking, warehouse.north", "warehouse.north", "/inventory/picking/"),
        Page("dashboard, warehouse.north", "warehouse.north", "/", target=(None, 0.10)),
        Page("invoices, finance", "finance", "/invoices/", target=(80, None)),
        Page("aging, finance", "finance", "/finance/aging/"),
        Page("dashboard, finance", "finance", "/", target=(None, 0.10)),
        Page("dashboard, admin (operator)", "admin", "/", target=(None, 0.10)),
    ]
    if pick is not None:
        pages.insert(13, Page("pick list", "warehouse.north", f"/inventory/picking/{pick.number}/"))
    if invoice is not None:
        pages[-3:-3] = [
            Page("invoice page", "finance", f"/invoices/{invoice.number}/"),
            Page("invoice PDF (stored)", "finance", f"/invoices/{invoice.number}/pdf/"),
        ]
    return pages


def stored_pdf_invoice():
    """An invoice whose PDF is stored, rendered here if its file is not in this storage."""
    from django.core.files.storage import default_storage

    from portal.invoices.models import Invoice
    from portal.invoices.pdf import invoice_pdf_store

    invoice = Invoice.objects.exclude(pdf="").order_by("-pk").first()
    if invoice is None:
        invoice = Invoice.objects.order_by("-pk").first()
    if invoice is not None and not (invoice.pdf and default_storage.exists(invoice.pdf.name)):
        Invoice.objects.filter(pk=invoice.pk).update(pdf="", pdf_sha256="")
        invoice_pdf_store(invoice)
    return invoice


def fill_cart(buyer):
    """acme.buyer's cart holds ``CART_LINES`` lines; returns one of them."""
    from portal.catalog.permissions import products_visible_to
    from portal.orders.selectors import cart_for
    from portal.orders.services import cart_add_many

    cart = cart_for(buyer=buyer, company=buyer.membership.company)
    have = cart.lines.count() if cart.pk else 0
    if have < CART_LINES:
        products = (
            products_visible_to(buyer)
            .filter(min_qty=1, increment=1, max_qty__isnull=True)
            .exclude(pk__in=cart.lines.values("product") if cart.pk else [])
            .order_by("sku")[: CART_LINES - have]
        )
        cart_add_many(cart=cart, items=[(p, 1) for p in products], by=buyer)
        cart = cart_for(buyer=buyer, company=buyer.membership.company)
    return cart.lines.order_by("position", "pk")[CART_LINES // 2]


def query_counts(pages: list[Page]) -> dict[str, int]:
    """Queries of one request of each page, through Django's test client in this process."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    counts = {}
    for page in pages:
        if page.user not in clients:
            clients[page.user] = Client()
            clients[page.user].force_login(get_user_model().objects.get(username=page.user))
        client = clients[page.user]
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in page.headers.items()}
        form = {k: v.format(n=1) for k, v in page.form.items()}
        send = client.post if page.method == "POST" else client.get
        send(page.path, form, **headers)  # warm up: first-use caches are not the page's cost
        with CaptureQueriesContext(connection) as queries:
            response = send(page.path, form, **headers)
        if response.status_code >= 400:
            raise RuntimeError(f"{page.label}: {page.path} answered {response.status_code}")
        counts[page.label] = len(queries)
    return counts


# ---------------------------------------------------------------------------------------
# wrk


LUA = """
local n = 0
wrk.method = "{method}"
wrk.headers["Cookie"] = "{cookie}"
{headers}
{body}
-- Every answer but a 200 counts as an error: a redirect to the sign-in page (a session
-- another server did not know) included, which wrk itself would count as a success.
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body)
  if status ~= 200 then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected status: %d\\n", total))
end
"""
LUA_POST = """
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = "{csrf}"
request = function()
  n = n % 2 + 1
  return wrk.format(nil, nil, nil, ({body}):gsub("{{n}}", tostring(n)))
end
"""
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def lua_script(page: Page, cookies: dict[str, str], folder: Path) -> Path:
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in page.headers.items())
    body = ""
    if page.method == "POST":
        form = urllib.parse.urlencode(page.form).replace("%7Bn%7D", "{n}")
        body = LUA_POST.format(csrf=cookies.get("csrftoken", ""), body=f'"{form}"')
    script = folder / f"{abs(hash(page.label))}.lua"
    script.write_text(LUA.format(method=page.method, cookie=cookie, headers=headers, body=body))
    return script


def wrk(url: str, script: Path, seconds: int, connections: int) -> Result:
    threads = min(2, connections)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    latency = {p: float(v) * UNIT_MS[u] for p, v, u in LATENCY.findall(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = int(re.search(r"unexpected status: (\d+)", out).group(1))
    socket_errors = re.search(r"Socket errors: ([^\n]+)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=latency.get("50", 0.0),
        p99_ms=latency.get("99", 0.0),
        errors=errors,
        requests=requests,
    )


def run_scenario(
    base: str, pages: list[Page], seconds: int, connections: int, folder: Path
) -> tuple[Result, list[tuple[Page, Result, float]]]:
    """Each page alternated with hello-world; returns hello-world's mean and every page's
    result with its ratio to the hello-world runs beside it."""
    sessions = {user: sign_in(base, user) for user in sorted({p.user for p in pages})}
    hello_url = f"{base}{HELLO}"
    hello = folder / "hello.lua"
    hello.write_text(LUA.format(method="GET", cookie="", headers="", body=""))
    wrk(hello_url, hello, 2, connections)  # warm up the workers
    hellos = [wrk(hello_url, hello, seconds, connections)]
    rows = []
    for page in pages:
        script = lua_script(page, sessions[page.user], folder)
        wrk(f"{base}{page.path}", script, 1, connections)  # warm up
        result = wrk(f"{base}{page.path}", script, seconds, connections)
        hellos.append(wrk(hello_url, hello, seconds, connections))
        beside = (hellos[-2].requests_per_second + hellos[-1].requests_per_second) / 2
        rows.append((page, result, result.requests_per_second / beside))
    mean = Result(
        requests_per_second=sum(h.requests_per_second for h in hellos) / len(hellos),
        p50_ms=sorted(h.p50_ms for h in hellos)[len(hellos) // 2],
        p99_ms=sorted(h.p99_ms for h in hellos)[len(hellos) // 2],
        errors=sum(h.errors for h in hellos),
        requests=sum(h.requests for h in hellos),
    )
    return mean, rows


def report(hello: Result, rows, counts: dict[str, int]) -> int:
    """Print the table; returns how many targets were missed."""
    print(
        f"\n{'page':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} "
        f"{'queries':>7} {'errors':>6}  target"
    )
    print(
        f"{'hello-world, full middleware':<44} {hello.requests_per_second:8.0f} "
        f"{hello.p50_ms:8.1f} {hello.p99_ms:8.1f} {1:7.3f} {0:>7} {hello.errors:6d}"
    )
    missed = 0
    for page, result, ratio in rows:
        max_p99, min_ratio = page.target
        wanted, ok = [], True
        if max_p99 is not None:
            wanted.append(f"p99 <= {max_p99:.0f} ms")
            ok &= result.p99_ms <= max_p99
        if min_ratio is not None:
            wanted.append(f"ratio >= {min_ratio:.2f}")
            ok &= ratio >= min_ratio
        verdict = ("met: " if ok else "MISSED: ") + ", ".join(wanted) if wanted else ""
        missed += 0 if ok else 1
        print(
            f"{page.label:<44} {result.requests_per_second:8.0f} {result.p50_ms:8.1f} "
            f"{result.p99_ms:8.1f} {ratio:7.3f} {counts.get(page.label, 0):7d} "
            f"{result.errors:6d}  {verdict}"
        )
    return missed


def setup_django(database: str, extra: dict | None = None) -> dict:
    """Point this process at the benchmark database with the servers' settings."""
    env = server_environment(database, extra)
    for key in (
        "DJANGO_SETTINGS_MODULE",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "SECURE_SSL_REDIRECT",
        "TWO_FACTOR_REQUIRED",
        "MEDIA_ROOT",
        "LOG_LEVEL",
        *(extra or {}),
    ):
        os.environ[key] = env[key]
    import django

    django.setup()
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as error:
        raise SystemExit(
            f"Cannot open database {database!r} ({error}).\n"
            "Make it with `make bench-seed`, or pass --database portal for the demo data."
        ) from error
    return env


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", default="bench_large")
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--only", default="", help="run only pages whose label contains this")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the servers, e.g. DB_POOL_SIZE=0",
    )
    return parser


def main() -> None:
    args = arguments(__doc__.splitlines()[0]).parse_args()
    extra = {**deployment_settings(), **dict(item.split("=", 1) for item in args.set)}
    env = setup_django(args.database, extra)
    from django.db import connection

    collect_static(env)
    pages = [p for p in scenario() if args.only in p.label]
    counts = query_counts(pages)
    connection.close()
    port = free_port()
    with Processes() as processes, tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "gunicorn.log"
        gunicorn(processes, env, port, args.workers, log)
        print(
            f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; wrk -c{args.connections}"
            f", {args.seconds} s per run; {os.cpu_count()} cores; database {args.database}"
            + f"; cache {env['REDIS_URL'] or 'per process'}"
            + (f"; {', '.join(args.set)}" if args.set else "")
        )
        hello, rows = run_scenario(
            f"http://127.0.0.1:{port}", pages, args.seconds, args.connections, Path(folder)
        )
        missed = report(hello, rows, counts)
        if any(result.errors for _, result, _ in rows):
            BENCH_DIR.mkdir(exist_ok=True)
            shutil.copy(log, BENCH_DIR / "gunicorn.log")
            print(f"\nErrors: the server's log is in {BENCH_DIR / 'gunicorn.log'}")
    print(f"\n{missed} target(s) missed" if missed else "\nEvery target met.")


if __name__ == "__main__":
    main()
