"""Store rules the actions apply, read from the operator's files (promotions.yml)."""
