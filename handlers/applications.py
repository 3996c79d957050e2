"""Applications: apply, withdraw, ``/applications``; the employer's applicants, shortlist and
choice, which sends the freelancer a contract offer.

Dialog graphs::

    [ap:new:<project>] -> ap.letter (text) -> ap.amount (text) -> applied, owner notified
    [ap:ch:<app>] hourly -> ap.limit  (text hours, or [ap:wl:<app>:<hours|0>]) -> offer sent
                  fixed  -> ap.mtitle (text) -> ap.mamount (text, or [ap:ma:<app>]) -> offer

Other callback data: ``ap:v:<app>`` (the application card: its freelancer or the project's
owner), ``ap:wd:<app>`` (withdraw), ``ap:sl:<app>`` / ``ap:us:<app>`` (shortlist on / off),
``ap:ls:<project>:<page>`` (applicants), ``ap:my:<page>`` (my applications). Every id goes
through :mod:`core.services.market_applications`: "not found" for anyone else.
"""

from __future__ import annotations

from typing import Any

from core.accounts import Role
from core.applications import Application, ApplicationStatus, validate_cover_letter
from core.contracts import validate_milestone_title
from core.errors import N_, DomainError, InvalidInput
from core.ids import require_id
from core.money import Money
from core.projects import Project, ProjectKind, parse_price
from core.services.market_applications import (
    OfferTerms,
    applicants,
    apply,
    check_can_apply,
    choose,
    my_applications,
    offer_candidate,
    read_application,
    shortlist,
    withdraw,
)
from core.services.screening import readable, readable_by
from handlers.context import Context
from handlers.contract import Action, AnswerCallback, Button, Incoming, Keyboard, Send, keyboard
from handlers.contracts import contract_card
from handlers.keyboards import NO_TEXT, stale, typed_text
from handlers.market_format import amount, nav_row, number, page_number, parts, short
from handlers.notify import notify
from handlers.projects import reply
from handlers.relay import message_button
from handlers.router import Router

__all__ = ["application_card", "router"]

router = Router()

NOT_A_FREELANCER = N_("Freelancers apply to projects. Add the freelancer role in /profile to "
                      "apply.")

STATUS_NAMES = {
    ApplicationStatus.SUBMITTED: N_("waiting for an answer"),
    ApplicationStatus.SHORTLISTED: N_("shortlisted"),
    ApplicationStatus.WITHDRAWN: N_("withdrawn"),
    ApplicationStatus.CHOSEN: N_("chosen: an offer was sent"),
    ApplicationStatus.DECLINED: N_("the offer was declined"),
}
AMOUNT_PROMPTS = {
    ProjectKind.HOURLY: N_("Your rate per hour in {currency}? The employer's range: {budget}."),
    ProjectKind.FIXED: N_("Your price for the whole job in {currency}? The employer's budget: "
                          "{budget}."),
}
NEW_APPLICATION = N_("📨 New application to “{title}” from {name}: {amount}.")
WITHDRAWN = N_("{name} withdrew the application to “{title}”.")
OFFER = N_("🎉 {name} chose you for “{title}” and sends you a contract offer. Open it to "
           "accept or decline.")
LIMITS = (10, 20, 40)


def _proposal(ctx: Context, application: Application, kind: ProjectKind) -> str:
    """"$45.00 per hour" or "$800.00" for the proposed rate or price."""
    money = amount(ctx, application.amount, application.currency)
    return ctx.t("{amount} per hour", amount=money) if kind is ProjectKind.HOURLY else money


