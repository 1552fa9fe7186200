"""A faithful WooCommerce and Exact Online on localhost, for the demo and the tests."""
