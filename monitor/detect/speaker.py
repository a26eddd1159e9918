"""Who makes a statement: direct quotes, reported speech, pronouns and roles, institutions.

Pure. ``find_speakers(segments, actors)`` returns one :class:`Speaker` (or ``None`` for the
author's own narrative) per segment, with the cue that decided it, e.g. ``"he said" -> Sergei
Ryabkov (nearest male person)``.

Order of evidence for a sentence:
1. an attribution in the sentence outside quotation marks: "according to X", "X said (that)",
   "..., X said.", inverted "..., said X", "X: ..."; the subject is the nearest person before the
   verb (else the nearest institution/country), resolved through known actors, pronouns
   ("he" -> nearest preceding person of that gender) and roles ("the diplomat" -> nearest
   preceding person with that role); a verb after "and" ("The Kremlin branded it ... and said")
   shares the subject of the speech verb before it, and a media outlet ("..., DW reported",
   "according to Reuters") yields to a person the same sentence attributes; an inverted subject
   may follow adverbials when it closes the clause ("..., заявил по итогам переговоров Рябков");
   "It" opening a sentence before a speech verb is the state or body named just before; a name
   after a closing dash is a headline's source ("... imperative to Russia - Ryabkov");
2. the attribution of the quotation the sentence is part of (found before or after it);
3. interview style: a sentence opening with a dash continues the last speaker of its paragraph;
4. a document speaks for the body that issued it ("according to the final declaration of the
   NATO summit", "говорится в заявлении МИД России"), and "..., the document reads" goes on with
   the source named just before;
5. reported speech going on in the first or second person without quotation marks ("... And we
   all agree ...") is the speaker's who spoke just before;
6. in a digest of several people's words, a line that is only a title and a name heads the
   paragraph after it.

Mentions (:mod:`monitor.detect.mentions`) are known actors (the longest spelling wins where
spellings overlap), anonymous and collective sources ("a NATO diplomat", "Western analysts",
"Diplomats also said"), embassies ("Russian Embassy in Sweden", :mod:`monitor.detect.embassies`),
unknown capitalised names, roles and pronouns; a role in the headline with nobody before it is
the person of that role named just after it. A role resolves to the actors who hold it; with the
document's date, to those in office on that day (an actor's ``in_office`` terms).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from monitor.detect.mentions import Mention, find_document_mentions, find_mentions
from monitor.detect.names import DEMONYMS, TITLE_WORDS
from monitor.detect.noclaim import SOURCE_POINTER
from monitor.detect.quotes import QUOTE_CHARS, inside_quote_before, opens_quote_before, outside_quotes
from monitor.detect.resources import Actor, normalise
from monitor.detect.roles import GENERIC_ROLES, holders_on, role_key
from monitor.detect.segment import Segment
from monitor.detect.turns import QUESTION_TURN, TURN, speaker_turns

# Mention, find_mentions, find_document_mentions, holders_on, role_key and speaker_turns live in
# monitor.detect.mentions, monitor.detect.roles and monitor.detect.turns; they are named here too
# for the modules that import them from this one.
__all__ = [
    "Mention",
    "Speaker",
    "find_document_mentions",
    "find_mentions",
    "find_speakers",
    "holders_on",
    "role_key",
    "speaker_turns",
]

LOOKBACK_SENTENCES: Final = 8


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str
    kind: str  # person | institution | country | media | group
    side: str  # russia | west | neutral
    cue: str


_SPEECH_VERBS: Final = (
    r"sa(?:y|ys|id)|stat(?:e|es|ed)|t(?:ell|ells|old)|add(?:s|ed)?|not(?:e|es|ed)|stress(?:es|ed)?"
    r"|emphasi[sz](?:e|es|ed)|underlin(?:e|es|ed)|underscor(?:e|es|ed)|explain(?:s|ed)?|declar(?:e|es|ed)"
    r"|announc(?:e|es|ed)|insist(?:s|ed|ing)?|demand(?:s|ed|ing)?|want(?:s|ed)?|warn(?:s|ed)?|argu(?:e|es|ed)"
    r"|believ(?:e|es|ed)|thinks|thought|call(?:s|ed)|repeat(?:s|ed)|reiterat(?:e|es|ed)|confirm(?:s|ed)"
    r"|urg(?:e|es|ed)|assur(?:e|es|ed)|claim(?:s|ed)|acknowledg(?:e|es|ed)|admit(?:s|ted)|recall(?:s|ed)"
    r"|point(?:s|ed)? out|sum(?:s|med)? up|ma(?:de|kes?) clear|object(?:s|ed)|reject(?:s|ed)|refus(?:e|es|ed)"
    r"|oppos(?:e|es|ed)|support(?:s|ed)|expect(?:s|ed)|intend(?:s|ed)|propos(?:e|es|ed)|express(?:es|ed)"
    r"|repl(?:y|ies|ied)|answer(?:s|ed)|comment(?:s|ed)|conclud(?:e|es|ed)|continu(?:e|es|ed)|put forward"
    r"|issu(?:e|es|ed)|report(?:s|ed)|writes|wrote|sees|saw|estimat(?:e|es|ed)|nam(?:es|ed)|describ(?:e|es|ed)"
    r"|identif(?:y|ies|ied)|counter(?:s|ed)|inform(?:s|ed)|reaffirm(?:s|ed)|deliver(?:s|ed)|offer(?:s|ed)"
    r"|rebuff(?:s|ed)|push(?:es|ed)? back|rul(?:e|es|ed) out|(?:is|are) (?:categorically )?against"
    r"|condemn(?:s|ed)?|critici[sz](?:e|es|ed)|slam(?:s|med)?|dismiss(?:es|ed)?|welcom(?:e|es|ed)|accus(?:e|es|ed)"
    r"|decr(?:y|ies|ied)|denounc(?:e|es|ed)|brand(?:s|ed)|hail(?:s|ed)|blast(?:s|ed)|vow(?:s|ed)"
    r"|pledg(?:e|es|ed)|promis(?:e|es|ed)|threaten(?:s|ed)?|caution(?:s|ed)|question(?:s|ed)|assert(?:s|ed|ing)?"
    r"|mention(?:s|ed)|cit(?:e|es|ed)|signal(?:s|ed|led)|predict(?:s|ed)|suggest(?:s|ed)?|push(?:es|ed|ing)? (?:for|to)"
    r"|characteri[sz](?:e|es|ed)|recommend(?:s|ed)?|downplay(?:s|ed)|voic(?:e|es|ed)|ask(?:s|ed)?"
    r"|seek(?:s|ing)?|sought|resist(?:s|ed)?|views|viewed|recogni[sz](?:e|es|ed) that|reveal(?:s|ed)"
    r"|disclos(?:e|es|ed)|speaks? (?:of|about)|spoke (?:of|about)"
    r"|сказал\w*|заяв\w*|отметил\w*|подчеркну\w*|подчеркива\w*|сообщил\w*|добавил\w*|считает|считают|требу\w*"
    r"|высказал\w*|рассказал\w*|объявил\w*|объявля\w*|отказал\w*|отказыва\w*"
    r"|настаива\w*|пояснил\w*|уверен|уверена|уверены|выразил\w*|выступа\w* против|возража\w*|предупред\w*|напомина\w*|напомнил\w*"
    r"|назвал\w*|указал\w*|констатировал\w*|признал\w*|ответил\w*|оценил\w*|убежден\w*"
    r"|осудил\w*|раскритиковал\w*|приветствовал\w*|обвинил\w*|отверг\w*|призвал\w*|пообещал\w*|заверил\w*"
)
_VERB_RE: Final = re.compile(rf"(?<!\w)(?:{_SPEECH_VERBS})(?!\w)")
_ACCORDING_RE: Final = re.compile(r"(?<!\w)(?:according to|по словам|по мнению|по данным)\s+")
_ACCORDING_PRONOUN: Final = re.compile(r"(?<!\w)(?:according to (?:him|her)|по (?:его|её|ее) (?:словам|мнению))(?!\w)")
_AND_BEFORE: Final = re.compile(r"(?<!\w)(?:and|but|и|но)\s+(?:(?:also|then|later|further|has|have|had)\s+)?$")
# the kind of a question turn's speaker ("Question: ...", "Journalist: ..."): the interviewer asks,
# no official states a position; such a sentence raises no alert (dedup.grouping_items)
QUESTIONER: Final = "questioner"
_MALE: Final = frozenset({"he", "him", "он", "его"})
_FEMALE: Final = frozenset({"she", "her", "она", "её", "ее"})


# ---------------------------------------------------------------------------------------------
# Speakers


def find_speakers(
    segments: Sequence[Segment],
    actors: Sequence[Actor],
    quotes: Sequence[tuple[bool, bool]],
    mentions: list[list[Mention]] | None = None,
    *,
    published: date | None = None,
) -> list[Speaker | None]:
    """One speaker (or None) per segment; ``quotes`` from :func:`monitor.detect.match.quote_states`;
    ``mentions`` per segment when the caller has them already (:func:`find_mentions`, which also
    takes the document's date ``published`` for role holders)."""
    if mentions is None:
        mentions = find_document_mentions(segments, actors, published=published)
    own = [_own_attribution(i, segments, mentions, quotes[i]) for i in range(len(segments))]
    result = list(own)
    _follow_turns(segments, mentions, result)
    _follow_name_headings(segments, mentions, result)
    _credit_document_readings(segments, mentions, result)
    _spread_over_quotes(segments, quotes, result)
    _spread_over_dash_speech(segments, result)
    _continue_unattributed_quotes(segments, quotes, result)
    _continue_in_first_person(segments, result)
    _credit_source_pointers(segments, mentions, result)
    return result


def _follow_name_headings(
    segments: Sequence[Segment], mentions: list[list[Mention]], result: list[Speaker | None]
) -> None:
    """A digest of what several people said: a line that is only a person's title and name
    ("Russian Deputy Foreign Minister Sergey Ryabkov") heads the paragraph after it, whose
    unattributed sentences are that person's."""
    for i, seg in enumerate(segments):
        person = _name_heading(seg, mentions[i])
        if person is None:
            continue
        for j in range(i + 1, len(segments)):
            if segments[j].line != seg.line + 1:
                break
            if result[j] is None:
                result[j] = Speaker(person.name, person.kind, person.side, f'under the heading "{seg.text.strip()[:60]}"')


def _name_heading(seg: Segment, mentions: Sequence[Mention]) -> Mention | None:
    text = seg.text.strip()
    people = [m for m in mentions if m.kind == "person"]
    norm = normalise(text)
    if (
        not people
        or len(text.split()) > MAX_HEADING_WORDS
        or text[-1:] in ".!?:;,\"”»"
        or any(_is_verb(norm, v) for v in _VERB_RE.finditer(norm))  # not "Secretary of State"
    ):
        return None
    last = people[-1]
    lead = len(seg.text) - len(seg.text.lstrip())
    if text[last.end - lead :].strip():
        return None  # the name must end the line
    # a listed person, or a name after a title ("U.S. Deputy Secretary of State Wendy Sherman"),
    # not a photo credit or a section title ("Getty Images", "Peace Conditions")
    before = text[: last.start - lead].lower().split()
    return last if last.known or any(w.strip(".,") in TITLE_WORDS for w in before) else None


MAX_HEADING_WORDS: Final = 8


def _credit_source_pointers(
    segments: Sequence[Segment], mentions: list[list[Mention]], result: list[Speaker | None]
) -> None:
    """ "This is noted in the press release of the Russian Foreign Ministry." or "Об этом заявила
    ... Венди Шерман" names the source of the sentence before it, which is then credited to that
    source instead of a vaguer one."""
    for i in range(1, len(segments)):
        if not SOURCE_POINTER.search(normalise(segments[i].text[:200])):
            continue
        named = [m for m in mentions[i] if m.kind in ("person", "institution", "media")]
        prev = result[i - 1]
        if named and (prev is None or prev.kind in ("country", "group")):
            # the person named first is the source ("заявила ... Венди Шерман в интервью Голосу Америки")
            people = [m for m in named if m.kind == "person"]
            m = people[0] if people else named[-1]
            result[i - 1] = Speaker(
                m.name, m.kind, m.side, f"named by the next sentence: {segments[i].text[:60]}"
            )
            result[i] = None


_DOC_READS: Final = re.compile(
    r"(?<!\w)(?:the|this|that|its|their) (?:[\w-]+ ){0,2}?(?:document|declaration|statement|communiqu\w*|text"
    r"|memorandum|letter|report|draft|press release|resolution)s? (?:reads|says|said|states|stated|notes|noted"
    r"|stresses|stressed|adds|added|continues|continued|underlines|underlined|emphasi[sz]es|emphasi[sz]ed)\b"
    r"|(?<!\w)(?:говорится|отмечается|подчеркивается|подчёркивается|указывается|сказано|заявляется)"
    r" в (?:\w+ )?(?:документе|заявлении|декларации|сообщении|тексте|ноте|проекте|ответе|коммюнике)\b"
)


def _named_right_after(mentions: Sequence[Mention], at: int) -> Mention | None:
    """The first mention other than a pronoun starting within five characters after ``at``
    ("according to the declaration of | the NATO summit")."""
    return next((x for x in mentions if at <= x.start <= at + 5 and x.kind != "pronoun"), None)


def _author_after(hit: re.Match[str], i: int, norm: str, mentions: list[list[Mention]]) -> Speaker | None:
    author = _named_right_after(mentions[i], hit.end())
    if author is None:
        return None
    return _resolve(author, i, mentions, f'"{hit.group(0)} {norm[author.start : author.end]}"')


def _credit_document_readings(
    segments: Sequence[Segment], mentions: list[list[Mention]], result: list[Speaker | None]
) -> None:
    """ "..., the document reads." with no author named (:func:`_own_attribution` takes "...,
    говорится в заявлении МИД России"): the source named in the sentences just before speaks on
    ("according to the final declaration of the NATO summit")."""
    for i in range(1, len(segments)):
        if result[i] is not None:
            continue
        norm = normalise(segments[i].text[:2_000])
        hit = _DOC_READS.search(norm)
        if hit is None:
            continue
        prev = next(
            (result[k] for k in range(i - 1, max(-1, i - LOOKBACK_SENTENCES), -1) if result[k] is not None), None
        )
        if prev is not None:
            result[i] = Speaker(prev.name, prev.kind, prev.side, f'"{hit.group(0)}": {prev.cue}')


def _follow_turns(
    segments: Sequence[Segment], mentions: list[list[Mention]], result: list[Speaker | None]
) -> None:
    """In a transcript every sentence of a turn is the turn holder's (questions: the interviewer)."""
    turns = speaker_turns(segments)
    holder: Speaker | None = None
    for i, turn in enumerate(turns):
        if turn is None:
            continue
        if (
            i == 0
            or turns[i - 1] != turn
            or segments[i].line != segments[i - 1].line
            and TURN.match(segments[i].text)
        ):
            holder = _turn_holder(turn, i, mentions)
        if holder is not None:
            result[i] = Speaker(holder.name, holder.kind, holder.side, f"transcript turn {turn!r}")


def _turn_holder(turn: str, i: int, mentions: list[list[Mention]]) -> Speaker | None:
    if normalise(turn).strip() in QUESTION_TURN:
        return Speaker("journalist", QUESTIONER, "neutral", "question turn")
    first = [x for x in mentions[i] if x.start <= len(turn) + 3 and x.kind not in ("pronoun", "role")]
    if first:
        return _as_speaker(first[0], f'"{turn}:"')
    return Speaker(turn, "person", "neutral", f'"{turn}:"')


def _continue_unattributed_quotes(
    segments: Sequence[Segment], quotes: Sequence[tuple[bool, bool]], result: list[Speaker | None]
) -> None:
    """A paragraph that is one unattributed quotation continues the person who spoke just before it."""
    for i in range(1, len(segments)):
        seg = segments[i]
        starts_paragraph = segments[i - 1].line != seg.line
        if result[i] is None and starts_paragraph and seg.text[:1] in QUOTE_CHARS and not quotes[i][0]:
            prev = result[i - 1]
            if prev is not None and prev.kind == "person" and seg.line - segments[i - 1].line == 1:
                span = [k for k in range(i, len(segments)) if segments[k].line == seg.line]
                for k in span:
                    if result[k] is None:
                        result[k] = Speaker(prev.name, prev.kind, prev.side, f"quotation after: {prev.cue}")


_FIRST_PERSON: Final = re.compile(r"(?<!\w)(?:[Ww]e|[Oo]ur|us|I|[Mm]y|[Yy]ou|[Yy]our|[Мм]ы|[Нн]аш\w*|нас|нам|[Яя])(?!\w)")


def _continue_in_first_person(segments: Sequence[Segment], result: list[Speaker | None]) -> None:
    """Reported speech going on without quotation marks: "Stoltenberg said that this is a good day
    for NATO. And we all agree that ... You have both made your choice." — an unattributed
    sentence in the first or second person (speech addressed to someone), in the paragraph of the
    speaker just before it or the next one, is theirs."""
    for i in range(1, len(segments)):
        if result[i] is not None or not _FIRST_PERSON.search(segments[i].text[:2_000]):
            continue
        for k in (i - 1, i - 2):
            prev = result[k] if k >= 0 else None
            if prev is not None:
                # over a sentence of narrative, only from the attributed sentence itself, not from a
                # sentence that was itself going on in the first person
                relayed = k < i - 1 and prev.cue.startswith("first person")
                if prev.kind in ("person", "institution") and segments[i].line - segments[k].line <= 1 and not relayed:
                    result[i] = Speaker(prev.name, prev.kind, prev.side, f"first person, going on from: {prev.cue}")
                break


def _own_attribution(
    i: int, segments: Sequence[Segment], mentions: list[list[Mention]], quote: tuple[bool, bool]
) -> Speaker | None:
    seg = segments[i]
    norm = normalise(seg.text[:2_000])
    outside = outside_quotes(norm, quote[0])
    # a media outlet yields to a person the sentence attributes ("He said ..., DW reported"), not to
    # the bodies of its own summary ("Russia wants ..., but Washington refuses ..., reports BBC")
    outlet: Speaker | None = None
    for m in _ACCORDING_PRONOUN.finditer(norm):
        pronoun = next((x for x in mentions[i] if x.kind == "pronoun" and m.start() <= x.start < m.end()), None)
        if outside[m.start()] and pronoun is not None:
            found = _resolve(pronoun, i, mentions, f'"{m.group(0)}"')
            if found is not None:
                return found
    for m in _ACCORDING_RE.finditer(norm):
        if outside[m.start()]:
            after = [x for x in mentions[i] if x.start >= m.end() and x.start - m.end() <= 5]
            if after:
                nxt = [x for x in mentions[i] if x.start >= after[0].end][:1]
                if nxt:  # "according to Washington and Berlin": two states speak together
                    joint = _coordinated(nxt[0], [after[0], nxt[0]], norm)
                    after = [joint] if joint is not nxt[0] else after
                found = _resolve(after[0], i, mentions, f'"according to {norm[after[0].start : after[0].end]}"')
                if found is None or found.kind != "media":
                    return found
                outlet = outlet or found
                continue
            group = _GROUP_NOUN.match(norm, m.end())
            if group:
                # "According to sources cited by Reuters, Putin is seeking ...": the person, if named
                outlet = outlet or Speaker(group.group(0).strip(), "group", "neutral", "according to")
                continue
            found = _document_source(norm, m.end(), i, mentions)
            if found is not None:
                return found
    for m in _SOGLASNO_RE.finditer(norm):
        if outside[m.start()]:
            found = _document_source(norm, m.end(), i, mentions)
            if found is not None:
                return found
    reads = _DOC_READS.search(norm)
    if reads is not None and outside[reads.start()]:
        author = _author_after(reads, i, norm, mentions)
        if author is not None:
            return author
    source = _closing_source(norm, mentions[i])
    if source is not None and source.kind in ("person", "role"):
        # an agency headline's source ends it, before any verb: "Moscow expects NATO to give up
        # expansion — Grushko"; a body or state there yields to a speech verb (below)
        found = _resolve(source, i, mentions, f'"... - {norm[source.start : source.end]}" (headline source)')
        if found is not None:
            return found
    verbs = [v for v in _VERB_RE.finditer(norm) if _is_verb(norm, v)]
    # "The Kremlin branded it an assault ... and said ...": a verb after "and" shares the subject of
    # the speech verb before it, not the nearest name
    verbs = [
        v
        for k, v in enumerate(verbs)
        if not (_AND_BEFORE.search(norm[max(0, v.start() - 30) : v.start()]) and any(outside[u.start()] for u in verbs[:k]))
    ]
    trailing = [
        v
        for v in verbs
        if (
            (_ATTRIBUTION_POSITION if outside[v.start()] else _AFTER_QUOTE).search(
                norm[max(0, v.start() - 60) : v.start()]
            )
            # "..., Lavrov said on Tuesday.", not "..., all of which Putin says he does not want"
            and _SHORT_TAIL.match(norm, v.end())
            # "Russia demands ..., but the alliance has rejected the demand.": a clause of its own,
            # the main clause's speaker speaks (convention 5)
            and not (outside[v.start()] and _CLAUSE_AFTER_COMMA.search(norm, max(0, v.start() - 60), v.start()))
            or outside[v.start()]
            and _long_attribution(norm, v, verbs)
        )
        # '“everything president Putin says ...': a quotation opening, not one closing before the verb
        and (outside[v.start()] or not opens_quote_before(seg.text, v.start()))
        # '"He wanted less NATO along his borders. ...," Stoltenberg said': a pronoun inside the
        # quotation that opens the sentence is the quoted speaker's word for someone else
        and (outside[v.start()] or quote[0] or not _PRONOUN_OPENING_QUOTE.match(norm, 0, v.start()))
    ]
    # "Putin declared that ... would be a "red line" issue": inside the reported clause only a verb
    # that ends the sentence (", the Times reports.") attributes it
    reported = next((v for v in verbs if outside[v.start()] and _THAT_AFTER.match(norm, v.end())), None)
    if reported is not None:
        trailing = [v for v in trailing if v.start() < reported.start() or _END_TAIL.match(norm, v.end())]
    ordered = trailing[::-1] + [v for v in verbs if outside[v.start()] and v not in trailing]
    for v in ordered:
        if _AND_BEFORE.search(norm[max(0, v.start() - 30) : v.start()]):
            # "..., but stressed that ...": the verb shares the subject of the sentence's main clause
            found = _main_subject(i, norm, mentions, v.start(), f"... {v.group()}")
        else:
            found = _subject(v, i, norm, mentions)
        if found is not None and found.kind == "media" and outlet is None:
            outlet = found  # "He said ..., state-run Deutsche Welle reported": he speaks
        elif found is not None and (outlet is None or found.kind == "person"):
            return found
    if outlet is not None:
        return outlet
    participle = _PARTICIPLE.search(norm)
    if participle is not None and outside[participle.start()]:
        # "Scholz defended the decision, saying it was a deterrent": the main clause's subject speaks
        found = _main_subject(i, norm, mentions, participle.start(), f"..., {participle.group(1)}")
        if found is not None:
            return found
    lead = [x for x in mentions[i] if x.start < 50 and x.kind not in ("pronoun", "role")]
    if lead and _COLON_AFTER.match(norm, lead[0].end):
        return _resolve(lead[0], i, mentions, f'"{norm[lead[0].start : lead[0].end]}: ..." (heading or turn)')
    if source is not None and source.kind not in ("person", "role"):
        # an agency headline: "Guarantees of non-admission to NATO imperative to Russia - Ryabkov"
        return _resolve(source, i, mentions, f'"... - {norm[source.start : source.end]}" (headline source)')
    first = next((x for x in mentions[i] if x.kind != "pronoun"), None)
    if (
        first is not None
        and first.kind == "person"
        and first.known
        and first.start <= 2
        and not seg.text.rstrip().endswith((".", "!", "?", "…", '"', "”", "»"))
        and _HEADLINE_VERB.match(norm, first.end)
    ):
        # a headline with its person as the subject: "Erdogan sends Sweden's NATO membership to parliament"
        return _as_speaker(first, f'"{norm[first.start : first.end]} ..." (headline subject)')
    colon = _COLON_QUOTE.search(norm)
    if colon:
        cands = [
            x for x in mentions[i] if x.end <= colon.start() + 1 and x.kind in ("person", "role", "media")
        ]
        if cands:
            return _resolve(cands[-1], i, mentions, f'"{norm[cands[-1].start : cands[-1].end]}: ..."')
    return None


def _closing_source(norm: str, mentions: Sequence[Mention]) -> Mention | None:
    """The source that closes an agency headline ("... - Ryabkov", "'...': Stoltenberg"), or None."""
    tail = [x for x in mentions if x.kind in ("person", "role", "institution", "country", "group")]
    if not tail or not _CLAUSE_END.fullmatch(norm, tail[-1].end):
        return None
    at = tail[-1].start
    dash = _SPACED_DASH.search(norm) is not None and _DASH_BEFORE.search(norm, 0, at) is not None
    if dash or (":" in norm and _QUOTE_COLON_BEFORE.search(norm, 0, at) is not None):
        return tail[-1]
    return None


def _main_subject(i: int, norm: str, mentions: list[list[Mention]], end: int, cue: str) -> Speaker | None:
    """The subject of sentence ``i``'s main clause: its first person, body or state before ``end``
    (a pronoun only where it opens the sentence)."""
    before = [x for x in mentions[i] if x.end <= end and x.kind in _SUBJECT_KINDS]
    if not before or (before[0].kind == "pronoun" and before[0].start >= 5):
        return None
    subject = before[0]
    # "NATO Secretary General Jens Stoltenberg", "Kremlin spokesperson Dmitry Peskov": the person
    # the title names, not the body it opens with
    if len(before) > 1 and before[1].kind in ("person", "role") and _is_title(norm[subject.end : before[1].start]):
        subject = before[1]
    return _resolve(subject, i, mentions, f'"{norm[subject.start : subject.end]} {cue}"')


# "according to the final declaration of the NATO summit", "согласно заявлению МИД России": the
# document's author speaks
_SOGLASNO_RE: Final = re.compile(r"(?<!\w)согласно\s+")
_DOCUMENT_OF: Final = re.compile(
    r"(?:the |a |its |their )?(?:[\w-]+ ){0,3}?(?:declaration|communiqu\w*|statement|document|memorandum|letter"
    r"|response|reply|resolution|press release|draft|text|note|report)s? (?:of|by|from|(?:issued|released|published) by) "
    r"|(?:\w+ ){0,2}?(?:заявлени\w*|документ\w*|декларац\w*|сообщени\w*|текст\w*|проект\w*|ответ\w*|ноте)\s+"
)


def _document_source(norm: str, at: int, i: int, mentions: list[list[Mention]]) -> Speaker | None:
    doc = _DOCUMENT_OF.match(norm, at)
    if doc is None:
        return None
    author = _named_right_after(mentions[i], doc.end())
    if author is None or author.kind == "media":
        return None  # "according to a report by Reuters": the outlet reports someone else's position
    return _resolve(author, i, mentions, f'"according to {norm[at : author.end]}"')


# "..., he said", "...,” Jens Stoltenberg said", "... - said the expert": a verb right after a
# quotation or a comma (plus up to four words) attributes what came before, even when the
# translation lost the closing quotation mark.
_ATTRIBUTION_POSITION: Final = re.compile(r"(?:[,.!?…][\"”»']?|[\"”»'])\s*[-–—]?\s*(?:[\w.'’-]+\s+){0,4}$")
_CLAUSE_AFTER_COMMA: Final = re.compile(
    r"[,;]\s*(?:but|and|while|whereas|although|though|which|who|when|if|because|since|но|а|и|хотя|которы\w*)"
    r"\s+(?:[\w.'’-]+\s+){0,3}$"
)
# ", Russian Deputy Foreign Minister Alexander Grushko said on Thursday.": a long title before the
# name, where the verb ends the sentence
_LONG_ATTRIBUTION: Final = re.compile(r"[,.!?…][\"”»']?\s*[-–—]?\s*(?:[\w.'’-]+\s+){5,8}$")
# ... but no clause: ", said the alliance would also propose talks."
_NOT_A_TITLE: Final = re.compile(
    r"(?<!\w)(?:that|would|will|could|should|can|may|might|must|is|are|was|were|has|have|had|and|but|or"
    r"|who|which|что|и|но)(?!\w)"
)


def _long_attribution(norm: str, v: re.Match[str], verbs: Sequence[re.Match[str]]) -> bool:
    """Whether ``v`` closes the sentence after a long title and name (", Russian Deputy Foreign
    Minister Alexander Grushko said on Thursday."), with no clause and no other speech verb between."""
    m = _LONG_ATTRIBUTION.search(norm, max(0, v.start() - 90), v.start())
    if m is None or not _END_TAIL.match(norm, v.end()):
        return False
    start = m.start()
    return not _NOT_A_TITLE.search(norm, start, v.start()) and not any(start < u.start() < v.start() for u in verbs)


_PRONOUN_OPENING_QUOTE: Final = re.compile(
    r"\s*[\"“«„]\s*(?:he|she|they|we|i|you|it|он|она|они|мы|я)\s+(?:[\w’'-]+\s+){0,2}$"
)
_AFTER_QUOTE: Final = re.compile(r"(?:[,.!?…]?[\"”»']|[,.!?…]\s*[-–—])\s*[-–—]?\s*(?:[\w.'’-]+\s+){0,4}$")
_GROUP_NOUN: Final = re.compile(
    r"(?:the )?(?:diplomats|experts|sources|officials|analysts|observers|дипломат\w*|эксперт\w*|источник\w*)\b"
)
_DOCUMENT_AFTER: Final = re.compile(
    r"(?:'s)?\s+(?:written\s+)?(?:document|reply|response|statement|paper|letter|draft|proposal|answer|communiqu\w*)\b"
)
_AUX_TAIL: Final = re.compile(r"(?:\s+(?:has|have|had|was|were|also|then|again))+\s*$")
_THAT_AFTER: Final = re.compile(r"\s+(?:\w+\s+)?(?:that|what|how|why|whether|что|как)\b")
_COLON_AFTER: Final = re.compile(r"\s*(?:\([^)]{0,60}\))?\s*:")
_COLON_QUOTE: Final = re.compile(r":\s*[\"“«„]")
_STATES_VERB: Final = re.compile(r"\s*(?::|\s(?:that|in|clearly|explicitly|the)\b)")
_PASSIVE_BEFORE: Final = frozenset(["be", "been", "being", "is", "are", "was", "were"])
_NOT_VERB_BEFORE: Final = frozenset(
    [
        "that",  # "an amendment that added membership": a relative clause of a thing
        "which",
        "to",  # "the sole member to refuse it": an infinitive
        "written",
        "collective",
        "defence",
        "defense",
        "formal",
        "the",
        "a",
        "an",
        "its",
        "their",
        "his",
        "her",
        "our",
        "your",
        "these",
        "those",
        "of",
        "key",
        "main",
        "cornerstone",
        "russia's",
        "russian",
        "american",
        "moscow's",
        "washington's",
        "nato's",
    ]
)


def _is_verb(norm: str, v: re.Match[str]) -> bool:
    """ "states" in "United States", "demands" in "Russia's demands", "state" in "state-run" are no verbs."""
    if norm.startswith("-", v.end()):
        return False
    prev = norm[max(0, v.start() - 30) : v.start()].split()
    if v.group() in ("state", "states") and not _STATES_VERB.match(norm, v.end()):
        return bool(prev) and prev[-1].endswith((",", '"', "”", "»", "'"))  # "Baltic states": a noun
    if not prev:
        return True
    last = prev[-1].strip(",;:")
    if last in _PASSIVE_BEFORE and v.group().endswith(("ed", "id", "ld", "de", "ght")):
        return False  # "will never be admitted to NATO" (not "is demanding"): the subject says nothing
    if last == "to" and len(prev) > 1 and prev[-2] in ("on", "continued", "continues", "continue"):
        return True  # "he went on to say that ..."
    if last == "united" or last in _NOT_VERB_BEFORE or last.endswith("'s") or last.isdigit():
        return False
    return not (
        len(prev) > 1 and prev[-2].endswith("'s") and v.group() in ("demands", "calls", "states", "reports")
    )


def _subject(v: re.Match[str], i: int, norm: str, mentions: list[list[Mention]]) -> Speaker | None:
    """The speaker of verb ``v``: inverted after a quote/comma/dash, else the nearest subject before it."""
    verb = v.group()
    before = _AUX_TAIL.sub("", norm[: v.start()]).rstrip()
    # "..., called on Washington not to deploy": the name after such a verb is its object, never an
    # inverted subject
    inverted = not _THAT_AFTER.match(norm, v.end()) and not _OBJECT_VERB.fullmatch(verb)
    # "..., said Lavrov", "Как заявил Рябков, ...": the subject follows the verb
    if inverted and (not before or before.endswith((",", '"', "-", "'", "–", "—")) or _KAK_BEFORE.search(before)):
        after = [x for x in mentions[i] if x.start >= v.end() and x.start - v.end() <= 6]
        if not after:
            # "..., заявил по итогам переговоров замглавы МИД Рябков": adverbials before the subject
            after = [
                x
                for x in mentions[i]
                if x.start >= v.end()
                and x.start - v.end() <= INVERTED_REACH
                and not _CLAUSE_BREAK.search(norm, v.end(), x.start)
                # the subject closes the clause, or follows a Russian verb, whose subject comes after it
                # ("Об этом заявила заместитель госсекретаря США Венди Шерман в ходе брифинга")
                and (_CLAUSE_END.match(norm, x.end) or (_CYRILLIC.search(verb) and x.kind == "person" and x.known))
            ][:1]
        if after and _POSSESSIVE.match(norm, after[0].end):
            # "..., said Russia's deputy foreign minister Sergei Ryabkov": the person is the subject;
            # "Blinken, speaking in Berlin, said NATO's door would remain open": a clause, no subject
            owner = after[0]
            after = [
                x
                for x in mentions[i]
                if x.start > owner.end
                and x.kind in ("person", "role")
                and x.start - owner.end <= INVERTED_REACH
                and not _CLAUSE_BREAK.search(norm, owner.end, x.start)
            ][:1]
        # "Lavrov, in separate comments, said Moscow is taking ...": Moscow opens the reported clause
        if after and not _CLAUSE_VERB.match(norm, after[0].end):
            return _resolve(after[0], i, mentions, f'"{verb} {norm[after[0].start : after[0].end]}"')
        if before.endswith(",") and not any(x.start < 30 and x.end <= v.start() for x in mentions[i]):
            return None  # "... door to Ukraine, offers talks": the subject is not the last noun
    if before.endswith(('"', "'")):
        return None  # 'a "red line" issue for the Kremlin': a verb right after a quotation has no subject
    outlet = _MEDIA_NOUN_BEFORE.search(before[-60:])
    if outlet is not None:  # "..., the British Times newspaper reports"
        return Speaker(outlet.group(1).strip(), "media", "neutral", f'"{outlet.group(1).strip()} {verb}"')
    window_start = max(0, v.start() - 160)
    cands = [
        x
        for x in mentions[i]
        if window_start <= x.start
        and x.end <= v.start()
        and not inside_quote_before(norm, x.start, v.start())
    ]
    cands = [x for x in cands if x.kind != "pronoun" or x.name in _MALE | _FEMALE | {"they", "они"}]
    if not cands and _IT_BEFORE.fullmatch(before):
        body = _body_before(i, mentions)  # "It demands that NATO ...": the state or body just named
        return _as_speaker(body, f'"it ... {verb}" -> nearest state or body') if body else None
    if not cands and _CYRILLIC.search(verb):
        # "Такое мнение высказал министр иностранных дел Сергей Лавров": Russian puts the subject
        # after the verb when the sentence opens with what was said
        after = [
            x
            for x in mentions[i]
            if x.start >= v.end()
            and x.start - v.end() <= INVERTED_REACH
            and x.kind in ("person", "role", "institution", "country")
            and not _CLAUSE_BREAK.search(norm, v.end(), x.start)
        ]
        # "заявил президент Украины Владимир Зеленский": the person a title names, not the title
        after = [x for x in after if x.kind == "person"][:1] or after[:1]
        if after:
            return _resolve(after[0], i, mentions, f'"{verb} {norm[after[0].start : after[0].end]}"')
    if not cands:
        return None
    people = [x for x in cands if x.kind in ("person", "role", "pronoun")]
    chosen = people[-1] if people else cands[-1]
    if _DOCUMENT_AFTER.match(norm, cands[-1].end):  # "the U.S. document proposes": the owner speaks
        chosen = cands[-1]
    chosen = _coordinated(chosen, cands, norm)
    found = _resolve(chosen, i, mentions, f'"{norm[chosen.start : chosen.end]} ... {verb}"')
    if found is None and chosen.kind == "role":
        # "Celeste Wallander, an assistant U.S. secretary of defense, told reporters": the role is the
        # apposition of the person named just before it
        named = [x for x in cands if x.kind == "person" and x.end <= chosen.start]
        if named and _APPOSITION.fullmatch(norm, named[-1].end, chosen.start):
            return _as_speaker(named[-1], f'"{norm[named[-1].start : named[-1].end]}, {chosen.name}, ... {verb}"')
    return found


_KAK_BEFORE: Final = re.compile(r"(?:^|[\s,;(])как$")
_OBJECT_VERB: Final = re.compile(
    r"t(?:ell|ells|old)|call(?:s|ed)|urg(?:e|es|ed)|ask(?:s|ed)?|accus(?:e|es|ed)|critici[sz](?:e|es|ed)"
    r"|condemn(?:s|ed)?|welcom(?:e|es|ed)|reject(?:s|ed)|offer(?:s|ed)|promis(?:e|es|ed)|inform(?:s|ed)"
    r"|assur(?:e|es|ed)|brand(?:s|ed)|hail(?:s|ed)|slam(?:s|med)?|blast(?:s|ed)|dismiss(?:es|ed)?"
    r"|deliver(?:s|ed)|recommend(?:s|ed)?|cit(?:e|es|ed)|question(?:s|ed)|decr(?:y|ies|ied)"
    r"|denounc(?:e|es|ed)|support(?:s|ed)|oppos(?:e|es|ed)|expect(?:s|ed)|propos(?:e|es|ed)|nam(?:es|ed)"
    r"|describ(?:e|es|ed)|identif(?:y|ies|ied)|rebuff(?:s|ed)|characteri[sz](?:e|es|ed)|downplay(?:s|ed)"
    r"|threaten(?:s|ed)?|refus(?:e|es|ed)|issu(?:e|es|ed)|voic(?:e|es|ed)"
)
_SHORT_TAIL: Final = re.compile(r"(?:\s+[^\s,.;:!?\"“”«»]+){0,10}\s*(?:[,.;:!?…\"“”«»(\[-–—]|$)")
_END_TAIL: Final = re.compile(r"(?:\s+[^\s,.;:!?\"“”«»]+){0,4}\s*[.!?…\"”»]*\s*$")
_MEDIA_NOUN_BEFORE: Final = re.compile(
    r"(?:^|[,;]\s*|\s)((?:the\s+)?(?:[\w.'’-]+\s+){0,3}(?:newspaper|news agency|agency|daily|outlet|broadcaster"
    r"|tv channel|channel|portal|website|tabloid|magazine|media))$"
)
_APPOSITION: Final = re.compile(r",\s+(?:(?:a|an|the)\s+)?(?:[\w.'’-]+\s+){0,4}")
_CYRILLIC: Final = re.compile("[а-яё]")
INVERTED_REACH: Final = 60  # characters between an inverted verb and its subject
_CLAUSE_BREAK: Final = re.compile(r"[,.;:!?\"“”«»()]|(?<!\w)(?:that|что|и|and)(?!\w)")
# a speech participle closing a clause: ", saying ...", ", adding that ..."
_PARTICIPLE: Final = re.compile(
    r",\s+(saying|adding|noting|stressing|warning|arguing|insisting|claiming|explaining|declaring|stating"
    r"|asserting|emphasi[sz]ing|underlining|recalling|calling (?:it|them|for))(?!\w)"
)


def _is_title(gap: str) -> bool:
    """Whether the words between a body and a name are a title ("secretary general", "'s spokesperson")."""
    words = gap.replace("'s", " ").replace("’s", " ").split()
    return len(words) <= 4 and all(w in TITLE_WORDS or w in _MORE_TITLE_WORDS for w in words)


_MORE_TITLE_WORDS: Final = frozenset({"spokesperson", "press", "secretary-general", "official", "representative"})
_SUBJECT_KINDS: Final = frozenset({"person", "role", "institution", "country", "group", "pronoun"})
# "'No one can veto Ukraine's membership': Stoltenberg": a quotation, then its source
_QUOTE_COLON_BEFORE: Final = re.compile(r"[\"”»'’]\s*:\s+(?:[\w.'’-]+\s+){0,4}$")
_HEADLINE_VERB: Final = re.compile(r"\s+[a-z]+s(?!\w)(?<!\bnews)(?<!\bis)(?<!\bhas)(?<!\bwas)")
_SPACED_DASH: Final = re.compile(r"\s[-–—]\s")
_DASH_BEFORE: Final = re.compile(
    r"\w[\"”»']?\s+[-–—]\s+(?:(?!(?:and|or|with|to|in|on|for|by|from|than|as|not|no|и|с|в|на|для|не)\s)[\w.'’-]+\s+){0,4}$"
)
_CLAUSE_END: Final = re.compile(r"\s*(?:\([^)]{0,40}\))?\s*(?:[,.;:!?…]|$)")
# "It demands that ...", opening the sentence (not '..." it says', where "it" is the document quoted)
_IT_BEFORE: Final = re.compile(r"\W*it(?:\s+(?:also|has|had|then|again|now))?\s*")
_POSSESSIVE: Final = re.compile(r"['’]s?(?!\w)")
_CLAUSE_VERB: Final = re.compile(
    r"\s+(?:is|are|was|were|will|would|has|have|had|must|should|can|could|may|might|does|did|do"
    r"|wants?|needs?|intends?|plans?)\b"
)


def _coordinated(chosen: Mention, cands: list[Mention], norm: str) -> Mention:
    """ "Helsinki and Stockholm stated": two coordinated countries speak together; "the U.S. and NATO
    have said": a state and a body, the first named speaks (convention 5, the main subject)."""
    prev = [x for x in cands if x.end <= chosen.start]
    bodies = ("country", "institution")
    if prev and chosen.kind in bodies and prev[-1].kind in bodies:
        between = norm[prev[-1].end : chosen.start].strip()
        if between in ("and", "и") and "institution" in (chosen.kind, prev[-1].kind):
            return prev[-1]
        if between in ("and", "и") and chosen.kind == prev[-1].kind == "country":
            return Mention(
                chosen.segment,
                prev[-1].start,
                chosen.end,
                "country",
                f"{prev[-1].name} and {chosen.name}",
                chosen.side,
            )
    return chosen


def _resolve(m: Mention, i: int, mentions: list[list[Mention]], cue: str) -> Speaker | None:
    if m.kind == "pronoun":
        target = _antecedent(m, i, mentions, lambda x: _gender_fits(m.name, x))
        return _as_speaker(target, f"{cue} -> nearest person") if target else None
    if m.kind == "role":
        target = _antecedent(m, i, mentions, lambda x: _role_fits(m.name, x))
        if target is not None:
            return _as_speaker(target, f"{cue} -> nearest person with that role")
        target = _headline_cataphor(m, i, mentions)
        if target is not None:
            return _as_speaker(target, f"{cue} -> the person with that role named after the headline")
        holders = m.holders
        if len(holders) == 1:
            return Speaker(
                holders[0].name, holders[0].kind, holders[0].side, f"{cue} -> only known holder of the role"
            )
        return None
    return _as_speaker(m, cue)


def _body_before(i: int, mentions: list[list[Mention]]) -> Mention | None:
    """The state or body "it" refers to: the first named (the subject, mostly) in the nearest of the
    two sentences before ``i`` that names one."""
    for j in range(i - 1, max(-1, i - 3), -1):
        bodies = [x for x in mentions[j] if x.kind in ("country", "institution")]
        if bodies:
            return bodies[0]
    return None


def _as_speaker(m: Mention, cue: str) -> Speaker:
    return Speaker(m.name, m.kind, m.side, cue)


def _antecedent(m: Mention, i: int, mentions: list[list[Mention]], fits: object) -> Mention | None:
    check = fits if callable(fits) else (lambda x: True)
    for j in range(i, max(-1, i - LOOKBACK_SENTENCES), -1):
        pool = [x for x in mentions[j] if x.kind == "person" and (j < i or x.end <= m.start)]
        for cand in reversed(pool):
            if check(cand):
                return cand
    return None


HEADLINE_LOOKAHEAD: Final = 3


def _headline_cataphor(m: Mention, i: int, mentions: list[list[Mention]]) -> Mention | None:
    """A role in the headline or the lead with nobody before it ("..., senior diplomat warns") is
    the first person of that role named in the next sentences."""
    if i > 1:
        return None
    for j in range(i + 1, min(len(mentions), i + 1 + HEADLINE_LOOKAHEAD)):
        for cand in mentions[j]:
            if cand.kind == "person" and _role_fits(m.name, cand):
                return cand
    return None


def _gender_fits(pronoun: str, cand: Mention) -> bool:
    if pronoun in ("they", "они"):
        return False
    wanted = "m" if pronoun in _MALE else "f"
    return not cand.gender or cand.gender == wanted


def _role_fits(role: str, cand: Mention) -> bool:
    roles = [role_key(r) for r in cand.roles]
    if not roles:
        return role in GENERIC_ROLES and role not in (
            "minister",
            "deputy minister",
            "secretary general",
            "министр",
        )
    if any(role == r or r.endswith(role) for r in roles):
        return True
    # "the Lithuanian president" is no "president" of another country: a nationality before the
    # role must be the candidate's own
    for r in roles:
        if role.endswith(" " + r):
            qualifier = role[: -len(r)].split()
            if not any(w in DEMONYMS for w in qualifier):
                return True
    return False




def _spread_over_quotes(
    segments: Sequence[Segment], quotes: Sequence[tuple[bool, bool]], result: list[Speaker | None]
) -> None:
    """Sentences of one multi-sentence quotation share the attribution found in any of them."""
    i = 0
    while i < len(segments):
        j = i
        while (
            j + 1 < len(segments)
            and quotes[j][1]
            and quotes[j + 1][0]
            and segments[j + 1].line == segments[i].line
        ):
            j += 1
        if j > i:
            found = next((result[k] for k in range(j, i - 1, -1) if result[k] is not None), None)
            for k in range(i, j + 1):
                if result[k] is None and found is not None:
                    result[k] = Speaker(found.name, found.kind, found.side, f"same quotation: {found.cue}")
        i = j + 1


def _spread_over_dash_speech(segments: Sequence[Segment], result: list[Speaker | None]) -> None:
    """Interview style: "– There are, of course, ..." continues the paragraph's last speaker."""
    for i in range(1, len(segments)):
        seg, prev = segments[i], segments[i - 1]
        found = result[i - 1]
        dashed = seg.text[:1] in "–—-" or (prev.text[:1] in "–—-" and not seg.text[:1].isdigit())
        if result[i] is None and seg.line == prev.line and found is not None and dashed:
            result[i] = Speaker(found.name, found.kind, found.side, f"interview continuation: {found.cue}")
