"""``/contracts``: offers, active and ended contracts; the contract card and its actions.

Callback data (every id goes through :mod:`core.services.market_contracts`, which answers
"not found" to anyone who is not a party)::

    ct:l:<a|o|e>:<page>   a tab of /contracts: active, offers, ended
    ct:v:<id>             the contract card
    ct:ok:<id>            accept the offer (the freelancer)
    ct:no:<id>            decline the offer (the freelancer)
    ct:end:<id>           the end reasons this side may give
    ct:er:<id>:<code>     end with that reason (c, r, cc, cf); if milestones still hold
                          money, first the screen of what happens to each (MS-10)
    ct:ey:<id>:<code>:<t> end, confirmed on that screen; ``t`` is its fingerprint, so a
                          screen shown before the money moved ends nothing unseen

The other side learns of an answer or an end through the outbox, in their language.
"""

from __future__ import annotations

from core.contracts import Contract, ContractStatus, EndReason, reasons_for
from core.errors import N_
from core.projects import ProjectKind
from core.services import contract_end
from core.services.contract_end import EndFate, EndPreview
from core.services.market_contracts import (
    ContractList,
    accept_offer,
    decline_offer,
    my_contracts,
    visible_contract,
)
from core.services.screening import readable, readable_by
from handlers.context import Context
from handlers.contract import Action, AnswerCallback, Button, Edit, Incoming, Keyboard, keyboard
from handlers.keyboards import stale
from handlers.market_format import (
    KIND_NAMES,
    amount,
    day,
    nav_row,
    number,
    page_number,
    parts,
    short,
)
from handlers.milestone_notices import tell
from handlers.milestone_views import STATE_NAMES, moment, money
from handlers.milestones import milestones_button
from handlers.notify import notify
from handlers.projects import reply
from handlers.relay import message_button
from handlers.router import Router
from handlers.support import report_user_button

__all__ = ["contract_card", "router"]

router = Router()

STATUS_NAMES = {
    ContractStatus.OFFERED: N_("offer waiting for the freelancer"),
    ContractStatus.ACTIVE: N_("active"),
    ContractStatus.DECLINED: N_("offer declined"),
    ContractStatus.ENDED: N_("ended"),
}
REASON_NAMES = {
    EndReason.COMPLETED: N_("Completed: the work was accepted"),
    EndReason.REFUSED_TO_COLLABORATE: N_("The other side refused to collaborate"),
    EndReason.CANCELLED_BY_CLIENT: N_("Cancelled by the employer"),
    EndReason.CANCELLED_BY_FREELANCER: N_("Cancelled by the freelancer"),
}
REASON_CODES = {"c": EndReason.COMPLETED, "r": EndReason.REFUSED_TO_COLLABORATE,
                "cc": EndReason.CANCELLED_BY_CLIENT, "cf": EndReason.CANCELLED_BY_FREELANCER}
_CODE_OF = {reason: code for code, reason in REASON_CODES.items()}
TABS = {ContractList.ACTIVE: N_("Active"), ContractList.OFFERS: N_("Offers"),
        ContractList.ENDED: N_("Ended")}
ACCEPTED = N_("✅ {name} accepted your offer for “{title}”. The contract is active.")
DECLINED = N_("{name} declined your offer for “{title}”.")
ENDED = {
    EndReason.COMPLETED: N_("{name} ended the contract for “{title}”: the work was completed "
                            "and accepted."),
    EndReason.REFUSED_TO_COLLABORATE: N_("{name} ended the contract for “{title}”, saying "
                                         "that you refused to collaborate."),
    EndReason.CANCELLED_BY_CLIENT: N_("{name} cancelled the contract for “{title}”."),
    EndReason.CANCELLED_BY_FREELANCER: N_("{name} cancelled the contract for “{title}”."),
}
OPEN_CONTRACT = N_("Open the contract")
#: MS-10: what ending the contract does to each milestone that holds money.
END_FATES = {
    EndFate.REFUNDED: N_("• “{title}”, {amount}: funded, work not started. It goes back to "
                         "the client's wallet when the contract ends."),
    EndFate.STAYS_OPEN: N_("• “{title}”, {amount}: {state}. It stays open after the end until "
                           "it is accepted, refunded or released automatically; if none of "
                           "that happens by {when}, support decides."),
    EndFate.WITH_SUPPORT: N_("• “{title}”, {amount}: in dispute. It stays in escrow until "
                             "support decides."),
}
END_CHANGED = N_("The milestones changed since this was shown. Read it again, then confirm.")


