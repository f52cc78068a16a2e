"""The intake conversation: one declared table (table.py), its questions and its answers.

- states.py: the states and events;  reader.py: an input → its event;
- questions.py: what to ask next;  start.py: first messages and the paths by kind;
- answers.py: the handlers of answers;  table.py: the table, `handle`, `on_timeout`.
The diagram beside it (conversation.md) is generated from the table:
`python -m handlers.conversation`.
"""

from handlers import messages as m
from handlers.conversation.questions import QUESTIONS, in_emergency
from handlers.conversation.start import menu_choice, start_emergency
from handlers.conversation.states import (
    ASK_AGE,
    ASK_CONSENT,
    ASK_INFO,
    ASK_PHONE,
    ASK_PLACE,
    ASK_PROBLEM,
    ASK_SUBJECT,
    CHECK_DANGER,
    CHOOSE_EDIT,
    CHOOSE_PLACE,
    CHOOSE_TOPIC,
    CONFIRM,
    EMERGENCY_PHONE,
    EMERGENCY_PLACE,
    IDLE,
    OFFER_CASE,
)
from handlers.conversation.table import (
    QUESTION_STATES,
    STATES,
    TABLE,
    TIMEOUTS,
    Step,
    diagram,
    handle,
    on_timeout,
    timed_out,
    timeout_after,
)
from handlers.turn import Input, Turn

__all__ = ["ASK_AGE", "ASK_CONSENT", "ASK_INFO", "ASK_PHONE", "ASK_PLACE", "ASK_PROBLEM", "ASK_SUBJECT",
           "CHECK_DANGER", "CHOOSE_EDIT", "CHOOSE_PLACE", "CHOOSE_TOPIC", "CONFIRM", "OFFER_CASE", "EMERGENCY_PHONE", "EMERGENCY_PLACE", "IDLE",
           "QUESTIONS", "QUESTION_STATES", "STATES", "TABLE", "TIMEOUTS", "Input", "Step", "Turn",
           "diagram", "handle", "in_emergency", "m", "menu_choice", "on_timeout", "start_emergency", "timed_out",
           "timeout_after"]
