"""The Spanish conversation model: its training data, its verdicts, its place in decide()."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.escalation import EscalationSettings, Turn, decide, rules
from handoff.escalation.anger_model import MAX_MODEL_CHARS
from handoff.escalation.conversation_model import (
    ConversationModel,
    LabelledConversation,
    conversation_text,
    latest_message,
    latest_message_words,
    load_conversations,
    model_text,
    training_examples,
    training_files,
)
from handoff.escalation.vocabulary import _normalise
from tests.conftest import ROOT

# A text of this many different words is one person's writing, not a common phrase.
DISTINCTIVE_WORDS = 10
BLIND = [
    *sorted((ROOT / "tests" / "handoff").glob("escalation_conversations_*blind*.yml")),
    # Told reasons in unusual words, every one for a person: measured only.
    ROOT / "tests" / "handoff" / "escalation" / "escalation_probes_es.yml",
]

# Written for these tests, in other words than the training files: the reason
# told quietly, in the second or third message.
QUIET = (
    (
        "buenas, queria ver lo de la devolucion de unas cortinas",
        "les cuento q la compra la hizo mi papa antes de q lo internaran, el ya no puede "
        "hablar y yo no tengo su contraseña ni se como manejar esto",
    ),
    (
        "buenas noches",
        "mi esposa hizo el pedido con mi tarjeta pero ahora estamos separados y no quiero "
        "que siga usando la cuenta",
    ),
)
ROUTINE = (
    ("hola, tienen la mesa de roble en color nogal?", "y cuanto tarda en llegar a Rosario?"),
    ("buen dia, como cambio la direccion de envio de mi pedido", "gracias, muy amable"),
)


@pytest.fixture(scope="module")
def model() -> ConversationModel:
    return ConversationModel.load()


def customers(messages: tuple[str, ...]) -> list[Turn]:
    return [Turn.customer(m) for m in messages]


def test_the_training_files_are_labelled_conversations_of_both_kinds() -> None:
    conversations = [c for path in training_files() for c in load_conversations(path)]
    escalate = sum(c.escalate for c in conversations)
    assert len(conversations) >= 4400
    assert 0.4 <= escalate / len(conversations) <= 0.6
    assert all(c.messages and all(m.strip() for m in c.messages) for c in conversations)


def test_no_blind_conversation_is_trained_on() -> None:
    """A blind set's conversation, or a message of one, in training would flatter it.

    Short texts are everyone's, written apart by different people ("hola",
    "quiero hablar con un asesor", "quiero cancelar mi pedido" three times):
    only texts of at least DISTINCTIVE_WORDS different words are compared.
    """
    trained = [c for path in training_files() for c in load_conversations(path)]
    blind = [c for path in BLIND for c in load_conversations(path)]
    assert len(BLIND) == 12

    def distinctive(conversations: list[LabelledConversation]) -> set[str]:
        texts = [t for c in conversations for t in (" ".join(c.messages), *c.messages)]
        normalised = (_normalise(t) for t in texts)
        return {t for t in normalised if len(set(t.split())) >= DISTINCTIVE_WORDS}

    assert distinctive(trained) & distinctive(blind) == set()


def test_escalating_conversations_train_whole_and_the_others_at_every_point() -> None:
    texts, labels = training_examples(
        [
            LabelledConversation("a", True, ("hola", "mi madre fallecio")),
            LabelledConversation("b", False, ("hola", "donde esta mi pedido", "gracias")),
        ]
    )
    assert list(zip(texts, labels, strict=True)) == [
        ("hola\nmi madre fallecio", 1),
        ("hola", 0),
        ("hola\ndonde esta mi pedido", 0),
        ("hola\ndonde esta mi pedido\ngracias", 0),
    ]


def test_a_long_conversation_is_read_up_to_its_latest_message() -> None:
    text = conversation_text(["x" * 5000, "el ultimo mensaje"])
    assert len(text) == MAX_MODEL_CHARS
    assert text.endswith("\nel ultimo mensaje")


def test_malformed_training_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("conversations:\n- id: x\n  turns: [hola]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="boolean 'escalate'"):
        load_conversations(path)
    path.write_text("messages: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'conversations' list"):
        load_conversations(path)
    with pytest.raises(FileNotFoundError):
        training_files(tmp_path / "empty")


def test_the_fast_scorer_matches_scikit_learn(model: ConversationModel) -> None:
    texts = [conversation_text(c) for c in QUIET + ROUTINE]
    expected = model.pipeline.predict_proba(texts)[:, 1]
    assert [model.text_probability(t) for t in texts] == pytest.approx(list(expected), abs=1e-9)


def test_a_reason_told_quietly_over_messages_scores_above_a_routine_conversation(
    model: ConversationModel,
) -> None:
    threshold = EscalationSettings().conversation_model_threshold_es
    for messages in QUIET:
        assert model.probability(messages) >= threshold, messages
    for messages in ROUTINE:
        assert model.probability(messages) < 0.5, messages


def test_decide_hands_over_what_only_the_conversation_model_finds() -> None:
    on = EscalationSettings()
    off = EscalationSettings(conversation_model_threshold_es=1.0)
    for messages in QUIET:
        decision = decide(customers(messages), on)
        assert decision.reasons == ["needs_person"], decision.summary()
        assert "conversation so far" in decision.explanation["needs_person"]
        assert decide(customers(messages), off).escalate is False
    for messages in ROUTINE:
        assert decide(customers(messages), on).escalate is False


def test_the_model_reads_neither_english_nor_a_customer_declining_a_person(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 1.0)
    english = ("hi, can I change the delivery address", "thanks, that worked")
    assert decide(customers(english)).escalate is False
    declining = ("hola, queria cambiar la direccion", "no hace falta que me llamen, gracias")
    assert decide(customers(declining)).escalate is False
    assert decide(customers(ROUTINE[0])).reasons == ["needs_person"]


def test_a_charge_already_put_right_is_not_shown_to_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []
    monkeypatch.setattr(rules, "conversation_probability", lambda text: read.append(text) or 0.0)
    settled = (
        "hola, os escribo por una cosilla",
        "me salio el cobro del sofa repetido pero ya me habeis devuelto uno",
        "solo queria confirmar que el pedido sigue en marcha",
    )
    decide(customers(settled))
    assert read[-1] == "\n".join((settled[0], settled[2]))
    # A charge still open, and a refund that came late, are read.
    assert "cobraron dos veces" in model_text("me cobraron dos veces y no me lo han devuelto")
    late = "ya me llego el reembolso por fin despues de mes y medio\nfue mi ultima compra"
    assert model_text(late) == late


def test_the_model_reads_the_latest_characters_of_the_lines_kept() -> None:
    settled = "me cobraron dos veces pero ya me devolvieron uno"
    long_line = "x" * (MAX_MODEL_CHARS - 5)
    lines = ["hola", long_line, settled, "donde esta mi pedido", settled, "gracias"]
    kept = "\n".join(line for line in lines if line != settled)
    # Reading stops once the window is full; what it reads is the same.
    assert model_text("\n".join(lines)) == kept[-MAX_MODEL_CHARS:]
    assert model_text("\n".join(lines[2:])) == "donde esta mi pedido\ngracias"
    assert model_text("") == ""


# The rules read anger in the weather; nothing in it is for a person.
WEATHER = ("que asco de tiempo hace hoy, bueno donde esta mi pedido",)


def test_a_soft_reading_of_a_message_is_overruled_in_a_conversation_read_as_routine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.02)
    decision = decide(customers(WEATHER))
    assert decision.escalate is False
    assert list(decision.overruled) == ["anger"]
    assert "overruled: the model reads the conversation so far as routine" in decision.summary()
    # At or above the cut-off, the rules stand.
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.5)
    assert decide(customers(WEATHER)).reasons == ["anger"]


# A wandering chat the NLU did not follow: "the bot did not understand" is a soft reading.
WANDERING = (
    "nos mudamos de Ñuñoa a Maipú, una locura con cajas por todos lados jaja",
    "no sé cómo tanta cosa cabía en un depto tan chico",
    "bueno, el punto es que el sillón llega el lunes y ahí ya no voy a estar",
    "y encima el gato se escondió dentro de una caja, no lo encontrábamos",
)


def exchanged(messages: tuple[str, ...], intent: str, confidence: float, reply: str) -> list[Turn]:
    """The customer's messages, each read as ``intent`` and answered with ``reply``."""
    turns: list[Turn] = []
    for text in messages:
        turns += [Turn.customer(text, intent, confidence), Turn.bot(reply)]
    return turns[:-1]


