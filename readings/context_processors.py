from readings import guidance


def flash(request):
    """What the previous request left for this page, shown once: advice and an Undo offer."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    ctx = {}
    if "undo" in session:
        ctx["undo"] = session.pop("undo")
    if "advice" in session:
        ctx["flash_advice"] = guidance.from_session(session.pop("advice"))
    return ctx
