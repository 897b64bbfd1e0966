"""Sensitive matters: safety, fraud, legal threats, disputes, bereavement, a vulnerable customer.

The phrase lists. Once mentioned, each matter needs a person for the rest of
the conversation (:func:`.rules.decide`); :mod:`.matters` gives each list its
reason code and the label quoted to agents, and pairs the lists of the matters
customers tell in two messages ("I was charged", then "there's no order").
Each list reads English and Spanish: the Spanish patterns are in
:mod:`.sensitive_matters_es`, appended to the English ones here; a vulnerable
customer's are in :mod:`.vulnerable`.
"""

from __future__ import annotations

from handoff.escalation.bereavement_es import ES_BEREAVEMENT_OWN_NEGATION, ES_DIED, ES_KIN_ACCOUNT
from handoff.escalation.misconduct import DATA_EXPOSED, STAFF_MISCONDUCT
from handoff.escalation.on_a_line import OnALineWith
from handoff.escalation.phishing import CARD_GIVEN, LURE
from handoff.escalation.phrases import _phrases
from handoff.escalation.sensitive_matters_es import (
    ES_ACCOUNT_CHANGED,
    ES_CALL_PROMISED,
    ES_FRAUD,
    ES_FRAUD_OWN_NEGATION,
    ES_LEGAL_THREAT,
    ES_MONEY_TAKEN,
    ES_NOT_ME,
    ES_NOTHING_CAME,
    ES_ORDER_MISSING,
    ES_PAYMENT_DISPUTE,
    ES_SAFETY_INCIDENT,
    INJURY_LINK,
)

