"""A simulator of VIES, the EU's service that checks VAT numbers (its REST API, "VIES on-the-Web";
contract in the reference's VIES-SW: swagger_publicVAT.yaml), served like the shop and Exact.

- POST {PREFIX}/check-vat-number with `countryCode`, `vatNumber` (and optionally
  `requesterMemberStateCode`, `requesterNumber`): 200 with `countryCode`, `vatNumber`,
  `requestDate`, `valid`, `requestIdentifier` (only when a requester was sent), `name`,
  `address` ("---" where the member state never gives them, as DE and ES).
- A number is valid when it is registered (`register`), invalid otherwise. A member state that
  is down (`down`: a set of country codes) answers `MS_UNAVAILABLE`; all of VIES down
  (`down = {"*"}`) `SERVICE_UNAVAILABLE`: as 500 with `{"actionSucceed": false,
  "errorWrappers": [{"error": CODE, "message": ...}]}`, the contract's error body. Whether the
  live POST says an outage with a 500 or with a 200 (as the GET route does, `userError`) is
  not confirmed [U]: `outage_status = 200` answers as the GET route's clients report it.
- POST {PREFIX}/check-vat-test-service answers the EC's test numbers (VIES-TEST): 100 valid,
  200 invalid, 201 INVALID_INPUT, 300 SERVICE_UNAVAILABLE, 301 MS_UNAVAILABLE, 302 TIMEOUT...
- GET {PREFIX}/check-status: `{"vow": {"available": ...}, "countries": [...]}`.

`calls` counts the checks per number, so a test can see that a run asks once per number."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

from runner.sandbox.host import Request, Response, json_response

PREFIX = "/taxation_customs/vies/rest-api"
NO_DETAILS = {"DE", "ES"}  # member states that never return a name or address ("---")
TEST_NUMBERS = {
    "100": None,
    "200": "",
    "201": "INVALID_INPUT",
    "202": "INVALID_REQUESTER_INFO",
    "300": "SERVICE_UNAVAILABLE",
    "301": "MS_UNAVAILABLE",
    "302": "TIMEOUT",
    "400": "VAT_BLOCKED",
    "401": "IP_BLOCKED",
    "500": "GLOBAL_MAX_CONCURRENT_REQ",
    "501": "GLOBAL_MAX_CONCURRENT_REQ_TIME",
    "600": "MS_MAX_CONCURRENT_REQ",
    "601": "MS_MAX_CONCURRENT_REQ_TIME",
}
MEMBER_STATES = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split()

# The demo shop's business customers (runner/sandbox/woo/demo.py VAT_NUMBERS) and a few more, all valid.
REGISTER = {
    "BE0123456749": ("Brasserie Anvers BV", "Meir 1, 2000 Antwerpen"),
    "DE123456789": ("---", "---"),
    "DE811569869": ("---", "---"),
    "FR40303265045": ("SA Cafés de Lyon", "1 place Bellecour, 69002 Lyon"),
    "ATU12345678": ("Wiener Röstwerk GmbH", "Graben 1, 1010 Wien"),
    "XI123456789": ("Belfast Beans Ltd", "1 Donegall Square, Belfast BT1 5GS"),
}


class ViesSimulator:
    def __init__(self, register: dict[str, tuple[str, str]] | None = None, down: set[str] | None = None, outage_status: int = 500) -> None:
        self.register = dict(REGISTER if register is None else register)
        self.down: set[str] = set(down or ())
        self.outage_status = outage_status
        self.calls: Counter[str] = Counter()
        self._ids = itertools.count(1)

    def handle(self, request: Request) -> Response:
        path = request.path[len(PREFIX) :] if request.path.startswith(PREFIX) else request.path
        if request.method == "GET" and path == "/check-status":
            countries = [{"countryCode": c, "availability": "Unavailable" if c in self.down else "Available"} for c in MEMBER_STATES]
            return json_response(200, {"vow": {"available": "*" not in self.down}, "countries": countries})
        if request.method != "POST" or path not in ("/check-vat-number", "/check-vat-test-service"):
            return self._error(404, "NOT_FOUND")
        body = request.json() or {}
        country, number = str(body.get("countryCode") or "").upper(), str(body.get("vatNumber") or "").upper()
        if country not in MEMBER_STATES or not number:
            return self._error(400, "INVALID_INPUT")
        self.calls[country + number] += 1
        requester = bool(body.get("requesterMemberStateCode") and body.get("requesterNumber"))
        if path == "/check-vat-test-service":
            code = TEST_NUMBERS.get(number, "SERVICE_UNAVAILABLE")
            if code:
                return self._error(self.outage_status if code != "INVALID_INPUT" else 400, code)
            return self._answer(country, number, code is None, ("TEST", "TEST"), requester)
        if "*" in self.down:
            return self._error(self.outage_status, "SERVICE_UNAVAILABLE")
        if country in self.down:
            return self._error(self.outage_status, "MS_UNAVAILABLE")
        details = self.register.get(country + number)
        return self._answer(country, number, details is not None, details or ("---", "---"), requester)

    def _answer(self, country: str, number: str, valid: bool, details: tuple[str, str], requester: bool) -> Response:
        name, address = ("---", "---") if country in NO_DETAILS or not valid else details
        payload = {
            "countryCode": country,
            "vatNumber": number,
            "requestDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "valid": valid,
            "requestIdentifier": f"WAPI{next(self._ids):012d}" if requester else "",
            "name": name,
            "address": address,
        }
        return json_response(200, payload)

    def _error(self, status: int, code: str) -> Response:
        if status == 200:  # as the GET route reports an outage: not valid, with the reason
            return json_response(200, {"isValid": False, "valid": False, "userError": code})
        return json_response(status, {"actionSucceed": False, "errorWrappers": [{"error": code, "message": code.replace("_", " ").lower()}]})
