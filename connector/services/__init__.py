"""Service functions: they call the engine, the store and the ports; web/ and the worker call them."""
