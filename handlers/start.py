"""``/start``: sign-up for a new user, the main menu for a returning one.

Dialog graph (each step is asked only when its answer is missing; see
:func:`core.services.accounts.onboarding_step`)::

    /start [payload]
      -> start.language   [start:lang:<code>]  only if Telegram's language is not supported
      -> start.role       [start:role:expert|client|both]   (ACC-01)
      -> start.first_name  text, or [start:same] = the name Telegram shows
      -> start.last_name   text, or [start:same]
      -> start.email       text
      -> done: RAT-01 +50 once, then the main menu [menu:profile|language|help]

Each valid answer is saved at once; an invalid one is re-asked with the reason and the state
kept. ``/cancel`` pauses sign-up and ``/start`` resumes at the first missing answer. A deep-link
payload (``/start <payload>``) is kept in the dialog draft and opened once sign-up is done:
``p<id>`` opens a project (:func:`handlers.projects.open_payload`).
"""

from __future__ import annotations

import re

from core.accounts import SUPPORTED_LANGUAGES, validate_name
from core.errors import N_, InvalidInput
from core.services.accounts import (
    OnboardingStep,
    ProfileField,
    choose_language,
    choose_roles,
    onboarding_step,
    parse_language,
    parse_role_choice,
    update_profile,
)
from handlers.context import Context
from handlers.contract import Action, Button, Command, Edit, Incoming, Keyboard, Send, keyboard
from handlers.help import help_text
from handlers.keyboards import (
    NO_TEXT,
    language_keyboard,
    role_keyboard,
    roles_text,
    stale,
    typed_text,
)
from handlers.language import language_picker
from handlers.payouts.direct import open_bac_payload
from handlers.profile import points_line, profile_reply
from handlers.projects import open_payload
from handlers.router import Router
from locales import LANGUAGE_NAMES, translator

__all__ = ["command_start", "main_menu", "menu_button", "router", "start_button"]

router = Router()

CHOOSE_LANGUAGE = N_("Choose your language:")
PROMPTS: dict[OnboardingStep, str] = {
    OnboardingStep.ROLE: N_("Welcome to the marketplace! How will you use it?"),
    OnboardingStep.FIRST_NAME: N_("What is your first name?"),
    OnboardingStep.LAST_NAME: N_("And your last name?"),
    OnboardingStep.EMAIL: N_("Your e-mail address? Invoices and receipts will go there."),
}
PRESS_A_BUTTON = N_("Please choose with the buttons, or send /cancel.")
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _state(step: OnboardingStep) -> str:
    """The dialog state that awaits ``step``."""
    return f"start.{step.value}"


def _step_of(state: str | None) -> OnboardingStep | None:
    """The onboarding step a stored state awaits, if it is one."""
    if state and state.startswith("start."):
        try:
            return OnboardingStep(state.removeprefix("start."))
        except ValueError:
            return None
    return None


def _telegram_name(ctx: Context, step: OnboardingStep) -> str | None:
    """The valid name Telegram shows for this step, to offer as a button."""
    tg = ctx.incoming.user
    raw = tg.first_name if step is OnboardingStep.FIRST_NAME else tg.last_name
    try:
        return validate_name(raw) if raw else None
    except InvalidInput:
        return None


def _prompt(ctx: Context, step: OnboardingStep) -> tuple[str, Keyboard | None]:
    """The question for ``step`` and its buttons."""
    if step is OnboardingStep.LANGUAGE:
        text = "\n".join(translator(code)(CHOOSE_LANGUAGE) for code in SUPPORTED_LANGUAGES)
        return text, language_keyboard("start:lang")
    if step is OnboardingStep.ROLE:
        return ctx.t(PROMPTS[step]), role_keyboard(ctx, "start:role")
    name = (_telegram_name(ctx, step)
            if step in (OnboardingStep.FIRST_NAME, OnboardingStep.LAST_NAME) else None)
    buttons = keyboard([Button(name, data="start:same")]) if name else None
    return ctx.t(PROMPTS[step]), buttons


async def _ask(ctx: Context, step: OnboardingStep, lead: str | None = None) -> list[Action]:
    """Awaits ``step`` (keeping the draft) and asks its question, after ``lead`` if given."""
    await ctx.set_state(_state(step))
    text, buttons = _prompt(ctx, step)
    return [Send(f"{lead}\n{text}" if lead else text, keyboard=buttons)]


async def _advance(ctx: Context, points: int = 0) -> list[Action]:
    """Asks the next missing answer, or finishes sign-up with the points earned."""
    step = onboarding_step(ctx.user)
    if step is not None:
        return await _ask(ctx, step)
    payload = ctx.draft.get("payload")
    await ctx.clear_state()
    lines = [ctx.t("You're all set, {name}!", name=ctx.user.display_name)]
    if points:
        lines.append(points_line(ctx, points))
    opened = (await open_bac_payload(ctx, payload, new_user=True)
              or await open_payload(ctx, payload)) if isinstance(payload, str) else None
    return [Send("\n".join(lines)), main_menu(ctx), *(opened or [])]