async def _names(ctx: Context, contract: Contract,
                 reader_id: int | None = None) -> tuple[str, str, str]:
    """The project's title as ``reader_id`` (by default this user) may read it (MSG-03: the
    client's text, masked for the freelancer until the offer is accepted) and the display
    names of the client and the expert."""
    project = await ctx.uow.market.projects.get(contract.project_id)
    if project is not None:
        project = (await readable(ctx.uow, ctx.user, project) if reader_id is None
                   else await readable_by(ctx.uow, reader_id, project))
    client = await ctx.uow.users.get(contract.client_id)
    expert = await ctx.uow.users.get(contract.expert_id)
    return (project.title if project else "?", client.display_name if client else "?",
            expert.display_name if expert else "?")


def _terms(ctx: Context, contract: Contract) -> list[str]:
    """The offer terms: rate and weekly limit, or the first milestone."""
    if contract.kind is ProjectKind.HOURLY:
        lines = [ctx.t("Rate: {amount} per hour",
                       amount=amount(ctx, contract.hourly_rate or 0, contract.currency))]
        lines.append(ctx.t("Weekly limit: {hours} h", hours=contract.weekly_limit)
                     if contract.weekly_limit else ctx.t("Weekly limit: none"))
        return lines
    return [ctx.t("First milestone: {title}, {amount}", title=contract.milestone_title or "",
                  amount=amount(ctx, contract.milestone_amount or 0, contract.currency))]


async def contract_card(ctx: Context, contract: Contract) -> tuple[str, Keyboard]:
    """The card of ``contract``: parties, terms, state, and this side's actions only."""
    contract = await readable(ctx.uow, ctx.user, contract)  # MSG-03: the offer's milestone
    title, client, expert = await _names(ctx, contract)
    lines = [ctx.t("📄 Contract for “{title}”", title=title),
             ctx.t("Employer: {name}", name=client), ctx.t("Freelancer: {name}", name=expert),
             ctx.t(KIND_NAMES[contract.kind]), *_terms(ctx, contract),
             ctx.t("Status: {status}", status=ctx.t(STATUS_NAMES[contract.status])),
             ctx.t("Offered on {date}", date=day(ctx, contract.created_at.date()))]
    if contract.accepted_at:
        lines.append(ctx.t("Started on {date}", date=day(ctx, contract.accepted_at.date())))
    if contract.ended_at and contract.end_reason:
        lines.append(ctx.t("Ended on {date}: {reason}", date=day(ctx, contract.ended_at.date()),
                           reason=ctx.t(REASON_NAMES[contract.end_reason])))
    me, cid = ctx.user.id, contract.id
    rows = []
    if contract.status is ContractStatus.OFFERED and me == contract.expert_id:
        rows.append([Button(ctx.t("Accept the offer"), data=f"ct:ok:{cid}"),
                     Button(ctx.t("Decline"), data=f"ct:no:{cid}")])
    if contract.kind is ProjectKind.FIXED and contract.status in (ContractStatus.ACTIVE,
                                                                  ContractStatus.ENDED):
        rows.append([milestones_button(ctx, cid or 0)])
    if contract.status is ContractStatus.ACTIVE:
        rows.append([Button(ctx.t("End the contract"), data=f"ct:end:{cid}")])
    rows.append([message_button(ctx, contract.other_party(me)),
                 report_user_button(ctx, contract.other_party(me)),
                 Button(ctx.t("Project"), data=f"pj:v:{contract.project_id}")])
    return "\n".join(lines), keyboard(*rows)


async def _list(incoming: Incoming, ctx: Context, tab: str, page: int) -> list[Action]:
    """One tab of the user's contracts, with the tab buttons."""
    found = await my_contracts(ctx.uow, ctx.user, tab, page)
    lines = [ctx.t("Your contracts: {tab}", tab=ctx.t(TABS[ContractList(tab)]))]
    rows = []
    for contract in found.items:
        title, client, expert = await _names(ctx, contract)
        other = expert if ctx.user.id == contract.client_id else client
        lines.append(f"• {title} — {other} ({ctx.t(STATUS_NAMES[contract.status])})")
        rows.append([Button(short(title), data=f"ct:v:{contract.id}")])
    if not found.items:
        lines.append(ctx.t("Nothing here yet."))
    rows.append(nav_row(ctx, page, found.has_more, lambda p: f"ct:l:{tab}:{p}"))
    rows.append([Button(("• " if t.value == tab else "") + ctx.t(name), data=f"ct:l:{t.value}:0")
                 for t, name in TABS.items()])
    return [reply(incoming, "\n".join(lines), keyboard(*rows))]


@router.command("contracts")
async def command_contracts(incoming: Incoming, ctx: Context) -> list[Action]:
    """The user's active contracts, with tabs for offers and ended ones."""
    return await _list(incoming, ctx, ContractList.ACTIVE.value, 0)


