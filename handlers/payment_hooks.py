"""What else happens when a payment arrives: hooks run after the wallet was credited.

:func:`handlers.wallet.successful_payment` credits the payer's wallet (once per charge id) and
then runs every registered hook, in the same unit of work, with the :class:`Settlement`. A
feature that invoices through a top-up intent for a purpose of its own (funding a milestone
when the wallet is short) registers a hook that recognises its intents and finishes the job,
so the money and its use are committed together. A hook returns a :class:`HookReply` (empty if
the intent is not its own) and must not refuse: the money has already arrived.

The hooks run before the payer is told anything, so the confirmation says where the money is
now: a hook that moved it on at once (into a milestone's escrow) words the confirmation itself
(``HookReply.received``), with the wallet balance as it stands after the move.

A payment delivered again (``Settlement.replayed``) moves nothing; the hooks are still asked,
with the replayed settlement, so that the one that had moved the money on says where it went
(``received``) instead of "already added to your wallet". On a replay a hook must write nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.payments import Settlement
from handlers.context import Context
from handlers.contract import Action

__all__ = ["HookReply", "PaymentHook", "after_payment", "run_after_payment"]


@dataclass(frozen=True, slots=True)
class HookReply:
    """A hook's answer: replies for the payer; ``received`` replaces "added to your wallet"
    when the hook moved the money on (already translated, naming where it went)."""

    replies: list[Action] = field(default_factory=list)
    received: str | None = None


PaymentHook = Callable[[Context, Settlement], Awaitable[HookReply]]
_HOOKS: list[PaymentHook] = []


def after_payment(hook: PaymentHook) -> PaymentHook:
    """Register ``hook`` to run after each newly credited payment (a decorator)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


async def run_after_payment(ctx: Context, settlement: Settlement) -> HookReply:
    """Every hook's replies for a payment that was just credited, and the confirmation of the
    hook that moved the money on, if one did (for a replay: only where the money had gone)."""
    if settlement.intent is None:
        return HookReply()
    actions: list[Action] = []
    received = None
    for hook in _HOOKS:
        reply = await hook(ctx, settlement)
        actions += reply.replies
        received = reply.received or received
    return HookReply([] if settlement.replayed else actions, received)
