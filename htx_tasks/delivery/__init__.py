"""Delivery: the outbox dispatcher, channels (Apprise), the local inbox and message templates."""
