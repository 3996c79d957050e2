"""The command menu: which commands exist, for whom, and how they are described.

One table, :data:`COMMANDS`, feeds both ``/help`` and the runtime's ``setMyCommands`` (one
call per language with the descriptions translated by :func:`locales.translator`). A feature
adds its command here with the roles that see it (``None``: everyone) and ``staff=True`` for
the support/admin menu. Descriptions are message ids marked with ``N_`` (Telegram allows 1-256
characters; keep them short).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.accounts import Role
from core.errors import N_

__all__ = [
    "COMMANDS",
    "ROLE_HINTS",
    "MenuCommand",
    "admin_commands",
    "is_staff",
    "user_commands",
]

STAFF_ROLES: frozenset[Role] = frozenset({Role.SUPPORT, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class MenuCommand:
    """A command in the menu: its name (no slash), description message id and audience."""

    name: str
    description: str
    roles: frozenset[Role] | None = None
    staff: bool = False


COMMANDS: tuple[MenuCommand, ...] = (
    MenuCommand("start", N_("Sign up or open the main menu")),
    MenuCommand("profile", N_("Your profile, roles and points")),
    MenuCommand("language", N_("Change the language")),
    MenuCommand("help", N_("What this bot can do")),
    MenuCommand("cancel", N_("Stop the current dialog")),
    MenuCommand("projects", N_("Browse and search projects")),
    MenuCommand("post", N_("Post a project"), roles=frozenset({Role.CLIENT})),
    MenuCommand("myprojects", N_("Your projects and their applicants"),
                roles=frozenset({Role.CLIENT})),
    MenuCommand("applications", N_("Your applications"), roles=frozenset({Role.EXPERT})),
    MenuCommand("contracts", N_("Offers, active and ended contracts"),
                roles=frozenset({Role.EXPERT, Role.CLIENT})),
    MenuCommand("bookmarks", N_("Your bookmarks"), roles=frozenset({Role.EXPERT, Role.CLIENT})),
    MenuCommand("freelancer_profile", N_("Your freelancer profile and portfolio"),
                roles=frozenset({Role.EXPERT})),
    MenuCommand("employer_profile", N_("Your employer profile"), roles=frozenset({Role.CLIENT})),
    MenuCommand("messages", N_("Your conversations")),
    MenuCommand("verify_email", N_("Verify your e-mail (+20 points)")),
    MenuCommand("report", N_("Report a user to support")),
    MenuCommand("queue", N_("Reports and flags waiting for support"), staff=True),
    MenuCommand("audit", N_("The log of support actions"), staff=True),
    MenuCommand("suspend", N_("Suspend a user, with a reason"), staff=True),
    MenuCommand("reinstate", N_("Lift a suspension"), staff=True),
    MenuCommand("grant_support", N_("Give a user the support role (admins)"), staff=True),
    MenuCommand("revoke_support", N_("Take the support role away (admins)"), staff=True),
    MenuCommand("wallet", N_("Your balance, pending money and transactions")),
    MenuCommand("topup", N_("Add money to your wallet")),
    MenuCommand("ledger_check", N_("Check the ledger's invariants (admins)"), staff=True),
    MenuCommand("milestones", N_("Milestones of your fixed-price contracts"),
                roles=frozenset({Role.EXPERT, Role.CLIENT})),
    MenuCommand("dispute", N_("A milestone dispute: both sides' history"), staff=True),
    MenuCommand("resolve", N_("Decide a milestone dispute: release, part or refund"),
                staff=True),
    MenuCommand("payout_methods", N_("Your payout methods and legal name"),
                roles=frozenset({Role.EXPERT})),
    MenuCommand("payout", N_("Withdraw your available earnings"), roles=frozenset({Role.EXPERT})),
    MenuCommand("payouts", N_("Your payouts and their state"), roles=frozenset({Role.EXPERT})),
    MenuCommand("legal_name", N_("Your full legal name for payouts"),
                roles=frozenset({Role.EXPERT})),
    MenuCommand("payouts_queue", N_("Payouts waiting for support"), staff=True),
    MenuCommand("fees", N_("Service fees taken, per week and in total"), staff=True),
    MenuCommand("bonus", N_("Pay a freelancer a bonus or an expense"),
                roles=frozenset({Role.CLIENT})),
    MenuCommand("hire_direct", N_("Hire a freelancer directly (Hire Direct)"),
                roles=frozenset({Role.CLIENT})),
    MenuCommand("hire_direct_queue", N_("Hire Direct requests waiting for a salary"),
                staff=True),
    MenuCommand("invite_client", N_("Your invitation link for a client you bring"),
                roles=frozenset({Role.EXPERT})),
)

# What /help adds for each market role.
ROLE_HINTS: dict[Role, str] = {
    Role.EXPERT: N_("As a freelancer you will find projects, apply and get paid here."),
    Role.CLIENT: N_("As an employer you will post projects, hire freelancers and pay them here."),
}


def user_commands(roles: Iterable[Role] | None = None) -> list[tuple[str, str]]:
    """(command, description id) pairs a user with ``roles`` sees; ``None``: every user command.

    Staff-only commands are not included; see :func:`admin_commands`.
    """
    held = None if roles is None else frozenset(roles)
    return [
        (c.name, c.description)
        for c in COMMANDS
        if not c.staff and (c.roles is None or held is None or c.roles & held)
    ]


def admin_commands() -> list[tuple[str, str]]:
    """(command, description id) pairs only support and admins see (the extra menu)."""
    return [(c.name, c.description) for c in COMMANDS if c.staff]


def is_staff(roles: Iterable[Role]) -> bool:
    """True for support and admins."""
    return bool(STAFF_ROLES & set(roles))
