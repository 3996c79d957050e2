"""The command menu: which commands exist, for whom, and how they are described.

One table, :data:`COMMANDS`, feeds both ``/help`` and the runtime's ``setMyCommands`` (one
call per language with the descriptions translated by :func:`locales.translator`). A feature
adds its command here with the roles that see it (``None``: everyone) and ``staff=`` the role
a staff command needs. Each user gets exactly the commands they may use, in their language,
in their own chat's scope (:func:`user_menu`, performed as :class:`~handlers.contract.SetMenu`):
the dispatcher sends it whenever their roles, language or suspension change, and on
``/start``. Descriptions are message ids marked with ``N_`` (Telegram allows 1-256 characters;
keep them short).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.accounts import Role, User, pick_language
from core.errors import N_
from handlers.contract import SetMenu
from locales import translator

__all__ = [
    "COMMANDS",
    "ROLE_HINTS",
    "MenuCommand",
    "MenuKey",
    "admin_commands",
    "commands_for",
    "is_staff",
    "may_use",
    "menu_key",
    "needed_role",
    "user_commands",
    "user_menu",
]

STAFF_ROLES: frozenset[Role] = frozenset({Role.SUPPORT, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class MenuCommand:
    """A command in the menu: its name (no slash), description message id and audience.

    ``roles``: the market roles that see it (``None``: everyone). ``staff``: the role a staff
    command needs (:data:`Role.SUPPORT`: support and admins; :data:`Role.ADMIN`: admins only).
    ``acts``: it changes something, so a suspended user (ACC-02) is not offered it.
    ``suspended``: offered only to a suspended user (the appeal).
    """

    name: str
    description: str
    roles: frozenset[Role] | None = None
    staff: Role | None = None
    acts: bool = False
    suspended: bool = False


SUPPORT, ADMIN = Role.SUPPORT, Role.ADMIN
COMMANDS: tuple[MenuCommand, ...] = (
    MenuCommand("start", N_("Sign up or open the main menu")),
    MenuCommand("profile", N_("Your profile, roles and points")),
    MenuCommand("language", N_("Change the language")),
    MenuCommand("help", N_("What this bot can do")),
    MenuCommand("cancel", N_("Stop the current dialog")),
    MenuCommand("projects", N_("Browse and search projects")),
    MenuCommand("post", N_("Post a project"), roles=frozenset({Role.CLIENT}), acts=True),
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
    MenuCommand("verify_email", N_("Verify your e-mail (+20 points)"), acts=True),
    MenuCommand("report", N_("Report a user to support")),
    MenuCommand("appeal", N_("Ask support to review your suspension"), suspended=True),
    MenuCommand("queue", N_("Reports and flags waiting for support"), staff=SUPPORT),
    MenuCommand("audit", N_("The log of support actions"), staff=SUPPORT),
    MenuCommand("suspend", N_("Suspend a user, with a reason"), staff=SUPPORT, acts=True),
    MenuCommand("reinstate", N_("Lift a suspension"), staff=SUPPORT, acts=True),
    MenuCommand("grant_support", N_("Give a user the support role (admins)"), staff=ADMIN,
                acts=True),
    MenuCommand("revoke_support", N_("Take the support role away (admins)"), staff=ADMIN,
                acts=True),
    MenuCommand("wallet", N_("Your balance, pending money and transactions")),
    MenuCommand("topup", N_("Add money to your wallet"), acts=True),
    MenuCommand("ledger_check", N_("Check the ledger's invariants (admins)"), staff=ADMIN),
    MenuCommand("milestones", N_("Milestones of your fixed-price contracts"),
                roles=frozenset({Role.EXPERT, Role.CLIENT})),
    MenuCommand("dispute", N_("A milestone dispute: both sides' history"), staff=SUPPORT),
    MenuCommand("resolve", N_("Decide a milestone dispute: release, part or refund"),
                staff=SUPPORT, acts=True),
    MenuCommand("payout_methods", N_("Your payout methods and legal name"),
                roles=frozenset({Role.EXPERT})),
    MenuCommand("payout", N_("Withdraw your available earnings"), roles=frozenset({Role.EXPERT}),
                acts=True),
    MenuCommand("payouts", N_("Your payouts and their state"), roles=frozenset({Role.EXPERT})),
    MenuCommand("legal_name", N_("Your full legal name for payouts"),
                roles=frozenset({Role.EXPERT}), acts=True),
    MenuCommand("payouts_queue", N_("Payouts waiting for support"), staff=SUPPORT),
    MenuCommand("fees", N_("Service fees taken, per week and in total"), staff=SUPPORT),
    MenuCommand("managed", N_("Mark a contract managed-service or private (Interac fee)"),
                staff=SUPPORT, acts=True),
    MenuCommand("bonus", N_("Pay a freelancer a bonus or an expense"),
                roles=frozenset({Role.CLIENT}), acts=True),
    MenuCommand("hire_direct", N_("Hire a freelancer directly (Hire Direct)"),
                roles=frozenset({Role.CLIENT}), acts=True),
    MenuCommand("hire_direct_queue", N_("Hire Direct requests waiting for a salary"),
                staff=SUPPORT),
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

    Staff-only commands and the suspended user's appeal are not included; see
    :func:`admin_commands` and :func:`commands_for`.
    """
    held = None if roles is None else frozenset(roles)
    return [
        (c.name, c.description)
        for c in COMMANDS
        if c.staff is None and not c.suspended
        and (c.roles is None or held is None or c.roles & held)
    ]


