"""A customer in a vulnerable situation: what they tell us that needs a trained person.

Contact centres, and regulators such as the UK's FCA, name four drivers of
vulnerability: health (serious illness, a stay in hospital, a disability
that makes the usual process hard), life events (divorce with a shared card,
domestic abuse, a home lost to fire or flood, a job lost), resilience (not
being able to afford the payments, needing the refund for food or rent) and
capability (a relative with dementia who ordered, someone talked into
buying). A customer who says so is handled by a person, with care, for the
rest of the conversation: :mod:`.sensitive_matters` lists it beside the
bereavement, and :mod:`handoff.routing.topics` routes both to agents with
the ``care`` skill.

Each pattern names the situation, not a word that only looks like one: a
memory foam mattress, an anxiety blanket, a desk for a wheelchair user, a
delivery to the hospital where the customer works, "I'm sick of waiting",
"I'm broke lol" and "the sofa for my flat after the divorce, when does it
come?" are routine. English and Spanish (normalised: accents folded, case
ignored) are in one list each, the Spanish ones in :mod:`.vulnerable_es`
except those built on helpers here; patterns that carry their own negation
("I can't afford", "no puedo pagar") are in ``..._OWN_NEGATION`` so the "not"
in them does not cancel them. Every pattern is linear.
"""

from __future__ import annotations

from handoff.escalation.not_ours_es import NEIGHBOURS
from handoff.escalation.on_a_line import OnALineWith, unless_on_the_line
from handoff.escalation.phrases import _phrases
from handoff.escalation.vulnerable_es import (
    ES_DISABILITY,
    ES_GIFT_FOR_THEM,
    ES_IN_THE_WAY,
    ES_RECOVERED,
    ES_VULNERABLE,
    ES_VULNERABLE_OWN_NEGATION,
    IN_PASSING,
    LAUGHING,
)

# Who the customer may speak for.
KIN = (
    r"(husband|wife|partner|mother|father|mum|mom|mam|dad|son|daughter|brother|sister|"
    r"grandmother|grandfather|grandma|grandpa|granny|gran|nan|nana|grandad|aunt|uncle|"
    r"child|kid|baby|parents?|mother-in-law|father-in-law|elderly (mother|father|mum|mom|"
    r"dad|parent|relative|neighbou?r)|carer)"
)
ES_KIN = (
    r"(esposo|esposa|marido|mujer|madre|padre|mama|papa|mami|papi|hijo|hija|hermano|hermana|"
    r"abuelo|abuela|abuelito|abuelita|tio|tia|pareja|suegro|suegra|bebe|padres|viejo|vieja|"
    r"viejita|viejito|nene|nena)"
)
SOMEONE = r"\b(i'm|i am|i've been|i have been|i was|(my|our) " + KIN + r" (is|was|has been|'s))"
ES_SOMEONE = (
    r"\b(estoy|estuve|he estado|ando|estamos|mi " + ES_KIN + r" (esta|estuvo|ha estado|anda|sigue)|"
    r"sigo)"
)

# MS and ALS only in capitals: "she has ms of data left" is not a diagnosis.
# Not "a stroke" or "a heart attack" after "had": "I nearly had a heart attack
# when I saw the bill" is a figure of speech; they count as a diagnosis, a
# recovery or a relative's.
ILLNESS = (
    r"(cancer|chemo(therapy)?|radiotherapy|dialysis|dementia|"
    r"alzheimer'?s|parkinson'?s|terminal(ly ill)?|leukaemia|leukemia|a tumou?r|(?-i:MS)|"
    r"multiple sclerosis|motor neurone disease|(?-i:ALS))"
)
ES_ILLNESS = (
    r"(cancer|quimio(terapia)?|radioterapia|dialisis|un derrame|un acv|demencia|"
    r"alzheimer|parkinson|leucemia|un tumor|esclerosis|una enfermedad terminal|"
    r"enfermedad terminal|covid grave)"
)

