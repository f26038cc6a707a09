"""The copy experiment's arms: the kinds of line a product card can lead with."""

VARIANTS = ("benefit", "social", "deal")
