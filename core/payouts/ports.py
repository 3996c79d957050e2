"""What the payout services need from storage (``uow.payouts``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from core.money import Money
from core.payouts.methods import PayoutMethod
from core.payouts.model import Bonus, DirectHire, Payout, PayoutProfile
from core.payouts.states import PayoutState

__all__ = ["PayoutsRepo"]


class PayoutsRepo(Protocol):
    """Payout methods, payout profiles and payouts."""

    async def profile(self, user_id: int) -> PayoutProfile: ...

    async def save_profile(self, profile: PayoutProfile) -> None: ...

    async def add_method(self, method: PayoutMethod) -> PayoutMethod: ...

    async def method(self, method_id: int) -> PayoutMethod | None: ...

    async def methods_of(self, user_id: int) -> list[PayoutMethod]: ...

    async def save_method(self, method: PayoutMethod) -> None: ...

    async def add(self, payout: Payout) -> Payout: ...

    async def get(self, payout_id: int) -> Payout | None: ...

    async def save(self, payout: Payout) -> bool:
        """Store a change if the row still has ``payout.version``; False if it moved on."""

    async def of_user(self, user_id: int, limit: int = 20) -> list[Payout]: ...

    async def in_states(self, states: frozenset[PayoutState], *, due_on: date | None = None,
                        limit: int = 20) -> list[Payout]: ...

    async def fee_postings(self, since: datetime | None) -> list[tuple[datetime, Money]]:
        """Every movement of the platform's fee accounts (since ``since``), oldest first."""

    async def add_bonus(self, bonus: Bonus) -> Bonus: ...

    async def bonus_for_intent(self, intent_id: int) -> Bonus | None: ...

    async def save_bonus(self, bonus: Bonus) -> None:
        """Store ``paid_at`` and ``intent_id``."""

    async def add_hire(self, hire: DirectHire) -> DirectHire: ...

    async def hire(self, hire_id: int) -> DirectHire | None: ...

    async def hire_between(self, client_id: int, expert_id: int) -> DirectHire | None:
        """The pair's Hire Direct request (PAY-06), if any."""

    async def hire_for_intent(self, intent_id: int) -> DirectHire | None: ...

    async def hires_waiting(self, limit: int = 20) -> list[DirectHire]:
        """Requests support has not set a salary for, oldest first."""

    async def save_hire(self, hire: DirectHire) -> None:
        """Store the salary, fee, ``offered_by``, ``paid_at`` and ``intent_id``."""

    async def bac_token(self, expert_id: int, fresh: str, now: datetime) -> str:
        """The freelancer's invitation token, ``fresh`` stored the first time."""

    async def bac_expert(self, token: str) -> int | None:
        """Whose invitation token ``token`` is."""

    async def add_bring_a_client(self, client_id: int, expert_id: int, now: datetime) -> None: ...

    async def bring_a_client_of(self, client_id: int) -> int | None:
        """The freelancer whose invitation link ``client_id`` joined through, if any."""

    async def pair_exempt(self, a: int, b: int) -> bool:
        """PAY-06: ``a`` and ``b`` are hired direct (paid) or Bring-a-Client, either way round."""

    async def managed_service(self, expert_id: int, currency: str) -> bool:
        """PAY-02: the freelancer has an accepted ``currency`` contract marked managed-service."""
