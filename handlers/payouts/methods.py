"""``/payout_methods`` and ``/legal_name``: the freelancer's payout details (PAY-02, HOLD-02).

Dialog graph::

    /payout_methods ----------------> the methods (masked), the legal name, the hold's end;
                                      an *Add* button per kind this country allows and a
                                      *Remove* button per method
        [pom:add:<kind>] -----------> payouts.holder --text--> payouts.details --text--> saved
                                      (HOLD-02 starts; its end is shown); a bad name, e-mail
                                      or IBAN is refused with the reason and asked again
        [pom:rm:<method id>] -------> removed (someone else's id: not found)
        [pom:show:<method id>] -----> the owner reads the full details once, in a new message
                                      (someone else's id: not found; never logged)
    /legal_name --------------------> payouts.legal --text--> saved (HOLD-02 starts)
"""

from __future__ import annotations

from core.accounts import Role
from core.errors import N_, InvalidInput
from core.payouts.calendar import format_instant
from core.payouts.methods import MethodKind, allowed_kinds, validate_holder
from core.payouts.policy import current
from core.payouts.services import add_method, own_method, remove_method, set_legal_name
from handlers.context import Context
from handlers.contract import Action, Button, Edit, Incoming, Send, keyboard
from handlers.keyboards import NO_TEXT, callback_ints, callback_parts, stale, typed_text
from handlers.payouts.views import KIND_NAMES, NOT_A_FREELANCER, hold_line, in_menu, method_line
from handlers.router import Router

__all__ = ["STATES", "router"]

router = Router()

HOLDER_STATE, DETAILS_STATE, LEGAL_STATE = "payouts.holder", "payouts.details", "payouts.legal"
#: The dialog's graph: state -> the states it may lead to (None: the dialog ends).
STATES: dict[str, tuple[str | None, ...]] = {
    HOLDER_STATE: (DETAILS_STATE, HOLDER_STATE),
    DETAILS_STATE: (None, DETAILS_STATE),
    LEGAL_STATE: (None, LEGAL_STATE),
}
ASK_HOLDER = N_("Type the account holder's full name exactly as the {kind} account shows it, "
                "or /cancel to stop.")
ASK_EMAIL = N_("Type the e-mail address of the {kind} account.")
ASK_IBAN = N_("Type the IBAN of the account, for example DE89 3704 0044 0532 0130 00.")
SAVED = N_("Saved: {kind} {details}. For your security, payouts are on hold until {until}.")
ASK_LEGAL = N_("Type your full legal name as on your ID, or /cancel to stop. Payout methods "
               "must be in this name. Changing it puts payouts on a 3-day security hold.")
LEGAL_SAVED = N_("For your security, payouts are on hold until {until}. Your legal name is now: "
                 "{name}")


async def methods_screen(ctx: Context) -> tuple[str, list[list[Button]]]:
    """The methods (masked), the legal name and the hold; the add and remove buttons."""
    methods = await ctx.uow.payouts.methods_of(ctx.user.id)
    profile = await ctx.uow.payouts.profile(ctx.user.id)
    lines = [ctx.t("Your payout methods:") if methods else ctx.t("You have no payout methods "
                                                                  "yet.")]
    lines += [method_line(ctx, m) for m in methods]
    if profile.legal_name:
        lines.append(ctx.t("Legal name: {name}", name=profile.legal_name))
    elif in_menu(ctx, "legal_name"):  # ACC-02: a suspended user is not sent to /legal_name
        lines.append(ctx.t("Legal name: not set yet (send /legal_name)."))
    else:
        lines.append(ctx.t("Legal name: not set yet."))
    hold = hold_line(ctx, profile)
    if hold:
        lines.append(hold)
    freelancer = await ctx.uow.market.profiles.freelancer(ctx.user.id)
    kinds = allowed_kinds(freelancer.country if freelancer else None,
                          current().unserved_countries)
    rows = [[Button(ctx.t("Add {kind}", kind=ctx.t(KIND_NAMES[k])), data=f"pom:add:{k.value}")]
            for k in kinds]
    rows += [[Button(ctx.t("Show details {kind} {details}", kind=ctx.t(KIND_NAMES[m.kind]),
                           details=m.masked), data=f"pom:show:{m.id}"),
              Button(ctx.t("Remove {kind} {details}", kind=ctx.t(KIND_NAMES[m.kind]),
                           details=m.masked), data=f"pom:rm:{m.id}")] for m in methods]
    return "\n".join(lines), rows


