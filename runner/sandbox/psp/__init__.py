"""Payment-provider simulators: Mollie (settlements, balances), Stripe (payouts, balance
transactions) and PayPal (OAuth, Transaction Search), each paying out the sandbox shop's orders
through its gateway on a weekly schedule, with fees, a late refund and a chargeback.

`world.py` holds what they share (sales, movements, payouts, balances); `*_books.py` each
provider's fees, links to the shop and JSON objects; `mollie.py`, `stripe.py`, `paypal.py` the
HTTP APIs; `start.py` starts all three beside a shop, in this process or on sockets."""
