"""The mediation API: sessions, contacts, the agreement, the employer's signature and payments of a case."""
