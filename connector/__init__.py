"""SMS Flow Connector: SMS flows inside the CRM (Salesforce host, Twilio provider)."""

__version__ = "0.1.0"
