"""Errors that services raise and the API and admin translate to a status and a message in the user's language."""

from django.utils.translation import gettext as _


class UnknownTransition(Exception):
    """The name is not a transition of a case (404)."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(_("没有名为“%(name)s”的操作。") % {"name": name})


class TransitionConflict(Exception):
    """The case is not (or no longer) in a state that allows the transition (409)."""

    def __init__(self, *, name: str, current_state: str, current_label: str, reason: str = ""):
        from .services import transition_label  # the label lives with the state machine

        self.name = name
        self.current_state = current_state
        message = _("案件当前状态为“%(label)s”（%(state)s），不能执行“%(action)s”（%(name)s）。") % {
            "label": current_label,
            "state": current_state,
            "action": transition_label(name),
            "name": name,
        }
        if reason:
            message = f"{message}{reason}"
        super().__init__(message)


class DeadlineConflict(Exception):
    """The deadline cannot be changed as asked in its present state: met, no longer counted, already past or
    already extended as far as the law allows (409). The message says which."""
