"""What the seeded administrations hold: the chart of accounts, VAT codes, journals and payment
conditions of the Dutch preset (mappings/nl-default.yaml), as rows the seed turns into tables."""

from __future__ import annotations

GL_CHART = [
    ("1000", "Kas", 10),
    ("1100", "Bank", 12),
    ("1110", "PayPal", 16),
    ("1120", "Stripe", 16),
    ("1130", "Mollie", 16),
    ("1190", "Kruisposten betaaldiensten", 90),  # payouts from a provider on their way to the bank (tussenrekening)
    ("1300", "Debiteuren", 20),
    ("1500", "Af te dragen BTW hoog", 24),
    ("1510", "Af te dragen BTW laag", 24),
    ("1600", "Crediteuren", 22),
    ("1610", "Uitstaande cadeaubonnen", 90),  # a multi-purpose voucher sold: a liability outside the VAT return
    ("1620", "Ontvangen statiegeld", 90),  # deposits charged, to be returned: outside the VAT base [U]
    ("4000", "Inkoopwaarde omzet", 111),
    ("4600", "Transactiekosten betaaldiensten", 120),  # the providers' fees
    ("4610", "Chargebacks en betaalverschillen", 120),
    ("8000", "Omzet hoog tarief", 110),
    ("8010", "Omzet laag tarief", 110),
    ("8020", "Omzet nultarief", 110),
    ("8030", "Omzet ICP", 110),
    ("8040", "Omzet export", 110),
    ("8045", "Omzet OSS", 110),
    ("8050", "Verzendkosten", 110),
    ("8060", "Toeslagen en betaalkosten", 110),
    ("8070", "Kortingen", 110),
    ("8990", "Afrondingsverschillen", 110),
]
GL_TYPES = {10: "Kas", 12: "Bank", 16: "Betaaldienst", 20: "Debiteuren", 22: "Crediteuren", 24: "Btw", 90: "Algemeen"}
GL_TYPES |= {110: "Omzet", 111: "Kostprijs van de omzet", 120: "Overige kosten"}
# Code, Description, Percentage, Type, EUSalesListing, OssCountry, GL to pay
VAT_TABLE = [
    ("0", "BTW 0%", "0", "E", "N", None, None),
    ("1", "BTW laag 9% excl", "0.09", "E", "N", None, "1510"),
    ("2", "BTW hoog 21% excl", "0.21", "E", "N", None, "1500"),
    ("3", "BTW hoog 21% incl", "0.21", "I", "N", None, "1500"),
    ("4", "BTW laag 9% incl", "0.09", "I", "N", None, "1510"),
    ("5", "Geen BTW", "0", "N", "N", None, None),
    ("6", "Export buiten EU", "0", "B", "N", None, None),
    ("7", "Intracommunautaire levering", "0", "B", "L", None, None),
    ("B21", "België 21%", "0.21", "E", "N", "BE", "1500"),
    ("D19", "Duitsland 19%", "0.19", "E", "N", "DE", "1500"),
    ("D7", "Duitsland 7%", "0.07", "E", "N", "DE", "1500"),
    ("F20", "Frankrijk 20%", "0.20", "E", "N", "FR", "1500"),
    ("B6", "België 6%", "0.06", "E", "N", "BE", "1510"),
    ("F5", "Frankrijk 5,5%", "0.055", "E", "N", "FR", "1510"),
]
# Code, Description, Type, PaymentServiceProvider, GL account
JOURNAL_TABLE = [
    ("70", "Verkoopboek", 20, None, None),
    ("20", "Bank", 12, None, "1100"),
    ("21", "PayPal", 16, 2, "1110"),
    ("22", "Stripe", 16, 3, "1120"),
    ("23", "Mollie", 16, None, "1130"),  # Exact's number for Mollie as PaymentServiceProvider is not known [U]
    ("10", "Kas", 10, None, "1000"),
    ("90", "Memoriaal", 90, None, None),
]
PAYMENT_TABLE = [("00", "Direct", 0), ("14", "14 dagen", 14), ("30", "30 dagen", 30)]
