"""Uploads: a file larger than the site takes is never read past the limit."""

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser


class TooLargeUpload(UploadedFile):
    """Stands in for a file that passed the limit: empty, with `size` the bytes that had
    arrived when reading stopped (more than the limit), so that the form's own size check
    refuses it in its own words."""

    def __init__(self, name: str, size: int):
        super().__init__(io.BytesIO(), name=name, size=size)


class RawLimit:
    """The request body as the parser reads it, stopped (StopUpload) once more than the limit
    and a little room for the form's other fields has been read: decoded bytes can stay few
    while the raw ones are many (a base64 part of blanks decodes to nothing)."""

    ROOM = 64 * 1024

    def __init__(self, stream, handler: "UploadLimitHandler"):
        self.stream, self.handler, self.read_so_far = stream, handler, 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.read_so_far += len(data)
        if self.read_so_far > settings.MAX_UPLOAD_BYTES + self.ROOM:
            self.handler.stopped_at = self.read_so_far
            raise StopUpload(connection_reset=True)
        return data


class UploadLimitHandler(FileUploadHandler):
    """Stops reading a request once its files come to more than settings.MAX_UPLOAD_BYTES,
    in one file or in many together.

    First in FILE_UPLOAD_HANDLERS. Without it Django reads a body of any size, spooling its
    files to disk, before a form can look at their size. A body no larger than the limit is
    parsed as usual. A larger one is parsed here, with this handler counting each file's
    bytes: when one passes the limit, parsing stops (StopUpload), the rest of the body is never
    read, and request.FILES holds a TooLargeUpload in the file's place. Fields sent before the
    file (the CSRF token) are kept, those after it are lost, and the connection is closed once
    the response is written (the client may still be sending).
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.parsing = False
        self.received = 0  # bytes of every file of the request so far
        self.stopped_at: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.parsing or content_length <= settings.MAX_UPLOAD_BYTES:
            return None
        self.parsing = True
        raw = RawLimit(input_data, self)
        parser = MultiPartParser(META, raw, self.request.upload_handlers, encoding)
        post, files = parser.parse()
        if self.stopped_at is not None and self.field_name:
            files.appendlist(self.field_name, TooLargeUpload(self.file_name, self.stopped_at))
        return post, files

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            # The stand-in is as large as all that came, so the form says it is too large.
            self.stopped_at = self.received
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one keep the file
