"""What else happens when a payment arrives: hooks run after the wallet was credited.

:func:`handlers.wallet.successful_payment` credits the payer's wallet (once per charge id) and
then runs every registered hook, in the same unit of work, with the :class:`Settlement`. A
feature that invoices through a top-up intent for a purpose of its own (funding a milestone
when the wallet is short) registers a hook that recognises its intents and finishes the job,
so the money and its use are committed together. A hook returns the extra replies for the
payer (none if the intent is not its own) and must not refuse: the money has already arrived.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.payments import Settlement
from handlers.context import Context
from handlers.contract import Action

__all__ = ["PaymentHook", "after_payment", "run_after_payment"]

PaymentHook = Callable[[Context, Settlement], Awaitable[list[Action]]]
_HOOKS: list[PaymentHook] = []


def after_payment(hook: PaymentHook) -> PaymentHook:
    """Register ``hook`` to run after each newly credited payment (a decorator)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


async def run_after_payment(ctx: Context, settlement: Settlement) -> list[Action]:
    """Every hook's replies for a payment that was just credited (not for a replay)."""
    if settlement.replayed or settlement.intent is None:
        return []
    actions: list[Action] = []
    for hook in _HOOKS:
        actions += await hook(ctx, settlement)
    return actions