async def application_card(ctx: Context, application: Application,
                           project: Project) -> tuple[str, Keyboard]:
    """The application as its freelancer or the project's owner sees it, with their actions."""
    aid, me = application.id, ctx.user.id
    status = ctx.t(STATUS_NAMES[application.status])
    proposal = _proposal(ctx, application, project.kind)
    offer = await ctx.uow.market.contracts.for_application(application.id or 0) if (
        application.status in (ApplicationStatus.CHOSEN, ApplicationStatus.DECLINED)) else None
    rows: list[list[Button]] = []
    if me == application.freelancer_id:
        lines = [ctx.t("Your application to “{title}”", title=project.title)]
        if application.is_active:
            rows.append([Button(ctx.t("Withdraw"), data=f"ap:wd:{aid}")])
    else:
        freelancer = await ctx.uow.users.get(application.freelancer_id)
        profile = await ctx.uow.market.profiles.freelancer(application.freelancer_id)
        name = freelancer.display_name if freelancer else "?"
        lines = [ctx.t("Application from {name} to “{title}”", name=name, title=project.title)]
        if profile is not None:
            lines.append((await readable(ctx.uow, ctx.user, profile)).headline)  # MSG-03
        if application.is_active:
            on = application.status is ApplicationStatus.SHORTLISTED
            rows.append([Button(ctx.t("Remove from the shortlist") if on else ctx.t("Shortlist"),
                                data=f"ap:{'us' if on else 'sl'}:{aid}"),
                         Button(ctx.t("Choose"), data=f"ap:ch:{aid}")])
        rows.append([Button(ctx.t("Profile"), data=f"pf:v:{application.freelancer_id}"),
                     message_button(ctx, application.freelancer_id)])
        rows.append([Button(ctx.t("All applicants"), data=f"ap:ls:{project.id}:0")])
    lines += [ctx.t("Status: {status}", status=status),
              ctx.t("Proposed: {amount}", amount=proposal), "", application.cover_letter]
    if offer is not None:
        rows.append([Button(ctx.t("Open the contract"), data=f"ct:v:{offer.id}")])
    rows.append([Button(ctx.t("Project"), data=f"pj:v:{project.id}")])
    return "\n".join(lines), keyboard(*rows)


async def _card(incoming: Incoming, ctx: Context, application_id: int,
                note: str | None = None) -> list[Action]:
    application, project = await read_application(ctx.uow, ctx.user, application_id)
    text, buttons = await application_card(ctx, application, project)
    return [*([AnswerCallback(note)] if note else []), reply(incoming, text, buttons)]


async def _applicants(incoming: Incoming, ctx: Context, project_id: int,
                      page: int) -> list[Action]:
    """The owner's list of applicants (shortlisted first)."""
    project, found = await applicants(ctx.uow, ctx.user, project_id, page)
    lines = [ctx.t("Applicants to “{title}”:", title=project.title)]
    rows = []
    for application in found.items:
        user = await ctx.uow.users.get(application.freelancer_id)
        name = user.display_name if user else "?"
        star = "★ " if application.status is ApplicationStatus.SHORTLISTED else ""
        lines.append(f"• {star}{name} — {_proposal(ctx, application, project.kind)} "
                     f"({ctx.t(STATUS_NAMES[application.status])})")
        rows.append([Button(short(f"{star}{name}"), data=f"ap:v:{application.id}")])
    if not found.items:
        lines.append(ctx.t("No applications yet."))
    rows.append(nav_row(ctx, page, found.has_more, lambda p: f"ap:ls:{project_id}:{p}"))
    return [reply(incoming, "\n".join(lines), keyboard(*rows))]


async def _mine(incoming: Incoming, ctx: Context, page: int) -> list[Action]:
    """The freelancer's applications, newest first."""
    found = await my_applications(ctx.uow, ctx.user, page)
    titles = await ctx.uow.market.projects.get_many([a.project_id for a in found.items])
    lines = [ctx.t("Your applications:")]
    rows = []
    for application in found.items:
        project = titles.get(application.project_id)
        title = (await readable(ctx.uow, ctx.user, project)).title if project else "?"  # MSG-03
        lines.append(f"• {title} — {ctx.t(STATUS_NAMES[application.status])}")
        rows.append([Button(short(title), data=f"ap:v:{application.id}")])
    if not found.items and page == 0:  # ACC-01: /applications is the freelancer's
        lines = [ctx.t(NOT_A_FREELANCER) if Role.EXPERT not in ctx.user.roles else
                 ctx.t("You have not applied to any project yet. Find one with /projects.")]
    rows.append(nav_row(ctx, page, found.has_more, lambda p: f"ap:my:{p}"))
    return [reply(incoming, "\n".join(lines), keyboard(*rows))]