def wandering(messages: int) -> list[Turn]:
    return exchanged(WANDERING[:messages], "nlu_fallback", 0.4, "utter_please_rephrase")


def test_three_messages_in_a_row_not_understood_are_overruled_but_never_four(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Spanish: two in a row are no reason (HANDOFF_MAX_FALLBACKS_ES, 3), three are a soft one.
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.02)
    assert decide(wandering(2)).escalate is False
    decision = decide(wandering(3))
    assert decision.escalate is False
    assert list(decision.overruled) == ["repeated_fallback"]
    # A fourth: a customer the bot keeps failing gets a person, whatever the model reads.
    assert decide(wandering(4)).reasons == ["repeated_fallback"]
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.5)
    assert decide(wandering(3)).reasons == ["repeated_fallback"]
    assert decide(wandering(2)).escalate is False


# Details of a return read by the NLU as the return asked again, instead of the number.
RETURN_DETAILS = (
    "quiero devolver unas cortinas, al final no me convence el color",
    "estan sin abrir, en su bolsa",
    "las compre la semana pasada en la web",
    "las recogen en casa?",
)


def asked_again(messages: tuple[str, ...]) -> list[Turn]:
    return exchanged(messages, "start_return", 0.7, "utter_ask_order_id")


def test_a_request_repeated_by_the_nlu_alone_is_overruled_but_never_a_fourth_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.02)
    for made in (2, 3):
        decision = decide(asked_again(RETURN_DETAILS[:made]))
        assert decision.escalate is False, decision.summary()
        assert list(decision.overruled) == ["repeated_request"]
    assert decide(asked_again(RETURN_DETAILS)).reasons == ["repeated_request"]
    # The same words again are the customer's own repeat, whatever the model reads.
    same = (RETURN_DETAILS[0], RETURN_DETAILS[0])
    assert decide(asked_again(same)).reasons == ["repeated_request"]
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.5)
    assert decide(asked_again(RETURN_DETAILS[:2])).reasons == ["repeated_request"]


