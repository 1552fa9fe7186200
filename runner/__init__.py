"""woo-exact runner: book WooCommerce orders into Exact Online from a declarative sync.yaml."""

__version__ = "0.1.0"
