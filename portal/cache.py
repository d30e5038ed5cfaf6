"""The shared cache: Django's Redis backend, with one Redis client per connection pool,
and a copy in each worker of the entries whose key never names another value.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every get and set, and
each one fills a table of about two hundred reply callbacks: about 0.3 ms, three or four
times on every signed-in page (session, user, cached results). A client holds no
connection of its own (its pool lends them out, and starts afresh in a forked process), so
one per pool is kept and shared.

A round trip to Redis costs a worker about 0.1 ms of its own time (two system calls and a
wait) plus Redis's. Results cached under data versions (``portal.versions``) have keys
that are never reused for other data, so a worker keeps the ones it used last as Redis
sent them (``get_immutable``, ``set_immutable``), each until Redis lets it expire, and
reads them again without asking. Each read unpickles its own copy, as from Redis, so no
request sees what another changed on its objects.
"""

import time
from collections import OrderedDict

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# What a worker keeps of immutable entries, at most: the least recently used go first.
KEPT_BYTES = 32 * 1024 * 1024


class KeptEntries:
    """Serialized entries by key, each with the moment it expires, within ``max_bytes``.

    Not shared between threads: Django gives each thread its own cache backend.
    """

    def __init__(self, max_bytes: int = KEPT_BYTES):
        self.max_bytes = max_bytes
        self._entries: OrderedDict = OrderedDict()  # key -> (expires at, data)
        self._bytes = 0

    def get(self, key):
        """The data kept under ``key``, or None (never kept, expired or pushed out)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key, data, seconds: float) -> None:
        size = _size(data)
        if seconds <= 0 or size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (time.monotonic() + seconds, data)
        self._bytes += size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def _drop(self, key) -> None:
        _, data = self._entries.pop(key)
        self._bytes -= _size(data)


def _size(data) -> int:
    return len(data) if isinstance(data, bytes) else 8  # the serializer leaves ints as ints


class PooledClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.kept = KeptEntries()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get_immutable(self, key, default):
        data = self.kept.get(key)
        if data is None:
            # The entry and how long Redis keeps it, in one round trip.
            with self.get_client(key).pipeline(transaction=False) as pipeline:
                data, milliseconds = pipeline.get(key).pttl(key).execute()
            if data is None:
                return default
            self.kept.put(key, data, milliseconds / 1000)
        return self._serializer.loads(data)

    def set_immutable(self, key, value, timeout):
        if timeout is None:
            raise ValueError("An immutable entry needs a timeout: the worker keeps it as long.")
        data = self._serializer.dumps(value)
        self.get_client(key, write=True).set(key, data, ex=timeout)
        self.kept.put(key, data, timeout)

    def clear(self):
        self.kept.clear()
        return super().clear()


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient

    def get_immutable(self, key, default=None, version=None):
        """``get`` for a key that never names another value: kept in the worker too."""
        key = self.make_and_validate_key(key, version=version)
        return self._cache.get_immutable(key, default)

    def set_immutable(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """``set`` for a key that never names another value (a timeout is required)."""
        key = self.make_and_validate_key(key, version=version)
        self._cache.set_immutable(key, value, self.get_backend_timeout(timeout))