LEGAL_THREAT = _phrases(
    # Not "to Sue" or "I'm Sue": Sue is also a name.
    r"\b(i'?ll|i will|i'?m going to|i am going to|gonna|going to|will|we'?ll|we will|"
    r"want to|plan to|intend to|have to|had to) (sue|be suing)\b",
    r"\b(i'?m|i am|we are|we're|be) suing\b",
    r"\bsue (you|u|your|the|this|northwind|them)\b",
    # "Legal advice" only about this matter: "I need legal advice about my
    # divorce" is out of scope, not a threat.
    r"\blegal advice (on|about|regarding) (this|that|it|the matter|your|you)\b|"
    r"\b(taking|taken|took|seeking|sought|getting|got) legal advice\b",
    r"\b(lawsuit|legal (action|proceedings|steps|route|options|team|counsel)|"
    r"class[- ]action|small[- ]claims|cease and desist|letter before action|breach of "
    r"contract)\b|\bnot what (i|we) (signed|agreed)\b(?! up| to on)|\b(i|we)('ve|'d| have| "
    r"had)?( got)? it in writing\b",
    # A lawyer of the customer's, or one called in: not "I'm a lawyer and
    # need an office chair".
    r"\b(my|our) (lawyer|attorney|solicitor|legal team)s?\b(?! (friend|mate|pal|neighbour|"
    r"neighbor|cousin|sister|brother|colleague)s?\b)|\blawyer(ing|ed)? up\b",
    r"\b(get|getting|got|call|calling|contact|contacting|consult|consulting|speak to|"
    r"speaking to|talk to|talking to|see|seeing|hire|hiring|instruct|instructing|involve|"
    r"involving|hear from|hearing from|pass(ing)? (this|it) to|hand(ing)? (this|it) (over )?to|"
    r"forward(ing)? (this|it) to|with) (a|my|our|the|a good) (lawyer|attorney|solicitor)s?\b",
    r"\b(lawyers?|attorneys?|solicitors?) (will|'ll|are going to|is going to|letters?|"
    r"involved|on (this|it|to you))\b",
    r"\b(take|taking|see|seeing|bring|bringing|drag|dragging) (you|this|it|your company|"
    r"northwind)? ?(to )?court\b",
    r"\bsee you in court\b|\b(go|going|went) to court\b|\bcourt (action|case|claim|proceedings)\b",
    r"\b(further|pursue|pursuing|act|acting|proceed|proceeding) legally\b",
    r"\b(trading standards|better business bureau|attorney general|ombudsman|"
    r"consumer protection (agency|bureau|office)|consumer rights act)\b",
    r"\breport(ing)? (you|this|your company) to (the )?(bbb|ftc|cfpb|fca|regulator|police)\b",
)
LEGAL_THREAT += _phrases(*ES_LEGAL_THREAT)
PAYMENT_DISPUTE = _phrases(
    r"\bcharge[- ]?backs?\b",
    r"\bdisput(e|ing) (the|this|that|a|my) (charge|payment|transaction)\b",
    r"\b(reverse|reversing|reversal of) (the|this|that) (charge|payment|transaction)\b",
    r"\b(my|the) bank to (reverse|dispute|claw back|recall) \b",
    r"\b(charge|payment|transaction|money)s? (reversed|disputed|clawed back)\b",
    r"\b(rais|open|fil|lodg)(e|ed|ing) a (payment )?dispute\b",
    r"\b(claim|case|dispute) with (paypal|klarna|visa|mastercard|amex|(my|the) (\w+ ){0,2}"
    r"(bank|card|provider|issuer|card company))\b",
    r"\b(bank|visa|mastercard|amex|american express|paypal|klarna|card company|card issuer|"
    r"card provider) to (get|claim|recover|have|take) (back )?(my|the|our) (money|payment|refund)",
    # A duplicate charge ("double charged"), not one put right ("but you refunded it").
    OnALineWith(
        r"\b(charged|billed|debited|charging|billing)( me| us| my card| my account| for it| "
        r"for this| for the same order)? (twice|two times|double|2x|x2|three times|3 times|"
        r"multiple times)\b",
        unless=r"\b(but|and) (it was |it got |it's been |you |they |was )?(already |quickly )?"
        r"(refunded|reversed|sorted|fixed|resolved|credited back|paid back)\b",
        in_place=True,
    ),
    r"\b(payment|money|amount|charge)s? (was |were |has been |have been |got |been )?(taken|"
    r"debited|charged|deducted|collected|processed) (twice|two times|double|2x|x2)\b",
    r"\bdouble[- ]?(charged|charge|charging|billed|billing|debited|payment)\b|"
    r"\b(duplicate|identical) (charges?|payments?|transactions?|debits?)\b",
    # Charged for an order that is not there: "money taken but no order on my account".
    r"\b(charged|debited|took (my )?(money|payment)|money (was |has been )?(taken|gone|"
    r"deducted))\b[^.!?\n]{0,60}\b(no order|(order|purchase) (doesn't|does not|didn't|did not) "
    r"(show|exist|appear|go through)|(says|shows) (unpaid|not paid)|(pay|paying) (again|twice))\b",
    # "Two payments of £649 for the same fridge", "the same amount twice on my statement".
    r"\bthe same (amount|charge|payment|sum)( \w+){0,3} twice\b|\b(charge|payment|debit|fee)s? "
    r"(has |have )?(come|gone|been taken) out again\b",
    r"\b(two|2|three|3|several|multiple) (identical )?(payments|charges|transactions|debits) "
    r"(of [£$€]?\d[\d,.]* )?(for|on) (the same|one|a single|1|just one) \w+",
    # Not one seen through: "two charges, but one was the delivery fee, all good".
    OnALineWith(
        r"\b(two|2|three|3) (identical |separate )?(charges|debits)\b|\b(two|2|three|3) "
        r"(payments|transactions) (were |have been |had been )?(taken|made|came out|went out|"
        r"gone out)\b",
        unless=r"\b(realised|realized|turns out|turned out|one (was|is) (the|for))\b[^\n]{0,40}"
        r"\b(delivery|shipping|postage|fee)\b|\b(all good|false alarm|my mistake)\b",
    ),
    # The lender or a collector chasing money for an order that was returned:
    # "Klarna is chasing me for an order I returned".
    OnALineWith(
        r"\b(klarna|clearpay|afterpay|paypal|laybuy|zilch|debt collect\w*|collection agency)\b"
        r"[^.!?\n]{0,40}\b(chas|demand|pursu|hound|harass|threaten|remind|charg|bill|asking me "
        r"to pay|want(s)? me to pay|says i owe|saying i owe)\w*|\b(chas|charg|bill|demand|pursu)"
        r"\w* (me )?by (klarna|clearpay|afterpay|paypal|laybuy|zilch|a debt collector)\b",
        requires=r"\b(returned|sent (it |them )?back|cancell?ed|canceled|refunded|never (arrived|"
        r"received|came|got)|didn't (arrive|receive|get)|not (arrived|received))\b",
    ),
    r"\b(debt collect(or|ors|ion)|collection agency|bailiffs?)\b",
    # Charged on after cancelling: "you keep charging me for the plan I cancelled".
    r"\b(keep|keeps|kept|still) (charging|billing|debiting) (me|us|my)\b|\b(still|keep|keeps|"
    r"kept) (getting|being) (charged|billed|debited)\b(?! *\?)",
    # Not "the payment still shows as pending": a hold asked about.
    r"\b(charges?|payments?|debits?) (keeps? (showing|coming|appearing|going out|being taken|"
    r"turning up)|still (comes out|goes out|coming out|going out|being taken|gets taken))\b",
    r"\b(charged|billed|debited|charging|billing)( me| us)? (for|on) (a|the|my|our) (\w+ )?"
    r"(subscription|membership|plan|order)( \w+)? (i|we) (cancell?ed|canceled|returned)\b",
    # A refund short of what was paid: "the refund you sent is £150 short".
    r"\b(refund|refunded|credit|amount|money)\b[^.!?\n]{0,40}\b([£$€]?\d[\d,.]*|\w+ "
    r"(pounds|dollars|euros|quid)) short\b",
    r"\b(short|under)[- ]?(refunded|paid|changed)\b|\b(only|just) (got|received|had|been "
    r"given|gave (me|us)|sent (me|us)|refunded (me|us)) (a )?(partial|half|part of (my|the)) "
    r"refund\b|\bnot (the|my) full refund\b|"
    r"\b(refund|refunded)\b[^.!?\n]{0,30}\b(less|lower|smaller) than (i|we) (paid|spent)\b",
    # An ultimatum: "my money back or I'm going to my bank".
    r"\b(or|otherwise) (i'll|i will|i'm going to|i am going to|i'm|we'll|we will|i shall) "
    r"(go(ing)? to|contact(ing)?|call(ing)?|ring(ing)?|speak(ing)? to|report(ing)? (you|this|"
    r"it) to) (my|the) (bank|card company|card issuer|credit card company|card provider)\b",
)
PAYMENT_DISPUTE += _phrases(*ES_PAYMENT_DISPUTE)
# The halves of a payment dispute told in two messages: "you took the money" /
# "but there's no order on my account" (IN_TWO_PARTS).
MONEY_TAKEN = _phrases(
    r"\b(you|u|they|the bank|my bank|bank)( have| has)?( already)? (charged|debited|took|"
    r"taken) (me|my (card|account|money)|the (money|payment))\b",
    r"\b(the |my )?(money|payment|amount)( has| was| is| have)?( been)? (taken|debited|"
    r"deducted|gone|come out|left my account)\b|\bi('ve| have)? already paid\b",
    *ES_MONEY_TAKEN,
)
ORDER_MISSING = _phrases(
    r"\b(order|purchase)s? (doesn't|does not|didn't|did not|isn't|is not|wasn't|was not|"
    r"never) (exist|show (up )?(on|in)|appear|go through|come through|get created|created)\b",
    r"\bno (order|purchase)s?\b(?! (number|no\b|#|id\b|code|ref))( (on|in) (my|the) (account|"
    r"app|history|order history|orders))?|\b(says|shows|showing) (it'?s |as )?(unpaid|not "
    r"paid|awaiting payment|payment (pending|failed))\b",
    *ES_ORDER_MISSING,
)
GIFT_CARD_EMPTIED = (
    r"\b(gift ?cards?|e-?gift( cards?)?|vouchers?|balance|store credit|points)\b[^.!?\n]{0,30}"
    r"\b((was|were|has been|have been|got|been|is|are|have|has|had) (emptied|drained|wiped|"
    r"cleared|spent|used|redeemed|taken|gone|vanished|disappeared|gone missing)|(vanished|"
    r"disappeared)|(is|was|shows|showing|says|now)( \w+)? (zero|empty|nothing|"
    r"0|£0|\$0))\b"
)
DETAILS_CHANGED = (
    r"\b(password|e-?mail( address)?|login|pin|phone number|mobile number|address|details|"
    r"security questions?)( \w+){0,2} (was|were|has been|have been|had been|got|been|is) "
    r"(changed|reset|updated|altered)\b"
)
# The customer was not the one: "I didn't use it", "it wasn't me", "someone".
NOT_ME = (
    r"((i|we) (didn't|did not|never|haven't|have not|hadn't|had not)( \w+)? (use|used|spend|"
    r"spent|touch|touched|redeem|redeemed|buy|bought|change|changed|reset|update|updated|"
    r"request|requested|ask|asked|do|did)|(wasn't|was not|not) (me|us)|someone|without (my|"
    r"our) (knowledge|permission|consent))\b"
)
FRAUD = _phrases(
    # A child who bought with the customer's card unasked, not "my son ordered it for me".
    r"\b(my|our) ([\w-]+ ){0,3}(son|daughter|kid|kids|child|children|teenager|toddler|nephew|"
    r"niece|\d+[- ]?(year|yr)[- ]?old)\b"
    r"[^.!?\n]{0,80}\b(without (my |our )?(permission|knowing|asking|consent|authori[sz]ation)|"
    r"behind (my|our) back|while (i|we) (was|were) (asleep|sleeping|at work|out)|(i|we) (never|"
    r"didn't|did not) (give|gave) (him|her|them) (permission|the ok))\b",
    r"\bsomeone (else )?('s |has |have |had |is |was )?(been )?(used|using|got into|getting "
    r"into|accessed|accessing|hacked|logged into|logged in to|logging into|changed|"
    r"took over|ordered with|bought with|spent|spending|redeemed|emptied|drained)\b",
    # What was stolen: not "someone stole my heart".
    r"\b(someone|somebody|they|he|she) (\w+ )?(stole|has stolen|have stolen|had stolen|nicked|"
    r"took|has taken) (my|our) (\w+ )?(card|details|identity|account|password|money|"
    r"login|pin|voucher|points|balance|credit|savings|bank details)\b",
    # Somebody else with the customer's account: "my ex still has access to
    # my account and keeps ordering on my card".
    r"\b(ex|ex-partner|ex-husband|ex-wife|ex-boyfriend|ex-girlfriend|former partner|"
    r"someone|somebody|(my|our) (\w+ )?(son|daughter|flatmate|housemate|lodger|partner))"
    r"( \w+){0,2} (has|have|had|still has|got|gets) (access|the password|my password|"
    r"my login|my details|my card)\b",
    r"\b(keeps?|kept|keeping) (ordering|buying|spending|using my (card|account))\b[^.!?\n]{0,40}"
    r"\b(my (card|account|details|name)|without (asking|telling))\b",
    r"\bsomeone('s| is| has been| was) (in|into|inside) my (account|card)\b",
    OnALineWith(
        r"\b(it )?(wasn't|was not|weren't|were not) (me|us)\b",
        requires=r"\b(changed|ordered|charged|logged|payment|order|password|account|purchase|"
        r"email|spent|used|gift ?card|balance|voucher)\b",
    ),
    r"\bsomeone (else )?(has )?(ordered|bought|purchased|placed|made)\b[^.]{0,40}\b(my|our) "
    r"(account|card|details|name)\b",
    # Not a scam at another shop: "I got scammed on another site, so I buy from you".
    OnALineWith(
        r"\b(been|got|get|was|were) scammed\b",
        unless=r"\b(on|at|from|with|by) (another|a different|some other|some) (site|website|"
        r"shop|store|app|seller|marketplace|page)\b",
    ),
    r"\bpretend(ing|ed|s)? to be (you|northwind|from)\b|"
    r"\bfake (site|website|web site|email|e-mail|text|sms|shop|store|account|page)\b|"
    r"\bimpersonat\w*",
    r"\bsuspicious (login|sign[- ]in|activity|charges?|payments?|transactions?|orders?)\b",
    r"\b(login|sign[- ]in) (alert|attempt|notification)s? from\b",
    # Not "I totally hacked the flatpack assembly".
    r"\b(was|were|been|got|get|is|has been|have been|getting) hacked\b|\bhacked (my|our|"
    r"into)\b|\bhacked (account|card|e-?mail|profile|login)s?\b|\b(account|card|e-?mail|"
    r"password|profile|login|paypal|details)\b[^.!?\n]{0,30}\bhacked\b",
    # No fraud: "my bank flagged the payment as fraud but it was me, all fine now".
    OnALineWith(
        r"\b(unauthori[sz]ed|fraud|fraudulent|fraudster|identity theft|phishing)\b",
        unless=r"\b(it|that|this) (was|were) (me|us|mine|ours)\b|\b(was|were) (me|us) (who|"
        r"that)\b|\b(all|it's all|its all|it is all|everything's|everything is) (fine|sorted|"
        r"ok|okay|good|cleared|resolved) now\b|"
        # The customer confirmed it to the bank: "flagged as fraud, I approved
        # it in the app"; not "I never approved it".
        r"\b(i|we|i've|we've|i have|we have) (already |just )?(approved|confirmed|verified|"
        r"authori[sz]ed|okayed|ok'd) (it|that|this|the (payment|transaction|purchase|charge|"
        r"order))\b|\b(bank|card issuer|they) (has |have )?(already )?(cleared|released|"
        r"approved|unblocked) (it|the (payment|transaction|purchase|charge|hold))\b|"
        # Advice asked for, nothing happened: "any tips for avoiding fraud?".
        r"\b(tips|advice|ways) (for|on|to) (avoid|avoiding|spot|spotting|prevent|preventing)\b|"
        r"\bhow (do|can|should) (i|we|you) (avoid|spot|prevent) (fraud|scams?|phishing)\b",
    ),
    r"\bstolen (card|credit card|debit card|identity|account|details|password)\b",
    r"\b(card|account|details|identity|password) (was|were|has been|have been|got|is) "
    r"(stolen|compromised|used by someone)\b",
    r"\bcompromised\b",
    r"\bunrecogni[sz]ed (charge|payment|transaction|order|purchase)",
    r"\b(charge|payment|transaction|purchase|order)s?\b[^.]{0,40}\b(don'?t|do not|didn'?t|"
    r"did not) recogni[sz]e\b",
    r"\blogin from (a|an) (\w+ )?(device|country|location)",
    r"\b(address|name|e-?mail|phone number|card)s? (i|we)('ve| have)? never (lived at|used|"
    r"heard of|seen|added|registered|given)",
    # "going to an address I don't know", "from a device I don't recognise".
    r"\b(an?|some|this|that|unknown|strange|random) (\w+ )?(address|name|person|e-?mail|"
    r"device|location|phone number|account) (that )?(i|we) (don't|do not|didn't|did not|"
    r"never) (know|recogni[sz]e|recogni[sz]ed)\b",
    # "my card was used on your website without my permission".
    r"\b(card|account|details|paypal|bank|gift ?card|identity|balance|points)\b[^.!?\n]{0,40}"
    r"\bwithout (my|our) (permission|consent|knowledge|authori[sz]ation)\b",
    r"\b(used|charged|debited|ordered|bought|accessed|spent|redeemed)\b[^.!?\n]{0,30}"
    r"\bwithout (my|our) (permission|consent|knowledge|authori[sz]ation)\b",
    # "My gift card was emptied and I didn't use it", "I got an email saying
    # my password was changed but I didn't change it": what happened, and
    # that it was not the customer, in either order, near each other. Bounded
    # gaps, not a second search: FRAUD keeps its two line-wide pairs.
    GIFT_CARD_EMPTIED + r"[^\n]{0,60}\b" + NOT_ME,
    NOT_ME + r"[^\n]{0,60}\b" + GIFT_CARD_EMPTIED,
    DETAILS_CHANGED + r"[^\n]{0,60}\b" + NOT_ME,
    NOT_ME + r"[^\n]{0,60}\b" + DETAILS_CHANGED,
) + _phrases(
    r"\b(didn'?t|did not|never) (place|placed|make|made|authori[sz]e|authori[sz]ed) (this|"
    r"that|these|those|the|an?|any) (order|purchase|payment|transaction|charge)s?\b",
    r"\b(didn'?t|did not|never) (order|buy|purchase|ordered|bought|purchased) (this|that|"
    r"these|those|it|them|anything)(?=\s*([.,!?;]|$|(and|but|so|please|yet|at all)\b))",
    # Not "not my order": in answer to "shall I cancel order 123?" it means a
    # wrong number.
    r"\bnot my (purchase|charge|transaction|payment)\b",
    r"\b(order|purchase|charge)s? (on|in) my (account|card)( \w+){0,2} (that|which) (isn'?t|"
    r"is not|aren'?t|are not|wasn'?t) (mine|ours)\b",
    # Phishing, "clicked the link and entered my card details", in either order.
    LURE + r"[^\n]{0,80}\b" + CARD_GIVEN,
    CARD_GIVEN + r"[^\n]{0,80}\b" + LURE,
    # "I didn't order a TV" is fraud after "got an email saying I bought",
    # a wrong item otherwise ("I didn't order a medium").
    OnALineWith(
        r"\b(i|we) (didn't|did not|never) (order|ordered|buy|bought|purchase|purchased|place|"
        r"placed|make|made|authori[sz]e|authori[sz]ed)\b",
        requires=r"\b(e-?mail|notification|text|statement|charged?|payment|account|bank|card|"
        r"receipt)\b",
    ),
    r"\b(orders?|purchases?|payments?|charges?|transactions?)\b[^.]{0,40}\b(i|we) (never|"
    r"didn'?t|did not) (make|made|place|placed|order|ordered|authori[sz]e|authori[sz]ed)\b",
    negatable=False,
)
FRAUD += _phrases(*ES_FRAUD) + _phrases(*ES_FRAUD_OWN_NEGATION, negatable=False)
FRAUD += _phrases(*DATA_EXPOSED)
BODY = (
    r"(hand|finger|arm|leg|face|skin|foot|feet|mouth|tongue|lip|neck|chest|back|thumb|"
    r"eye|head|wrist|ankle|knee|palm)s?"
)
SAFETY_INCIDENT = _phrases(
    # Not the product names: "deals on fire pits", "Fire TV".
    r"\b(caught|catch|catches|catching|on|set on|burst into|went up in) (fire|flames?)\b"
    r"(?!-|\s+(tv|sticks?|pits?|tablets?|hd|kids|extinguishers?|alarms?|blankets?|starters?|"
    # Nor praise with the fire emoji: "the price is on fire 🔥".
    r"logs?|bowls?|resistant|proof|retardant|safety|doors?|escape)|\s*\U0001f525)",
    r"\b(explod(ed|es|ing)|blew up|went bang)\b|\b(smell(s|ed|ing)?|stinks?|reeks?) (of|"
    r"like) gas\b|\bgas (leak|smell)s?\b",
    r"\b(start(ed|s)?|began|was|is|were|kept|keeps) (to )?smok(e|ing|ed)\b|\bsmoke (came|"
    r"coming|was coming|pouring|everywhere)\b",
    r"\bbatter(y|ies) (\w+ )?(swell(ed|ing|s)?|swollen|bulg(ed|ing)|leak(ed|ing)|puff(ed)? up)",
    # Not a question about the risk, nor a feature against it: "does it
    # overheat?", "is it a fire hazard if left on?", "with overheat protection".
    OnALineWith(
        r"\b(overheat(ed|ing|s)?|spark(s|ed|ing)|short[- ]circuit(ed)?|electrocut\w*|"
        r"electric(al)? shock|scorch(ed|ing|es)?|singed|charred|fire hazard|too hot to touch)\b",
        unless=r"\b(does|do|will|would|can|could|might|is|are|won't|doesn't|isn't)( it| they|"
        r" this| that| these| those| the \w+)( \w+)? (ever |usually |still )?(overheat|"
        r"spark|get too hot|short|a fire hazard|give (you )?(an? )?(electric )?shock)|"
        r"\b(overheat(ing)?|over-heat(ing)?|thermal) (protection|cut-?off|cut-?out|sensor|"
        r"safety|shut-?off)\b|\b(prevents?|preventing|stops?|without|no risk of|avoid|"
        r"avoids) (\w+ )?overheating\b|\bnot (a fire hazard|overheat)",
    ),
    r"\b(could|might|would) have (had|caused|started|been) (a )?(fire|killed|hurt|injured|"
    r"electrocuted)\b",
    r"\bflames? (came|coming|shot|shooting|everywhere|out of)\b|\b(there were|saw|see) "
    r"(flames|sparks|smoke)\b",
    r"\b(plug|socket|cable|lead|wire|wiring|charger|adapter|adaptor|battery|extension|"
    r"power strip|outlet)s? (\w+ ){0,3}(melted|melting|burnt|burned|scorched)\b|\bsmel\w*"
    r"( \w+){0,2} (of|like) (melt|burn|scorch)\w* (plastic|rubber|wires?|cables?)\b",
    r"\b(boiling|scalding|hot) (water|oil|liquid|steam)\b[^.]{0,40}\b(on|onto|over|into) "
    r"(my|his|her|their|our) (\w+'s )?(\w+ )?" + BODY + r"\b",
    r"\b(got|get|gets|became|was|were|been|fell) (really |very |so |seriously )?(sick|ill|"
    r"unwell) (after|from)\b",
    # Contamination: "a piece of glass in the baby food".
    r"\b(glass|metal|plastic|insects?|bugs?|maggots?|mould|mold|worms?|hair|needle|blade)"
    r"( shards?| fragments?| pieces?)? (in|inside) (the|my|a|his|her|our) (\w+ ){0,2}(food|jar|"
    r"drink|bottle|meal|snack|bar|packet|bag|can|formula|sandwich|salad|cereal)\b",
    r"\b(gave|giving|gives|got) (me|him|her|us|them|my \w+) (a|an) (nasty |bad )?"
    r"(electric )?shock\b",
    # "Got a shock off it when I plugged it in": off or from a thing, not "got a shock
    # when I saw the price".
    r"\b(got|get|had|getting) (a|an) (nasty |bad |big |small |little )?(electric )?shock (off|"
    r"from) (it|the|my|this|that)\b",
    r"\bburn(ed|t|s)? (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(got|was|were|been|badly|severely|seriously) (badly |severely )?burn(ed|t)\b",
    r"\bburns? (on|to) (my|his|her|their)\b",
    # Not an injury the product is for: "a massage gun for a sports
    # injury", "knee support for an old injury", "injury prevention".
    OnALineWith(
        r"\binjur(y|ies|ed|ing)\b",
        unless=r"\b(for|after|recovering from) (a|an|my|his|her|their|the|old|sports?|running|"
        r"gym) ((\w+ ){0,2})injur(y|ies)\b(?! (from|caused|because))|\binjur(y|ies) "
        r"(recovery|rehab|rehabilitation|prevention|support)\b|\bprevent(s|ing)? (\w+ )?"
        r"injur",
    ),
    r"\b(was|were|got|been|get|gets) (badly |seriously )?(hurt|injured)\b",
    r"\bhurt (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(hurt|cut|injured|scalded|burnt|burned) (myself|himself|herself|themselves|"
    r"ourselves)\b",
    r"\bcut (my|his|her|their|our) (\w+ )?" + BODY + r"\b",
    r"\b(a&e|emergency room|ambulance|stitches|poison(ed|ing)|allergic reaction|"
    r"(severe|serious|bad) reaction|chok(ed|ing)( hazard)?|scald(ed|ing))\b",
    r"\b(went|go|going|taken|rushed|had to go) to (the )?(er|a&e|emergency)\b",
    # A hospital or a doctor alone is no incident: a nurse's delivery address,
    # a stay that is a vulnerable customer's (.vulnerable). Only with what hurt.
    OnALineWith(
        r"\bhospital\b|\b(went|go|going|taken|rushed|had to go) to (the )?(doctor|gp)\b",
        requires=INJURY_LINK,
    ),
    r"\bmade (me|him|her|us|them|my \w+) (really |very )?(sick|ill)\b",
    # A part swallowed, a skin reaction: "swallowed a small part of the speaker".
    r"\b(swallowed|ate) (a|an|the|one of the) (small |tiny |little )?(part|piece|battery|"
    r"batteries|magnet|magnets|button|cap|screw|bead|bit)s?\b",
    r"\b(broke|broken|came|come|breaking) out in (a |an )?(\w+ )?(rash|hives|blisters|welts)\b|"
    r"\b(gave|given|giving|caused) (me|him|her|us|them|my \w+) (a |an )?(\w+ )?(rash|hives|"
    r"blisters|burns)\b",
    r"\bbroke (my|his|her) (arm|leg|wrist|ankle|finger|nose|tooth|toe)\b",
    # Trapped, crushed: "my daughter trapped her fingers in the recliner".
    r"\b(trapped|caught|crushed|pinched|jammed|sliced|gashed|cut) (my|his|her|their|our|"
    r"the baby's|the kids') (\w+ )?(fingers?|hand|hands|thumbs?|toes?|foot|feet|arm|leg|"
    r"head)\b",
    r"\b(fingers?|hand|thumb|toes?|foot|arm|leg|head) (got |was |were |been )?(trapped|"
    r"crushed|caught|stuck) (in|under|between)\b",
    r"\b(hot |burning |red[- ]hot )?embers\b[^.!?\n]{0,30}\b(went|flew|came|fell|spat|"
    r"shot|landed|everywhere|all over|out)\b",
    r"\b(someone|somebody|a child|my (\w+ )?(kid|son|daughter|child|baby|toddler)) (could|"
    r"might) (have )?(been|get|got) (hurt|injured|killed|burnt|burned)\b",
)
SAFETY_INCIDENT += _phrases(*ES_SAFETY_INCIDENT) + _phrases(*STAFF_MISCONDUCT)
KIN = (
    r"(husband|wife|mother|father|mum|mom|mam|dad|son|daughter|brother|sister|partner|"
    r"grandmother|grandfather|grandma|grandpa|granny|gran|nan|nana|nanna|grandad|granddad|"
    r"grandparents?|stepmum|stepmom|stepdad|aunt|auntie|uncle|cousin|friend|child|"
    r"baby|fianc[ée]e?|parents?)"
)
# What else dies or passes in a message that names a relative: "a present
# for my gran, but the battery died", "...and the delivery date has passed".
NOT_A_PERSON = (
    r"(?<!battery )(?<!phone )(?<!it )(?<!laptop )(?<!charger )(?<!tablet )(?<!device )"
    r"(?<!screen )(?<!engine )(?<!car )(?<!plant )(?<!date )(?<!deadline )(?<!time )"
    r"(?<!window )(?<!days )(?<!weeks )(?<!offer )(?<!sale )(?<!that )(?<!this )"
    r"(?<!date has )(?<!deadline has )(?<!time has )(?<!window has )(?<!days have )"
    r"(?<!weeks have )(?<!offer has )(?<!sale has )(?<!it has )(?<!that has )(?<!this has )"
    r"(?<!phone has )(?<!battery has )"
)
BEREAVEMENT = _phrases(
    r"\bpass(ed|ing) away\b",
    r"\b(deceased|bereave(d|ment)|condolences|probate|executor|executrix)\b",
    r"\b(my|our|his|her) " + KIN + r"'s funeral\b",
    # A funeral alone is an occasion: "flowers for a funeral on Saturday, will
    # they arrive?" is a delivery question; "the flowers for the funeral never
    # came" is not.
    OnALineWith(
        r"\bfuneral\b",
        requires=r"\b(never|didn't|did not|hasn't|has not|haven't|have not|wasn't|weren't|"
        r"isn't|not|late|missed|lost|wrong|damaged|broken|ruined|too late)\b",
    ),
    r"\b(my|our) late " + KIN + r"\b",
    r"\b(my|our|his|her) " + KIN + r"('s)? (has |had |just |recently |sadly |suddenly )*"
    # "Passed" alone only where it ends the phrase: "my dad passed his test" is news.
    r"(died|passed away|passed(?=\s*([.,!?;]|$|(last|recently|yesterday|this)\b))|is dead|"
    r"was killed)",
    r"\b(death|passing) of (my|our|his|her)\b",
    # Within the clause, and with the relative, not a phone or a date, as
    # what died or passed.
    r"\b(my|our) " + KIN + r"\b[^.,;!?\n]{0,60}\b" + NOT_A_PERSON + r"(died|has passed|"
    r"passed away|passed(?=\s*([.,!?;]|$|and\b)))",
    r"\b(he|she|they) (has |had |just |recently |sadly |suddenly )*(died|passed away)\b",
    r"\blost (my|our) " + KIN + r"\b(?!'s)",
    r"\bestate of\b",
    negatable=False,
)
BEREAVEMENT += _phrases(*ES_BEREAVEMENT_OWN_NEGATION, negatable=False)
# An account changed, and "it wasn't me": fraud told in two messages.
ACCOUNT_CHANGED = _phrases(
    DETAILS_CHANGED,
    r"\b(someone|somebody) (has )?changed (my|the) (email|password|address|details)\b",
    *ES_ACCOUNT_CHANGED,
)
# Narrower than NOT_ME above ("someone" alone is not a denial across messages).
NOT_DONE_BY_ME = _phrases(
    r"\bi (didn't|did not|never|haven't|have not) (change|changed|touch|touched|request|"
    r"requested|ask for|do) (anything|it|that|a thing|any of (this|that))\b|\b(it )?(wasn't|"
    r"was not) me\b|\bnot me\b",
    *ES_NOT_ME,
    negatable=False,
)
# A call back or an answer promised, and nothing since: the contact centre failed.
CALL_PROMISED = _phrases(
    r"\b((you|they|someone|somebody|your (\w+ )?(agent|colleague|team|rep))( had)? (said|told "
    r"me|promised|assured me)|i was (told|promised|assured))( that)? (you'd|you would|they'd|"
    r"they would|someone would|somebody would|i'd|i would)( get a| give me a| give us a)? "
    r"(call|ring|phone|email|get back|call back|reply|contact)\b",
    *ES_CALL_PROMISED,
)
NOTHING_CAME = _phrases(
    r"\b(still (nothing|waiting)|not a (call|word|single (call|email|message))|never (did|"
    r"called|rang|came|happened)|heard nothing|nobody (called|rang|got back)|no one (called|"
    r"rang|got back)|no call( back)?( yet)?)\b",
    *ES_NOTHING_CAME,
    negatable=False,
)
# A relative's account, and a death: "my husband had an account with you" / "he
# died last month" (the second alone names no one). What BEREAVEMENT finds on its
# own ("passed away", "fallecio") is not repeated in DIED.
KIN_ACCOUNT = _phrases(
    r"\b(my|our) " + KIN + r"('s| had| has| used| opened)( an?| the| his| her)? (account|"
    r"card|subscription|finance|instal?ments?|orders?)\b|\b(account|order|subscription|"
    r"card)s? (is |was |are |were )?in my " + KIN + r"'s name\b",
    *ES_KIN_ACCOUNT,
)
DIED = _phrases(
    r"\b" + NOT_A_PERSON + r"died\b|\b(he|she)('s| has) (gone|passed)"
    r"(?= *([.,!?;]|$))",
    *ES_DIED,
    negatable=False,
)
