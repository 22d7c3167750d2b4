"""The Salesforce side of the CRM port; the only package that imports simple_salesforce."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from connector.crm.port import CrmPort
from connector.crm.salesforce.adapter import BudgetPolicy, SalesforceConfig, SalesforceCrm
from connector.settings import Settings

__all__ = ["BudgetPolicy", "SalesforceConfig", "SalesforceCrm", "build_crm"]


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_crm(settings: Settings) -> CrmPort:
    """The Salesforce adapter configured from SALESFORCE_* settings (nothing connects until the first call).

    Connected-app settings (SALESFORCE_CONSUMER_KEY, SALESFORCE_CONSUMER_SECRET, SALESFORCE_PRIVATE_KEY_FILE for
    OAuth and JWT bearer logins) are read when Settings declares them.
    """
    key_file: Path | None = getattr(settings, "salesforce_private_key_file", None)
    return SalesforceCrm(
        SalesforceConfig(
            instance_url=settings.salesforce_instance_url,
            session_id=_secret(settings.salesforce_session_id),
            username=settings.salesforce_username,
            password=_secret(settings.salesforce_password),
            security_token=_secret(settings.salesforce_security_token),
            consumer_key=getattr(settings, "salesforce_consumer_key", None),
            consumer_secret=_secret(getattr(settings, "salesforce_consumer_secret", None)),
            private_key=key_file.read_text(encoding="utf-8") if key_file else None,
            api_version=settings.salesforce_api_version,
            ca_bundle=settings.salesforce_ca_bundle,
        )
    )
