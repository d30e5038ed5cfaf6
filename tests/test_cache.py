"""The shared cache (``portal.cache``): Django's Redis backend, one client per pool."""

from portal.cache import SharedRedisCache


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