VULNERABLE = (
    # --- health: in hospital, seriously ill, a disability in the way -------------
    # Not "do you sell chemo hats?": chemo the customer is having.
    r"\b(through|having|on|started|starting|finished|undergoing|doing|since|after|from|"
    r"because of) (chemo(therapy)?|"
    r"radiotherapy|dialysis|cancer treatment|(major |big |emergency |heart |back |spinal |"
    r"hip |knee )?(surgery|an operation|operation))\b",
    r"\brecovering from (a |an |my |major |heart |back |hip |knee )?(surgery|operation|"
    r"stroke|heart attack|chemo|cancer|transplant|bypass)\b",
    r"\b(bed-?bound|bedridden|housebound|terminally ill|in a hospice|palliative care|"
    r"power of attorney|lasting power|my hands shake)\b",
    r"\b(i|my " + KIN + r"|(s?he|they)) (\w+ ){0,2}(has|have|had|was diagnosed with|got "
    r"diagnosed with|is fighting|is battling|am fighting|am battling|suffers from|"
    r"suffered) (advanced |early |severe |stage \w+ |late stage |aggressive )?" + ILLNESS + r"\b",
    r"\b(diagnosed with|battling|fighting|living with|suffering from|treatment for|"
    r"caring for (my|our) \w+ with) " + ILLNESS + r"\b",
    r"\b(my " + KIN + r"|(s?he)) (has |had |just |recently )*(had|suffered) (a |another )?"
    r"(stroke|heart attack)\b|\bi('ve| have)? (just |recently )?(had|suffered) (a |another )?"
    r"(stroke|heart attack)\b(?! (when|at|seeing|reading|after seeing))",
    r"\b(just|recently) (got |come |came )?(out of|home from|back from) (the )?"
    r"(hospital|surgery|an operation)\b",
    # The refund meant for food: "that money was for this week's groceries for the kids".
    r"\b(that|the|this) (money|refund|cash) (was|is) (for|meant for|supposed to be for|going "
    r"on|to (buy|pay( for)?)) (this week'?s |the week'?s |the |our |my )?(groceries|food|rent|"
    r"bills|baby milk|formula|nappies|diapers)\b",
    r"\b(i|we) need (it|the refund|the money|that money) (to pay|for) (the|my|our) (rent|bills|"
    r"mortgage|food shop)\b|\b(i'?m|i am|we'?re|we are|my (husband|wife|partner) is) (now )?"
    r"(out of work|unemployed|jobless)\b",
    r"\b(don'?t|do not) want (my |our )?(ex|ex-partner|ex-husband|ex-wife|partner|husband|wife|"
    r"boyfriend|girlfriend)( \w+)? to (know|find out|see) where (i'?m|i am|we'?re|we are|i|"
    r"we) (living|moving|staying|live|moved|going)\b",
    r"\b(i|my " + KIN + r"|(s?he)) (use|uses|am in|is in|are in) a wheelchair\b|"
    r"\bwheelchair user\b(?! (friendly|accessible))",
    r"\b(i|my " + KIN + r") (have|has) (a |an )?(disability|learning disability|learning "
    r"difficulties|mobility (problems|issues)|severe (arthritis|epilepsy|autism))\b",
    # --- capability: dementia, memory, talked into buying ------------------------
    r"\b(dementia|alzheimer'?s|memory loss|memory problems|cognitive (decline|impairment)|"
    r"confused and ordered|learning disabilit(y|ies))\b(?! (friendly|care "
    r"products?|clock|aids?|phone))",
    r"\b(talked|pressured|pushed|conned|tricked|persuaded|scammed) (him|her|them|my \w+) "
    r"into (buying|ordering|paying|signing)\b",
    r"\b(s?he|they|my " + KIN + r") (doesn't|does not|didn't|did not|don't) (understand|"
    r"remember|know) (what|that|how) (s?he|they) (ordered|bought|was buying|were buying|"
    r"did|paid|signed up)\b",
    # Said gently: "my dad isn't great with his memory any more", "doesn't even
    # remember ordering it".
    r"\b(isn't|is not|not|isnt) (great|good|so good|too good|very good) with (his|her|their) "
    r"memory\b|\b(doesn't|does not|didn't|did not) (even )?remember (ordering|buying|placing|"
    r"doing) (it|them|that|this|the order)\b",
    # --- life events -------------------------------------------------------------
    r"\b(domestic (abuse|violence)|abusive (partner|husband|wife|ex|relationship|"
    r"marriage|boyfriend|girlfriend)|(women's|womens|a|the) refuge|restraining order|"
    r"(fled|fleeing|escaped|escaping|left) (an abusive|my abusive|a violent|my violent)|"
    r"coercive control|financial(ly)? abus(e|ed|ive))\b",
    r"\b(my|an) (ex|ex-husband|ex-wife|ex-partner|ex husband|ex wife|ex partner|"
    r"former (husband|wife|partner)|estranged (husband|wife|partner))\b[^.!?\n]{0,60}"
    r"\b(us(es|ed|ing)|still (has|have|using)|took|taken|changed|ordering|ordered|bought|"
    r"access to|logged into|log into|controls?|controlling)\b[^.!?\n]{0,30}\b(my|our|the "
    r"joint|the shared|our joint) (card|account|details|password|bank)\b",
    r"\b(going through|in the middle of|after) (a|my|the|our) (divorce|separation)\b"
    r"[^.!?\n]{0,60}\b(card|account|joint|shared|payments?|instal?lments?|afford|money)\b",
    r"\b(house|home|flat|apartment|place) (burn(ed|t) down|(was |got |has been )?"
    r"(flooded|destroyed|wrecked))\b|\blost (everything|our home|my home|the house) in (a|"
    r"the) (fire|flood|hurricane|earthquake|storm|tornado|wildfire)\b",
    r"\b(fire|flood|flooding|hurricane|earthquake|storm|tornado|wildfire)s?( \w+){0,3} (destroyed|"
    r"wrecked|took|ruined) (our|my|the) (home|house|flat|apartment|everything)\b",
    r"\b(i|we|my (husband|wife|partner)) (just )?(lost|losing|have lost|has lost) (my|our|"
    r"his|her|their) (job|jobs|income)\b|\b(i've|i have|i was|we were|i got|i've been|"
    r"i've just been|just been) (made redundant|laid off|let go)\b",
    # --- resilience: money for food, rent, medicine ------------------------------
    r"\bneed (the|that|this|my|our) (refund|money|deposit)( \w+){0,3} (for|to (buy|pay( "
    r"for)?|get)) (food|groceries|rent|the rent|my rent|bills|my bills|medicine|"
    r"medication|my (kids|children|baby)|nappies|diapers|formula)\b",
    r"\b(struggling|behind) (so bad |so much |really |badly )?(financially|with (the|my) "
    r"(payments|instal?lments|"
    r"repayments|rent|bills)|on (the |my )?(payments|instal?lments|repayments|rent|bills)|to "
    r"(pay|make ends meet|feed|get by))\b|\bfood ?bank\b",
    r"\b(on|claim|claiming|living on) (benefits|universal credit|welfare|disability "
    r"benefits?|jobseeker'?s)\b|\bbenefits (have been|were|got|been) (cut|stopped|"
    r"sanctioned)\b|\b(in arrears|arrears on|debt (adviser|advisor|advice|charity|"
    r"management)|hardship (option|plan|scheme|fund|team|programme|program)|until payday|"
    r"to my name|(it's|its|that's|thats|it is) (my|our) (rent|food|bills?|electric|gas) "
    r"money)\b",
    # The refund is all there is: "it's all I have left for food this week".
    r"\b(it's|it is|its|that's|that is|thats) (all|the only money|all the money) (i|we) (have|"
    r"'ve got|got|have got)( left)? (for|to (buy|pay( for)?)) (food|groceries|rent|the rent|"
    r"bills|medicine|medication|nappies|diapers|formula)\b",
    r"\b(\w+ |\d+ )?(payments?|instal?lments?|repayments?|months?) behind\b|\b(feed|"
    r"feeding) (my|our) (son|daughter|kids|children|family|baby)\b|\b(nothing|no money)( "
    r"left)? in (the|my|our) (account|bank)\b",
    r"\b(got|been|being|was|were|just) (made redundant|laid off)\b|\blost (my|our|his|"
    r"her) (job|jobs|income)\b",
    # --- capability: reading, age, language -------------------------------------
    r"\b(english|spanish) (is )?(not|isn't) my first language\b",
    # Hiding from someone: "I don't want my ex to know where I live now".
    r"\b(don't|do not|dont) want (him|her|them|my (ex|ex-husband|ex-wife|ex-partner|partner|"
    r"husband|wife|abuser)) to (know|find out|find) (where (i|we) (live|am|are|moved|have "
    r"moved)|my (new )?address)\b",
    r"\b(he|she)('s| is) (abusive|violent)\b|\bcontrols? (all )?(of )?(our|my|"
    r"the) (money|finances|accounts?|cards?)\b|\b(scared|afraid|terrified) (he|she)('ll| "
    r"will) find out\b|\b(temporary|emergency) accomm?odation\b",
    # --- mental health in crisis -------------------------------------------------
    r"\b(my|have|has|with|from|diagnosed with|of) (ocd|ptsd|bipolar|depression|an eating "
    r"disorder|anxiety disorder|agoraphobia|schizophrenia)\b|\b(depression|my mental "
    r"health) (is|has been|'s)\b|\b(manic|depressive|psychotic) episode\b|\boff work "
    r"(with|because of|due to) (stress|depression|anxiety|my mental health)\b|\bmy "
    r"(care team|psychiatrist|therapist|mental health nurse|support worker)\b|\b(completely|"
    r"totally|so) overwhelmed\b",
    r"\b(panic attacks?|anxiety attacks?|(severe|crippling|bad|really bad) (anxiety|"
    r"depression)|mental health (crisis|problems|issues|condition)|mental breakdown|"
    r"nervous breakdown|suicidal|kill myself|end (it all|my life))\b"
    r"(?! (blanket|book|journal|toy|ring|kit))",
)
VULNERABLE_OWN_NEGATION = (
    r"\b(can't|cannot|can not|couldn't|could not|unable to) (really )?(afford|cover|"
    r"manage|keep up|keep paying)( [\w']+){0,3} (payments?|instal?lments?|repayments?|rent|"
    r"bills?|food|electric|gas|late fee)\b",
    r"\b(can't|cannot|don't|do not|doesn't|does not) (read|write) (very |too )?(well|good|"
    r"english)\b",
    r"\b(i'm|i am|i'm really|i am really|really) not coping\b|\bcan't face (the|it|"
    r"anything|any of)\b",
    r"\b(can't|cannot|can not|can no longer|unable to|could not|couldn't|won't be able to) "
    r"(afford|pay|make|keep up( with)?|cover) (the |my |these |this |those |any more of the )?"
    r"(payments?|instal?lments?|repayments?|rent|bills|food|klarna|finance)\b",
    r"\b(can't|cannot|could not|couldn't|unable to) afford (it|this|them) (any ?more|now|"
    r"after|since|because)\b|\b(no|not enough) money (for|to buy|to pay for) (food|rent|"
    r"bills|groceries|medicine)\b",
    r"\b(i|we|(s?he)) (can't|cannot|am unable to|is unable to|isn't able to|am not able to) "
    r"(leave|get out of) (the|my|her|his) (house|home|bed|flat)\b",
    r"\b(i can't|i cannot|i can no longer|i'm not|i am not) (cope|coping|take (this|it) "
    r"any ?more|handle (this|it) any ?more)\b",
)
# ``OnALineWith`` conditions keep the words that are routine on their own to
# the lines that say why they matter.
# Not a stay that is over: "I was in hospital for a minor thing, all fine now".
OVER = (
    r"\b(minor|nothing serious|all fine|all good|fine now|better now|all better|algo menor|"
    r"nada grave|todo bien|ya estoy bien|ya esta bien|ya paso|"
    # A birth is no vulnerability: "mi esposa acaba de dar a luz, estamos en el hospital".
    r"dar a luz|dio a luz|nacio|nacer|recien nacid[oa]|nacimiento|parto|gave birth|had (a|the|"
    r"our) baby|born|"
    # Nor the hospital as a workplace: "I'm a nurse, deliver it to the hospital".
    r"i'm a (nurse|doctor|porter|carer)|i am a (nurse|doctor|porter|carer)|i work (at|in)|"
    r"(my|on|night|a) shift|soy (enfermer[oa]|medic[oa]|doctora?|camiller[oa])|"
    r"trabajo en (el|un) hospital|trabajo en (la|una) clinica|mi turno|de turno|de guardia|"
    r"haciendo (el )?turno|currando|chambeando|(estoy|ando) trabajando|trabajo (aqui|ahi)|"
    # Nor a visit to someone else, or someone taken to a check-up: "mi mama esta en el
    # hospital visitando a una amiga", "estoy en el hospital acompanando a mi tia a una consulta".
    r"visitando a (una|un) (amig[oa]|vecin[oa]|conocid[oa]|compa\w*)|acompanando a (mi |una |un "
    r"|la |el )?\w+( \w+)? a (una|un|la|el|su) (consulta|cita|control|chequeo|revision|"
    r"analisis|examen|examenes|estudios?|vacuna))\b"
)
VULNERABLE_ON_A_LINE = (
    # A disability in the way, not one said in passing: "I'm deaf, so I prefer chat".
    OnALineWith(
        r"\b(i'm|i am|i've been|my " + KIN + r" is) (registered |legally |partially |"
        r"completely )?(blind|deaf|disabled|housebound|bed-?bound|bedridden|visually impaired|"
        r"partially sighted|hard of hearing|immobile|paralysed|paralyzed)\b",
        unless=r"\b(prefer|rather|easier|that'?s why)\b[^.!?\n]{0,30}\b(chat|text|texting|"
        r"messages?|messaging|writing|e-?mail|typing)\b",
    ),
    # Not "I won't be here on Monday to sign for it": a trip, not despair.
    OnALineWith(
        r"\b(won't|will not|probably won't|don't think i'll) be (around|here|alive) "
        r"(to|for|when)\b",
        requires=r"\b(no point|what's the point|pointless|can't go on|can't do this any ?more|"
        r"saying goodbye|tired of (everything|living)|nothing matters)\b",
    ),
    # Kept from someone at home: not "a surprise for my wife without her knowing".
    OnALineWith(
        r"\bwithout (him|her|my (husband|wife|partner|ex|boyfriend|girlfriend)) (knowing|"
        r"finding out|seeing)\b",
        requires=r"\b(block|lock|freeze|close|change (my|the) (address|password|details)|"
        r"scared|afraid|abus\w+|violent|safe)\b",
    ),
    OnALineWith(
        SOMEONE + r" (\w+ ){0,2}(in (the )?hospital|in (intensive care|icu|rehab)|"
        r"hospitali[sz]ed|admitted|(seriously|very|critically|gravely) ill)\b",
        unless=OVER,
    ),
    OnALineWith(
        r"\b(can't|cannot|unable to|not able to) (get|go|walk|drive) to (the|a) post office\b",
        requires=r"\b(ill|sick|disab\w*|surgery|hospital|wheelchair|chemo|crutches|broke my|"
        r"broken (leg|hip|ankle|foot))\b",
    ),
    OnALineWith(
        r"\b(divorce|divorcing|separated|separation|split up|broke up)\b",
        requires=r"\b(joint|shared|our) (card|account)|\bmy ex\b|\b(he|she) (still )?(has|"
        r"uses|used|took|changed|controls|refuses|is refusing|won't pay)\b|\bboth (of )?our "
        r"names\b|\bin (both|our) names\b",
    ),
    # Old age matters where the customer says it is in the way.
    OnALineWith(
        r"\b(i'm|i am|(s?he|my \w+)('s| is)) ([7-9]\d|1[01]\d)( years old)?\b",
        requires=r"\b(don't|do not|didn't|did not|doesn't|does not) (understand|know how)|"
        r"\bconfus\w*|\bby mistake\b",
    ),
    OnALineWith(
        r"\b(flood|flooding|fire|hurricane|earthquake|storm|tornado|wildfire|house fire)\b",
        requires=r"\b(lost everything|temporary accomm?odation|evacuated|(our|my) (home|"
        r"house|flat) (was|is|got|has been)|roof)\b",
    ),
)

