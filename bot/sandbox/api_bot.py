"""Bot API methods about the bot itself: identity, receiving updates, webhooks, command menus.

``getUpdates`` is a real long poll: it waits on the world's update signal and answers the
moment an update arrives (or when ``timeout`` runs out). A newer ``getUpdates`` ends an
older waiting one with 409, and a set webhook makes ``getUpdates`` answer 409, both with the
real server's descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.params import ApiError, Params
from bot.sandbox.world import World

__all__ = ["BOT_METHODS", "scope_key"]

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_PLAIN_SCOPES = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def get_me(world: World, params: Params) -> dict[str, Any]:
    """getMe."""
    return {
        **world.bot,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(world: World, params: Params) -> list[dict[str, Any]]:
    """getUpdates with offset, limit, timeout (a real long poll) and allowed_updates."""
    if world.webhook is not None:
        raise ApiError(409, _WEBHOOK_CONFLICT)
    offset = params.integer("offset")
    limit = min(max(params.integer("limit", default=100) or 100, 1), 100)
    timeout = max(params.integer("timeout", default=0) or 0, 0)
    allowed = params.json_obj("allowed_updates", "allowed_updates")
    if isinstance(allowed, list):
        world.allowed_updates = [str(kind) for kind in allowed]
    world.poll_generation += 1
    generation = world.poll_generation
    world.updates_signal.notify()
    world.confirm(offset)
    if timeout:
        world.waiting_polls += 1
        world.changed.notify()
        try:
            await world.updates_signal.wait_for(
                lambda: (
                    world.stopping
                    or world.poll_generation != generation
                    or bool(world.deliverable())
                ),
                timeout,
            )
        finally:
            world.waiting_polls -= 1
            world.changed.notify()
    if world.poll_generation != generation:
        raise ApiError(409, _POLL_CONFLICT)
    batch = world.deliverable()[:limit]
    for queued in batch:
        queued.delivered = True
    return [queued.update for queued in batch]


async def set_webhook(world: World, params: Params) -> bool:
    """setWebhook (the sandbox records it; getUpdates then answers 409)."""
    url = params.text("url") or ""
    if not url:
        world.webhook = None
        return True
    if not url.startswith(("https://", "http://")):
        raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if params.flag("drop_pending_updates"):
        world.pending.clear()
    allowed = params.json_obj("allowed_updates", "allowed_updates")
    world.webhook = {
        "url": url,
        "max_connections": params.integer("max_connections", default=40),
        "secret_token": params.text("secret_token"),
        "allowed_updates": allowed if isinstance(allowed, list) else None,
    }
    world.updates_signal.notify()
    return True


async def delete_webhook(world: World, params: Params) -> bool:
    """deleteWebhook, optionally dropping pending updates."""
    world.webhook = None
    if params.flag("drop_pending_updates"):
        world.pending.clear()
    return True


async def get_webhook_info(world: World, params: Params) -> dict[str, Any]:
    """getWebhookInfo."""
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending),
    }
    if world.webhook is not None:
        info["url"] = world.webhook["url"]
        info["max_connections"] = world.webhook["max_connections"]
        if world.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = world.webhook["allowed_updates"]
        for key in ("last_error_date", "last_error_message"):  # set by bot.sandbox.webhook
            if key in world.webhook:
                info[key] = world.webhook[key]
    return info


def scope_key(world: World, scope: Any) -> str:
    """A canonical key for a BotCommandScope object (``None`` is the default scope)."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise ApiError.bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in _PLAIN_SCOPES:
        return kind
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise ApiError.bad_request("wrong scope type specified")
    try:
        chat_id = int(scope["chat_id"])
    except (KeyError, TypeError, ValueError):
        raise ApiError.bad_request("chat not found") from None
    if chat_id not in world.chats:
        raise ApiError.bad_request("chat not found")
    if kind == "chat_member":
        try:
            return f"chat_member:{chat_id}:{int(scope['user_id'])}"
        except (KeyError, TypeError, ValueError):
            raise ApiError.bad_request("user not found") from None
    return f"{kind}:{chat_id}"


def _menu_key(world: World, params: Params) -> tuple[str, str]:
    """The (scope, language) a command-menu method addresses."""
    language = params.text("language_code") or ""
    if language and not _LANGUAGE.match(language):
        raise ApiError.bad_request("invalid language code specified")
    return scope_key(world, params.json_obj("scope", "BotCommandScope")), language


async def set_my_commands(world: World, params: Params) -> bool:
    """setMyCommands."""
    commands = params.json_obj("commands", "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError.bad_request("can't parse commands JSON object")
    menu = []
    for command in commands:
        if not isinstance(command, dict):
            raise ApiError.bad_request("can't parse commands JSON object")
        name = command.get("command")
        description = command.get("description")
        if not isinstance(name, str) or not _COMMAND.match(name.removeprefix("/")):
            raise ApiError.bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        menu.append({"command": name.removeprefix("/"), "description": description})
    key = _menu_key(world, params)
    if menu:
        world.commands[key] = menu
    else:
        world.commands.pop(key, None)
    world.changed.notify()  # a test may wait for a chat's menu (wait_for)
    return True


async def get_my_commands(world: World, params: Params) -> list[dict[str, str]]:
    """getMyCommands (exactly what was set for this scope and language)."""
    return list(world.commands.get(_menu_key(world, params), []))


async def delete_my_commands(world: World, params: Params) -> bool:
    """deleteMyCommands."""
    world.commands.pop(_menu_key(world, params), None)
    return True


async def log_out(world: World, params: Params) -> bool:
    """logOut and close: accepted and ignored."""
    return True


Method = Callable[[World, Params], Awaitable[Any]]

BOT_METHODS: dict[str, Method] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "logout": log_out,
    "close": log_out,
}
