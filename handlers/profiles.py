"""Marketplace profiles: ``/freelancer_profile`` (with the portfolio), ``/employer_profile``
and the public profile card.

Dialog graphs (a new freelancer profile walks every step; editing one field asks only it,
with ``{"edit": true}`` in the draft)::

    /freelancer_profile -> pf.type [pf:at:professional|studio] -> pf.headline (text)
        -> pf.skills (text) -> pf.categories [pf:ct:<code>] ... [pf:cd]
        -> pf.rate (text or [pf:skip]) -> pf.country (text or [pf:skip]) -> the card
    [pf:pa] -> pf.ptitle (text) -> pf.pwork (a document, a photo or a link) -> +1 point
    /employer_profile -> pe.name (text) -> pe.company (text or [pe:nc]) -> the card

Other callback data: ``pf:v:<user>`` (public card), ``pf:e:<field>`` (edit own field),
``pf:new`` (create), ``pf:po:<item>`` (open a portfolio item), ``pf:pl`` (own items to
remove), ``pf:px:<item>`` (remove own item), ``pe:e:name|company``, ``pe:rc`` (no company).
Only the user's own profile is ever changed: no callback names whose profile to edit.
"""

from __future__ import annotations

from typing import Any

from core.accounts import Role
from core.categories import CATEGORIES, validate_categories
from core.errors import N_, InvalidInput, NotFound
from core.profiles import (
    AccountType,
    country_name,
    parse_skills,
    validate_country,
    validate_headline,
    validate_link,
    validate_portfolio_title,
)
from core.projects import parse_price
from core.services.market import ensure_employer
from core.services.market_applications import ensure_expert
from core.services.market_profiles import (
    ProfileCard,
    add_portfolio_item,
    public_card,
    remove_portfolio_item,
    save_employer_profile,
    update_freelancer_profile,
)
from handlers.context import Context
from handlers.contract import (
    Action,
    AnswerCallback,
    Button,
    Edit,
    FileUpload,
    Incoming,
    Keyboard,
    Send,
    SendDocument,
    SendPhoto,
    keyboard,
)
from handlers.formats import count
from handlers.keyboards import NO_TEXT, stale, typed_text
from handlers.market_format import amount, category_name, number, parts, short
from handlers.relay import message_button
from handlers.router import Router
from handlers.support import report_user_button

__all__ = ["profile_card", "router"]

router = Router()

STEPS = ("type", "headline", "skills", "categories", "rate", "country")
TYPE_NAMES = {AccountType.PROFESSIONAL: N_("Professional"), AccountType.STUDIO: N_("Studio")}
PROMPTS = {
    "type": N_("Do you work alone (professional) or as a team (studio)?"),
    "headline": N_("Your headline, in one line: for example “Mechanical engineer, SolidWorks "
                   "and FEA” (5 to 120 characters)."),
    "skills": N_("Your skills, separated by commas (at most 20)."),
    "categories": N_("Pick your categories (1 to 5), then press Done."),
    "rate": N_("Your usual hourly rate in {currency}? Type it or press Skip."),
    "country": N_("Your country? Type its name or two-letter code (payouts depend on it), or "
                  "press Skip."),
}
SKIPPABLE = ("rate", "country")
FIELDS = {"type": "account_type"}  # dialog step -> the service's field name
PORTFOLIO_WORK = N_("Now send the work: a document, a photo, or a link starting with https://.")


def _freelancer_lines(ctx: Context, card: ProfileCard) -> list[str]:
    """The freelancer part of a card."""
    profile = card.freelancer
    if profile is None:
        return []
    lines = [f"{ctx.t(TYPE_NAMES[profile.account_type])} · {profile.headline}"]
    if profile.skills:
        lines.append(ctx.t("Skills: {skills}", skills=", ".join(profile.skills)))
    if profile.categories:
        lines.append(ctx.t("Categories: {names}", names=", ".join(
            category_name(ctx, c) for c in profile.categories)))
    if profile.hourly_rate:
        lines.append(ctx.t("Rate: {amount} per hour",
                           amount=amount(ctx, profile.hourly_rate, profile.currency)))
    if profile.country:
        lines.append(ctx.t("Country: {country}",
                           country=country_name(profile.country, ctx.language)))
    lines.append(ctx.tn("Portfolio: {n} item", "Portfolio: {n} items", len(card.portfolio)))
    lines += [f"• {item.title}" for item in card.portfolio[:10]]
    return lines


