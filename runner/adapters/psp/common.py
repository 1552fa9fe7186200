"""What the three provider adapters share: one GET with the runner's error types, amounts as
Decimal, and what a refusal says to do."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from runner.errors import ServiceError, SpecError
from runner.support.http import BadJson, json_body, make_client, why
from runner.support.redact import safe_url

TIMEOUT = 30.0


class Api:
    """An httpx client on one provider's API: `get` answers the JSON or raises a runner error."""

    name = ""

    def __init__(self, base_url: str, transport: httpx.BaseTransport | None, headers: dict[str, str] | None = None) -> None:
        self.client = make_client(base_url, transport, TIMEOUT, headers=headers or {})
        self.calls = 0

    def get(self, path: str, params: Any = None) -> Any:
        return self.send("GET", path, params=params)

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls += 1
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceError(f"{self.name} did not answer ({why(exc)})", "check the connection; `runner settle` again later") from None
        if response.status_code in (401, 403):
            raise SpecError(
                f"{self.name} refused the credentials ({response.status_code}): {self.said(response)}",
                f"check settlements.{self.name.lower()} in the spec (the key, and its permission to read settlements)",
            )
        if response.status_code >= 400:
            raise ServiceError(
                f"{self.name} answered {response.status_code} on {safe_url(response.request.url)}: {self.said(response)}",
                "`runner settle` again later; if it stays, the provider's status page says more",
                response.status_code,
            )
        try:
            return json_body(response)
        except BadJson as exc:
            raise ServiceError(f"{self.name} answered something that is not JSON ({exc})", "`runner settle` again later") from None

    def said(self, response: httpx.Response) -> str:
        """The provider's own words, from whichever error shape it uses."""
        try:
            body = json_body(response)
        except BadJson:
            return response.reason_phrase
        if isinstance(body, dict):
            error = body.get("error")
            if isinstance(error, dict):
                return str(error.get("message") or error)
            return str(body.get("detail") or body.get("message") or body.get("error_description") or error or body.get("title") or "")
        return response.reason_phrase


def money(value: Any) -> Decimal:
    """A provider's decimal string ("10.00", Mollie's "86.1000") as Decimal."""
    return Decimal(str(value or "0"))
