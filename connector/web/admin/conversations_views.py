"""Conversation pages: contacts by last activity, one contact's timeline, and a manual text to them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from connector.services.manual import MAX_BODY, ManualResult, send_manual
from connector.web.admin import context
from connector.web.admin.blueprint import bp
from connector.web.admin.timeline import conversations as list_conversations
from connector.web.admin.timeline import crm_link, timeline

PAGE = 50


@bp.get("/conversations")
def conversations() -> str:
    q = request.args.get("q", "")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), context.MAX_ROW_ID // PAGE)
    with context.container().store.unit_of_work() as uow:
        rows = list_conversations(uow, q=q, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template("admin/conversations.html", rows=rows[:PAGE], q=q, page=page, more=len(rows) > PAGE)


@bp.get("/conversations/<int:contact_id>")
def conversation(contact_id: int) -> str:
    with context.container().store.unit_of_work() as uow:
        contact = uow.contacts.get(contact_id)
        if contact is None:
            abort(404, description=f"No contact {contact_id}.")
        entries = timeline(uow, contact_id)
        consent = uow.contacts.consent_history(contact_id)
        items = [item for item in uow.attention.for_contact(contact_id) if item.status == "open"]
    link = crm_link(context.settings().salesforce_instance_url, contact.crm_object, contact.crm_record_id)
    return render_template(
        "admin/conversation.html",
        contact=contact,
        entries=entries,
        consent=consent,
        items=items,
        crm_url=link,
        key=context.form_key(),
        max_body=MAX_BODY,
    )


@bp.post("/conversations/<int:contact_id>/text")
def conversation_text(contact_id: int) -> Response:
    manual_text(contact_id, request.form.get("body", ""), request.form.get("key", ""))
    return redirect(url_for("admin.conversation", contact_id=contact_id) + "#compose")


def manual_text(contact_id: int, body: str, key: str) -> ManualResult:
    """Queue a person's text and say on the next page what became of it."""
    if not key:
        abort(400, description="The form has no key; reload the page and try again.")
    with context.container().store.unit_of_work() as uow:
        result = send_manual(uow, contact_id, body, by=context.user(), key=key, at=context.now())
        uow.commit()
    if result.status == "queued":
        flash("Text queued: it goes out through the outbox, under the contact policy (quiet hours, consent).")
    elif result.status == "duplicate":
        flash("That text was already queued; it was not queued again.")
    else:
        flash(f"Not sent: {result.reason}.", "error")
    return result
