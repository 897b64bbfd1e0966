"""Phrase lists the rules look for in a customer message, and how a phrase is matched.

A :class:`Phrase` is a pattern, whether a negation just before it cancels it
("nobody was hurt"), and optionally a second pattern that the same line must
also match (:class:`.on_a_line.OnALineWith`). The lists here: an explicit request for a
person, the bot did not help, the contact centre failed the customer, a
threat to leave, closing the account, "I asked before" and the order number
the customer does not have; wording that asks for no one (which overrules
the request_human intent) is in :mod:`.declines`. The sensitive
matters (safety, fraud, legal, payment disputes, bereavement) are in
:mod:`.sensitive_matters`. Each list reads English and Spanish: the Spanish
patterns are in :mod:`.phrases_es`, appended to the English ones here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from handoff.escalation.on_a_line import OnALineWith
from handoff.escalation.phrases_es import (
    ES_ACCOUNT_CLOSURE,
    ES_BOT_DID_NOT_HELP,
    ES_BOT_DID_NOT_HELP_OWN_NEGATION,
    ES_CONTACT_CENTER_FAILURE,
    ES_CONTACT_CENTER_FAILURE_OWN_NEGATION,
    ES_EXPLICIT_REQUEST,
    ES_NO_ORDER_NUMBER,
    ES_NO_ORDER_NUMBER_IT,
    ES_REPEATED_ASKING,
    ES_THREAT_TO_LEAVE,
    ES_THREAT_TO_LEAVE_OWN_NEGATION,
)
from handoff.escalation.vocabulary import _negated, _normalise


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    # Whether "no", "not", "nobody"... just before the match cancels it
    # ("nobody was hurt"); patterns that contain their own negation
    # ("I didn't place this order") are not negatable.
    negatable: bool = True
    # A pattern the same line must also contain, before or after the match
    # ("it wasn't me" is fraud next to "password", "charged"...). A second
    # search, where a lookahead "(?=.*X).*Y" would read the rest of the line
    # again from every position: quadratic.
    requires: re.Pattern[str] | None = None
    # A pattern that, found on the same line, cancels the match: the bank's
    # fraud check on a purchase the customer made ("flagged as fraud, but it
    # was me"). A second search too.
    unless: re.Pattern[str] | None = None
    # Each match quoted, and negated, where it is, as a plain pattern's, rather
    # than from the start of its line.
    in_place: bool = False


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return None if pattern is None else re.compile(pattern, re.IGNORECASE)


def _phrases(*patterns: str | OnALineWith, negatable: bool = True) -> list[Phrase]:
    return [
        Phrase(re.compile(p, re.IGNORECASE), negatable)
        if isinstance(p, str)
        else Phrase(
            re.compile(p.pattern, re.IGNORECASE),
            negatable,
            _compiled(p.requires),
            _compiled(p.unless),
            p.in_place,
        )
        for p in patterns
    ]


def _matches(phrase: Phrase, text: str) -> Iterator[tuple[int, str]]:
    """Where ``phrase`` is found in ``text`` (start, excerpt), in order."""
    if phrase.requires is None and phrase.unless is None:
        for match in phrase.pattern.finditer(text):
            yield match.start(), match.group(0)
        return
    # Line by line, as "." in the lookahead this replaces read them.
    line_start = 0
    for line in text.split("\n"):
        matches = list(phrase.pattern.finditer(line))
        if (
            matches
            and (phrase.requires is None or phrase.requires.search(line) is not None)
            and (phrase.unless is None or phrase.unless.search(line) is None)
        ):
            if phrase.in_place:
                for match in matches:
                    yield line_start + match.start(), match.group(0)
            else:
                # Quoted from the start of the line, for context, to the end of its
                # last match: what the lookahead pattern quoted.
                yield line_start, line[: matches[-1].end()]
        line_start += len(line) + 1


def _first(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first phrase found in ``text`` (normalised) and not negated, as it was written."""
    for phrase in phrases:
        for start, excerpt in _matches(phrase, text):
            if phrase.negatable and _negated(text, start):
                continue
            return excerpt
    return None


