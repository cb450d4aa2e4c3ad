"""Request bodies sent with ``Transfer-Encoding: chunked`` (no ``Content-Length``).

gunicorn decodes the chunks and says so with ``wsgi.input_terminated`` (the input ends where
the body ends), but Django reads exactly ``CONTENT_LENGTH`` bytes and treats a missing one as
an empty body: a chunked create reached the API as ``{}``. This WSGI wrapper reads such a body
up to one byte past the largest the project accepts and hands Django a length, so every size
check (413) and parser sees the body as if it had been sent with ``Content-Length``.
"""

import io

from django.conf import settings


class ChunkedBodies:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if _is_unsized_chunked(environ):
            body = environ["wsgi.input"].read(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)


def _is_unsized_chunked(environ) -> bool:
    # Only a server that terminates the input may be read to its end: elsewhere a read past
    # the body would block on the socket.
    return (
        not environ.get("CONTENT_LENGTH")
        and environ.get("wsgi.input_terminated") is True
        and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )
