"""``/managed <contract id> on|off`` (support and admins): a managed-service contract (PAY-02).

A contract is a private project until support marks it managed-service; the mark makes the
freelancer's Interac e-Transfer payouts cost CAD 10.00 (:mod:`core.payouts.managed`). Every
change is in ``/audit``. Anyone else is refused by the dispatcher, as for every staff command.
"""

from __future__ import annotations

from core.errors import N_
from core.payouts.managed import set_managed_service
from handlers.context import Context
from handlers.contract import Action, Command, Incoming, Send
from handlers.router import Router

__all__ = ["command_managed", "router"]

router = Router()
USAGE = N_("Usage: /managed <contract id> on|off (on: a managed-service contract, the Interac "
           "e-Transfer fee applies; off: a private project, the fee is waived)")
MARKED = N_("Contract #{id} is now a managed-service contract: Interac e-Transfer payouts of "
            "its freelancer cost the fee.")
UNMARKED = N_("Contract #{id} is now a private project: no Interac e-Transfer fee for it.")
UNCHANGED = N_("Contract #{id} was already marked so; nothing changed.")
SWITCHES = {"on": True, "off": False}


@router.command("managed", admin=True)
async def command_managed(incoming: Incoming, ctx: Context) -> list[Action]:
    """Staff only: mark (``on``) or unmark (``off``) a contract as managed-service (audited)."""
    args = incoming.event.args.split() if isinstance(incoming.event, Command) else []
    if (len(args) != 2 or not (args[0].isdigit() and args[0].isascii())
            or args[1].lower() not in SWITCHES):
        return [Send(ctx.t(USAGE))]
    contract_id, managed = int(args[0]), SWITCHES[args[1].lower()]
    contract, changed = await set_managed_service(ctx.uow, ctx.user, contract_id, managed,
                                                  ctx.now())
    if not changed:
        return [Send(ctx.t(UNCHANGED, id=contract.id))]
    return [Send(ctx.t(MARKED if managed else UNMARKED, id=contract.id))]
