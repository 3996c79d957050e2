"""``/profile``: show the basics (names, e-mail, roles, language, points) and edit them.

Dialog graph::

    /profile --[prof:edit:first|last|email]--> profile.<field> --text--> saved, card again
             --[prof:edit:roles]------------> profile.roles --[prof:role:<choice>]--> saved

A typed value is written only when it is valid; an invalid one is re-asked with the reason and
``/cancel`` keeps the old value. Role buttons work only while ``profile.roles`` is awaited.
"""

from __future__ import annotations

from core.accounts import ensure_can_act
from core.errors import N_, InvalidInput
from core.services.accounts import (
    ProfileField,
    choose_roles,
    parse_role_choice,
    role_choice_of,
    update_profile,
)
from handlers.context import Context
from handlers.contract import Action, Button, Edit, Incoming, Send, keyboard
from handlers.formats import count
from handlers.keyboards import (
    NO_TEXT,
    callback_parts,
    role_keyboard,
    roles_text,
    stale,
    typed_text,
)
from handlers.router import Router
from locales import LANGUAGE_NAMES

__all__ = ["command_profile", "points_line", "profile_button", "profile_reply", "router"]

router = Router()

EDITS: dict[str, ProfileField] = {
    "first": ProfileField.FIRST_NAME,
    "last": ProfileField.LAST_NAME,
    "email": ProfileField.EMAIL,
}
PROMPTS: dict[ProfileField, str] = {
    ProfileField.FIRST_NAME: N_("Type your new first name, or send /cancel to keep the old one."),
    ProfileField.LAST_NAME: N_("Type your new last name, or send /cancel to keep the old one."),
    ProfileField.EMAIL: N_("Type your new e-mail address, or send /cancel to keep the old one."),
}
ROLES_STATE = "profile.roles"
NOT_SIGNED_UP = N_("You have not signed up yet. Send /start to begin.")


def points_line(ctx: Context, points: int) -> str:
    """The RAT-01 completion line, for example "+50 rating points", translated."""
    return ctx.tn("Your profile is complete: +{n} rating point.",
                  "Your profile is complete: +{n} rating points.", points)


async def profile_reply(ctx: Context) -> Send:
    """The profile card with its edit buttons (or how to sign up first)."""
    user = ctx.user
    if not user.is_onboarded:
        return Send(ctx.t(NOT_SIGNED_UP))
    missing = ctx.t("not set")
    points = await ctx.uow.points.total(user.id)
    text = "\n".join([
        ctx.t("Your profile"),
        ctx.t("First name: {value}", value=user.first_name or missing),
        ctx.t("Last name: {value}", value=user.last_name or missing),
        ctx.t("E-mail: {value}", value=user.email or missing),
        ctx.t("Roles: {roles}", roles=roles_text(ctx, user.roles)),
        ctx.t("Language: {language}", language=LANGUAGE_NAMES[ctx.language]),
        ctx.t("Rating points: {points}", points=count(points, ctx.language)),
    ])
    buttons = keyboard(
        [Button(ctx.t("Edit first name"), data="prof:edit:first"),
         Button(ctx.t("Edit last name"), data="prof:edit:last")],
        [Button(ctx.t("Edit e-mail"), data="prof:edit:email"),
         Button(ctx.t("Change roles"), data="prof:edit:roles")],
    )
    return Send(text, keyboard=buttons)


@router.command("profile")
async def command_profile(incoming: Incoming, ctx: Context) -> list[Action]:
    """Shows the profile card; changes nothing."""
    return [await profile_reply(ctx)]


@router.callback("prof")
async def profile_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``prof:edit:<what>`` starts an edit; ``prof:role:<choice>`` saves the chosen roles."""
    parts = callback_parts(incoming, "prof", 3)
    if parts is None or not ctx.user.is_onboarded:
        return stale(ctx)
    _, verb, value = parts
    if verb == "edit" and value == "roles":
        ensure_can_act(ctx.user)
        await ctx.set_state(ROLES_STATE, {})
        current = role_choice_of(ctx.user)
        buttons = role_keyboard(ctx, "prof:role", current)
        return [Send(ctx.t("Choose your roles:"), keyboard=buttons)]
    if verb == "edit" and value in EDITS:
        ensure_can_act(ctx.user)
        field = EDITS[value]
        await ctx.set_state(f"profile.{field.value}", {})
        return [Send(ctx.t(PROMPTS[field]))]
    if verb == "role" and ctx.state == ROLES_STATE:
        roles = parse_role_choice(value)
        if roles is None:
            return stale(ctx)
        await choose_roles(ctx.uow, ctx.user, roles)
        await ctx.clear_state()
        return [Edit(ctx.t("Roles saved: {roles}.", roles=roles_text(ctx, ctx.user.roles))),
                await profile_reply(ctx)]
    return stale(ctx)


@router.state(ROLES_STATE)
async def expect_role_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Text while the role buttons are awaited: shows them again."""
    current = role_choice_of(ctx.user)
    return [Send(ctx.t("Please choose with the buttons, or send /cancel."),
                 keyboard=role_keyboard(ctx, "prof:role", current))]


@router.state("profile.first_name", "profile.last_name", "profile.email")
async def process_field(incoming: Incoming, ctx: Context) -> list[Action]:
    """Saves the typed value if valid and shows the card; otherwise re-asks with the reason."""
    field = ProfileField((ctx.state or "").removeprefix("profile."))
    text = typed_text(incoming)
    if text is None:
        return [Send(f"{ctx.t(NO_TEXT)}\n{ctx.t(PROMPTS[field])}")]
    try:
        change = await update_profile(ctx.uow, ctx.user, field, text, ctx.now())
    except InvalidInput as err:
        return [Send(f"{ctx.t(err.message, **err.params)}\n{ctx.t(PROMPTS[field])}")]
    await ctx.clear_state()
    lines = [ctx.t("Saved.")]
    if change.points_awarded:
        lines.append(points_line(ctx, change.points_awarded))
    return [Send("\n".join(lines)), await profile_reply(ctx)]
