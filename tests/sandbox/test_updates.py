"""getUpdates: offsets, limits, the real long poll, webhooks and conflicts."""

from __future__ import annotations

import asyncio

from bot.sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN, Api, FakeTime


async def _poll_is_waiting(server: SandboxServer) -> None:
    """Wait until the server holds a long poll open."""
    world = server.world
    assert await world.changed.wait_for(lambda: world.waiting_polls == 1, 5)


async def test_updates_are_numbered_and_stay_until_confirmed_by_offset(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    await alice.send("one")
    await alice.send("two")
    first = await api.ok("getUpdates")
    again = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert again == first
    ids = [u["update_id"] for u in first]
    assert ids[1] == ids[0] + 1
    assert await api.ok("getUpdates", offset=ids[0] + 1) == first[1:]
    assert await api.ok("getUpdates", offset=ids[1] + 1) == []


async def test_limit_caps_the_batch(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    for text in ("a", "b", "c"):
        await alice.send(text)
    batch = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in batch] == ["a", "b"]


async def test_negative_offset_keeps_only_the_last_updates(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    for text in ("a", "b", "c"):
        await alice.send(text)
    batch = await api.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in batch] == ["c"]


async def test_long_poll_wakes_on_a_new_update_without_waiting_out_the_timeout(
    api: Api,
) -> None:
    alice = api.server.user(1001, "Alice")
    poll = asyncio.create_task(api.json("getUpdates", timeout=60))
    await _poll_is_waiting(api.server)
    await alice.send("wake up")
    async with asyncio.timeout(5):
        status, body = await poll
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["wake up"]


async def test_a_newer_get_updates_ends_the_waiting_one_with_409(api: Api) -> None:
    poll = asyncio.create_task(api.json("getUpdates", timeout=60))
    await _poll_is_waiting(api.server)
    assert await api.ok("getUpdates") == []
    async with asyncio.timeout(5):
        status, body = await poll
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


async def test_stopping_the_server_releases_a_waiting_long_poll(api: Api) -> None:
    poll = asyncio.create_task(api.json("getUpdates", timeout=60))
    await _poll_is_waiting(api.server)
    api.server.world.stopping = True
    api.server.world.updates_signal.notify()
    async with asyncio.timeout(5):
        assert await poll == (200, {"ok": True, "result": []})


async def test_allowed_updates_filters_later_deliveries(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert await api.ok("getUpdates") == []
    assert api.server.world.pending == []


async def test_while_a_webhook_is_set_get_updates_answers_409(api: Api) -> None:
    assert await api.ok("setWebhook", url="https://example.org/hook") is True
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "https://example.org/hook"
    status, body = await api.json("getUpdates")
    assert status == 409
    assert body == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    }
    assert await api.ok("deleteWebhook") is True
    assert (await api.ok("getWebhookInfo"))["url"] == ""
    assert await api.ok("getUpdates") == []


async def test_set_webhook_refuses_a_url_that_is_not_http(api: Api) -> None:
    status, body = await api.json("setWebhook", url="ftp://example.org")
    assert status == 400
    assert body["description"].startswith("Bad Request: bad webhook")


async def test_delete_webhook_can_drop_pending_updates(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    await alice.send("old news")
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 1
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await api.ok("getUpdates") == []


async def test_an_injected_duplicate_is_delivered_again_after_confirmation(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    await alice.send("once")
    [update] = await api.ok("getUpdates")
    await api.ok("getUpdates", offset=update["update_id"] + 1)
    api.server.inject(api.server.updates_log[-1])
    redelivered = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert redelivered == [update]
    assert await api.ok("getUpdates", offset=update["update_id"] + 1) == []


async def test_an_injected_update_without_id_gets_the_next_one(api: Api) -> None:
    alice = api.server.user(1001, "Alice")
    sent = await alice.send("first")
    injected = api.server.inject({"message": {**sent, "text": "raw"}})
    assert injected["update_id"] == api.server.updates_log[0]["update_id"] + 1


async def test_update_ids_keep_growing_across_restarts_of_the_sandbox(
    fake_time: FakeTime,
) -> None:
    first = SandboxServer(TOKEN, time_source=fake_time)
    await first.user(1, "A").send("x")
    fake_time.advance(0.5)
    second = SandboxServer(TOKEN, time_source=fake_time)
    await second.user(1, "A").send("x")
    assert second.updates_log[0]["update_id"] > first.updates_log[0]["update_id"]
    fixed = SandboxServer(TOKEN, first_update_id=1)
    await fixed.user(1, "A").send("x")
    assert fixed.updates_log[0]["update_id"] == 1
