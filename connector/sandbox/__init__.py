"""Wire-compatible emulators of the services the connector talks to, for demos and tests."""