async def profile_card(ctx: Context, card: ProfileCard) -> tuple[str, Keyboard]:
    """The public card (and, on one's own card, the edit buttons)."""
    user = card.user
    lines = [f"👤 {user.display_name}" + (" · PROFI" if card.profi else ""),
             ctx.t("Rating points: {points}", points=count(card.points, ctx.language)),
             *_freelancer_lines(ctx, card)]
    if card.employer is not None:
        company = f" ({card.employer.company})" if card.employer.company else ""
        lines.append(ctx.t("Employer: {name}", name=card.employer.name + company))
    lines.append(ctx.t("Contracts: {active} active, {ended} ended",
                       active=card.active_contracts, ended=card.ended_contracts))
    rows = [[Button(short(f"📎 {item.title}", 30), data=f"pf:po:{item.id}")]
            for item in card.portfolio[:10]]
    if card.is_self:
        rows += _own_buttons(ctx, card)
    else:
        row = [message_button(ctx, user.id), report_user_button(ctx, user.id)]
        if Role.CLIENT in ctx.user.roles and Role.EXPERT in card.roles:
            row.append(Button(ctx.t("★ Bookmarked") if card.bookmarked else ctx.t("☆ Bookmark"),
                              data=f"bm:{'re' if card.bookmarked else 'ae'}:{user.id}"))
        rows.append(row)
    return "\n".join(lines), keyboard(*rows)


def _own_buttons(ctx: Context, card: ProfileCard) -> list[list[Button]]:
    """Edit buttons on the user's own card."""
    rows: list[list[Button]] = []
    if Role.EXPERT in card.roles:
        if card.freelancer is None:
            rows.append([Button(ctx.t("Create a freelancer profile"), data="pf:new")])
        else:
            rows += [[Button(ctx.t("Headline"), data="pf:e:headline"),
                      Button(ctx.t("Skills"), data="pf:e:skills")],
                     [Button(ctx.t("Categories"), data="pf:e:categories"),
                      Button(ctx.t("Rate"), data="pf:e:rate")],
                     [Button(ctx.t("Country"), data="pf:e:country"),
                      Button(ctx.t("Professional or studio"), data="pf:e:type")],
                     [Button(ctx.t("Add to the portfolio"), data="pf:pa"),
                      Button(ctx.t("Remove from the portfolio"), data="pf:pl")]]
    if Role.CLIENT in card.roles:
        if card.employer is None:
            rows.append([Button(ctx.t("Create an employer profile"), data="pe:e:name")])
        else:
            rows.append([Button(ctx.t("Employer name"), data="pe:e:name"),
                         Button(ctx.t("Company"), data="pe:e:company")])
    return rows


async def _own_card(ctx: Context, lead: str | None = None) -> list[Action]:
    text, buttons = await profile_card(ctx, await public_card(ctx.uow, ctx.user, ctx.user.id))
    return [Send(f"{lead}\n\n{text}" if lead else text, keyboard=buttons)]


def _prompt(ctx: Context, step: str) -> Send:
    """The question of a freelancer-profile step, with its buttons."""
    if step == "type":
        return Send(ctx.t(PROMPTS[step]), keyboard=keyboard(
            [Button(ctx.t(name), data=f"pf:at:{kind.value}")
             for kind, name in TYPE_NAMES.items()]))
    if step == "categories":
        chosen = set(ctx.draft.get("categories", []))
        buttons = [Button(("✓ " if c.code in chosen else "") + ctx.t(c.name),
                          data=f"pf:ct:{c.code}") for c in CATEGORIES]
        rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
        return Send(ctx.t(PROMPTS[step]),
                    keyboard=keyboard(*rows, [Button(ctx.t("Done"), data="pf:cd")]))
    skip = keyboard([Button(ctx.t("Skip"), data="pf:skip")]) if (
        step in SKIPPABLE and not ctx.draft.get("edit")) else None
    return Send(ctx.t(PROMPTS[step], currency=ctx.settings.currency), keyboard=skip)


async def _ask(ctx: Context, step: str, changes: dict[str, Any] | None = None,
               lead: str | None = None) -> list[Action]:
    await ctx.set_state(f"pf.{step}", {**ctx.draft, **(changes or {})})
    question = _prompt(ctx, step)
    return [Send(f"{lead}\n{question.text}", keyboard=question.keyboard) if lead else question]


async def _answered(ctx: Context, step: str, value: Any) -> list[Action]:
    """Keeps a valid answer: saves it when editing, else asks the next step (or saves all)."""
    draft = {**ctx.draft, step: value}
    if draft.get("edit") or step == STEPS[-1]:
        changes = {FIELDS.get(k, k): draft[k] for k in STEPS if draft.get(k) is not None}
        await update_freelancer_profile(ctx.uow, ctx.user, ctx.now(), changes,
                                        ctx.settings.currency, ctx.language)
        await ctx.clear_state()
        return await _own_card(ctx, ctx.t("Saved."))
    ctx.draft = draft
    return await _ask(ctx, STEPS[STEPS.index(step) + 1])


