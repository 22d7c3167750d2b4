"""Load and validate flows/, mappings/ and manifest.yaml into typed models; errors name file:line:column."""

# The longest business name `{{ sender }}` may hold. Validation measures texts with a sender this long, and the
# host's sender setting refuses a longer name, so a text that validates never outgrows its segment budget.
SENDER_MAX_LENGTH = 30
# The name texts are signed with until an admin sets SMSFLOW_SENDER_NAME; `smsflow simulate`, the golden runs and
# the demo sign texts with it too.
DEFAULT_SENDER_NAME = "Acme Homes"
