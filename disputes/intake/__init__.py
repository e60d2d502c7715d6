"""Intake on every channel: the shared claim form (one place for the rules), the checks while filing, and the
service that turns a submitted form into cases."""
