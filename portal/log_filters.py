"""Logging filters: what the server log says about requests."""

import logging


class BriefClientErrors(logging.Filter):
    """A refused request (403, 404, a form's 400) is the client's doing, not a bug: one line
    in the log, without the traceback Django attaches to it. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
