"""The sandbox: a local Telegram Bot API server with scriptable users (see ``server``)."""

from bot.sandbox.objects import SandboxMessage
from bot.sandbox.server import SandboxServer
from bot.sandbox.users import CallbackAnswer, PaymentResult, SandboxUser

__all__ = ["CallbackAnswer", "PaymentResult", "SandboxMessage", "SandboxServer", "SandboxUser"]