def admin_commands(role: Role = ADMIN) -> list[tuple[str, str]]:
    """(command, description id) pairs only staff see: all of them for an admin
    (``role=ADMIN``), those support may use for ``role=SUPPORT``."""
    return [(c.name, c.description) for c in COMMANDS if c.staff is not None
            and (role is ADMIN or c.staff is SUPPORT)]


def needed_role(name: str) -> Role | None:
    """The staff role ``/name`` needs (support or admin), ``None`` for a user command."""
    return next((c.staff for c in COMMANDS if c.name == name), None)


def may_use(command: MenuCommand, roles: Iterable[Role], suspended: bool = False) -> bool:
    """Whether a user with ``roles`` (suspended or not) may use ``command`` at all."""
    held = frozenset(roles)
    if command.staff is ADMIN and ADMIN not in held:
        return False
    if command.staff is SUPPORT and not held & STAFF_ROLES:
        return False
    if command.roles is not None and not command.roles & held:
        return False
    if suspended:
        return not command.acts
    return not command.suspended


def commands_for(roles: Iterable[Role], suspended: bool = False) -> list[tuple[str, str]]:
    """Exactly the (command, description id) pairs a user may use: their menu.

    User commands for their market roles first, then the staff commands their role allows;
    a suspended user (ACC-02) gets no command that acts, and the appeal.
    """
    held = frozenset(roles)
    pairs = [(c.name, c.description) for c in COMMANDS
             if c.staff is None and may_use(c, held, suspended)]
    return pairs + [(c.name, c.description) for c in COMMANDS
                    if c.staff is not None and may_use(c, held, suspended)]


def menu_language(user: User, default_language: str) -> str:
    """The language ``user``'s menu is in: the one they chose, else Telegram's, else default."""
    return pick_language(user.language, user.telegram_language, default_language)


MenuKey = tuple[str, frozenset[Role], bool]


def menu_key(user: User, default_language: str) -> MenuKey:
    """What a user's menu depends on: language, roles and whether they are suspended."""
    return (menu_language(user, default_language), frozenset(user.roles), user.is_suspended)


def user_menu(user: User, default_language: str) -> SetMenu:
    """The ``setMyCommands`` (chat scope) that gives ``user`` exactly their menu."""
    tr = translator(menu_language(user, default_language))
    pairs = commands_for(user.roles, user.is_suspended)
    return SetMenu(tuple((name, tr(description)) for name, description in pairs),
                   chat_id=user.id)


def is_staff(roles: Iterable[Role]) -> bool:
    """True for support and admins."""
    return bool(STAFF_ROLES & set(roles))
