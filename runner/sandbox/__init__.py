"""A faithful WooCommerce and Exact Online on localhost, for the demo and the tests.

`woo/`, `exact/` and `odata/` are the simulators (`psp/` those of Mollie, Stripe and PayPal,
paying out the shop's orders); `host.py` the request model, fault injection
and the Host that serves one simulator at one address; `transport.py` reaches a Host in this
process (httpx transport, mounted in runner.support.http); `server.py` on a real socket, for other
processes; `embedded.py` starts both simulators as a pair (`--sandbox`, `runner sandbox`)."""
