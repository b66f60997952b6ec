"""CLI commands that live in their own module (one concept each); `ketasim.cli` registers them."""
