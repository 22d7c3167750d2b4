"""The `wait:` step part: pause the run for a while, then go on to `next:`."""

DOC = """Pause before the next step; the pause survives restarts (it is a timer in the store).

    nudge:
      wait: 2d
      next: reminder
"""
