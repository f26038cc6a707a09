"""Product-card copy: one short line a card leads with, in three variants, built and checked against the product's
own data (`facts`, `templates`, `factcheck`). Which variant a conversation sees is the copy experiment's business
(`shop.experiments`)."""

from shop.cardcopy.factcheck import CopyCheck, check_copy
from shop.cardcopy.facts import Facts, facts_of
from shop.cardcopy.templates import benefit_attribute, template_line
from shop.cardcopy.variants import VARIANTS

__all__ = ["VARIANTS", "Facts", "facts_of", "template_line", "benefit_attribute", "check_copy", "CopyCheck"]
