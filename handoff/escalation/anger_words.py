"""The words, idioms, patterns and emoji that the rule-based anger detector reads.

Kept apart from the detector (:mod:`.anger`), which weighs what is found
here. Each reads English and Spanish: the Spanish alternations are in
:mod:`.anger_words_es`, joined here. Every pattern runs on untrusted text and
is linear in its length (``tests/handoff/escalation/test_speed.py`` tries
each on adversarial text).
"""

from __future__ import annotations

import re

from handoff.escalation.anger_words_es import (
    ES_ACRONYMS,
    ES_ANGER_WORDS,
    ES_COMPLAINT_CONTENT,
    ES_DECISIVE_WORDS,
    ES_ELSEWHERE,
    ES_EMPHASISED_PROBLEMS,
    ES_FALSE_FRIENDS,
    ES_FRIENDLY_WORDS,
    ES_GENUINE,
    ES_HOSTILE_PROFANITY,
    ES_INHERENT_SARCASM,
    ES_IRONY_FOLLOWS,
    ES_IRRITATION_WORDS,
    ES_LEXICON,
    ES_MILD_PROFANITY,
    ES_NEUTRAL_IDIOMS,
    ES_PLAYED_DOWN,
    ES_PRAISE_WORDS,
    ES_PROFANITY,
    ES_PROMISE,
    ES_REPEAT_STRONG,
    ES_REPEAT_WEAK,
    ES_SARCASM,
    ES_US_NAMED,
    ES_US_REQUESTS,
)
from handoff.escalation.settings import MAX_SCANNED_CHARS
from handoff.escalation.vocabulary import _normalise

