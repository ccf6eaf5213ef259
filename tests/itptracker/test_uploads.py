import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from itptracker.uploads import TooLargeUpload
from readings import imports

LIMIT = settings.MAX_UPLOAD_BYTES
# Reading goes in chunks, and the parser looks one chunk ahead for the next boundary.
CHUNKS_PAST_THE_LIMIT = 3 * 64 * 1024


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def upload_request():
    """Makes a POST of a CSRF token and then a file of `file_size` bytes; returns it and the
    stream it reads. Closes the request's files, as Django does after a response."""
    requests = []

    def make(file_size: int, files: int = 1) -> tuple[WSGIRequest, CountingStream]:
        request, stream = build_upload_request(file_size, files)
        requests.append(request)
        return request, stream

    yield make
    for request in requests:
        request.close()


def build_upload_request(file_size: int, files: int = 1) -> tuple[WSGIRequest, CountingStream]:
    uploads = [SimpleUploadedFile(f"big{n}.csv", b"x" * file_size) for n in range(files)]
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": "token", "file": uploads})
    return posted(body)


def posted(body: bytes) -> tuple[WSGIRequest, CountingStream]:
    """A multipart POST of `body`, and the stream it is read from."""
    stream = CountingStream(body)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": stream,
        "wsgi.url_scheme": "http",
    }
    return WSGIRequest(environ), stream


def test_a_file_past_the_limit_is_not_read_further(upload_request):
    request, stream = upload_request(20 * 1024 * 1024)
    upload = request.FILES["file"]
    assert isinstance(upload, TooLargeUpload)
    assert upload.name == "big0.csv"
    assert upload.size > LIMIT
    assert upload.read() == b""
    assert request.POST["csrfmiddlewaretoken"] == "token"
    assert stream.bytes_read < LIMIT + CHUNKS_PAST_THE_LIMIT


def test_many_files_under_the_limit_each_are_not_read_past_it_together(upload_request):
    request, stream = upload_request(LIMIT - 10, files=20)  # 95 such files were 498 MB on disk
    uploads = request.FILES.getlist("file")
    assert isinstance(uploads[-1], TooLargeUpload) and uploads[-1].size > LIMIT
    assert len(uploads) == 2
    assert stream.bytes_read < LIMIT + CHUNKS_PAST_THE_LIMIT


def test_a_file_of_exactly_the_limit_comes_through_whole(upload_request):
    request, stream = upload_request(LIMIT)
    upload = request.FILES["file"]
    assert not isinstance(upload, TooLargeUpload)
    assert upload.size == LIMIT
    assert upload.read() == b"x" * LIMIT


def test_a_small_file_comes_through_as_django_reads_it(upload_request):
    request, _ = upload_request(100)
    assert request.FILES["file"].read() == b"x" * 100


def test_the_limit_is_the_imports():
    assert settings.MAX_UPLOAD_BYTES == imports.MAX_UPLOAD_BYTES


@pytest.mark.django_db
def test_the_import_page_refuses_a_large_file_in_words_without_reading_it(
    client, cast, monkeypatch
):
    read = []
    original = FakePayload.read

    def counting_read(self, *args):
        data = original(self, *args)
        read.append(len(data))
        return data

    monkeypatch.setattr(FakePayload, "read", counting_read)
    client.force_login(cast.owner)
    huge = SimpleUploadedFile("huge.csv", b"x," * (10 * 1024 * 1024), "text/csv")
    response = client.post(reverse("import_history", args=[cast.patient.pk]), {"file": huge})
    assert response.status_code == 200
    assert "This file is larger than 5 MB." in response.content.decode()
    assert sum(read) < LIMIT + CHUNKS_PAST_THE_LIMIT


def test_a_part_whose_bytes_decode_to_nothing_is_not_read_past_the_limit():
    # Base64 of blanks: 20 MB on the wire, nothing once decoded.
    blanks = b" " * (4 * LIMIT)
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + blanks
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    request, stream = posted(body)
    try:
        assert isinstance(request.FILES["file"], TooLargeUpload)
        assert stream.bytes_read < LIMIT + CHUNKS_PAST_THE_LIMIT + 64 * 1024
    finally:
        request.close()
