"""``/help``: the translated commands for this user's roles, with a hint per role.

It lists exactly the commands of the user's menu (:func:`handlers.menu.commands_for`).
"""

from __future__ import annotations

from core.accounts import Role
from handlers.context import Context
from handlers.contract import Action, Incoming, Send
from handlers.keyboards import roles_text
from handlers.menu import ROLE_HINTS, commands_for, needed_role
from handlers.router import Router

__all__ = ["command_help", "help_text", "router"]

router = Router()


def help_text(ctx: Context) -> str:
    """The help message: commands this user may use, their roles and what the roles offer."""
    roles = set(ctx.user.roles)
    usable = commands_for(roles, ctx.user.is_suspended)  # exactly the user's menu
    lines = [ctx.t("Commands:")]
    lines += [f"/{name} – {ctx.t(description)}" for name, description in usable
              if needed_role(name) is None]
    staff = [(name, description) for name, description in usable if needed_role(name)]
    if staff:
        lines += ["", ctx.t("Staff commands:")]
        lines += [f"/{name} – {ctx.t(description)}" for name, description in staff]
    lines.append("")
    if roles & {Role.EXPERT, Role.CLIENT}:
        lines.append(ctx.t("Your roles: {roles}.", roles=roles_text(ctx, roles)))
        lines += [ctx.t(hint) for role, hint in ROLE_HINTS.items() if role in roles]
    else:
        lines.append(ctx.t("Send /start to sign up as a freelancer, an employer or both."))
    lines.append(ctx.t("Send /cancel at any time to stop a dialog."))
    return "\n".join(lines)


@router.command("help")
async def command_help(incoming: Incoming, ctx: Context) -> list[Action]:
    """Lists the commands for this user's roles; changes nothing."""
    return [Send(help_text(ctx))]
