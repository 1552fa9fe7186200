"""The consultant's desk (`runner serve`): one local page for all clients, over the same
functions the CLI calls. `app` routes, `auth` logs in and guards every POST, `data` is the
one seam to the services (the only module here that reaches a ledger, a run or an adapter),
`desk` holds the clients and the schedule, `hooks` checks WooCommerce's deliveries, `chart`
draws the VAT report. Needs the `web` extra (Starlette, uvicorn): `pip install ".[web]"`."""