def main_menu(ctx: Context, welcome_back: bool = False) -> Send:
    """The short menu a signed-up user gets."""
    text = (ctx.t("Welcome back, {name}! What would you like to do?", name=ctx.user.display_name)
            if welcome_back else ctx.t("What would you like to do?"))
    return Send(text, keyboard=keyboard(
        [Button(ctx.t("My profile"), data="menu:profile"),
         Button(ctx.t("Language"), data="menu:language")],
        [Button(ctx.t("Help"), data="menu:help")],
    ))


@router.command("start")
async def command_start(incoming: Incoming, ctx: Context) -> list[Action]:
    """Starts or resumes sign-up at the first missing answer; a set-up user gets the menu."""
    args = incoming.event.args.strip() if isinstance(incoming.event, Command) else ""
    step = onboarding_step(ctx.user)
    if step is None:
        if ctx.state is not None:
            await ctx.clear_state()
        opened = (await open_bac_payload(ctx, args, new_user=False)
                  or await open_payload(ctx, args)) if _PAYLOAD.match(args) else None
        return opened or [main_menu(ctx, welcome_back=True)]
    draft = {"payload": ctx.draft["payload"]} if (
        _step_of(ctx.state) and "payload" in ctx.draft) else {}
    if _PAYLOAD.match(args):
        draft["payload"] = args
    ctx.draft = draft
    return await _ask(ctx, step)


@router.callback("start")
async def start_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Sign-up buttons: language, role, or the name Telegram shows; only at their own step."""
    data = getattr(incoming.event, "data", "")
    parts = data.split(":")
    step = _step_of(ctx.state)
    if parts == ["start", "same"] and step in (OnboardingStep.FIRST_NAME,
                                               OnboardingStep.LAST_NAME):
        name = _telegram_name(ctx, step)
        if name is None:
            return stale(ctx)
        change = await update_profile(ctx.uow, ctx.user, ProfileField(step.value), name,
                                      ctx.now())
        return [Edit(f"{ctx.t(PROMPTS[step])}\n{name}"), *await _advance(ctx,
                                                                         change.points_awarded)]
    if len(parts) != 3 or parts[0] != "start":
        return stale(ctx)
    _, verb, value = parts
    if verb == "lang" and step is OnboardingStep.LANGUAGE:
        code = parse_language(value)
        if code is None:
            return stale(ctx)
        await choose_language(ctx.uow, ctx.user, code)
        ctx.retranslate(code)
        done = Edit(ctx.t("Language set: {language}.", language=LANGUAGE_NAMES[code]))
        return [done, *await _advance(ctx)]
    if verb == "role" and step is OnboardingStep.ROLE:
        roles = parse_role_choice(value)
        if roles is None:
            return stale(ctx)
        await choose_roles(ctx.uow, ctx.user, roles)
        done = Edit(ctx.t("Your roles: {roles}.", roles=roles_text(ctx, ctx.user.roles)))
        return [done, *await _advance(ctx)]
    return stale(ctx)


@router.state(_state(OnboardingStep.LANGUAGE), _state(OnboardingStep.ROLE))
async def expect_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Text or a file while sign-up awaits a button: asks again with the buttons."""
    step = _step_of(ctx.state) or OnboardingStep.ROLE
    return await _ask(ctx, step, lead=ctx.t(PRESS_A_BUTTON))


@router.state(*(_state(s) for s in (OnboardingStep.FIRST_NAME, OnboardingStep.LAST_NAME,
                                    OnboardingStep.EMAIL)))
async def process_answer(incoming: Incoming, ctx: Context) -> list[Action]:
    """Saves a typed name or e-mail and asks the next question; re-asks with the reason."""
    step = _step_of(ctx.state) or OnboardingStep.FIRST_NAME
    text = typed_text(incoming)
    if text is None:
        return await _ask(ctx, step, lead=ctx.t(NO_TEXT))
    try:
        change = await update_profile(ctx.uow, ctx.user, ProfileField(step.value), text,
                                      ctx.now())
    except InvalidInput as err:
        return await _ask(ctx, step, lead=ctx.t(err.message, **err.params))
    return await _advance(ctx, change.points_awarded)


@router.callback("menu")
async def menu_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Main-menu buttons: profile, language or help; changes nothing."""
    data = getattr(incoming.event, "data", "")
    if data == "menu:profile":
        return [await profile_reply(ctx)]
    if data == "menu:language":
        return [language_picker(ctx)]
    if data == "menu:help":
        return [Send(help_text(ctx))]
    return stale(ctx)
