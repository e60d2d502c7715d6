"""Arbitration review of agreements, cases referred to arbitration, judicial confirmation and enforcement.

Drives cases through ``disputes.services``; never the other way round.
"""
