"""The `settlements:` section: per payment provider, where its payouts are booked in Exact
(runner/domain/settlement.py, docs/settlements.md). Typed as the schema says
(tests/test_spec_model.py keeps the two agreeing)."""

from __future__ import annotations

from dataclasses import dataclass, fields

PROVIDERS = ("mollie", "stripe", "paypal")


@dataclass(frozen=True)
class Provider:
    url: str = ""  # empty: the provider's own API
    journal: str = ""  # the Exact bank journal whose balance is the provider's
    clearing_account: str = ""  # payouts go here (kruisposten), cleared by the real bank's entry
    fee_account: str = ""
    fee_vat_code: str = ""  # a template (provider, fee); empty: the fee account's default code
    chargeback_account: str = ""  # chargeback fees, chargebacks without an order; empty: differences_account
    differences_account: str = ""  # what no order explains, named

    @property
    def keyed(self) -> bool:
        """Whether the provider's API can be read (else: fees estimated from order meta)."""
        return bool(getattr(self, "api_key", "") or (getattr(self, "client_id", "") and getattr(self, "client_secret", "")))


@dataclass(frozen=True)
class KeyProvider(Provider):
    """Mollie (an organization access token) and Stripe (a secret or restricted key)."""

    api_key: str = ""  # a ${VAR}


@dataclass(frozen=True)
class PayPal(Provider):
    client_id: str = ""  # a REST app with Transaction Search enabled
    client_secret: str = ""


@dataclass(frozen=True)
class Settlements:
    mollie: KeyProvider | None = None
    stripe: KeyProvider | None = None
    paypal: PayPal | None = None

    def providers(self) -> dict[str, Provider]:
        """The providers the spec books, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