@router.command("payout_methods")
async def command_payout_methods(incoming: Incoming, ctx: Context) -> list[Action]:
    """Shows the payout methods with their buttons."""
    if Role.EXPERT not in ctx.user.roles and not await ctx.uow.payouts.methods_of(ctx.user.id):
        return [Send(ctx.t(NOT_A_FREELANCER))]  # ACC-01: payout details are the freelancer's
    text, rows = await methods_screen(ctx)
    return [Send(text, keyboard=keyboard(*rows))]


@router.callback("pom")
async def methods_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``pom:add:<kind>`` asks the holder; ``pom:rm:<id>`` removes one of the user's methods;
    ``pom:show:<id>`` shows the owner the full details."""
    parts = callback_parts(incoming, "pom", 3)
    if parts is None:
        return stale(ctx)
    if parts[1] == "add" and parts[2] in {k.value for k in MethodKind}:
        kind = MethodKind(parts[2])
        await ctx.set_state(HOLDER_STATE, {"kind": kind.value})
        return [Send(ctx.t(ASK_HOLDER, kind=ctx.t(KIND_NAMES[kind])))]
    ids = callback_ints(parts[2:])
    if parts[1] not in ("rm", "show") or ids is None:
        return stale(ctx)
    if parts[1] == "show":  # the owner only (own_method: anyone else's id is not found)
        method = await own_method(ctx.uow, ctx.user, ids[0])
        return [Send(ctx.t("{kind}, holder {holder}: {details}", kind=ctx.t(KIND_NAMES[
            method.kind]), holder=method.holder, details=method.details))]
    removed = await remove_method(ctx.uow, ctx.user, ids[0])
    text, rows = await methods_screen(ctx)
    done = ctx.t("Removed: {kind} {details}.", kind=ctx.t(KIND_NAMES[removed.kind]),
                 details=removed.masked)
    return [Edit(done + "\n\n" + text, keyboard=keyboard(*rows))]


@router.state(HOLDER_STATE)
async def process_holder(incoming: Incoming, ctx: Context) -> list[Action]:
    """Stores the holder's name; asks the e-mail or the IBAN next."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    kind = MethodKind(ctx.draft["kind"])
    try:
        holder = validate_holder(text)
    except InvalidInput as refusal:
        return [Send(ctx.t(refusal.message, **refusal.params))]
    await ctx.set_state(DETAILS_STATE, {"kind": kind.value, "holder": holder})
    if kind is MethodKind.WIRE:
        return [Send(ctx.t(ASK_IBAN))]
    return [Send(ctx.t(ASK_EMAIL, kind=ctx.t(KIND_NAMES[kind])))]


@router.state(DETAILS_STATE)
async def process_details(incoming: Incoming, ctx: Context) -> list[Action]:
    """Validates the details and saves the method (HOLD-02 starts); refusals ask again."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    kind = MethodKind(ctx.draft["kind"])
    try:
        method = await add_method(ctx.uow, ctx.user, kind, ctx.draft["holder"], text,
                                  ctx.now())
    except InvalidInput as refusal:
        return [Send(ctx.t(refusal.message, **refusal.params))]
    await ctx.clear_state()
    profile = await ctx.uow.payouts.profile(ctx.user.id)
    assert profile.hold_until is not None
    return [Send(ctx.t(SAVED, kind=ctx.t(KIND_NAMES[kind]), details=method.masked,
                       until=format_instant(profile.hold_until, ctx.language)))]


@router.command("legal_name")
async def command_legal_name(incoming: Incoming, ctx: Context) -> list[Action]:
    """Asks the full legal name."""
    await ctx.set_state(LEGAL_STATE, {})
    return [Send(ctx.t(ASK_LEGAL))]


@router.state(LEGAL_STATE)
async def process_legal_name(incoming: Incoming, ctx: Context) -> list[Action]:
    """Saves the legal name (HOLD-02 starts); a bad one is refused and asked again."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    try:
        profile = await set_legal_name(ctx.uow, ctx.user, text, ctx.now())
    except InvalidInput as refusal:
        return [Send(ctx.t(refusal.message, **refusal.params))]
    await ctx.clear_state()
    assert profile.hold_until is not None
    return [Send(ctx.t(LEGAL_SAVED, name=profile.legal_name,
                       until=format_instant(profile.hold_until, ctx.language)))]
