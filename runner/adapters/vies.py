"""Asking VIES, the EU's VAT number service (REST: POST {vies.url}/check-vat-number; the
contract in the reference, VIES-SW), whether a customer's VAT number is valid.

An answer is one of three (runner/domain/vat_number.py ViesAnswer): `valid`, `invalid` (VIES
said `valid: false`, or the number is malformed: INVALID_INPUT) or `unavailable` (any other
error code, a status without an answer, no connection, a timeout): a transient error is never
taken for "invalid". A transient error is tried once more after 1.5 s (VIES throttles on
concurrency, reference 2.1). Each number is asked once per run: the answers are kept by number."""

from __future__ import annotations

import httpx

from runner.domain.vat_number import ViesAnswer
from runner.spec.model import Spec
from runner.support.http import BadJson, json_body, make_client, pause

INVALID = {"INVALID_INPUT"}  # the number itself is wrong; every other error code is VIES's or a member state's trouble
RETRY_AFTER = 1.5


class Vies:
    def __init__(self, url: str, requester: str = "", timeout: float = 20.0, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/") + "/check-vat-number"
        self.requester = "".join(ch for ch in requester.upper() if ch.isalnum())
        self.timeout, self.transport = timeout, transport
        self.answers: dict[tuple[str, str], ViesAnswer] = {}
        self.asked = 0  # requests sent, for the run's figures
        self._http: httpx.Client | None = None

    def __call__(self, country: str, number: str) -> ViesAnswer:
        key = (country, number)
        if key not in self.answers:
            answer = self._ask(country, number)
            if answer.status == "unavailable":
                pause(RETRY_AFTER)
                answer = self._ask(country, number)
            self.answers[key] = answer
        return self.answers[key]

    def _ask(self, country: str, number: str) -> ViesAnswer:
        if self._http is None:
            self._http = make_client(transport=self.transport, timeout=self.timeout, headers={"Accept": "application/json"})
        body = {"countryCode": country, "vatNumber": number}
        if len(self.requester) > 2:
            body |= {"requesterMemberStateCode": self.requester[:2], "requesterNumber": self.requester[2:]}
        self.asked += 1
        try:
            response = self._http.post(self.url, json=body)
            payload = json_body(response)
        except (httpx.HTTPError, BadJson) as exc:
            return ViesAnswer("unavailable", country, number, error=type(exc).__name__)
        if not isinstance(payload, dict):
            return ViesAnswer("unavailable", country, number, error=f"HTTP {response.status_code}")
        code = _error(payload)
        if code:
            return ViesAnswer("invalid" if code in INVALID else "unavailable", country, number, error=code)
        if response.status_code != 200 or "valid" not in payload:
            return ViesAnswer("unavailable", country, number, error=f"HTTP {response.status_code}")
        name = str(payload.get("name") or "").strip()
        return ViesAnswer(
            "valid" if payload.get("valid") is True else "invalid",
            country,
            number,
            name="" if name == "---" else name,
            date=str(payload.get("requestDate") or ""),
            identifier=str(payload.get("requestIdentifier") or ""),
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


def _error(payload: dict) -> str:
    """The error code of an answer: the contract's errorWrappers, or the GET route's userError."""
    wrappers = payload.get("errorWrappers")
    if isinstance(wrappers, list) and wrappers and isinstance(wrappers[0], dict):
        return str(wrappers[0].get("error") or "UNKNOWN")
    user_error = str(payload.get("userError") or "")
    return "" if user_error in ("", "VALID", "INVALID") else user_error


def vies_from_spec(spec: Spec) -> Vies:
    return Vies(spec.vies.url, spec.vies.requester, float(spec.vies.timeout))
