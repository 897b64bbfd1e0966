"""The trainers' review inbox on the desk (handoff/desk/review.py): the file training/review.py
writes, read back; what a missing, broken or huge file answers; who may read it; masking."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from handoff.desk import DeskSettings
from handoff.desk import review as desk_review
from handoff.desk.review import CACHE, Malformed, load_inbox, parse_inbox
from handoff.desk.routes import CONTENT_SECURITY_POLICY
from handoff.desk.settings import DEFAULT_REVIEW_INBOX, PROJECT_ROOT
from handoff.insights.figures import Figures
from plumbing.scrub import scrub_identifier
from tests.handoff.desk.conftest import Desk
from training.review import ReviewItem, Turn, group, header, write_inbox

PHONE = "+14155550123"
SINCE = dt.datetime(2026, 5, 25, tzinfo=dt.timezone.utc)
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"


def item(text: str, conversations: list[str], **overrides: object) -> ReviewItem:
    values: dict[str, object] = {
        "text": text,
        "count": len(conversations),
        "predicted": "check_balance",
        "confidence": 0.41,
        "reasons": ["fallback"],
        "conversations": conversations,
        "variants": [],
        "last_seen": "2026-06-01 08:00",
    }
    values.update(overrides)
    return ReviewItem(**values)  # type: ignore[arg-type]


def written(path: Path, items: list[ReviewItem]) -> Path:
    """The inbox as `make review` writes it: training/review.py's own writer."""
    head = header("sqlite:///var/tracker.db", SINCE, ["check_balance", "greet"], len(items))
    write_inbox(path, items, head)
    return path


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "reports" / "review" / "inbox.yml"


@pytest.fixture
def desk_settings(inbox: Path) -> DeskSettings:
    # Overrides the desk conftest's: the desk reads this test's inbox.
    return DeskSettings(review_inbox=inbox)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    CACHE.clear()


# -- the writer's file, read back --------------------------------------------------------------


def test_what_training_review_writes_is_read_back_as_written(inbox: Path) -> None:
    # Texts YAML 1.1 would read as something else: the writer (ruamel, YAML 1.2)
    # leaves "no" and "on" plain, which PyYAML would take for false and true.
    tricky = ["no", "on", "12345", "null", "yes: please", "#1 fan", 'it\'s "broken"', "ñandú ✓"]
    items = [
        item(text, [f"telegram-{i}", "123456789"], variants=[f"{text}!", "~"])
        for i, text in enumerate(tricky)
    ]
    items.append(
        item(
            "where is [12345678](order_id)",
            [f"conv-{i}" for i in range(40)],  # every one written, not the first 5
            predicted="faq/store_hours",
            confidence=0.7,
            reasons=["handoff", "rephrased"],
        )
    )
    loaded = load_inbox(written(inbox, items))
    assert loaded.state == "ready", loaded.message
    assert [g.text for g in loaded.groups] == [i.text for i in items]
    for group_, original in zip(loaded.groups, items, strict=True):
        assert list(group_.variants) == original.variants
        assert list(group_.conversations) == original.conversations
        assert (group_.predicted, group_.confidence) == (original.predicted, original.confidence)
        assert list(group_.why) == original.reasons
        assert (group_.count, group_.last_seen) == (original.count, original.last_seen)
        assert (group_.intent, group_.discard, group_.topic) == (None, False, None)
    lines = inbox.read_text(encoding="utf-8").splitlines()
    assert all(lines[g.line - 1].lstrip().startswith("- text:") for g in loaded.groups)
    assert [g.index for g in loaded.groups] == list(range(1, len(items) + 1))
    assert [g.text for g in loaded.of_conversation("conv-39")] == ["where is [12345678](order_id)"]
    assert len(loaded.of_conversation("123456789")) == len(tricky)


def test_a_trainer_s_labels_are_read_as_review_apply_reads_them(inbox: Path) -> None:
    written(inbox, [item("hi there", ["a"]), item("bye now", ["b"]), item("meh", ["c"])])
    head, first, second, third = inbox.read_text(encoding="utf-8").split("- text:")
    # As a trainer edits the file: a label and a new intent's topic, a discard, a "yes".
    first = first.replace("intent:\n", "intent: greet\n  topic: chitchat\n")
    second = second.replace("discard: false", "discard: true")
    third = third.replace("discard: false", "discard: yes")
    inbox.write_text("- text:".join([head, first, second, third]), encoding="utf-8")
    labelled, discarded, undecided = load_inbox(inbox).groups
    assert (labelled.intent, labelled.topic, labelled.discard) == ("greet", "chitchat", False)
    assert discarded.discard is True
    # YAML 1.2 (ruamel, training/apply.py): "yes" is a string, not a decision.
    assert undecided.discard is False


