"""Record ids: the 18-character case-safe suffix, checked against ids from the reference samples."""

from __future__ import annotations

import pytest

from connector.sandbox.salesforce import ids

SAMPLE_IDS = ["00Q5e00000Hk7PaEAJ", "0055e000004TqRzAAK", "00T5e00000jW3xQEAS", "00D5e000000KQ2eEAG",
              "04l5e00000Gx7QzAAJ", "04k5e000000CaRkAAK", "0055e000003Bn8KAAS"]  # fmt: skip


@pytest.mark.parametrize("full", SAMPLE_IDS)
def test_suffix_of_sample_ids_is_recomputed(full: str) -> None:
    assert ids.to18(full[:15]) == full
    assert ids.to18(full) == full


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("00Q5e00000Hk7P", id="too-short"),
        pytest.param("00Q5e00000Hk7Pa' OR ''='", id="quote-injection"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_ids_are_not_ids(value: str) -> None:
    assert not ids.is_id(value)


def test_a_wrong_suffix_is_recomputed_from_the_first_15_characters() -> None:
    assert ids.to18("00Q5e00000Hk7PaAAA") == "00Q5e00000Hk7PaEAJ"


def test_factory_ids_are_valid_unique_and_carry_the_key_prefix() -> None:
    factory = ids.IdFactory()
    made = [factory.new("00Q") for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all(ids.is_id(i) and i.startswith("00Q") and len(i) == 18 for i in made)
