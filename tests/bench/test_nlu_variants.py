"""The pipeline variants the NLU bench compares are the changes they say they are."""

from __future__ import annotations

from typing import Any

import pytest

from bench.nlu_pipelines import load_config
from bench.nlu_variants import variant_config

BASE: dict[str, Any] = {
    "language": "en",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 100},
        {"name": "ResponseSelector", "epochs": 100},
    ],
    "policies": [{"name": "RulePolicy"}],
}


def by_name(config: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in config["pipeline"] if c["name"] == name]


def test_a_combined_variant_applies_both_changes_and_leaves_the_base_alone() -> None:
    config, skipped = variant_config("epochs-50+word-bigrams", BASE)
    assert skipped is None
    assert [c["epochs"] for c in by_name(config, "DIETClassifier")] == [50]
    assert [c["epochs"] for c in by_name(config, "ResponseSelector")] == [50]
    words, chars = by_name(config, "CountVectorsFeaturizer")
    assert (words.get("min_ngram"), words.get("max_ngram")) == (1, 2)
    assert chars["max_ngram"] == 4
    # NLU only: the bench trains `rasa train nlu`; and the base is not changed in place.
    assert "policies" not in config
    assert BASE["pipeline"][3]["epochs"] == 100


def test_the_chosen_pipeline_is_what_config_yml_holds() -> None:
    # config.yml took "epochs-50 + word-bigrams" (docs/nlu-pipelines.md): applying
    # that variant to it again changes nothing.
    current = load_config()
    again, _ = variant_config("epochs-50+word-bigrams", current)
    assert again["pipeline"] == current["pipeline"]


def test_an_unknown_variant_stops_before_any_training() -> None:
    with pytest.raises(SystemExit, match="unknown variant 'epochs-5'"):
        variant_config("epochs-5", BASE)