# Words VADER scores as negative that, in retail support, describe the problem
# rather than the customer's mood: "I ordered the wrong size", "the mug arrived
# broken", "please cancel". Left in, every routine request would look annoyed.
DESCRIPTIVE_WORDS = (
    "wrong",
    "mistake",
    "mistakes",
    "accident",
    "accidentally",
    "broke",
    "broken",
    "break",
    "damaged",
    "damage",
    "faulty",
    "fault",
    "cancel",
    "cancelled",
    "canceled",
    "lost",
    "lose",
    "missing",
    "error",
    "errors",
    "problem",
    "problems",
    "forget",
    "forgotten",
    "stuck",
    "delay",
    "delayed",
    "dead",
    "died",
    "no",
    "sorry",
    "cut",
    "crash",
    "fire",
    "hard",
    "leave",
    "stop",
    "miss",
    "fail", "failed", "failing", "funeral", "complaint", "complain",
    # From 😭's description: tears of joy as often as not ("LLEGO MI TELE 😭😭 GRACIAS").
    "crying",
)  # fmt: skip
# What AngerDetector takes out of VADER's lexicon: both lists above and below.
WORDS_OUT_OF_LEXICON = (*DESCRIPTIVE_WORDS, *ES_FALSE_FRIENDS)
# Words VADER does not know or scores too mildly for a shop's products, and Spanish (ES_LEXICON).
LEXICON_OVERRIDES = {"rubbish": -1.5, "junk": -1.5, "nightmare": -2.0, **ES_LEXICON}
# Idioms whose words read as anger but are not the customer's: marketing
# ("killer deals", "insane offers", "deals to die for") and someone else's
# imagined reaction ("my husband will go mad if it's late", "she'll kill me").
# They are blanked out before VADER and the anger patterns read the message.
# The customer's own "I'll go mad" is kept.
THIRD_PARTY = (
    r"(he|she|they|(my|our|the) (\w+ )?(husband|wife|partner|boyfriend|girlfriend|mum|mom|"
    r"mam|mother|dad|father|son|daughter|kids?|children|boss|gran|granny|grandma|nan|nana|"
    r"grandad|granddad|grandpa|sister|brother|fianc[ée]e?|missus|other half|family|friend))"
)
# Whom the customer is upset with, when it is not us: someone of their own
# ("husband has ordered the wrong size AGAIN"), a neighbour or landlord,
# another business ("DPD lost a parcel from a different shop, raging"), or
# themselves ("ugh I'm such an idiot, wrong flat number"). Counted only in a
# message that does not also point at us (US_NAMED): "my husband is furious
# with your drivers" is anger at us.
ELSEWHERE = re.compile(
    r"\b(my|our|the) (\w+ )?(husband|hubby|wife|partner|boyfriend|girlfriend|fianc[ée]e?|"
    r"son|daughter|kids?|children|toddler|mum|mom|mam|dad|mother|father|brother|sister|"
    r"flatmate|roommate|housemate|neighbou?rs?|landlord|landlady|boss|colleague|referee|"
    r"co-?workers?|in-laws?|ex|other half|missus|bank|card (company|provider|issuer)|airline|"
    r"(phone|mobile|broadband|internet|energy) (company|provider|network)|insurers?)\b(?!')|"
    r"^\W*(husband|hubby|wife|partner|neighbou?r|landlord|boss|kids?)\b|"
    r"\b(from|at|with|to|of) (a different|another|some other|the other|a other) (shop|store|"
    r"retailer|company|seller|website|site|brand|supplier)\b|"
    # Not "it's not my fault", nor the company's words quoted back ("told
    # it's 'my fault'"): those blame us.
    r"(?<!not )(?<!n't )(?<![\"'\u2018\u201c])\b(my (own )?fault|my bad|my mistake|silly me|"
    r"stupid me|(i'm|i am|im) (such |so |a complete |an absolute )?(an? )?(idiot|numpty|"
    r"muppet|dummy|doofus|plonker|stupid|useless|dumb)|"
    r"i (messed|screwed|mucked) (it |that |this )?up|(with|at) myself)\b|" + ES_ELSEWHERE,
    re.IGNORECASE,
)
# The company, named or addressed, in a message that complains: "your
# driver", "you lot", "Northwind", "this service". A bare "you" only outside
# a plain request ("can you swap it", "thank you"): US_REQUESTS blanks those
# first.
US_NAMED = re.compile(
    r"\b(your|yours|ur|you|u|y'?all|northwind|this (company|shop|store|site|service|bot)|"
    r"the bot|" + ES_US_NAMED + r")\b",
    re.IGNORECASE,
)
US_REQUESTS = re.compile(
    r"\b(can|could|would|will|do|did|are|have|if|should|may|might|when) (you|u)\b|"
    r"\b(thank|thanks|bless) (you|u)\b|\b(you|u) (know|see)\b|\bsee (you|u)\b|" + ES_US_REQUESTS,
    re.IGNORECASE,
)
NEUTRAL_IDIOMS = re.compile(
    r"\bkiller\b|\b(to die for|dead cheap|dirt cheap|drop[- ]dead gorgeous|killing it)\b|"
    # "insane deals", "crazy low prices", "mad sale": praise of an offer.
    r"\b(insane(ly)?|crazy|mad|sick|wicked|stupid(ly)?|silly|bonkers|unreal|obscene(ly)?)"
    r"( good| low| cheap| big)? (deals?|offers?|bargains?|discounts?|savings|sales?|promos?|"
    r"promotions?|steals?)\b|"
    r"\bridiculous(ly)?( how)? (comfy|comfortable|cheap|good|soft|cosy|cozy|cute|pretty|fast|"
    r"quick|easy|warm|light|nice|well|gorgeous|lovely)\b|"
    r"\b(deals?|offers?|bargains?|discounts?|savings|sales?|promos?) (are|is|were|was) "
    r"(insane|crazy|mad|sick|unreal|bonkers|wicked|killer|stupid)\b|"
    r"\b" + THIRD_PARTY + r"('ll| will| would|'d| is going to|'s going to| are going to|"
    r"'re going to| is gonna| are gonna| gonna| might| may)( \w+)? (go (mad|crazy|mental|"
    r"spare|ballistic|nuts|bananas|berserk)|kill me|murder me|have my head|be (furious|"
    r"livid|fuming|mad|angry|cross|raging|upset|gutted)|be (so|really|very|absolutely|well) "
    r"(furious|livid|fuming|mad|angry|cross|raging|upset|gutted)|go (so |totally |absolutely )?"
    r"(mad|crazy|mental|spare|ballistic|nuts)|freak( out)?|lose (it|the plot|"
    r"(his|her|their) (mind|minds|head|rag))|have a (fit|meltdown)|throw a (fit|wobbly|"
    r"tantrum)|hit the roof)\b|" + ES_NEUTRAL_IDIOMS,
    re.IGNORECASE,
)

