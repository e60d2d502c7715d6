"""Mediation: sessions, agreements and their signatures, payments followed up (the mediator's workbench).

Drives cases through ``disputes.services``; never the other way round.
"""
