"""Log filters: one line for what is the client's doing, a traceback only for our faults."""

import logging


class WithoutClientTracebacks(logging.Filter):
    """Keep the line, drop the traceback, for a refusal of the client's request (a 4xx: a
    viewer who tries to write, a page that does not exist, a Host header not ours). Those
    happen all day; a traceback each would bury the 500s that need one."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if (status is not None and status < 500) or record.name.startswith("django.security"):
            record.exc_info = None
            record.exc_text = None
        return True