# Of the anger words, the verdicts and declarations that, on their own, are
# anger a person should hear: "unacceptable", "not good enough", "I'm furious".
# The rest ("useless", "worst", "you people", "are you serious") need another
# signal with them.
DECISIVE_WORDS = (
    r"furious|fuming|livid|outraged|outrageous|enraged|infuriat\w*|ridiculous|"
    r"unacceptable|disgrace\w*|disgust\w*|appall\w*|pathetic|shambles|atrocious|abysmal|"
    r"horrendous|inexcusable|despicable|shameful|shame on you|incompeten\w*|thieves|crooks?|"
    r"liars|con artists|cowboys|daylight robbery|rip[- ]?off|"
    r"(is|are|'s|'re|what) (a |an )?(\w+ )?joke|(beyond|past) a joke|"
    r"sick (of|and tired)|fed up|had enough|enough is enough|last straw|had it with|"
    r"(losing|lost|running out of|out of) (my |all )?patience|patience is (wearing|running)|"
    r"seething|(beyond|so|really|very) (angry|mad|cross)|"
    # Hating us, not the weather: "I hate this weather" is small talk.
    r"hate (you|northwind)|hate (this|your) (company|shop|store|service|app|website|place)|"
    r"hate this(?= *([.!,;]|$))|taking the piss|get your act together|"
    # "Not acceptable." as a verdict, not "is it not acceptable to return it?"
    r"(not|isn't|wasn't|aren't|weren't) (\w+ )?(good enough|acceptable|on)(?= *([.,!;]|$))|"
    r"how dare|"
    r"(is|are|was|were|'s|'re) (a |an )?(absolute |complete |total |utter )?(nightmare|"
    r"disaster|farce|circus|con)(?! (party|gift|present|film|movie|book))|"
    r"disrespect\w*|arrogan\w*|lied|sort\W+it\W+out(?<!sort it out)|"
    # A verdict or "Again." as a sentence of its own: "...won't refund it. Joke."
    r"(?<=[.!?] )(yet |once )?again(?=[.!])|(?<=[.!?] )(a |what a |such a |absolute |total |"
    r"utter )?(joke|shocking|shameful|embarrassing|laughable|disgraceful)(?=[.!])|"
    r"done being (polite|nice|patient|reasonable|understanding)|zero stars|"
    r"(i'm|i am|we're|we are) (so |really |very |absolutely |extremely |getting |beyond )?"
    r"(angry|livid|pissed|cross|raging)|" + ES_DECISIVE_WORDS
)

