"""The needs-a-person queue: replies no flow understood, oldest first, with a reply box and "handled"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from connector.services.attention import mark_handled, open_items
from connector.services.manual import MAX_BODY
from connector.store.records import ContactRecord, snapshot
from connector.store.tables import Contact, Message
from connector.web.admin import context
from connector.web.admin.blueprint import bp
from connector.web.admin.conversations_views import manual_text

PAGE = 50


@bp.get("/attention")
def attention() -> str:
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), context.MAX_ROW_ID // PAGE)
    with context.container().store.unit_of_work() as uow:
        items = open_items(uow, PAGE + 1, (page - 1) * PAGE)
        total = uow.attention.count_open()
        contact_ids = {item.contact_id for item in items}
        contacts = {
            row.id: snapshot(ContactRecord, row)
            for row in uow.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
        }
        # The last text we sent each of them, so the reply reads in context.
        last_out = {}
        for contact_id in contact_ids:
            last_out[contact_id] = uow.session.scalar(
                select(Message.body)
                .where(Message.contact_id == contact_id, Message.direction == "out")
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(1)
            )
    now = context.now()
    return render_template(
        "admin/attention.html",
        items=items[:PAGE],
        total=total,
        page=page,
        more=len(items) > PAGE,
        contacts=contacts,
        last_out=last_out,
        now=now,
        keys={item.id: context.form_key() for item in items},
        max_body=MAX_BODY,
    )


@bp.post("/attention/<int:item_id>/reply")
def attention_reply(item_id: int) -> Response:
    with context.container().store.unit_of_work() as uow:
        item = uow.attention.get(item_id)
    if item is None:
        abort(404, description=f"No needs-a-person item {item_id}.")
    result = manual_text(item.contact_id, request.form.get("body", ""), request.form.get("key", ""))
    if result.status in ("queued", "duplicate") and request.form.get("handled") == "on":
        _handle(item_id, note="answered by text")
    return redirect(url_for("admin.attention"))


@bp.post("/attention/<int:item_id>/handled")
def attention_handled(item_id: int) -> Response:
    _handle(item_id, note=request.form.get("note"))
    back = request.form.get("back")
    if back and back.isdigit():
        return redirect(url_for("admin.conversation", contact_id=int(back)))
    return redirect(url_for("admin.attention"))


def _handle(item_id: int, note: str | None) -> None:
    with context.container().store.unit_of_work() as uow:
        done = mark_handled(uow, item_id, by=context.user(), at=context.now(), note=note)
        uow.commit()
    if done:
        flash("Marked handled.")
    else:
        flash("That reply was already handled (or no longer exists).", "error")