def test_the_phone_number_of_a_miss_finds_its_messages(inbox: Path) -> None:
    # The id the Insights page links with (handoff.insights.figures) is the one
    # training/review.py's grouping writes for the same sender.
    turn = Turn(PHONE, 1, 1767225600.0, "whats left on my voucher", "nlu_fallback", "x", 0.4)
    turn.reasons.add("fallback")
    written(inbox, group([turn]))
    figures_ = Figures(0, 0, {}, None, None, None, [], {}, {}, misses=[(PHONE, SINCE, "why")])
    misses = figures_.to_json()["misses"]
    assert isinstance(misses, list)
    review_id = misses[0]["review_id"]
    assert review_id == scrub_identifier(PHONE) and PHONE not in inbox.read_text()
    (found,) = load_inbox(inbox).of_conversation(review_id)
    assert found.text == "whats left on my voucher"


# -- a missing, broken or huge file ------------------------------------------------------------


def test_a_missing_inbox_is_empty_and_says_to_run_make_review(inbox: Path) -> None:
    loaded = load_inbox(inbox)
    assert (loaded.state, loaded.groups) == ("missing", ())
    assert "make review" in loaded.message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("items:\n  - text: [unclosed\n", "line 3: not YAML"),
        ("- text: a list, not the inbox\n", "no `items:` list"),
        ("items: 3\n", "no `items:` list"),
        ("items:\n  - just a string\n", "line 2: an item must be a mapping"),
        ("items:\n  - intent: greet\n", "line 2: an item needs its `text:`"),
        ("items:\n  - text: {a: 1}\n", "line 2: `text:` must be a single value"),
        ("x: &a [1, 2]\nitems:\n  - text: hi\n    conversations: *a\n", "aliases"),
    ],
)
def test_a_malformed_inbox_says_what_and_where(content: str, problem: str) -> None:
    with pytest.raises(Malformed, match=problem):
        parse_inbox(content)