@router.command("applications")
async def command_applications(incoming: Incoming, ctx: Context) -> list[Action]:
    """Lists the freelancer's own applications."""
    return await _mine(incoming, ctx, 0)


async def _offer_prompt(ctx: Context, application: Application, project: Project,
                        lead: str | None = None) -> list[Action]:
    """Asks the first offer term: the weekly limit (hourly) or the first milestone's title."""
    aid = application.id
    if project.kind is ProjectKind.HOURLY:
        await ctx.set_state("ap.limit", {"app": aid})
        text = ctx.t("The offer: {rate}. Weekly hour limit? Type a number of hours or press "
                     "a button.", rate=_proposal(ctx, application, project.kind))
        buttons = keyboard([Button(ctx.tn("{n} hour", "{n} hours", h), data=f"ap:wl:{aid}:{h}")
                            for h in LIMITS],
                           [Button(ctx.t("No limit"), data=f"ap:wl:{aid}:0")])
    else:
        await ctx.set_state("ap.mtitle", {"app": aid})
        text, buttons = ctx.t("The first milestone of the offer: what is its title? "
                              "For example: First draft."), None
    return [Send(f"{lead}\n{text}" if lead else text, keyboard=buttons)]


async def _send_offer(ctx: Context, application_id: int, terms: OfferTerms) -> list[Action]:
    """Chooses the applicant (RAT-01 +5 to them), sends the offer, notifies the freelancer."""
    contract = await choose(ctx.uow, ctx.user, application_id, terms, ctx.now())
    await ctx.clear_state()
    project = await ctx.uow.market.projects.get(contract.project_id)
    if project is not None:  # MSG-03: the client's title, read by the freelancer
        project = await readable_by(ctx.uow, contract.expert_id, project)
    await notify(ctx.uow, contract.expert_id, OFFER,
                 keyboard=keyboard([Button(N_("Open the offer"), data=f"ct:v:{contract.id}")]),
                 dedupe_key=f"contract:offer:{contract.id}", name=ctx.user.display_name,
                 title=project.title if project else "?")
    text, buttons = await contract_card(ctx, contract)
    return [Send(ctx.t("Offer sent. The freelancer will be told.") + "\n\n" + text,
                 keyboard=buttons)]


@router.callback("ap")
async def application_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Every ``ap:`` button; the service loads the object and checks this user may act."""
    data = parts(incoming)
    if data is None or len(data) < 3:
        return stale(ctx)
    verb = data[1]
    if verb == "my" and len(data) == 3 and (page := page_number(data[2])) is not None:
        return await _mine(incoming, ctx, page)
    object_id = number(data[2])
    if object_id is None:
        return stale(ctx)
    if verb == "ls" and len(data) == 4 and (page := page_number(data[3])) is not None:
        return await _applicants(incoming, ctx, object_id, page)
    if len(data) == 3 and verb == "v":
        return await _card(incoming, ctx, object_id)
    if len(data) == 3 and verb == "new":
        project = await check_can_apply(ctx.uow, ctx.user, object_id)
        await ctx.set_state("ap.letter", {"project": project.id})
        return [Send(ctx.t("Applying to “{title}”. Write a cover letter: why you fit, similar "
                           "work you did (20 to 3000 characters; /cancel stops).",
                           title=(await readable(ctx.uow, ctx.user, project)).title))]
    if len(data) == 3 and verb == "wd":
        application = await withdraw(ctx.uow, ctx.user, object_id, ctx.now())
        owned = await ctx.uow.market.projects.get(application.project_id)
        if owned is not None:  # MSG-03: the title as its recipient reads it (one place)
            owned = await readable_by(ctx.uow, owned.owner_id, owned)
            await notify(ctx.uow, owned.owner_id, WITHDRAWN, name=ctx.user.display_name,
                         title=owned.title)
        return await _card(incoming, ctx, object_id, ctx.t("Withdrawn."))
    if len(data) == 3 and verb in ("sl", "us"):
        await shortlist(ctx.uow, ctx.user, object_id, verb == "sl", ctx.now())
        return await _card(incoming, ctx, object_id)
    if len(data) == 3 and verb == "ch":
        application, project = await offer_candidate(ctx.uow, ctx.user, object_id)
        return await _offer_prompt(ctx, application, project)
    if verb == "wl" and len(data) == 4 and ctx.state == "ap.limit" and ctx.draft.get(
            "app") == object_id and data[3] in ("0", *map(str, LIMITS)):
        return await _send_offer(ctx, object_id, OfferTerms(weekly_limit=int(data[3]) or None))
    if verb == "ma" and len(data) == 3 and ctx.state == "ap.mamount" and ctx.draft.get(
            "app") == object_id:
        return await _send_offer(ctx, object_id, OfferTerms(
            milestone_title=ctx.draft.get("title")))
    return stale(ctx)


@router.state("ap.letter", "ap.amount", "ap.limit", "ap.mtitle", "ap.mamount")
async def process_text(incoming: Incoming, ctx: Context) -> list[Action]:
    """The typed answers of the apply and offer dialogs; an invalid one is re-asked."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    try:
        return await _answer(ctx, ctx.state or "", text, dict(ctx.draft))
    except InvalidInput as err:
        return [Send(ctx.t(err.message, **err.params))]
    except DomainError as err:  # the project closed, the application moved on...
        await ctx.clear_state()
        return [Send(ctx.t(err.message, **err.params))]


