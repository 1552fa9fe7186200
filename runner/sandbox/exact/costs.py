"""Cost centres and cost units (reference: "Additions, third pass"): `hrm/Costcenters` and
`hrm/Costunits`, GET only, paths case-sensitive (`hrm/CostCenters` answers 404, as every path
not in the route table); seeded with a few codes. A sales entry or invoice line's `CostCenter`
and `CostUnit` must exist, and a GL account whose `UseCostcenter`/`UseCostunit` is 1 demands
one (2 refuses one) [C3 for the demand; the values 0 optional, 1 mandatory, 2 not allowed, I].
The Dutch texts follow Exact's pattern for other references [I]."""

from __future__ import annotations

from runner.sandbox.odata.envelope import EntitySet, fields

MODELS = "Exact.Web.Api.Models.HRM."
COMMON = "ID:g! Code:s Description:s Created:t! Creator:g! CreatorFullName:s! Division:i! Modified:t! Modifier:g! ModifierFullName:s!"
COST_CENTERS = EntitySet("hrm/Costcenters", MODELS + "Costcenter", "ID", fields("Active:b " + COMMON))
COST_UNITS = EntitySet("hrm/Costunits", MODELS + "Costunit", "ID", fields(COMMON))
SEEDED = (
    (COST_CENTERS, [("100", "Webwinkel"), ("200", "Marktplaatsen"), ("300", "Zakelijk")]),
    (COST_UNITS, [("KOF", "Koffie"), ("THE", "Thee"), ("ACC", "Accessoires")]),
)
WORDS = {"CostCenter": ("Kostenplaats", 0), "CostUnit": ("Kostendrager", 1)}


def seed_costs(admin) -> None:
    """The two tables in an administration (runner/sandbox/exact/seed.py), with their codes."""
    for es, rows in SEEDED:
        admin.tables[es.path], admin.codes[es.path] = {}, {}
        for code, description in rows:
            admin.insert(es, {"Code": code, "Description": description, **({"Active": True} if es is COST_CENTERS else {})})


def checked_costs(admin, raw: dict, gl: dict | None, errors: list[str]) -> dict | None:
    """A line's cost centre and cost unit against the tables and its GL account; returns `gl`."""
    for name, es in (("CostCenter", COST_CENTERS), ("CostUnit", COST_UNITS)):
        word, index = WORDS[name]
        code = raw.get(name)
        demand = int((gl or {}).get("UseCostcenter" if index == 0 else "UseCostunit") or 0)
        if code and admin.by_code(es, code) is None:
            errors.append(f"Ongeldige referentie: {word}")
        elif not code and demand == 1:
            errors.append(f"Verplicht: {word}")
        elif code and demand == 2:
            errors.append(f"Niet toegestaan: {word}")
    return gl
