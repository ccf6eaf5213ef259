def undo(request):
    """The "Undo" offer after a deletion: shown once, on the next page."""
    session = getattr(request, "session", None)
    if session is None or "undo" not in session:
        return {}
    return {"undo": session.pop("undo")}