def test_a_malformed_or_huge_file_is_an_answer_not_an_error(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox.parent.mkdir(parents=True)
    inbox.write_text("items:\n  - text: ok\n  - text: [broken\n", encoding="utf-8")
    loaded = load_inbox(inbox)
    assert loaded.state == "malformed" and loaded.groups == ()
    assert "inbox.yml" in loaded.message and "line" in loaded.message
    inbox.write_bytes(b"items:\n  - text: \xff\xfe\n")
    assert "not UTF-8" in load_inbox(inbox).message

    monkeypatch.setattr(desk_review, "MAX_INBOX_BYTES", 1024)
    written(inbox, [item(f"message number {i}", [f"c{i}"]) for i in range(50)])
    assert inbox.stat().st_size > 1024
    huge = load_inbox(inbox)
    assert (huge.state, huge.groups) == ("too_large", ())
    assert "SINCE" in huge.message


def test_odd_optional_fields_are_left_out_rather_than_failing_the_inbox() -> None:
    (only,) = parse_inbox(
        "items:\n  - text: hi\n    confidence: .nan\n    count: lots\n"
        "    why: fallback\n    variants: [ok, [nested]]\n    predicted: [a, b]\n"
    )
    assert (only.confidence, only.count, only.why, only.variants, only.predicted) == (
        None, None, (), ("ok",), None,
    )  # fmt: skip
    assert parse_inbox("") == () and parse_inbox("items:\n") == ()


def test_the_file_is_read_again_only_when_it_changed(inbox: Path) -> None:
    written(inbox, [item("first", ["a"])])
    once = CACHE.read(inbox)
    assert CACHE.read(inbox) is once
    written(inbox, [item("first", ["a"]), item("second", ["b"])])
    stat = inbox.stat()
    os.utime(inbox, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = CACHE.read(inbox)
    assert again is not once and [g.text for g in again.groups] == ["first", "second"]
    inbox.unlink()
    assert CACHE.read(inbox).state == "missing"


def test_the_setting_is_under_the_project_unless_absolute(tmp_path: Path) -> None:
    assert DeskSettings.from_env({}).review_inbox == DEFAULT_REVIEW_INBOX
    assert DEFAULT_REVIEW_INBOX == PROJECT_ROOT / "reports" / "review" / "inbox.yml"
    relative = DeskSettings.from_env({"HANDOFF_DESK_REVIEW_INBOX": "var/inbox.yml"})
    assert relative.review_inbox == PROJECT_ROOT / "var" / "inbox.yml"
    absolute = DeskSettings.from_env({"HANDOFF_DESK_REVIEW_INBOX": str(tmp_path / "i.yml")})
    assert absolute.review_inbox == tmp_path / "i.yml"


# -- the route ---------------------------------------------------------------------------------


async def test_only_supervisors_and_the_admin_token_read_it(desk: Desk, inbox: Path) -> None:
    written(inbox, [item("hi", ["a"])])
    agent = await desk.agent("sam")
    await desk.agent("sue", "supervisor")
    assert (await desk.client.get("/api/review")).status_code == 401
    assert (await desk.as_("wrong-token", "GET", "/api/review")).status_code == 401
    assert (await desk.as_(agent, "GET", "/api/review")).status_code == 403
    sam, _ = await desk.signed_in("sam")
    assert (await sam.get("/api/review")).status_code == 403
    sue, _ = await desk.signed_in("sue")
    response = await sue.get("/api/review")
    await sam.aclose()
    await sue.aclose()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert [g["text"] for g in response.json()["groups"]] == ["hi"]
    assert (await desk.admin("GET", "/api/review")).status_code == 200


async def test_a_conversation_s_groups_and_the_whole_inbox_in_pages(
    desk: Desk, inbox: Path
) -> None:
    others = [f"conv-{i}" for i in range(30)]
    written(
        inbox,
        [item(f"message {i}", [f"conv-{i}"]) for i in range(7)]
        + [item("said by many", [*others, "mine"]), item("mine too", ["mine"])],
    )
    response = await desk.admin("GET", "/api/review?conversation=mine")
    data = response.json()
    assert (data["state"], data["total"], data["conversation"]) == ("ready", 2, "mine")
    assert [g["text"] for g in data["groups"]] == ["said by many", "mine too"]
    many = data["groups"][0]
    # The one asked for first; ten shown, all counted.
    assert many["conversations"][0] == "mine" and len(many["conversations"]) == 10
    assert many["conversation_count"] == 31
    assert many["predicted"] == "check_balance" and many["confidence"] == 0.41
    assert "make review-apply" in data["next_step"]

    nobody = (await desk.admin("GET", "/api/review?conversation=nobody")).json()
    assert (nobody["total"], nobody["groups"]) == (0, [])
    assert "make review" in nobody["next_step"]

    page = (await desk.admin("GET", "/api/review?offset=3&limit=4")).json()
    assert (page["total"], page["groups_in_inbox"], page["offset"], page["limit"]) == (9, 9, 3, 4)
    assert [g["index"] for g in page["groups"]] == [4, 5, 6, 7]

    for wrong in ("limit=0", "limit=101", "offset=-1", "conversation=" + "x" * 129):
        assert (await desk.admin("GET", f"/api/review?{wrong}")).status_code == 400, wrong


async def test_a_missing_or_broken_inbox_answers_200_with_its_state(
    desk: Desk, inbox: Path
) -> None:
    missing = (await desk.admin("GET", "/api/review?conversation=x")).json()
    assert (missing["state"], missing["groups"]) == ("missing", [])
    assert "make review" in missing["next_step"]
    inbox.parent.mkdir(parents=True)
    inbox.write_text("items: [\n")
    broken = await desk.admin("GET", "/api/review")
    assert broken.status_code == 200
    assert broken.json()["state"] == "malformed" and "line" in broken.json()["message"]


async def test_people_see_personal_numbers_masked(desk: Desk, inbox: Path) -> None:
    # The review scrubbed what it knows; a trainer's edit or an IBAN can still hold one.
    written(inbox, [item(f"charge on {CARD}", ["a"], variants=[f"my iban {IBAN}"])])
    await desk.agent("sue", "supervisor")
    client, _ = await desk.signed_in("sue")
    (seen,) = (await client.get("/api/review")).json()["groups"]
    await client.aclose()
    assert seen["text"] == "charge on [card ending 1111]"
    assert seen["variants"] == ["my iban [IBAN ending 5432]"]
    # The admin token is the machines': it reads what the file holds.
    (stored,) = (await desk.admin("GET", "/api/review")).json()["groups"]
    assert stored["text"] == f"charge on {CARD}"


async def test_the_page_and_its_script_are_served_like_the_desk_s(desk: Desk) -> None:
    page = await desk.client.get("/desk/review.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '<script type="module" src="/desk/review.js">' in page.text
    script = await desk.client.get("/desk/review.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/api/review" in script.text
