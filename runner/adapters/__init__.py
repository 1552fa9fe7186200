"""The ports' implementations: the WooCommerce source, the Exact sink, the folder and dry-run sinks."""
