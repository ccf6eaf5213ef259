"""An uploaded file between the import's check and its confirm.

It waits on the server, never in the browser: compressed, in the shared cache (the database
cache, or Redis when configured), so any gunicorn worker can pick it up. Its key is a random
token; the entry also names the user and the record it was uploaded for, and is refused to
anyone else. It is forgotten when the import is done or cancelled, and after an hour in any
case.
"""

import secrets
import zlib
from dataclasses import dataclass

from django.core.cache import cache

from readings import imports

PENDING_SECONDS = 60 * 60


@dataclass
class PendingImport:
    token: str
    file_name: str
    text: str
    options: imports.SheetOptions | None
    date_order: str | None = None  # our own file's, when the person had to say

    @staticmethod
    def _key(token: str) -> str:
        return f"import:{token}"

    @classmethod
    def save_new(cls, request, patient, file_name: str, text: str) -> "PendingImport":
        """Keep a new upload; it replaces any other this user has waiting for this record."""
        pending = cls(secrets.token_urlsafe(24), file_name, text, None)
        latest = f"import-latest:{request.user.pk}:{patient.pk}"
        if previous := cache.get(latest):
            cache.delete(cls._key(previous))
        pending.save(request, patient)
        cache.set(latest, pending.token, PENDING_SECONDS)
        return pending

    def save(self, request, patient) -> None:
        value = {
            "user": str(request.user.pk),
            "patient": str(patient.pk),
            "file_name": self.file_name,
            "data": zlib.compress(self.text.encode(), 6),
            "options": self.options.as_dict() if self.options else None,
            "date_order": self.date_order,
        }
        cache.set(self._key(self.token), value, PENDING_SECONDS)

    @classmethod
    def load(cls, request, patient, token: str) -> "PendingImport | None":
        """The file this user uploaded for this record under `token`, if it is still there."""
        value = cache.get(cls._key(token))
        if not value or (value["user"], value["patient"]) != (
            str(request.user.pk),
            str(patient.pk),
        ):
            return None
        options = value["options"] and imports.SheetOptions(**value["options"])
        text = zlib.decompress(value["data"]).decode()
        return cls(token, value["file_name"], text, options, value["date_order"])

    def forget(self) -> None:
        cache.delete(self._key(self.token))