def test_what_the_customer_told_or_asked_for_is_never_overruled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.0)
    told = {
        "la licuadora me quemo la mano, salio fuego": "safety_incident",
        "quiero hablar con una persona": "explicit_request",
        "mi esposo fallecio y la cuenta estaba a su nombre": "bereavement",
    }
    for message, reason in told.items():
        assert reason in decide(customers((message,))).reasons, message
    # Anger beside a reason of that kind stays too.
    angry_charge = ("estoy harta, me cobraron dos veces el mismo pedido",)
    assert decide(customers(angry_charge)).escalate


def test_neither_english_nor_a_setting_of_0_is_overruled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "conversation_probability", lambda text: 0.0)
    assert decide(customers(("where is my damn order, this is ridiculous",))).escalate
    off = EscalationSettings(conversation_model_overrule_below_es=0.0)
    assert decide(customers(WEATHER), off).reasons == ["anger"]


def test_the_latest_message_is_also_read_on_its_own() -> None:
    assert latest_message("hola\nME COBRARON DOS VECES") == "me cobraron dos veces"
    vectorizer = latest_message_words().fit(["hola\nme cobraron dos veces", "gracias"])
    assert "hola" not in vectorizer.vocabulary_
    assert "cobraron dos" in vectorizer.vocabulary_
