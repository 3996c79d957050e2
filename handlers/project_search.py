"""``/projects [keyword]``: browse and search published projects, a page at a time.

The filters travel in the callback data, so a list needs no stored state::

    ps:l:<page>:<category|->:<h|f|->:<keyword>   a page of results (keyword may be empty)
    ps:c:<h|f|->:<keyword>                       pick a category
    ps:q:<category|->:<h|f|->                    type a keyword (awaits ``ps.keyword``)

The keyword is cut to 36 bytes so that every button fits Telegram's 64-byte limit. Search is
public (anyone may browse); each result opens its card (``pj:v:<id>``).
"""

from __future__ import annotations

from core.categories import CATEGORIES
from core.errors import N_
from core.projects import ProjectKind
from core.services.market import normalise_keyword, search_projects
from handlers.context import Context
from handlers.contract import Action, Button, Callback, Edit, Incoming, Send, keyboard
from handlers.keyboards import NO_TEXT, stale, typed_text
from handlers.market_format import KIND_NAMES, category_name, nav_row, page_number, price, short
from handlers.router import Router

__all__ = ["command_projects", "router"]

router = Router()

KEYWORD_STATE = "ps.keyword"
KEYWORD_BYTES = 36
KINDS = {"h": ProjectKind.HOURLY, "f": ProjectKind.FIXED, "-": None}
NEXT_KIND = {"-": "h", "h": "f", "f": "-"}
_CODES = {c.code for c in CATEGORIES}
ASK_KEYWORD = N_("Type a word to look for in titles and descriptions, for example: logo.")


def _keyword(text: str | None) -> str:
    """The keyword as it travels in buttons: normalised and cut to 36 bytes."""
    keyword = normalise_keyword(text) or ""
    data = keyword.encode()[:KEYWORD_BYTES]
    return data.decode(errors="ignore").replace(":", " ").strip()


def _kind_label(ctx: Context, kind: str) -> str:
    """"Hourly", "Fixed price" or "Hourly and fixed" for a kind code."""
    chosen = KINDS[kind]
    return ctx.t(KIND_NAMES[chosen]) if chosen else ctx.t("Hourly and fixed")


def _filters(ctx: Context, cat: str, kind: str, keyword: str) -> str:
    """The list's header: which category, kind and keyword are applied."""
    bits = [category_name(ctx, cat) if cat != "-" else ctx.t("All categories"),
            _kind_label(ctx, kind)]
    if keyword:
        bits.append(ctx.t("“{keyword}”", keyword=keyword))
    return "🔎 " + " · ".join(bits)


async def _results(incoming: Incoming, ctx: Context, page: int, cat: str, kind: str,
                   keyword: str) -> list[Action]:
    """One page of results with the filter buttons."""
    found = await search_projects(ctx.uow, category_code=None if cat == "-" else cat,
                                  keyword=keyword or None, kind=KINDS[kind], page=page,
                                  viewer=ctx.user)
    lines = [_filters(ctx, cat, kind, keyword), ""]
    rows: list[list[Button]] = []
    for project in found.items:
        budget = price(ctx, project.budget_min, project.budget_max, project.currency,
                       project.kind)
        lines.append(f"• {project.title}\n  {budget} · {category_name(ctx, project.category)}")
        rows.append([Button(short(project.title), data=f"pj:v:{project.id}")])
    if not found.items:
        lines.append(ctx.t("No projects match. Try another keyword or category."))
    rows.append(nav_row(ctx, page, found.has_more,
                        lambda p: f"ps:l:{p}:{cat}:{kind}:{keyword}"))
    next_kind = NEXT_KIND[kind]
    rows.append([Button(ctx.t("Category"), data=f"ps:c:{kind}:{keyword}"),
                 Button(_kind_label(ctx, next_kind), data=f"ps:l:0:{cat}:{next_kind}:{keyword}")])
    search_row = [Button(ctx.t("🔎 Keyword"), data=f"ps:q:{cat}:{kind}")]
    if keyword:
        search_row.append(Button(ctx.t("✕ Clear the keyword"), data=f"ps:l:0:{cat}:{kind}:"))
    rows.append(search_row)
    text = "\n".join(lines)
    if isinstance(incoming.event, Callback):
        return [Edit(text, keyboard=keyboard(*rows))]
    return [Send(text, keyboard=keyboard(*rows))]


@router.command("projects")
async def command_projects(incoming: Incoming, ctx: Context) -> list[Action]:
    """The newest published projects, or those matching the keyword given as arguments."""
    args = getattr(incoming.event, "args", "")
    return await _results(incoming, ctx, 0, "-", "-", _keyword(args))


@router.callback("ps")
async def search_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """A page of results, the category picker, or the keyword question."""
    data = getattr(incoming.event, "data", "")
    verb = data.split(":", 2)[1] if data.count(":") >= 1 else ""
    if verb == "l" and data.count(":") >= 5:
        _, _, page, cat, kind, keyword = data.split(":", 5)
        if page_number(page) is not None and (cat == "-" or cat in _CODES) and kind in KINDS:
            return await _results(incoming, ctx, int(page), cat, kind, _keyword(keyword))
    elif verb == "c" and data.count(":") >= 3:
        _, _, kind, keyword = data.split(":", 3)
        if kind in KINDS:
            keyword = _keyword(keyword)
            rows = [[Button(ctx.t("All categories"), data=f"ps:l:0:-:{kind}:{keyword}")]]
            buttons = [Button(ctx.t(c.name), data=f"ps:l:0:{c.code}:{kind}:{keyword}")
                       for c in CATEGORIES]
            rows += [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
            return [Edit(ctx.t("Choose the category:"), keyboard=keyboard(*rows))]
    elif verb == "q" and data.count(":") == 3:
        _, _, cat, kind = data.split(":")
        if (cat == "-" or cat in _CODES) and kind in KINDS:
            await ctx.set_state(KEYWORD_STATE, {"cat": cat, "kind": kind})
            return [Send(ctx.t(ASK_KEYWORD))]
    return stale(ctx)


@router.state(KEYWORD_STATE)
async def process_keyword(incoming: Incoming, ctx: Context) -> list[Action]:
    """Searches with the typed keyword and the filters kept in the dialog."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    cat, kind = ctx.draft.get("cat", "-"), ctx.draft.get("kind", "-")
    await ctx.clear_state()
    if not (cat == "-" or cat in _CODES) or kind not in KINDS:
        cat, kind = "-", "-"
    return await _results(incoming, ctx, 0, cat, kind, _keyword(text))
