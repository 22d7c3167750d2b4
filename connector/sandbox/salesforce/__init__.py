"""A wire-compatible Salesforce emulator: REST API, SOQL, logins, API budget, Outbound Messages and callouts."""

from connector.sandbox.salesforce.auth import Credentials
from connector.sandbox.salesforce.limits import ApiCall
from connector.sandbox.salesforce.server import SalesforceEmulator
from connector.sandbox.salesforce.triggers import Attempt, RetryPolicy, Rule

__all__ = ["ApiCall", "Attempt", "Credentials", "RetryPolicy", "Rule", "SalesforceEmulator"]