# An elderly customer, and one confused by what was ordered: a vulnerable customer
# when both are said, in one message or two (matters.IN_TWO_PARTS).
ELDERLY = _phrases(
    r"\b(tengo|tiene|soy (una senora|un senor|una persona|un abuelo|una abuela|una viejita|un "
    r"viejito|un anciano|una anciana|jubilad[oa]|pensionad[oa]) de) ([7-9]\d|1[01]\d)( anos\b|"
    r"(?= y\b))|"
    r"\b(i'?m|i am|she'?s|she is|he'?s|he is) ([7-9]\d|1[01]\d)( years old| years of age)?\b"
    r"(?! (minutes|days|weeks|months|percent|%))",
)
CONFUSED_BY_ORDER = _phrases(
    r"\bno (entiendo|entiende|se|sabe|sabemos) (que|lo que|cuanto) (compre|pedi|pague|"
    r"compro|pidio|pago|le (pidieron|compraron|mandaron)|me (pidieron|compraron|mandaron))\b|"
    r"\bno (entiendo|entiende) (nada|estos mensajes|los mensajes|que pasa|que paso)\b|"
    r"\b(compro|pidio|compre|pedi) algo (pero |y )?(no sabe|no se|ni sabe|no recuerda|no se "
    r"acuerda)\b|"
    r"\b(i|she|he) (don'?t|doesn'?t|do not|does not) (understand|know) (what|how much) (i|"
    r"she|he) (ordered|bought|paid)\b|\b(i'?m|i am|she'?s|he'?s) (so |very |all )?"
    r"(confused|lost) (by|about|with) (the|this|these|my|her|his) (order|messages|emails|"
    r"texts)\b",
    negatable=False,
)