@router.command("freelancer_profile")
async def command_freelancer_profile(incoming: Incoming, ctx: Context) -> list[Action]:
    """The user's freelancer card, or the dialog that creates it."""
    ensure_expert(ctx.user)
    if await ctx.uow.market.profiles.freelancer(ctx.user.id) is None:
        ctx.draft = {}
        return await _ask(ctx, "type")
    return await _own_card(ctx)


@router.command("employer_profile")
async def command_employer_profile(incoming: Incoming, ctx: Context) -> list[Action]:
    """The user's employer card, or the dialog that creates it."""
    ensure_employer(ctx.user)
    if await ctx.uow.market.profiles.employer(ctx.user.id) is None:
        await ctx.set_state("pe.name", {})
        return [Send(ctx.t("Which name should freelancers see? Your name or your team's."))]
    return await _own_card(ctx)


@router.state("pf.headline", "pf.skills", "pf.rate", "pf.country")
async def process_text(incoming: Incoming, ctx: Context) -> list[Action]:
    """A typed headline, skills, rate or country; an invalid one is re-asked."""
    step = (ctx.state or "pf.headline").removeprefix("pf.")
    text = typed_text(incoming)
    if text is None:
        return await _ask(ctx, step, lead=ctx.t(NO_TEXT))
    try:
        if step == "headline":
            value: Any = validate_headline(text)
        elif step == "skills":
            value = ", ".join(parse_skills(text))
        elif step == "rate":
            value = parse_price(text, ctx.settings.currency, ctx.language)
        else:
            value = validate_country(text, ctx.language)
    except InvalidInput as err:
        return await _ask(ctx, step, lead=ctx.t(err.message, **err.params))
    return await _answered(ctx, step, value)


@router.state("pf.type", "pf.categories")
async def expect_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Text where buttons are awaited: asks again."""
    step = (ctx.state or "pf.type").removeprefix("pf.")
    return await _ask(ctx, step, lead=ctx.t("Please choose with the buttons, or send /cancel."))


def _in_place(actions: list[Action]) -> list[Action]:
    """A list re-shown after a tap on it edits its own message instead of sending a new one."""
    return [Edit(a.text, keyboard=a.keyboard) if isinstance(a, Send) else a for a in actions]


async def _portfolio_list(ctx: Context) -> list[Action]:
    items = await ctx.uow.market.profiles.portfolio(ctx.user.id)
    if not items:
        return [Send(ctx.t("Your portfolio is empty."))]
    rows = [[Button("✕ " + short(item.title, 30), data=f"pf:px:{item.id}")] for item in items]
    return [Send(ctx.t("Press an item to remove it:"), keyboard=keyboard(*rows))]


async def _open_item(ctx: Context, item_id: int) -> list[Action]:
    """Sends a portfolio item: its file by Telegram file id, or its link."""
    item = await ctx.uow.market.profiles.portfolio_item(item_id)
    if item is None:
        raise NotFound(N_("That portfolio item does not exist."))
    if item.file_id and item.file_kind == "photo":
        return [SendPhoto(item.file_id, caption=item.title)]
    if item.file_id:
        return [SendDocument(file_id=item.file_id, caption=item.title)]
    return [Send(f"{item.title}\n{item.link}")]


@router.callback("pf")
async def profile_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Public cards, portfolio items, and edits of the user's own freelancer profile."""
    data = parts(incoming)
    if data is None or len(data) < 2:
        return stale(ctx)
    verb, arg = data[1], data[2] if len(data) == 3 else None
    if verb == "v" and (user_id := number(arg)) is not None:
        text, buttons = await profile_card(ctx, await public_card(ctx.uow, ctx.user, user_id))
        return [Send(text, keyboard=buttons)]
    if verb == "po" and (item_id := number(arg)) is not None:
        return await _open_item(ctx, item_id)
    if verb == "px" and (item_id := number(arg)) is not None:
        item = await remove_portfolio_item(ctx.uow, ctx.user, item_id)
        return [AnswerCallback(ctx.t("Removed: {title}", title=item.title)),
                *_in_place(await _portfolio_list(ctx))]
    if len(data) == 2 and verb in ("new", "pa", "pl", "cd", "skip"):
        return await _plain_verb(ctx, verb)
    if verb == "e" and arg in STEPS:
        ensure_expert(ctx.user)
        profile = await ctx.uow.market.profiles.freelancer(ctx.user.id)
        if profile is None:
            return stale(ctx)
        ctx.draft = {"edit": True, "categories": list(profile.categories)}
        return await _ask(ctx, arg)
    if verb == "at" and ctx.state == "pf.type" and arg in {t.value for t in AccountType}:
        return await _answered(ctx, "type", arg)
    if verb == "ct" and ctx.state == "pf.categories" and arg in {c.code for c in CATEGORIES}:
        chosen = list(ctx.draft.get("categories", []))
        chosen = [c for c in chosen if c != arg] if arg in chosen else [*chosen, arg]
        return _in_place(await _ask(ctx, "categories", {"categories": chosen}))
    return stale(ctx)


