"""The one base class of user-input errors.

Every error caused by what a user wrote (a dose, a unit, a file, a drug name, a
hypothesis) derives from `InputError`, so the command line can turn all of them into
one line naming the field and exit status 2, and nothing else.
"""


class InputError(ValueError):
    """Bad user input; the message names the field and the problem in one line."""
