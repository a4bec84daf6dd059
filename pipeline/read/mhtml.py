"""Web pages saved as one file (.mhtml, .mht) → `tables.Table`s, through the web page reader.

Chrome's and Edge's "Webpage, Single File" and Internet Explorer's "Web Archive" write a MIME multipart
(RFC 2557): the page is its first text/html part, its stylesheets and images other parts, each named by
a Content-Location (the address it was loaded from; Chrome names the stylesheets it moved out of the
page "cid:…") or a Content-ID. The page is decoded as its part declares (a charset on its Content-Type,
else as a saved page is: `html.decode`) and read as a saved web page, its stylesheets looked up among
the parts, never fetched.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from ..errors import Unreadable
from .html import decode, read_page
from .tables import Table


def read_mhtml(path: Path) -> list[Table]:
    import email
    import email.policy

    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
    page, data = None, b""
    parts: dict[str, bytes] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        for name in (part.get("Content-Location"), part.get("Content-ID")):
            if name:
                name = name.strip()
                parts[name] = payload
                if name.startswith("<") and name.endswith(">"):
                    parts["cid:" + name[1:-1]] = payload
        if page is None and part.get_content_type() == "text/html":
            page, data = part, payload
    if page is None:
        raise Unreadable(str(path), "the web archive (MHTML) holds no web page (no text/html part)")
    text = decode(path, data, page.get_content_charset())
    base = (page.get("Content-Location") or "").strip()

    def fetch(href: str) -> bytes | None:  # as written ("cid:…"), else against the page's address
        found = parts.get(href.strip())
        return found if found is not None or not base else parts.get(urljoin(base, href.strip()))

    return read_page(text, fetch)
