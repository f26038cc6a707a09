"""The copy experiment: its bandit (`bandit`) and its event store (`events`)."""
