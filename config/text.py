"""Text no database column can hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates
(not encodable as UTF-8 at all). The API refuses such input; webhook decoding replaces it."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"