async def _answer(ctx: Context, state: str, text: str, draft: dict[str, Any]) -> list[Action]:
    """Validates one typed answer and moves the dialog on."""
    if state in ("ap.letter", "ap.amount"):
        project = await check_can_apply(ctx.uow, ctx.user, int(draft.get("project", 0)))
        if state == "ap.letter":
            letter = validate_cover_letter(text)
            await ctx.set_state("ap.amount", {**draft, "letter": letter})
            budget = _budget(ctx, project)
            return [Send(ctx.t(AMOUNT_PROMPTS[project.kind], currency=project.currency,
                               budget=budget))]
        proposed = parse_price(text, project.currency, ctx.language)
        application = await apply(ctx.uow, ctx.user, require_id(project), draft["letter"],
                                  proposed, ctx.now())
        await ctx.clear_state()
        owned = await readable_by(ctx.uow, project.owner_id, project)  # MSG-03: as she reads
        await notify(ctx.uow, project.owner_id, NEW_APPLICATION,
                     keyboard=keyboard([Button(N_("Open the application"),
                                               data=f"ap:v:{application.id}")]),
                     name=ctx.user.display_name, title=owned.title,
                     amount=Money(proposed, project.currency))
        text_card, buttons = await application_card(ctx, application, project)
        return [Send(ctx.t("Your application is sent. The employer will be told.") + "\n\n"
                     + text_card, keyboard=buttons)]
    application_id = int(draft.get("app", 0))
    application, project = await offer_candidate(ctx.uow, ctx.user, application_id)
    if state == "ap.limit":
        hours = text.strip()
        if not (hours.isascii() and hours.isdigit()):
            raise InvalidInput(N_("Type the weekly limit as a whole number of hours, "
                                  "for example 20."))
        return await _send_offer(ctx, application_id, OfferTerms(weekly_limit=int(hours)))
    if state == "ap.mtitle":
        title = validate_milestone_title(text)
        await ctx.set_state("ap.mamount", {**draft, "title": title})
        suggested = amount(ctx, application.amount, application.currency)
        return [Send(ctx.t("The milestone's amount in {currency}? Type it, or use the proposed "
                           "price.", currency=project.currency), keyboard=keyboard(
            [Button(ctx.t("Use {amount}", amount=suggested), data=f"ap:ma:{application_id}")]))]
    milestone = parse_price(text, project.currency, ctx.language)
    return await _send_offer(ctx, application_id, OfferTerms(
        milestone_title=draft.get("title"), milestone_amount=milestone))


def _budget(ctx: Context, project: Project) -> str:
    """The project's range without the "per hour" (the prompt says it)."""
    low = amount(ctx, project.budget_min, project.currency)
    high = amount(ctx, project.budget_max, project.currency)
    return low if low == high else f"{low}–{high}"

