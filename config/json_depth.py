"""The nesting limit for JSON bodies from clients and providers.

Python's JSON decoder recurses once per level, and so does any code that walks what it returns:
a body of about a thousand ``[`` exhausts the stack (``RecursionError``) somewhere between the
parser and the database. No body the product accepts comes near ``MAX_DEPTH`` levels, so a
deeper one is refused before it is decoded.
"""

import re

MAX_DEPTH = 64
# The only bytes that matter for depth: brackets, and what starts, ends or escapes a string.
_TOKENS = re.compile(rb'[\[\]{}"\\]')
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects nest more than ``limit`` levels (brackets inside strings
    do not count). Linear in the number of bracket and quote bytes; never recursive."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, -1
    for token in _TOKENS.finditer(body):
        at = token.start()
        if at == escaped:
            continue
        char = body[at]
        if in_string:
            if char == _BACKSLASH:
                escaped = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif char in _CLOSE:
            depth -= 1
    return False
