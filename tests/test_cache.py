"""The shared cache (``portal.cache``): Django's Redis backend, one client per pool, and each
worker's copy of the entries whose key never names another value."""

import time
import uuid

import pytest

from portal.cache import KeptEntries, SharedRedisCache


def test_the_shared_cache_makes_one_redis_client_and_reuses_it():
    cache = SharedRedisCache("redis://127.0.0.1:6379/0", {})

    clients = {id(cache._cache.get_client(key)) for key in ("a", "b", "c")}
    clients |= {id(cache._cache.get_client("a", write=True))}

    assert len(clients) == 1


def test_with_a_replica_reads_and_writes_keep_a_client_each():
    cache = SharedRedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6379/1", {})

    writer = cache._cache.get_client("a", write=True)
    reader = cache._cache.get_client("a")

    assert writer is not reader
    assert writer is cache._cache.get_client("b", write=True)
    assert reader is cache._cache.get_client("b")
    assert writer.connection_pool is not reader.connection_pool


def shared_cache(prefix: str) -> SharedRedisCache:
    """A worker's view of the shared Redis, with keys of this test only."""
    return SharedRedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": prefix})


def test_an_immutable_entry_another_worker_wrote_is_read_once_then_kept():
    prefix = f"test-kept-{uuid.uuid4().hex}"
    writer, reader = shared_cache(prefix), shared_cache(prefix)
    writer.set_immutable("catalog:7:page", {"rows": [1, 2, 3]}, 60)

    assert reader.get_immutable("catalog:7:page") == {"rows": [1, 2, 3]}
    # gone from Redis (flushed), the worker still has the copy it read, as long as Redis
    # would have kept the entry
    writer.delete("catalog:7:page")
    assert reader.get_immutable("catalog:7:page") == {"rows": [1, 2, 3]}
    assert writer.get("catalog:7:page") is None


def test_each_read_of_a_kept_entry_is_a_copy_of_its_own():
    cache = shared_cache(f"test-kept-{uuid.uuid4().hex}")
    cache.set_immutable("users:3:user", {"name": "acme.buyer"}, 60)

    first = cache.get_immutable("users:3:user")
    first["name"] = "changed by a request"

    assert cache.get_immutable("users:3:user") == {"name": "acme.buyer"}


def test_a_kept_entry_expires_when_redis_lets_it_go():
    prefix = f"test-kept-{uuid.uuid4().hex}"
    writer, reader = shared_cache(prefix), shared_cache(prefix)
    writer.set_immutable("catalog:8:card", "price card", 1)
    assert reader.get_immutable("catalog:8:card") == "price card"

    time.sleep(1.1)

    assert reader.get_immutable("catalog:8:card", "missing") == "missing"
    assert writer.get_immutable("catalog:8:card", "missing") == "missing"


def test_an_immutable_entry_needs_a_timeout():
    cache = shared_cache(f"test-kept-{uuid.uuid4().hex}")

    with pytest.raises(ValueError, match="needs a timeout"):
        cache.set_immutable("catalog:9:forever", "x", None)


def test_the_least_recently_read_entries_go_first_past_the_size_limit():
    kept = KeptEntries(max_bytes=300)
    for key in "abc":
        kept.put(key, bytes(100), 60)
    kept.get("a")  # read again: now the most recent

    kept.put("d", bytes(100), 60)

    assert [key for key in "abcd" if kept.get(key) is not None] == ["a", "c", "d"]
    kept.put("huge", bytes(301), 60)  # larger than everything kept: not kept at all
    assert kept.get("huge") is None and kept.get("a") is not None