async def _tell_other_side(ctx: Context, contract: Contract, message: str, key: str) -> None:
    """Notify the party who did not act, in their language, with a button to the card."""
    recipient = contract.other_party(ctx.user.id)
    title, _, _ = await _names(ctx, contract, recipient)  # as the recipient reads it
    await notify(ctx.uow, recipient, message,
                 keyboard=keyboard([Button(OPEN_CONTRACT, data=f"ct:v:{contract.id}")]),
                 dedupe_key=f"contract:{key}:{contract.id}", title=title,
                 name=ctx.user.display_name)


def _end_screen(ctx: Context, preview: EndPreview, code: str) -> Edit:
    """MS-10: before it ends, every milestone that holds money and what happens to it."""
    cid = preview.contract.id
    lines = [ctx.t("Before the contract ends: its milestones still hold {amount}.",
                   amount=money(ctx, preview.held))]
    lines += [ctx.t(END_FATES[fate], title=milestone.title, amount=money(ctx, milestone.escrow),
                    state=ctx.t(STATE_NAMES[milestone.state]),
                    when=moment(ctx, preview.settle_by))
              for milestone, fate in preview.items]
    lines.append(ctx.t("Both of you keep seeing these milestones in /milestones and can act "
                       "on them."))
    return Edit("\n".join(lines), keyboard=keyboard(
        [Button(ctx.t("End the contract"), data=f"ct:ey:{cid}:{code}:{preview.tag}")],
        [Button(ctx.t("Keep the contract"), data=f"ct:v:{cid}")]))


async def _end(ctx: Context, contract_id: int, code: str) -> list[Action]:
    """End the contract with the reason of ``code``; tell the other side and both of what
    happened to the milestones (MS-10)."""
    reason = REASON_CODES[code]
    ended = await contract_end.end(ctx.uow, ctx.user, contract_id, reason.value, ctx.now())
    for outcome in ended.outcomes:
        await tell(ctx.uow, outcome)
    await _tell_other_side(ctx, ended.contract, ENDED[reason], "end")
    text, buttons = await contract_card(ctx, ended.contract)
    return [AnswerCallback(ctx.t("The contract has ended.")), Edit(text, keyboard=buttons)]


@router.callback("ct")
async def contract_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Every ``ct:`` button; the service loads the contract and checks this user is a party."""
    data = parts(incoming)
    if data is None or len(data) < 3:
        return stale(ctx)
    verb = data[1]
    if verb == "l" and len(data) == 4 and data[2] in {t.value for t in TABS}:
        page = page_number(data[3])
        return stale(ctx) if page is None else await _list(incoming, ctx, data[2], page)
    contract_id = number(data[2])
    if contract_id is None:
        return stale(ctx)
    if verb == "v" and len(data) == 3:
        text, buttons = await contract_card(ctx, await visible_contract(ctx.uow, ctx.user,
                                                                        contract_id))
        return [reply(incoming, text, buttons)]
    if verb in ("ok", "no") and len(data) == 3:
        answer = accept_offer if verb == "ok" else decline_offer
        contract = await answer(ctx.uow, ctx.user, contract_id, ctx.now())
        await _tell_other_side(ctx, contract, ACCEPTED if verb == "ok" else DECLINED, verb)
        text, buttons = await contract_card(ctx, contract)
        note = ctx.t("The contract is active.") if verb == "ok" else ctx.t("Offer declined.")
        return [AnswerCallback(note), Edit(text, keyboard=buttons)]
    if verb == "end" and len(data) == 3:
        contract = await visible_contract(ctx.uow, ctx.user, contract_id)
        rows = [[Button(ctx.t(REASON_NAMES[r]), data=f"ct:er:{contract_id}:{_CODE_OF[r]}")]
                for r in reasons_for(contract, ctx.user.id)]
        rows.append([Button(ctx.t("Keep the contract"), data=f"ct:v:{contract_id}")])
        return [Edit(ctx.t("Why does the contract end? This is recorded and decides whether "
                           "you can review each other."), keyboard=keyboard(*rows))]
    if verb in ("er", "ey") and len(data) == (4 if verb == "er" else 5) and (
            data[3] in REASON_CODES):
        preview = await contract_end.preview(ctx.uow, ctx.user, contract_id, ctx.now())
        if verb == "ey" and preview.tag != data[4]:
            return [AnswerCallback(ctx.t(END_CHANGED), alert=True),
                    _end_screen(ctx, preview, data[3])]
        if verb == "er" and preview.items and preview.contract.status is ContractStatus.ACTIVE:
            return [AnswerCallback(), _end_screen(ctx, preview, data[3])]
        return await _end(ctx, contract_id, data[3])
    return stale(ctx)

