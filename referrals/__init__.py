"""Handoffs between organizations and notifications to people: outbox rows, delivered by Celery workers."""
