"""What a page or an API answer shows, as the service functions give it, cut to what the
visitor's role may see: a team's staff see their team's mail, directives and schools."""

from __future__ import annotations

from typing import Any

from mailhub import audit, directives, overview, quarantine, teams
from mailhub.compliance import compliance
from mailhub.contents import html_body
from mailhub.errors import ArchiveError
from mailhub.hub import Hub
from mailhub.registry import SCHOOL_LEVELS, Kind
from mailhub.search import Filters, search
from mailhub.vietnamese import fold
from mailhub.web.guard import forbid_unless
from mailhub.web.render import clean_html
from mailhub.web.signin import Visitor

PAGE = 20  # search hits per page


def levels_for(visitor: Visitor) -> list[Kind]:
    """The school levels a visitor follows: a team's own levels, else all."""
    if visitor.team is not None and visitor.team.levels:
        return [k for k in SCHOOL_LEVELS if k in visitor.team.levels]
    return list(SCHOOL_LEVELS)


def message(hub: Hub, visitor: Visitor, ref: int) -> dict[str, Any]:
    """audit.show() plus the text body, the cleaned HTML body and any reviews.
    KeyError if none; HTTP 403 if it is another team's."""
    found = audit.show(hub, str(ref))
    if visitor.team is not None:
        forbid_unless(teams.sees(hub, visitor.team, found["id"]))
    row = audit.find(hub, str(found["id"]))
    try:
        html = html_body(hub.archive.read(row["sha256"]))
    except ArchiveError:
        html = ""
    return dict(found, body_text=row["body_text"], html=clean_html(html) if html else "",
                reviews=quarantine.reviews(hub, found["id"]))


def directive_list(hub: Hub, visitor: Visitor) -> list[dict[str, Any]]:
    rows = directives.summaries(hub)
    if visitor.team is not None:
        rows = [r for r in rows if r["sender"] == visitor.team.email.lower()]
    return rows


def directive(hub: Hub, visitor: Visitor, ref: int) -> dict[str, Any]:
    found = directives.status(hub, ref)
    if visitor.team is not None:
        forbid_unless(found["sender"] == visitor.team.email.lower())
    return found


def sender_of(hub: Hub, visitor: Visitor) -> str:
    """The address a visitor's directives go out from: their team's, else the office's."""
    if visitor.team is not None:
        return visitor.team.email.lower()
    office = next((u for u in hub.registry.units if u.kind is Kind.PGD), None)
    return office.email.lower() if office else ""


def lists_for(hub: Hub, visitor: Visitor) -> list[Any]:
    """The broadcast lists the visitor's sender address may send to."""
    unit = hub.registry.find(sender_of(hub, visitor))
    return [m for m in hub.lists.lists.values() if hub.lists.may_send(m, unit)]


def grid(hub: Hub, visitor: Visitor, months: list[str], level: Kind | None,
         ward: str | None) -> dict[str, Any]:
    """Schools × months of the monthly report: each cell on_time, late or missing, and
    whether the deadline is still ahead (missing then means "not yet", not "overdue")."""
    allowed = levels_for(visitor)
    now = hub.clock()
    kinds = [level] if level in allowed else allowed
    rows: dict[str, dict[str, Any]] = {}
    for month in months:
        for kind in kinds:
            for standing in compliance(hub, month, kind):
                unit = standing.unit
                if ward and unit.ward != ward:
                    continue
                row = rows.setdefault(unit.code, dict(code=unit.code, name=unit.name,
                                                      level=unit.kind.value, ward=unit.ward,
                                                      cells={}))
                row["cells"][month] = dict(state=standing.state, message=standing.message,
                                           filed_at=standing.received_at.isoformat()
                                           if standing.received_at else None,
                                           deadline=standing.deadline.isoformat(),
                                           open=standing.deadline > now)
    wards = sorted({u.ward for u in hub.registry.units if u.kind in allowed and u.ward})
    ordered = sorted(rows.values(), key=lambda r: (r["level"], fold(r["name"]), r["code"]))
    return dict(months=months, rows=ordered,
                wards=wards, levels=[k.value for k in allowed])


def found_messages(hub: Hub, visitor: Visitor, text: str, filters: Filters, page: int,
                   size: int = PAGE) -> tuple[list[dict[str, Any]], bool]:
    """One page of search hits (newest first) and whether there is a next page."""
    if visitor.team is not None:
        filters = Filters(**{**filters.__dict__, "team": visitor.team.code})
    hits = search(hub, text, filters, limit=page * size + 1)
    shown = hits[(page - 1) * size: page * size]
    return [h.as_dict() for h in shown], len(hits) > page * size


def all_found(hub: Hub, visitor: Visitor, text: str, filters: Filters,
              limit: int) -> list[dict[str, Any]]:
    if visitor.team is not None:
        filters = Filters(**{**filters.__dict__, "team": visitor.team.code})
    return [h.as_dict() for h in search(hub, text, filters, limit=limit)]


def today(hub: Hub, visitor: Visitor) -> dict[str, Any]:
    return overview.today(hub, visitor.team)


def held(hub: Hub, visitor: Visitor) -> list[dict[str, Any]]:
    return quarantine.waiting(hub, visitor.team)


def may_decide(hub: Hub, visitor: Visitor, message_id: int) -> None:
    if visitor.team is not None:
        forbid_unless(teams.sees(hub, visitor.team, message_id))
