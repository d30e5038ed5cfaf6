"""Demo price lists, contracts and group assignments (SPEC section 9)."""


def seed_pricing() -> None:
    """Create or refresh the demo price lists. Filled in with the pricing engine."""