async def _plain_verb(ctx: Context, verb: str) -> list[Action]:
    """``pf:new``, ``pf:pa``, ``pf:pl``, ``pf:cd`` (categories done) and ``pf:skip``."""
    if verb == "new":
        ensure_expert(ctx.user)
        ctx.draft = {}
        return await _ask(ctx, "type")
    if verb == "pa":
        ensure_expert(ctx.user)
        await ctx.set_state("pf.ptitle", {})
        return [Send(ctx.t("The title of the work, for example “Gearbox housing, cast "
                           "aluminium”?"))]
    if verb == "pl":
        return await _portfolio_list(ctx)
    if verb == "cd" and ctx.state == "pf.categories":
        try:
            chosen = list(validate_categories(ctx.draft.get("categories", [])))
        except InvalidInput as err:
            return [AnswerCallback(ctx.t(err.message, **err.params), alert=True)]
        return await _answered(ctx, "categories", chosen)
    if verb == "skip" and ctx.state in ("pf.rate", "pf.country") and not ctx.draft.get("edit"):
        return await _answered(ctx, ctx.state.removeprefix("pf."), None)
    return stale(ctx)


@router.state("pf.ptitle", "pf.pwork")
async def process_portfolio(incoming: Incoming, ctx: Context) -> list[Action]:
    """The portfolio item's title, then its file or link; +1 point (RAT-01) when new."""
    event, text = incoming.event, typed_text(incoming)
    try:
        if ctx.state == "pf.ptitle":
            if text is None:
                return [Send(ctx.t(NO_TEXT))]
            await ctx.set_state("pf.pwork", {"title": validate_portfolio_title(text)})
            return [Send(ctx.t(PORTFOLIO_WORK))]
        title = str(ctx.draft.get("title", ""))
        if isinstance(event, FileUpload):
            _, awarded = await add_portfolio_item(ctx.uow, ctx.user, ctx.now(), title,
                                                  file_id=event.file_id, file_kind=event.kind)
        elif text is not None:
            _, awarded = await add_portfolio_item(ctx.uow, ctx.user, ctx.now(), title,
                                                  link=validate_link(text))
        else:
            return [Send(ctx.t(PORTFOLIO_WORK))]
    except InvalidInput as err:
        return [Send(ctx.t(err.message, **err.params))]
    await ctx.clear_state()
    lead = ctx.t("Added to your portfolio.")
    if awarded:
        lead += " " + ctx.tn("+{n} rating point.", "+{n} rating points.", 1)
    return await _own_card(ctx, lead)


@router.state("pe.name", "pe.company")
async def process_employer(incoming: Incoming, ctx: Context) -> list[Action]:
    """The employer's name, then the company; each saved when valid."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    exists = await ctx.uow.market.profiles.employer(ctx.user.id) is not None
    try:
        if ctx.state == "pe.name":
            await save_employer_profile(ctx.uow, ctx.user, ctx.now(), name=text)
            if not exists:
                await ctx.set_state("pe.company", {})
                return [Send(ctx.t("Saved.") + "\n" + ctx.t("Your company's name? Or press "
                                                             "the button."),
                             keyboard=keyboard([Button(ctx.t("No company"), data="pe:nc")]))]
        else:
            await save_employer_profile(ctx.uow, ctx.user, ctx.now(), company=text)
    except InvalidInput as err:
        return [Send(ctx.t(err.message, **err.params))]
    await ctx.clear_state()
    return await _own_card(ctx, ctx.t("Saved."))


@router.callback("pe")
async def employer_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Edit the name or company of the user's own employer profile; "no company"."""
    data = parts(incoming)
    if data == ["pe", "nc"] and ctx.state == "pe.company":
        await save_employer_profile(ctx.uow, ctx.user, ctx.now(), clear_company=True)
        await ctx.clear_state()
        return await _own_card(ctx, ctx.t("Saved."))
    if data is not None and len(data) == 3 and data[1] == "e" and data[2] in ("name",
                                                                            "company"):
        ensure_employer(ctx.user)
        if data[2] == "company" and await ctx.uow.market.profiles.employer(ctx.user.id) is None:
            return stale(ctx)
        await ctx.set_state(f"pe.{data[2]}", {})
        if data[2] == "name":
            return [Send(ctx.t("Which name should freelancers see? Your name or your team's."))]
        return [Send(ctx.t("Your company's name? Or press the button."),
                     keyboard=keyboard([Button(ctx.t("No company"), data="pe:nc")]))]
    return stale(ctx)
