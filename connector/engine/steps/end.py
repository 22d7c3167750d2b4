"""The `end:` step part: the run is over after this step."""

DOC = """End the run after this step's update, task and text.

    done:
      send: "Thanks {{ first_name }}, see you then."
      end: true
"""