def _find(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first phrase found in ``text`` and not negated, as it was written."""
    return _first(phrases, _normalise(text))


def _blanked(phrases: Sequence[Phrase], text: str) -> str:
    """``text`` with what ``phrases`` match (patterns without conditions) spaced out.

    Positions are kept, so what is searched afterwards reads the rest as it stood.
    """
    for phrase in phrases:
        text = phrase.pattern.sub(lambda match: " " * len(match.group(0)), text)
    return text


def _cue(phrases: Sequence[Phrase], text: str) -> str | None:
    """The first cue of a conversation-level list in ``text``: as :func:`_first`.

    A function of its own so that the scans of these lists can be counted
    apart from those of the seven original lists (tests/handoff/escalation/
    test_speed.py counts those); each message is still scanned once per
    list, in :func:`.rules._findings`.
    """
    for phrase in phrases:
        for start, excerpt in _matches(phrase, text):
            if phrase.negatable and _negated(text, start):
                continue
            return excerpt
    return None


# --- the lists -----------------------------------------------------------------------

PEOPLE = (
    r"(a |an |the |your |some |one of your )?(real |actual |live |human )?"
    r"(human|person|people|agent|operator|manager|supervisor|representative|rep|someone|"
    r"somebody|staff|employee|colleague|advisor|adviser)\b"
)
# Narrower after "give me", "I need": "give me the staff discount", "I need
# someone to sign for it" are not requests for an agent.
AGENT = (
    r"(a |an |the |your )?(real |actual |live |human )?"
    r"(human|person|agent|operator|manager|supervisor|representative)\b"
)
EXPLICIT_REQUEST = _phrases(
    # Not the question "am I talking to a human?" (bot_challenge).
    # Nor a story: "I was talking to the manager at your Leeds store, she
    # was lovely" praises someone, it asks for no one.
    r"(?<!am i )(?<!is this )(?<!is it )(?<!are you )(?<!was i )(?<!was )(?<!were )"
    r"(?<!been )(?<!after )(?<!when )(?<!while )(?<!enjoyed )(?<!loved )"
    r"\b(speak|talk|chat)(ing)? (to|with) " + PEOPLE,
    r"\b(get|give|put|transfer|connect|pass|hand) me (to |with |through to |over to )?"
    r"(someone|somebody|" + AGENT + ")",
    r"\b(i|we) (want|need|would like|'d like) " + AGENT,
    # "\W*(please)?\W*$" would try every split of a run of punctuation
    # between its two "\W*": quadratic. Each "\W*" here has its own stop.
    r"^\W*(human|agent|operator|representative|manager|supervisor|real person|live agent|"
    r"person)(\W*(please|pls|plz|now))?\W*$",
    r"\b(human|agent|operator|person|representative) (please|pls|plz)\b",
    r"\b(can|could|would|please|will) (someone|somebody|a person|one of you|you) "
    r"(\w+ )?(call|ring|phone) me\b",
    r"\bescalate (this|it|me)\b",
    # "is there an actual human there or is it just you": asked of the bot,
    # not "is there a human I can ask at the store?" (no "real"/"there").
    r"\b(is|are) (there|they) (an? |any )?(actual|real|live) (human|person|people|agent)s?\b",
    r"\b(is|are) there (an? |any )?(human|person|people|agent|anyone|anybody|someone|somebody)"
    r" (real |actual )?(there|at all|out there|around|available)\b",
    # Asked of the chat itself: "is anyone actually reading this", "hello, anybody there?"
    r"\b(is|are) (anyone|anybody|someone|somebody|a (real )?(human|person)|any (real )?"
    r"(humans?|people)) (actually |even |really |ever |at all )?(reading|listening|there|"
    r"awake|home|seeing|looking at|getting) (this|these|my|me|at all)?\b(?! (a|an|the) )",
    r"\b(handled|dealt with|looked at|looked into|sorted|reviewed|taken over) by (a |an |the |"
    r"your )?(real |actual |live |human )?(human|person|manager|supervisor|agent|"
    r"representative|member of (your )?staff|team leader)\b",
    r"\b(don'?t|do not) want to (keep )?(talk|talking|type|typing|chat|chatting|write|writing) "
    r"(to|with) (a|the|this|some) (robot|bot|machine|chatbot)\b",
    r"\b(a |an |any |some )?(flesh[- ]and[- ]blood|living,? breathing) (person|human|being|"
    r"agent|one|people)\b|\b(anyone|anybody|someone|somebody) (of )?flesh and blood\b",
)
EXPLICIT_REQUEST += _phrases(*ES_EXPLICIT_REQUEST)
BOT_DID_NOT_HELP = _phrases(
    r"\b(that|this|it|you|u|the bot|your (answer|reply|bot)s?)('s|'re| is| was| are| were)? ?"
    r"(n't|not|never|didn'?t|doesn'?t|don'?t|isn'?t|wasn'?t|aren'?t|did not|does not|do not)"
    r" (really |at all |very |much )?(help|helping|helpful|helped)\b(?! (me )?(with|to|choose))",
    r"^\W*(didn'?t|doesn'?t|did not|does not|not|still not|that's not|thats not|this is not|"
    r"this isn'?t) (really |very |at all |remotely )?(help|helpful|helping)\b",
    r"\bnot (very |at all |really )?helpful\b|\b(of )?no help\b",
    r"\b(bot|chatbot|robot|assistant|this|you|u)('s| is| are|'re| r)? (so |completely |totally "
    r"|absolutely )?(useless|pointless|hopeless|no help|stupid|dumb)\b",
    r"\b(useless|stupid|dumb|pointless) (bot|robot|machine|chatbot|assistant)\b",
    r"\byou (clearly |obviously |really |just )?(can't|cannot|can not|are not able to|"
    r"aren't able to) help\b",
    r"\bare you (even )?(listening|reading)\b",
    r"\b(didn'?t|doesn'?t|did not|does not|not|never) (answer|address)(ed|ing)? (my|the) "
    r"question",
    r"\b(that'?s|that is|this is|it'?s|it is)? ?not what i (asked|meant|said|was asking)\b",
    r"\b(that'?s|that is|this is|it'?s|it is) not (my|the) question\b",
    r"\byou (don'?t|do not|didn'?t|did not|aren'?t|are not|'re not) (understand|"
    r"understanding|listening|listen|get it|reading)\b",
    r"\b(going|go|running|run|talking) (round |around )?in circles\b|\b(going|getting) nowhere\b",
    r"\b(that|this|it|which)( still)? (doesn't|didn't|does not|did not|won't|can't) (really )?"
    r"(explain|answer|address|solve|fix|resolve|cover)\b",
    r"\b(you )?(already|keep) (said|saying|telling|sending|repeating) (that|me that|"
    r"the same|yourself)\b",
    r"\b(same|wrong) (answer|reply|response)\b",
    r"\bi still (don'?t|do not) (know|understand|get) (how|what (to|i'?m supposed to) do|where)\b",
    negatable=False,
)
BOT_DID_NOT_HELP += _phrases(
    *ES_BOT_DID_NOT_HELP,
    *ES_BOT_DID_NOT_HELP_OWN_NEGATION,
    # Not the bank's ways: "el banco me rechazo la tarjeta otra vez, siempre lo mismo".
    OnALineWith(
        r"\b(de nuevo|otra vez|siempre) lo mismo\b",
        unless=r"\b(banco|tarjeta de credito|compania de|empresa de|gobierno|arbitro|equipo)\b",
    ),
    negatable=False,
)
# Complaints about reaching us at all: the contact centre failed the customer
# before the bot did. Nobody called back, nobody answers, hours on hold, cut
# off, e-mails ignored, "I've been trying to reach someone for days".
CONTACT_WAYS = (
    r"(call(ed|s)?|r(i|a)ng|rings|phoned?|e-?mail(ed|s)?|repl(y|ied|ies)|respond(ed|s)?|"
    r"answer(ed|s)?|got back|gets? back|came back|come back|contact(ed|s)?|pick(s|ed)? up|"
    r"bother(ed|s)?|follow(ed|s)? up|(can|could|will|is able to|seems able to) (tell|help|"
    r"explain))\b"
    # Not the door: "no one answered the door, so the driver took it back".
    r"(?! (the )?(door|doorbell|bell|intercom|buzzer))"
)
# A wait on the line worth complaining about: ten minutes or more, or hours
# ("on hold for 2 minutes, then sorted" is no complaint).
LONG_WAIT = (
    r"[1-9]\d+\s?(min(ute)?s?|m)|(\d+|an?|one|two|three|four|five|six|several|many|over an?|"
    r"nearly an?|almost an?|half an?)\s?(hours?|hrs?|h)|(twenty|thirty|forty|fifty|ninety|"
    r"forty[- ]five|several|many|so many|too many) min(ute)?s"
)
CONTACT_CENTER_FAILURE = _phrases(
    # "Nobody called me back", "no one ever answers", "so nobody is going to reply?"
    r"\b(nobody|no one|no-one|noone|none of you)\b( \w+){0,3} " + CONTACT_WAYS,
    # A promised contact that never came: "I was told someone would ring me
    # and nobody did". Two searches on the line: the promise, and its failure.
    OnALineWith(
        r"\b(promised|told|said|assured|supposed|meant|going|would|will|'d|'ll)\b( \w+){0,4} "
        r"(call|ring|phone|e-?mail|contact|get back|reply|respond|message|text)",
        requires=r"\b(nobody|no one|never|didn't|did not|hasn't|has not|haven't|have not|"
        r"still waiting|still nothing|still no|nothing)\b",
    ),
    r"\b(call ?backs?|callbacks?|promised calls?|return calls?)\b( \w+){0,3} (never|didn't|"
    r"did not|hasn't|has not|haven't|have not|still hasn't|that never|which never)\b",
    r"\b(never|didn't|did not|haven't|have not|hasn't|has not|still haven't|yet to|still not) "
    r"(\w+ )?(got|get|had|received|receive|heard|hear)( a| an| any| the| your| my)? "
    r"(call ?back|callback|reply|replies|response|responses|answer|answers|phone call|"
    r"return call)\b",
    r"\b(never|didn't|did not|haven't|have not|hasn't|has not|still haven't|yet to) (\w+ )?"
    r"(heard|hear) back\b",
    r"\b(still )?(no|zero|not a|not one|without a|without any) (reply|replies|response|"
    r"responses|call ?back|callback|peep)\b|\bno answer (from|to|when|on the phone)\b|"
    r"\b(no|not a) word (from|back)\b",
    r"\b(e-?mails?|messages?|complaints?|letters?|tickets?|quer(y|ies)|calls?|voicemails?|"
    r"dms?|requests?)\b( \w+){0,4} (unanswered|ignored|answered by nobody)\b",
    r"\b(won't|will not|doesn't|does not|don't|do not|never|can't be bothered to) (\w+ )?"
    r"(answer|reply|respond|call back|ring back|get back)( to)? (anyone|anybody|me|us|my|our|"
    r"the phone|your phones?|e-?mails?|messages?|calls?|complaints?)\b",
    r"\bignor(e|es|ed|ing) (all )?(my|our) (e-?mails?|messages?|calls?|complaints?|letters?|"
    r"tickets?|quer(y|ies)|requests?|dms?)\b|\b(stop|keep|keeps|kept|you're|you are) "
    r"ignoring (me|us)\b",
    # Waiting on the line: "held in your phone queue for 90 minutes".
    r"\b(on hold|held|holding|hold music|on the (phone|line) (to|with) (you|your \w+)|"
    r"been on the (phone|line)|in (a |the |your )?(phone |call |chat |web ?chat |"
    r"online )?queue|waiting (on|in) (the )?(phone|line|chat|queue))\b[^.!?\n]{0,30}"
    r"\b(" + LONG_WAIT + r")\b",
    r"\b(on hold|in (the|a|your) queue)\b[^.!?\n]{0,20}\b(forever|for ages|for ever|all (day|"
    r"morning|afternoon|evening)|for hours|an eternity)\b",
    r"\b(" + LONG_WAIT + r") (on hold|in (the |a |your )?(phone |call |chat |web ?chat |"
    r"online )?queue|waiting (on|for) (the )?(phone|chat|an agent|someone))\b",
    # Cut off: "hung up on me", "the chat dropped", "I got disconnected".
    r"\b(hung up on|put the phone down on) (me|us)\b",
    # "Your call centre never picks up", not "I never reply to adverts".
    r"(?<!i )(?<!we )\bnever (pick(s|ed)? up|answer(s|ed)?( the phone| my \w+)?|repl(y|ies|"
    r"ied)|respond(s|ed)?|call(s|ed)? (me )?back|ring(s)? (me )?back|rang (me )?back|get(s)? "
    r"back|got back)\b(?! (the )?(door|doorbell|bell|intercom|buzzer))",
    r"\b(got|get|getting|been|keep getting|kept getting) (cut off|disconnected|kicked out|"
    r"thrown out)\b",
    r"\b(i|we) (got|get|was|were|keep getting|kept getting|have been|'ve been|been) (cut off|"
    r"disconnected|dropped|kicked out|thrown out|timed out)\b",
    r"\b(chat|web ?chat|live chat|call|line|phone call|queue|connection)( \w+){0,2} (cut off|"
    r"disconnected|dropped|timed out|crashed|cut out|went dead|closed on me|ended on me|"
    r"kicked (me|us) out|threw (me|us) out|logged (me|us) out)\b",
    # "I've been trying to reach someone for days", "can't get through".
    r"\b(been|keep|kept|have|has|'ve|spent \w+ \w+)( \w+)? (trying|attempting|tried|attempted) "
    r"to (reach|contact|get hold of|get through|get in touch|speak|talk|call|ring|phone|"
    r"e-?mail|get an answer|get a reply|get a response|get someone)\b",
    r"\b(can't|cannot|can not|couldn't|could not|unable to|impossible to) (\w+ )?(get through|"
    r"get hold of (anyone|anybody|someone|somebody|you)|(reach|contact|speak to|talk to|get "
    r"in touch with) (you|anyone|anybody|someone|somebody|a (human|person|manager|real person|"
    r"agent)|customer service|your (team|staff|helpline|call cent(er|re)|customer service)|"
    r"northwind|the (helpline|call cent(er|re)|team)))\b",
    # Busy lines as a pattern, not once: "the line is always engaged".
    r"\b(phone|line|number|helpline)s? (is |are |was |were |just )?(always|constantly|"
    r"permanently|forever|still|keeps? being|kept being) (busy|engaged|ringing out|going to "
    r"voicemail|dead)\b|\b(busy|engaged) (all day|every time|for hours|for days|all week)\b",
    r"\b(phone|line|it) (just )?(rings|rang|ringing) (and rings|out|forever|for ages)\b",
    r"\bwaiting (\w+ ){0,3}(for|on) (a |an |any |your |the |my |someone('s)? )?(reply|"
    r"response|answer|call ?back|callback|return call|someone to (call|ring|phone|reply|"
    r"respond|get back|answer|contact))\b",
    r"\b(heard|had|got) (absolutely )?nothing (back|from (you|anyone|your \w+))\b",
    r"\b(chased|chasing|contacted|e-?mailed|called|rung|rang|phoned|messaged|written|wrote)"
    r"( to)?( you| your \w+| customer service| northwind| them)? (\d+|two|three|four|five|six|"
    r"several|multiple|many|so many|countless|numerous) times\b",
    # "Just following up on my follow-up from last week", "per my previous
    # messages": the customer has chased before.
    r"\bfollow(ing|ed)?[- ]up (on|to) (my|our) (last |previous |earlier |own )?(follow[- ]"
    r"?ups?|e-?mails?|messages?|chasers?|complaints?)\b|\b(per|as per|further to|re) (my|"
    r"our) (previous|last|earlier|many|several|numerous) (messages?|e-?mails?|calls?|"
    r"complaints?|requests?)\b",
    r"\b(passed|pushed|bounced|transferred|shunted|fobbed) (around|off|from pillar to post|"
    r"back and forth|from one \w+ to another)\b",
    OnALineWith(
        r"\bauto(mated|matic)?[- ]?(reply|replies|response|responses|e-?mails?)\b",
        requires=r"\b(only|just|all|nothing but|still|again|another|same)\b",
    ),
)
CONTACT_CENTER_FAILURE += _phrases(*ES_CONTACT_CENTER_FAILURE)
CONTACT_CENTER_FAILURE += _phrases(
    *ES_CONTACT_CENTER_FAILURE_OWN_NEGATION, negatable=False
)
# The customer means to leave, or to go public: a retention matter, calm or
# not. "Never ordering again", "closing my account", "taking my business
# elsewhere", "going to post this everywhere", and the cold "third time. done."
THREAT_TO_LEAVE = _phrases(
    r"\b(take|taking|took) (my|our) (business|custom|money|shopping) (elsewhere|somewhere "
    r"else)\b",
    r"\b(i'll|i will|i'm going to|i am going to|gonna|we'll|we will|will be|i'd rather|will)"
    r" (\w+ )?(shop|shopping|order|ordering|buy|buying|go|going) (somewhere )?elsewhere\b",
    r"\bnever (ordering|shopping|buying|using|recommending|returning|coming back|setting foot)"
    r"\b",
    r"\b(won't|will not|will never|i'll never|we'll never|shan't|not going to|never going to|"
    r"never) (be )?(order|shop|buy|use|recommend|come back|return|set foot|deal)\w*\b"
    r"[^.!?\n]{0,40}\b(again|anymore|any more|ever)\b",
    r"\bnever again(?= *([.!,;]|$))",
    r"\b(lost|losing|lose) (a|another|one|your|yet another) (\w+ )?customer\b|\b(lost|"
    r"losing|lose) me( as a customer)?(?= *([.!,;]|$| as a customer| for good| forever))|"
    r"\b(lost|losing|lose) (my|our) (custom|business)\b",
    r"\b(close|closing|cancel|cancelling|delete|deleting) (my|our) (account|membership) "
    r"(after this|because of this|over this|for good)\b",
    r"\b(tell|telling|warn|warning) (all )?(my |our )?(friends|family|everyone|everybody|"
    r"people|colleagues)( \w+){0,2} (to )?(avoid|steer clear|stay away|not to (shop|order|"
    r"buy))\b|\b(avoid|steer clear of|stay away from) (you|northwind|this (shop|company|"
    r"store))\b",
    r"\b(done|finished|through) with (you|northwind|this (company|shop|store|place)|your "
    r"(company|shop|store|service)|you lot|you people)\b|\bdone with this(?= *([.!]|$))",
    r"\b(this is|that's|that is|it's|that was) the (last|final) time (i|we)( will| 'll|'ll)? "
    r"(ever )?(order|shop|buy|use)\w*\b",
    r"\b(switching|switch|going|moving|move|went) (over )?to (amazon|argos|ebay|john lewis|"
    r"a competitor|your competitors?|another (shop|store|retailer|company))\b",
    r"\b(post|posting|share|sharing|put|putting|plaster|plastering|spread|spreading) (this|it|"
    r"my story|this story|what happened)( \w+){0,2} (everywhere|all over)\b",
    r"\b(leave|leaving|write|writing|post|posting|give|giving)( you)? (an? )?(1|one|zero|0|"
    r"no)[- ]?stars?( review)?\b|\b(bad|terrible|negative|scathing|awful|damning) (review|"
    r"reviews|rating)\b|\bname and shame\b|\bgo(ing)? viral\b",
    r"\b(contact|contacting|tell|telling|go|going|went) (to )?the (press|papers|newspapers|"
    r"media|bbc|local news)\b",
    # Going public on a review site or social media: "putting the whole story
    # on trustpilot", "every review site will hear about this".
    r"\b(on|to) (trustpilot|tripadvisor|google reviews|yelp|feefo|reviews\.io|tiktok|"
    r"twitter|x|facebook|instagram|reddit|mumsnet|social media|every review site|all the "
    r"review sites|review sites)\b[^.!?\n]{0,40}\b(review|post|posting|story|photos?|"
    r"video|everyone|everybody|warn|hear|know|about this|about you)\b",
    r"\b(review|post|posting|story|photos?|video|warn(ing)? (everyone|people|others)|"
    r"everyone will (know|hear))\b[^.!?\n]{0,40}\b(on|to) (trustpilot|tripadvisor|google|"
    r"yelp|feefo|tiktok|twitter|facebook|instagram|reddit|mumsnet|social media|every review "
    r"site|review sites)\b",
    r"\b(won't|will not|shan't|shall not|not going to|never going to) be (ordering|"
    r"reordering|re-ordering|shopping|buying|coming back|returning|using you|recommending)\b",
    # The cold "I'm done." after a complaint: "third time. done."
    OnALineWith(
        r"(^|[.!?]\s*|\b(i'm|i am|we're|we are)( so| completely| totally| officially)? )"
        r"done\s*([.!]|$)",
        requires=r"\b(time|times|again|still|nothing|never|weeks?|days?|months?|waiting|nobody|"
        r"no one|refund|asked|asking|told|chased|enough)\b",
    ),
)
THREAT_TO_LEAVE += _phrases(*ES_THREAT_TO_LEAVE)
THREAT_TO_LEAVE += _phrases(
    # Veiled, after a condition whose "no" would seem to negate it: "if I hear nothing
    # by Friday, you know where I'll be writing about this".
    r"\byou('ll| will)? (all |guys )?know where (i'?ll|i will|i'?m going to|i am going to|i'?m|"
    r"i am|we'?ll|this is going|this'?ll)( be)? (post|posting|write|writing|review|reviewing|"
    r"share|sharing|tell|telling|complain|complaining|go|going)\b",
    *ES_THREAT_TO_LEAVE_OWN_NEGATION,
    negatable=False,
)
# Closing the account: leaving, when the message is unhappy ("cancel my
# account, I've had enough"); "please close my account, I'm moving abroad" is
# a request. Not the question "how do I close my account?"
ACCOUNT_CLOSURE = _phrases(
    r"(?<!how do i )(?<!how can i )(?<!how to )(?<!can i )(?<!how would i )(?<!do i )"
    r"\b(close|closing|delete|deleting|cancel|cancelling|canceling|shut|shutting|terminate|"
    r"terminating) (down )?(my|our) (account|membership|loyalty card|store card)\b(?!\?)",
    r"\b(close|closing|delete|deleting|cancel|cancelling|canceling) (my|our) \w+ and (my|our) "
    r"(account|membership)\b(?!\?)",
)
ACCOUNT_CLOSURE += _phrases(*ES_ACCOUNT_CLOSURE)
# The customer says they have asked before: the same request, again.
REPEATED_ASKING = _phrases(
    r"\b(third|fourth|fifth|sixth|seventh|umpteenth|nth|3rd|4th|5th|6th|7th|8th|9th|10th) "
    r"time (i('m| am|'ve| have) )?(asking|asked|ask|contacting|writing|explaining|telling|"
    r"requesting|messaging|raising|chasing)\b",
    OnALineWith(
        r"\b(third|fourth|fifth|sixth|umpteenth|3rd|4th|5th|6th) (time|request|message|"
        r"attempt|e-?mail)\b",
        requires=r"\b(ask\w*|told|tell\w*|explain\w*|chas\w+|contact\w*|writ\w+|messag\w+|"
        r"done|enough)\b",
    ),
    r"\b(asked|told|explained|said|requested|mentioned|raised)\b( \w+){0,3} twice( now| "
    r"already)?\b",
    r"\b(asked|told|explained|said|requested|mentioned|raised|given|gave)\b( \w+){0,3} (\d+|"
    r"two|three|four|five|six|several|multiple|many|so many|countless|numerous|a (few|dozen|"
    r"hundred|million)) times\b",
    r"\balready (asked|told you|said|requested) (the same|this same|that same|this very)\b",
    r"\balready (told|asked|explained|answered) (you|this|that|it|u)\b|\b(i('ve| have) )?"
    r"already (gave|given|provided|sent) you\b",
    r"\b(told|asked) you (already|before|twice|earlier|yesterday)\b",
    r"\bhow many (more )?times (do|must|will|should|am) (i|we) (have to |need to |got to |"
    r"gotta )?(ask|tell|say|explain|repeat|contact|call|ring|e-?mail|write|chase|go through)"
    r"\b|\bhow many (more )?times (have|did) (i|we) (asked|ask|told|tell|said|say|explained|"
    r"called|rung|e-?mailed|written|chased)\b",
    r"\b(i|we) (keep|kept) (asking|telling|explaining|repeating|saying)\b",
    r"\b(same|this) question (again|\d+ times|three times|twice|over and over)\b",
)
REPEATED_ASKING += _phrases(*ES_REPEATED_ASKING)
# The customer cannot give the order number a task asks for ("I don't have
# the order number", "lost the confirmation e-mail"): see stuck._without_number_again.
NO_ORDER_NUMBER = _phrases(
    r"\b(don't|do not|dont|didn't|did not|can't|cannot|cant|never) (have|got|get|know|"
    r"remember|find|see|receive|received)( \w+){0,2} (order |confirmation |tracking )?(number|"
    r"no|#|confirmation|e-?mail|receipt)\b",
    r"\b(dunno|no idea|not sure of|haven't got|have no|got no|lost|deleted) (what )?(the |my |an? "
    r"|its |it's )?(order |confirmation )?(number|confirmation( e-?mail)?|receipt)\b",
    *ES_NO_ORDER_NUMBER,
    negatable=False,
)
# "I don't have it": the number, when it answers the bot asking for one.
NO_ORDER_NUMBER_IT = _phrases(
    r"\b(don't|do not|dont|didn't|did not|can't|cannot|cant) (have|know|remember|find|keep|"
    r"save|get) (it|that|one|any)\b",
    *ES_NO_ORDER_NUMBER_IT,
    negatable=False,
)
