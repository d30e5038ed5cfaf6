"""A real localstripe server (a stateful fake of Stripe's API) on 127.0.0.1 for the tests.

It runs in a thread of the test process on a free loopback port; ``reset`` forgets every
object and webhook it holds. Its command line would listen on every interface, so it is
started from Python instead.
"""

import asyncio
import http.client
import socket
import threading

from aiohttp import web

PUBLISHABLE_KEY = "pk_test_portal"
SECRET_KEY = "sk_test_portal"
WEBHOOK_SECRET = "whsec_portal_tests"


class LocalStripe:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._runner = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="localstripe", daemon=True)

    def _serve(self) -> None:
        from localstripe.server import app

        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._started.set()
        self._loop.run_forever()

    def start(self) -> "LocalStripe":
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("localstripe did not start")
        return self

    def stop(self) -> None:
        async def shutdown():
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, method: str, path: str, data: bytes | None = None) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 300:
                raise RuntimeError(f"localstripe {method} {path}: {response.status}")
        finally:
            connection.close()

    def reset(self) -> None:
        """Forget every object and every webhook, and drop the deliveries still pending
        (localstripe sends an event a second after it happened)."""
        from localstripe.webhooks import _webhooks

        _webhooks.clear()

        async def cancel_pending() -> None:
            for pending in asyncio.all_tasks():
                if getattr(pending.get_coro(), "__name__", "") == "_send_webhook":
                    pending.cancel()

        asyncio.run_coroutine_threadsafe(cancel_pending(), self._loop).result(10)
        self._call("DELETE", "/_config/data")

    def deliver_webhooks_to(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        """Have localstripe sign and send its events to ``url``."""
        data = f"url={url}&secret={secret}".encode()
        self._call("POST", "/_config/webhooks/portal", data)