ANGER_WORDS = re.compile(
    r"\b(furious|fuming|livid|outraged|outrageous|enraged|infuriat\w*|angry|pissed|"
    r"ridiculous|unacceptable|disgrace\w*|disgust\w*|appall\w*|pathetic|useless|"
    # "Joke" only as a verdict: "you're a joke", not "tell me a joke".
    r"incompeten\w*|(is|are|'s|'re|what) (a |an )?(\w+ )?joke|clowns|idiots?|morons?|"
    r"shambles|rip[- ]?off|liars?|lied|crooks?|cheats?|criminals?|daylight robbery|"
    r"atrocious|abysmal|horrendous|inexcusable|despicable|shocking|clueless|insulting|"
    r"nonsense|thieves|robbed|cowboys|con artists|"
    r"worst|scam|sick (of|and tired)|fed up|had enough|enough is enough|had it with|"
    # "You lot" as a name for us, not in a plain question ("do you lot use DPD?").
    r"(?<!do )(?<!are )(?<!can )(?<!have )(?<!did )(?<!will )(?<!could )(?<!would )you lot|"
    r"(no ?one|nobody) (has|had) (a|any) clue|(beyond|past) a joke|last straw|"
    r"(losing|lost|running out of|out of) (my |all )?patience|patience is (wearing|running)|"
    r"raging|seething|(beyond|so|really|very) (angry|mad|cross)|"
    r"you('ve| have)? ruined|ruined my|taking the piss|having a laugh|"
    # ("Thanks for nothing" is sarcasm: counted there, once.)
    r"waste of (my )?(time|money)|you people|shame on you|"
    r"are you (kidding|serious|joking)|never (again|ordering|shopping|buying)|"
    r"sort (it|this) out|get your act together|do your job|(i'm|i am) done with (you|this|"
    r"your)|" + DECISIVE_WORDS + r"|"
    # The verdicts (DECISIVE_WORDS, above) are anger words too.
    # A curse as the verdict on the company or the service ("this is
    # bullshit") is hostile; a curse as an exclamation ("shit, wrong number") is not.
    r"(this|that|it|you|your \w+)( is|'s| are|'re| was) (such |absolute |complete |total |"
    r"utter )?(bullshit|bs|shit|crap|garbage|trash|rubbish)|" + ES_ANGER_WORDS + r")\b",
    re.IGNORECASE,
)
DECISIVE_ANGER_WORDS = re.compile(r"\b(" + DECISIVE_WORDS + r")\b", re.IGNORECASE)
IRRITATION_WORDS = re.compile(
    r"\b(annoy(s|ed|ing|ance)?|frustrat\w*|irritat\w*|exasperat\w*|fed-up|"
    + ES_IRRITATION_WORDS
    + r")\b",
    re.IGNORECASE,
)
# "A bit annoying", "slightly frustrated": irritation the customer plays down.
PLAYED_DOWN = re.compile(
    r"\b(a (little )?bit|bit|slightly|a little|mildly|kind of|kinda|sort of|somewhat|a tad|"
    r"tad|little) (\w+ )?(annoy\w*|frustrat\w*|irritat\w*|fed up|disappoint\w*)|\b"
    + ES_PLAYED_DOWN,
    re.IGNORECASE,
)
# Obfuscated forms are spelled out: "f***", "f*ck", "sh1t", "a**hole".
PROFANITY = re.compile(
    r"(?<!\w)(f(u|\*|#|@)?(c|\*)?(k|\*)(ing|in|ed|er|ers|s)?|f\*+\w*|fck\w*|fuk\w*|"
    r"mother ?f\w+|effing|sh(i|1|!|\*)t+(ty|s|e)?|bullsh[\w*]*|wtf|stfu|ffs|omfg|"
    r"a(ss|\*\*|rse)hole|bastards?|bitch\w*|pissed( off)?|dick(head)?s?|"
    r"screw you|" + ES_PROFANITY + r")(?!\w)",
    re.IGNORECASE,
)
HOSTILE_PROFANITY = re.compile(
    r"(?<!\w)(wtf|stfu|screw (you|this|that|your \w+)|go to hell|piss off|"
    r"f(u|\*|#|@)?(c|\*)?(k|\*) (you|off|this|that|your \w+|u)|"
    + ES_HOSTILE_PROFANITY
    + r")(?!\w)",
    re.IGNORECASE,
)
MILD_PROFANITY = re.compile(
    r"\b(damn\w*|dammit|crap\w*|(the|bloody) hell|bloody|frigg\w*|freak(ing|in)|"
    + ES_MILD_PROFANITY
    + r")\b",
    re.IGNORECASE,
)
PUNCTUATION_RUN = re.compile(r"[!?¿¡]{2,}")
ANGRY_EMOJI = frozenset("😡🤬😠👿💢🖕")
ANNOYED_EMOJI = frozenset("😤🙄😒👎")
FRIENDLY_EMOJI = frozenset("🙈😂🤣😅🙏😊🙂😄😁😆😉😍🥰😀☺🤗💕❤♥👍😘🥲")
LAUGHING_EMOJI = frozenset("🙈😂🤣😅")
PRAISE_GESTURES = frozenset("👌👏🙌")
FRIENDLY_WORDS = re.compile(
    r"(\b(lol|lmao|rofl|haha\w*|hehe\w*|no worries|no rush|all good|no big deal|"
    r"not a big deal|no biggie|my bad|fair enough|cheers|" + ES_FRIENDLY_WORDS + r")\b|"
    r"(?<!\w)[:;]-?[)D](?!\w))",
    re.IGNORECASE,
)
# Praise said through gritted teeth: the positive words in such a message
# must not cancel its anger.
SARCASM = re.compile(
    r"\b(oh|yeah|wow|well),? (great|brilliant|wonderful|perfect|fantastic|lovely|"
    r"marvellous|marvelous|amazing|sure|super|joy|nice|look)\b|\bthanks for nothing\b|"
    r"\byeah,? (right|sure)\b|\b(that's|that is|it's|it is|how) just (great|brilliant|perfect|"
    r"wonderful|lovely|fantastic|marvell?ous)\b|\b(" + ES_SARCASM + r")\b",
    re.IGNORECASE,
)
SARCASTIC_EMOJI = "🙄😒"
# Sarcasm that is a complaint by itself: "thanks for wasting my day",
# "fantastic service, not", "love being ignored", "surprise, surprise".
INHERENT_SARCASM = re.compile(
    r"\b(thanks|thank you|cheers)( (so|very) much| a lot| a bunch)? for (nothing|wasting|ruining|"
    r"ignoring|losing|lying|making me wait|the runaround|absolutely nothing|sweet fa)\b|"
    r"\b(great|fantastic|excellent|brilliant|amazing|wonderful|superb|stellar|top|lovely|"
    r"good|perfect)( customer)? (service|job|work|experience|communication|stuff)[,.!]* "
    r"not\b(?= *([.!]|$))|"
    r"\b(love|loving|gotta love|got to love|nothing like|nothing better than|enjoy|enjoying"
    r"|such fun|so much fun) (being |getting )?(ignored|lied to|fobbed off|kept waiting|passed "
    r"around|messed around|mucked about|cut off|left on hold|on hold|paying for nothing|"
    r"chasing|waiting for (nothing|a reply|an answer|a refund|a parcel that))\b|"
    r"\bsurprise,? surprise\b|\bcolou?r me (shocked|surprised)\b|\bslow clap\b|"
    r"\b(" + ES_INHERENT_SARCASM + r")\b",
    re.IGNORECASE,
)
# Ironic next to a complaint, genuine elsewhere: "great, just great. Lost
# again." but "perfect, just perfect!"; "what a surprise, late again" but
# "what a surprise, it came a day early".
SARCASM_NEXT_TO_COMPLAINT = re.compile(
    r"\b(great|brilliant|fantastic|wonderful|perfect|lovely|marvell?ous),? just (great|"
    r"brilliant|fantastic|wonderful|perfect|lovely|marvell?ous)\b|\bwhat a (surprise|shock)"
    r"(?! (party|gift|present|visit))\b|\bwho (would have|could have|would've|'d have) "
    r"(thought|guessed)\b|\bshocker\b",
    re.IGNORECASE,
)
# Praise, ironic when what went wrong stands next to it.
PRAISE_WORDS = (
    r"(great|brilliant|fantastic|wonderful|perfect|lovely|amazing|superb|excellent|"
    r"marvell?ous|incredible|splendid|terrific|awesome|fab|fabulous|classy|impressive|"
    r"outstanding|stellar|genius|super|nice|nice one|well done|good job|great job|"
    r"great work|good work|bravo|top notch|top quality|top service|5 stars|five stars|"
    r"love it|love that|love this|just what i needed|" + ES_PRAISE_WORDS + r")"
)
# Every word of praise, blanked out to see whether the rest of a seemingly
# sarcastic message is positive too: then the praise was meant.
ANY_PRAISE = re.compile(r"\b" + PRAISE_WORDS + r"\b|\b(wow|oh|yeah)\b", re.IGNORECASE)
# Praise or thanks with an eye-roll: "very helpful 🙄", "thanks 😒". The
# emoji says the praise is not meant, whatever the rest of the message says.
EYE_ROLLED_PRAISE = re.compile(
    r"\b(" + PRAISE_WORDS + r"|(very |so |really |super )?helpful|thanks|thank you|cheers)"
    r"\b[^\n\U0001f644\U0001f612]{0,40}[\U0001f644\U0001f612]",
    re.IGNORECASE,
)
# "Brilliant, the duvet is falling apart": praise opening a sentence that
# complains. Matched at the start of one sentence at a time; the rest of the
# sentence is then read once, for a complaint.
PRAISE_OPENER = re.compile(
    r"^\W*(oh |wow |well |just |how |so |really |yeah |ah )*"
    + PRAISE_WORDS
    + r"\s*[,:;\u2013\u2014-]+\s*",
    re.IGNORECASE,
)
# "...and kept my money. Great.": a sentence of praise alone.
PRAISE_ONLY = re.compile(
    r"^\W*(oh |wow |well |just |how |so |really |yeah |ah |what a )*"
    + PRAISE_WORDS
    + r"( (service|job|work|stuff|effort|guys|team|everyone|northwind|as always|as usual|"
    r"again|then|indeed|once again|you lot|people|thanks|there))?\W*$",
    re.IGNORECASE,
)
# What follows an ironic "Great." in the next sentence: "Great. Another week."
IRONY_FOLLOWS = re.compile(
    r"^\W*(another|again|still|yet|so|now|and|no|nothing|lost|not|never|that's|it's been|"
    + ES_IRONY_FOLLOWS
    + r")\b",
    re.IGNORECASE,
)
# Scare quotes around what was promised: "your 'express' delivery".
SCARE_QUOTED = re.compile(
    r"(?<!\w)['\"\u201c\u2018]([^'\"\u201c\u201d\u2018\u2019\n]{1,40})['\"\u201d\u2019](?!\w)"
)
PROMISE = re.compile(
    r"\b(express|next[- ]day|same[- ]day|guaranteed?|premium|fast|quick|speedy|free|"
    r"\d+ ?(hours?|hrs?|days?|working days?)|within|soon|shortly|on its way|out for delivery|"
    r"delivered|dispatched|priority|value|care|sorry|high demand|customer (service|first|care)"
    r"|helpful|tracked|luxury|quality|durable|waterproof|refund|processing|investigating|"
    + ES_PROMISE
    + r")\b",
    re.IGNORECASE,
)
# "@Northwind" is who the message is for, not what it says.
MENTION = re.compile(r"@\w+")
SENTENCE_BREAK = re.compile(r"[.!?\n]+")
# In the same sentence as the praise, these make it genuine: "great, it came,
# but the box was dented", "perfect, thanks, though it was late".
GENUINE = re.compile(
    r"\b(but|though|thanks|thank you|cheers|anyway|luckily|fortunately|" + ES_GENUINE + r")\b",
    re.IGNORECASE,
)
# What went wrong, in a customer's words. Alone it is a routine report ("my
# parcel is late") and scores nothing; with a raised voice, an angry emoji or
# ironic praise it is an angry complaint.
COMPLAINT_CONTENT = re.compile(
    r"\b((never|not|still not|hasn't|haven't|didn't|did not|has not|have not|still haven't|"
    r"still hasn't|isn't|wasn't|aren't)( \w+)? (arrived|came|come|turned up|shown up|showed up|"
    r"received|delivered|refunded|heard|here|working|replied|answered|called|rang|fixed|"
    r"sorted|resolved)|"
    r"still (waiting|no|nothing|not|missing|broken)|waiting|waited|"
    r"late|delayed|smashed|damaged|crushed|cracked|ripped|torn|dented|faulty|defective|"
    r"shattered|leak(ing|ed|s)|mou?ldy|soaked|missing|overcharged|ignored|ignoring|"
    r"lied|lying|liars?|lies|a lie|blamed|excuses|fobbed|rude|broken|"
    r"(won't|will not|doesn't|does not|don't|do not|never) (\w+ )?(answer|reply|respond|"
    r"call back|get back)|"
    r"(you|they|courier|driver|you've|you have|has been|have been|was|were|got|been) lost|"
    # "Lost the replacement as well": lost by us; "I lost my receipt" is not.
    r"(?<!i )(?<!i've )(?<!we )(?<!i have )lost (my|our|the|another|a) \w+|"
    r"(old|wrong|previous) address|even though i|despite (me|my|us|our|having|paying)|"
    r"(went|gone|going|sent|delivered|refunded|posted|shipped) to (the |a )?wrong|"
    r"(missed|failed) (delivery|deliveries|slot|appointment|collection)|"
    r"another (missed|late|lost|broken|failed|wasted|cancelled|wrong|damaged) \w+|"
    r"took (\w+ ){0,2}(days|weeks|months|hours)|"
    # What a product does wrong.
    r"wobbl\w*|fray(ed|ing)|peel(ed|ing)|bobbl(ed|ing)|pilling|snapped|scratched|stained|"
    r"sagg(ed|ing)|squeak\w*|rattl\w*|rust(ed|ing|y)|dead on arrival|"
    r"(sent|delivered|gave|given|got|received) (me |us )?(the |a )?wrong|"
    r"(fell|falling|came|coming) apart|stopped working|(doesn't|does not|didn't|did not|"
    r"won't|will not) work|"
    r"(no|zero) (refund|reply|response|answer|update|updates|idea|help|delivery|parcel|"
    r"call ?back|contact|explanation|apology|show)|nobody|no one|nothing|"
    r"again|twice|(are|is|were|was|has|have) (all )?gone|"
    r"another (day|week|month|delay|excuse|wait|email|e-mail|promise|weekend)|"
    r"(been|over|nearly|almost|for) (a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|\d+) (days?|weeks?|"
    r"months?|hours?|minutes|mins)|on hold|"
    r"where('s| is| are) (my|our)|where is it|since (\d+ ?(am|pm)?|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|yesterday|last \w+|this morning)|without (telling|"
    r"asking|warning|notice|informing|any)|(kept|took|taken|keeping|stole) (my|our) money|"
    r"(my|our) money back|" + ES_COMPLAINT_CONTENT + r")\b",
    re.IGNORECASE,
)
# A word written in capitals that says what went wrong: "it arrived SMASHED",
# "it's been a MONTH". Not "WRONG": "I ordered the WRONG size" is the
# customer's own mistake.
EMPHASISED_PROBLEMS = (
    frozenset(
        """NEVER STILL AGAIN LOST BROKEN SMASHED DAMAGED MISSING NOTHING NOBODY LATE WEEK
    WEEKS MONTH MONTHS DAYS HOURS TWICE NOT NO NOW REFUND MONEY STOLEN IGNORED LIED
    RUINED USELESS RUBBISH JOKE WAITING WAITED CRUSHED CRACKED RIPPED TORN SHATTERED
    EMPTY NONE ANYONE ANYTHING""".split()
    )
    | ES_EMPHASISED_PROBLEMS
)
# "Great job, you lost it again": praise followed, on the same line, by what
# went wrong. Two searches, not one pattern "great job.*(again|...)": that
# one reads the rest of the line again from every "great job" in it.
PRAISE = re.compile(r"\bgreat job\b", re.IGNORECASE)
PRAISE_UNDONE = re.compile(r"\b(again|lost|never|still)\b", re.IGNORECASE)
REPEAT_STRONG = re.compile(
    r"\b((second|third|fourth|fifth|sixth|umpteenth|\d+(st|nd|rd|th)) (\w+ )?(time|week|day|"
    r"email|e-mail|message|call|chat|attempt|try|delivery|request|complaint)|"
    r"how many (more )?times|keep (asking|telling|saying|"
    r"contacting|calling|emailing|writing|chasing)|for the (last|final) time|"
    r"(told|asked) you (already|before|twice)|already (told|asked|said)|"
    r"again and again|over and over|in a row|every (single )?time|"
    r"(no ?one|nobody) (ever )?(answers|replies|responds|gets back|calls back|picks up)|"
    r"(i|we) (already )?(asked|emailed|called|wrote|messaged|contacted|chased)"
    r"( \w+){0,5} (yesterday|before|last week|days ago|already|twice)|"
    r"(two|three|four|five|several|multiple|\d+) (times|emails|calls|messages)|"
    + ES_REPEAT_STRONG
    + r")\b",
    re.IGNORECASE,
)
REPEAT_WEAK = re.compile(
    r"\b(again|still|yet again|once more|" + ES_REPEAT_WEAK + r")\b", re.IGNORECASE
)
# Acronyms in capitals are not shouting.
ACRONYMS = (
    frozenset(
        {
            "OK",
            "ID",
            "UK",
            "US",
            "USA",
            "TV",
            "DVD",
            "PIN",
            "PDF",
            "ASAP",
            "FAQ",
            "SMS",
            "UPS",
            "DHL",
            "USPS",
            "FEDEX",
            "RMA",
            "PM",
            "AM",
            "EU",
            "XL",
            "XXL",
            "XS",
            "LED",
            "USB",
            "HDMI",
            "SIM",
            "CEO",
            "EST",
            "PST",
            "GMT",
            "UTC",
            "NYC",
            "LA",
            "DM",
        }
    )
    | ES_ACRONYMS
)


def aimed_elsewhere(text: str) -> str | None:
    """Whom the message is upset with, quoted, when that is not us; else None.

    Someone of the customer's own, another business or the customer
    themselves (:data:`ELSEWHERE`), in a message that does not
    also name or address us: "my neighbour took my parcel in and went on
    holiday 🙄" is not anger at the company, "my neighbour had to sign for
    your broken parcel 🙄" may be.
    """
    text = _normalise(text[:MAX_SCANNED_CHARS])
    found = ELSEWHERE.search(text)
    if found is None or US_NAMED.search(US_REQUESTS.sub(" ", text)) is not None:
        return None
    return found.group(0).strip()