# Said in passing in one message and in the way in another (matters.IN_TWO_PARTS):
# "uso silla de ruedas y vivo en un tercer piso" / "me dicen que la tengo que bajar para
# que la retire el flete".
DISABLED = _phrases(ES_DISABILITY)
DISABILITY_IN_THE_WAY = _phrases(ES_IN_THE_WAY)
ES_VULNERABLE_ON_A_LINE = (
    # A disability in the way, not one said in passing: "soy sordo, por eso prefiero el
    # chat" asks for nothing.
    OnALineWith(
        ES_DISABILITY,
        unless=r"\b(prefiero|preferimos|mejor|por eso)\b[^.!?\n]{0,30}\b(chat|escrito|mensajes?|"
        r"whatsapp|correo|texto|escribir|escriban|escribanme|por aca|por aqui)\b|" + IN_PASSING,
        in_place=True,
    ),
    # Money tight, in passing and laughing: "jaja estoy pelado hasta la quincena".
    OnALineWith(
        r"\b(endeudad[oa]|en apuros|ayuda del paro|hasta que cobre|hasta la quincena|"
        r"(congelar|congelen|congelan) (los )?intereses|(plata|dinero|lana|guita|pisto) (del|"
        r"de la|de mi|para el|para la) (arriendo|alquiler|renta|comida|luz)|(darle|darles|"
        r"dar) de comer|mal de (plata|dinero|lana|guita|pisto)|me (recortaron|quitaron|"
        r"cortaron) (la ayuda|el subsidio|la pension))\b",
        unless=LAUGHING,
    ),
    # Not "no voy a estar aqui el lunes para recibirlo": a trip, not despair.
    OnALineWith(
        r"\bno (creo que )?(vaya|voy) a (estar|seguir) (aqui|aca|viv[oa]) (para|cuando)\b",
        requires=r"\b(ya )?no tiene (caso|sentido)|\bya nada importa|\bno (aguanto|puedo) mas\b|"
        r"\bcansad[oa] de (todo|vivir)\b|\bdespedirme\b",
    ),
    # Kept from someone at home: not "un regalo para mi esposa sin que se entere".
    OnALineWith(
        r"\bsin (que|q) (el|ella|mi (esposo|marido|pareja|ex|novio|esposa|mujer|novia)) se "
        r"(entere|de cuenta)\b",
        requires=r"\b(bloque\w+|cierren|cerrar|cancelar|cambien|cambiar (la|mi) (direccion|"
        r"clave|contrasena)|miedo|violencia|no puedo decir)\b",
    ),
    OnALineWith(
        r"\b(voy|estoy|ando|quede|vamos|estamos) atrasad[oa]s?\b",
        requires=r"\b(cuotas|pagos|alquiler|renta|arriendo|mensualidades)\b",
    ),
    OnALineWith(
        r"\b(divorcio|divorciando|separacion|separando)\b",
        requires=r"\b(a nombre de (los dos|ambos)|no quiere pagar|se niega a pagar|tarjeta|"
        r"cuenta)\b",
    ),
    OnALineWith(
        r"\b(tengo|tiene) ([7-9]\d|1[01]\d) anos\b",
        requires=r"\b(no (entiendo|entiende|se|sabe) (esto|como|usar|nada)|por error|"
        r"confundid[oa]|se confunde|se confundio|se le olvida|sin entender)\b",
    ),
    OnALineWith(
        r"\b(incendio|inundacion|inundo|terremoto|sismo|huracan|temblor|tormenta|deslave)\b",
        # The home lost, not "despues del temblor quiero asegurar los muebles de la casa".
        requires=r"\b(perdimos|perdi|se perdio|albergue|techo|evacuad[oa]s?|(sin|(se )?(nos |me )?"
        r"(cayo|derrumbo|llevo|inundo|quemo|tumbo|destruyo)) (la |mi |nuestra )?(casa|depa|"
        r"departamento)|(la|mi|nuestra) casa se (nos |me )?(cayo|derrumbo|inundo|quemo))\b",
        # Nor a friend's: "a mi amiga se le inundo la casa, ya esta con su familia".
        unless=ES_GIFT_FOR_THEM + r"|\ba " + NEIGHBOURS + r"( \w+){0,3} se (le|les)\b",
    ),
    # The home itself lost, told alone: "se nos quemo el apartamento la semana pasada".
    OnALineWith(
        r"\bse (nos|me) (quemo|incendio|inundo|derrumbo|cayo|llevo) (la|el|mi|nuestra|nuestro|"
        r"toda la|todo el) (casa|depa|depto|departamento|apartamento|apto|vivienda|hogar)\b",
        unless=LAUGHING,
    ),
    # A job lost, and none found since: not "me quede sin chamba pero ya consegui otra".
    OnALineWith(
        r"\b(perdi|perdimos|me quede sin|nos quedamos sin|quede sin) (el |mi |su |nuestro )?"
        r"(trabajo|empleo|chamba|laburo|curro|pega)\b|\bme (despidieron|han despedido)\b|\bme "
        r"(echaron|botaron|corrieron|han echado|han botado) del (trabajo|laburo|curro|empleo|"
        r"chamba)\b|\b(estoy|esta|estamos|anda|ando) (desempleado|desempleada|en paro|sin "
        r"(trabajo|empleo|chamba|laburo|curro|pega))\b",
        # Nor one the household is getting by with: "esta desempleado y estamos ahorrando",
        # "hace dos anos me quede sin laburo, pero ahora tengo mi emprendimiento".
        unless=r"\b(consegui|encontre|conseguimos|encontramos) (otro|otra|un nuevo|una nueva)\b|"
        r"\b(estamos|estoy|andamos|ando) (ahorrando|juntando)\b|\bahora (tengo|tenemos) (mi|un|"
        r"una|nuestro|nuestra) (emprendimiento|negocio|trabajo|empleo|laburo|chamba|curro)\b|"
        + ES_RECOVERED
        + r"|"
        r"\b(tengo|tenemos) (otro|un nuevo) (trabajo|empleo|laburo|curro)\b|\bya (estoy|estamos) "
        r"(trabajando|chambeando)\b",
        in_place=True,
    ),
    # An illness or dementia, not as whom a product is for: "es para mi abuela que tiene
    # demencia y se lia con los dias". Not "me dio un infarto al ver la factura": only
    # someone else's, or a diagnosis.
    *unless_on_the_line(
        (
            r"\b(tengo|tiene|tienen|le (dio|dieron|diagnosticaron|detectaron)|me "
            r"(diagnosticaron|detectaron)|sufre|sufro|padece|padezco|con|lucha contra|luchando "
            r"contra) " + ES_ILLNESS + r"\b",
            r"\b(demencia|alzheimer|alzhaimer|perdida de memoria|deterioro cognitivo|problemas "
            r"de memoria|demencia senil)\b",
        ),
        # Nor what happened on another site and is sorted: "mi tio tiene alzheimer y compro
        # cosas en una pagina de internet, ya mi prima lo arreglo".
        r"\b(es|son|seria|serian) para (mi|su|nuestr[oa]|el|la) \w+ (que|q) (tiene|sufre|"
        r"padece)\b|\ben (una|otra) (pagina|web|tienda|app)\b|\bya (\w+ ){0,2}(lo|la) (arreglo|"
        r"arreglamos|soluciono|solucionamos|resolvio|resolvimos)\b|" + ES_GIFT_FOR_THEM,
    ),
    # Someone else's job: theirs to tell, unless the customer is sending them a gift.
    OnALineWith(
        r"\b(perdio|se quedo sin) (el |su )?(trabajo|empleo|chamba|laburo|curro|pega)\b",
        unless=ES_GIFT_FOR_THEM,
        in_place=True,
    ),
    OnALineWith(
        ES_SOMEONE + r" (\w+ ){0,2}(hospitalizad[oa]|internad[oa]|ingresad[oa]|en (el )?"
        r"hospital|en la clinica|en urgencias|en (terapia intensiva|la uci|la uti|cuidados "
        r"intensivos|"
        r"intensivos)|en tratamiento|muy (malit[oa]|enferm[oa]|grave|delicad[oa])|grave|"
        r"delicad[oa] de salud)\b",
        # Nor a check-up or a visit: "ando en la clinica con el nene en la vacuna",
        # "acompanando a mi tia pero ya esta mejor".
        unless=OVER + "|" + ES_GIFT_FOR_THEM + r"|\b(vacuna|vacunas|chequeo|control (del|de la|"
        r"de) (nino|nina|bebe|embarazo|rutina))\b|" + ES_RECOVERED,
    ),
    OnALineWith(
        r"\b(me|le|la|lo) (van a internar|internaron|hospitalizaron|ingresaron)\b|\b(sali|salio|"
        r"acabo de salir|acaba de salir|recien sali|recien salio) del hospital\b",
        unless=ES_RECOVERED,
        in_place=True,
    ),
    OnALineWith(
        r"\b(ya )?no (puedo|aguanto) (mas )?con (esto|todo esto)\b",
        requires=r"\b(llorar|llorando|ansiedad|depresion|enferm\w*|hospital|sola|solo)\b",
    ),
)

VULNERABLE_SITUATION = _phrases(
    *VULNERABLE, *VULNERABLE_ON_A_LINE, *ES_VULNERABLE, *ES_VULNERABLE_ON_A_LINE
) + _phrases(*VULNERABLE_OWN_NEGATION, *ES_VULNERABLE_OWN_NEGATION, negatable=False)
# Told in two parts (matters.IN_TWO_PARTS): the code, each part, the label.
VULNERABLE_IN_TWO_PARTS = (
    ("vulnerable_customer", ELDERLY, CONFUSED_BY_ORDER, "an elderly customer, confused"),
    ("vulnerable_customer", DISABLED, DISABILITY_IN_THE_WAY, "a disability in the way"),
)
