"""The Atom/XML answer of an OData v2 service, which Exact gives when a request lacks
`Accept: application/json` (reference 4.1). Small but real, so a client that forgot the header
and parses JSON fails visibly instead of working by accident."""

from __future__ import annotations

from xml.sax.saxutils import escape


def atom(payload: dict) -> tuple[bytes, str]:
    """A small but real Atom/XML rendering, so a client that parses JSON fails visibly."""
    if "error" in payload:
        text = escape(payload["error"]["message"]["value"])
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<error xmlns="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
            f'<code></code><message xml:lang="">{text}</message></error>'
        )
        return body.encode("utf-8"), "application/xml;charset=utf-8"
    d = payload.get("d", {})
    ns = (
        'xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
        'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"'
    )
    if isinstance(d, dict) and "results" in d:
        entries = "".join(_atom_entry(e) for e in d["results"])
        body, kind = f'<feed {ns}><title type="text"></title>{entries}</feed>', "feed"
    else:
        body, kind = _atom_entry(d, ns), "entry"
    return f'<?xml version="1.0" encoding="utf-8"?>{body}'.encode(), f"application/atom+xml;type={kind};charset=utf-8"


def _atom_entry(entity: dict, ns: str = "") -> str:
    meta = entity.get("__metadata", {})
    props = "".join(
        f'<d:{k} m:null="true" />' if v is None else f"<d:{k}>{escape(str(v))}</d:{k}>"
        for k, v in entity.items()
        if k != "__metadata" and not isinstance(v, dict)
    )
    return (
        f'<entry {ns}><id>{escape(meta.get("uri", ""))}</id><category term="{meta.get("type", "")}" '
        f'scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme" />'
        f'<content type="application/xml"><m:properties>{props}</m:properties></content></entry>'
    )
