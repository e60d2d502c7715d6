"""Staff sign-in and the site's security plumbing: two-factor authentication (``twofactor``), session lifetime
and ending (``sessions``), the lock-out answer (``lockout``) and the middleware that enforces them
(``middleware``). docs/security.md says what is enforced where."""
