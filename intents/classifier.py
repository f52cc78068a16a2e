"""Classify a citizen's message: kind, topic, urgency, department and who needs help."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import taxonomy
from intents import artefact, model
from intents.features import age_bucket, age_positions, ngrams, tokens
from intents.language import detect_language
from intents.lexicon import Cue, scan
from intents.normalize import normalize
from intents.resources import load_yaml, training_rows
from intents.urgency import UrgencyCues, UrgencyRules, assess, fired, rules

_LOG = logging.getLogger(__name__)
_LATIN = re.compile("[a-z]")
_READABLE = re.compile("[a-z\u0e01-\u0e4e]")
MAX_CHARS = 3000  # longer messages are cut: the opening says what the matter is
MAX_ALTERNATIVES = 3
NONE = "none"
FALLBACK_TOPIC = "hardship"  # topic of the result when classification fails (see fallback)
# Kinds a confident kind model keeps even when the message describes danger now (the
# urgency still becomes emergency, taxonomy.md §3, and the conversation decides what to do),
# with the kind probability needed. Out of fold, follow-ups and complaints kept from 0.5
# give kind 0.925 against 0.923 from 0.85; an emergency phrased as a question was labelled a
# problem by most writers, so an inquiry must be surer.
_KEEP_KIND_IF_SURE = {"complaint": 0.5, "follow_up": 0.5, "inquiry": 0.5}
# Kinds whose urgency may be emergency without being a problem (a sure urgency model alone
# does not make a follow-up or complaint a problem, see _reads_as_emergency).
_CONTACT_KINDS = frozenset({"complaint", "follow_up", "inquiry"})
_NOT_TURNED_BY_MODEL = frozenset({"complaint", "follow_up"})
_MIGRANT_LANGUAGES = frozenset({"my", "lo", "km"})
_MIGRANT_READABLE = 20  # Thai or Latin letters the models need to read a migrant-script message
_SUICIDE_FLOOR = 0.02
_ALWAYS_CONTACT_SURE = 0.8  # topic confidence that makes a complaint about them an emergency
_ALWAYS_SURE = 0.5  # topic confidence that makes suicide_risk / trafficking an emergency with no cue


@dataclass(frozen=True)
class Classification:
    """What a message asks for, how urgent it is and who should handle it."""

    kind: str
    topic: str
    urgency: str
    department: str | None
    confidence: float
    kind_confidence: float
    alternatives: tuple[tuple[str, float], ...]
    emergency_uncertain: bool
    language: str
    age_group: str | None
    subject: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict; the contract's first keys come first."""
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        data["kind_confidence"] = round(self.kind_confidence, 3)
        data["alternatives"] = [[t, round(s, 3)] for t, s in self.alternatives]
        return data


@dataclass(frozen=True)
class Models:
    """The three learned models, joined so one pass scores them all."""

    joint: model.Joint

    def predict(self, sample: model.Sample, gram_weight: model.GramWeight = 1.0) -> Predictions:
        """Return the kind, topic and urgency rankings of a sample."""
        kind, topic, urgency = self.joint.predict(sample, gram_weight)
        return Predictions(kind=kind, topic=topic, urgency=urgency)

    def predict_text(self, text: str, tokens: tuple[str, ...],
                     gram_weight: model.GramWeight = 1.0) -> Predictions:
        """Same as predict, the n-grams found in normalised text by the model's automaton."""
        kind, topic, urgency = self.joint.predict_text(text, tokens, gram_weight)
        return Predictions(kind=kind, topic=topic, urgency=urgency)


@dataclass(frozen=True)
class Predictions:
    """Ranked (label, probability) lists from the three models."""

    kind: list[tuple[str, float]]
    topic: list[tuple[str, float]]
    urgency: list[tuple[str, float]]


@dataclass(frozen=True)
class Analysis:
    """A message prepared for the models: normalised text, cues and features."""

    text: str
    cues: dict[str, Cue]
    tokens: tuple[str, ...]  # cue and shape tokens ("@violence", "#short")
    ages: tuple[int, ...]  # ages written in the text, in order

    @property
    def sample(self) -> model.Sample:
        """The message as the training code sees it: its n-gram set and its tokens."""
        return ngrams(self.text), self.tokens


@lru_cache(maxsize=1)
def _topics() -> dict[str, Any]:
    """The taxonomy's rules (taxonomy/taxonomy.yaml), loaded once."""
    return taxonomy.classifier_rules()


def analyse(text: str) -> Analysis:
    """Normalise a message and extract its cues and tokens (n-grams are found by the model)."""
    norm = normalize(text[:MAX_CHARS])
    cues = scan(norm)
    found = sorted(age_positions(norm))
    _add_age_cues(found, cues)
    return Analysis(text=norm, cues=cues, tokens=tokens(norm, cues, found),
                    ages=tuple(age for _, age in found))


def _add_age_cues(found: list[tuple[int, int]], cues: dict[str, Cue]) -> None:
    """Let a written age ("อายุ 12", "80 ปี") count as the child or elderly cue group."""
    for position, age in found:
        group = age_bucket(age)
        if group == "adult":
            continue
        old = cues.get(group)
        starts = tuple(sorted((old.starts if old else ()) + (position,)))
        first = min(old.first, position) if old else position
        cues[group] = Cue(active=True, negated=False, past=False, first=first, starts=starts)


def train(rows: Iterable[Mapping[str, Any]]) -> Models:
    """Train the kind, topic and urgency models on labelled rows."""
    prepared = [(analyse(str(r["text"])).sample, r) for r in rows]
    topicless = set(_topics().get("topicless_kinds") or ())
    settings = load_yaml("model.yaml")

    def fit_settings(head: str) -> dict[str, Any]:
        # latin_gram_weight is a scoring setting (see _gram_weight), not a training one.
        return {k: v for k, v in (settings.get(head) or {}).items() if k != "latin_gram_weight"}

    return Models(joint=model.join((
        model.fit(((f, str(r["kind"])) for f, r in prepared), **fit_settings("kind")),
        model.fit(((f, str(r["topic"])) for f, r in prepared if r["kind"] not in topicless),
                  **fit_settings("topic")),
        model.fit(((f, _urgency_label(r)) for f, r in prepared), **fit_settings("urgency")),
    )))


def _urgency_label(row: Mapping[str, Any]) -> str:
    """Collapse urgency labels to emergency / not (the data has no "high")."""
    return "emergency" if row.get("urgency") == "emergency" else "normal"


_LOCK = threading.Lock()
_DEFAULT: list[Models] = []


def default_models() -> Models:
    """Return the shipped models: the built file when it matches the data, else trained now."""
    if not _DEFAULT:
        with _LOCK:
            if not _DEFAULT:
                joint = artefact.load_if_fresh()
                # A stale or missing file costs start-up time, never correctness.
                _DEFAULT.append(Models(joint=joint) if joint else train(training_rows()))
    return _DEFAULT[0]


def classify(text: str) -> Classification:
    """Classify one message with the shipped models; never raises on a str."""
    return classify_with(default_models(), text)


def classify_with(models: Models, text: str) -> Classification:
    """Classify one message with the given models; never raises on a str."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        return _classify(models, text)
    except Exception as error:  # noqa: BLE001 - the conversation must always get an answer
        # Only the error type is logged: message text never goes to logs.
        _LOG.error("intents: classification failed (%s); asking the citizen", type(error).__name__)
        return fallback()


def fallback() -> Classification:
    """Result when classification fails internally.

    A problem always carries a topic, so the fallback is a problem about hardship (the
    general welfare topic, routed to DSDW), urgency normal, with emergency_uncertain set so
    that the conversation asks once whether anyone is in danger.
    """
    return Classification("problem", FALLBACK_TOPIC, "normal", department(FALLBACK_TOPIC), 0.0,
                          0.0, (), True, "other", None, None)


def _classify(models: Models, text: str) -> Classification:
    """Run the pipeline: normalise, cues, models, rules."""
    info = analyse(text)
    language = detect_language(text[:MAX_CHARS])
    if not info.text:
        return _empty(language)
    signals = assess(info.cues)
    preds = models.predict_text(info.text, info.tokens, _gram_weight(info.text))
    if _only_a_dead_phone(info.cues):
        preds = _without_danger(preds)
    kind, kind_conf = _kind(preds, info, signals)
    topic, confidence, alternatives = _topic(preds, info, kind, kind_conf)
    urgency, uncertain = _urgency(preds, kind, topic, confidence, signals, info.cues)
    if kind == "problem" and _short_cry(info) and not _short_danger(info, signals):
        # "ช่วยด้วย", "help me" and nothing else: no topic to guess from, so the general
        # intake, and the service asks at once whether anyone is in danger.
        topic, urgency, uncertain, confidence = FALLBACK_TOPIC, "normal", True, 0.0
    decided = _Decision(kind, topic, urgency, uncertain, confidence, alternatives)
    kind, topic, urgency, uncertain, confidence, alternatives = _migrant(info, language, preds,
                                                                         decided)
    return Classification(
        kind=kind, topic=topic, urgency=urgency, department=department(topic),
        confidence=confidence, kind_confidence=kind_conf, alternatives=alternatives,
        emergency_uncertain=uncertain, language=language,
        age_group=_age_group(info, topic), subject=_subject(info.cues) if kind == "problem" else None,
    )


# Cue groups that tell nothing of danger beside a phone that ran out ("เมื่อกี้แบตหมดค่ะ",
# "ขอโทษค่ะ เมื่อกี้แบตหมด อยู่ ต.ในเมือง ..."): besides people and the kinds of contact
# (_PLAIN_CONTACT_CUES), time words, negation, "safe now" and a fresh question.
_DEAD_PHONE_PLAIN = frozenset({"phone_out", "now", "past", "negation", "safe_now", "fresh_ask"})


def _only_a_dead_phone(cues: dict[str, Cue]) -> bool:
    """Tell whether a message says its phone's battery, data or credit ran out and nothing
    else that could be danger. The models have learned "แบตจะหมด" beside victims in hiding
    and "เมื่อกี้ … หมด" beside an overdose, so alone such a message read as suicide risk."""
    return "phone_out" in cues and _bare(cues, _DEAD_PHONE_PLAIN | _PLAIN_CONTACT_CUES)


def _without_danger(preds: Predictions) -> Predictions:
    """The predictions with no emergency reading and no crisis topic (suicide risk,
    trafficking) that no cue backs: what is left of a message that only says the phone died."""
    topic = _renormalised([(t, p) for t, p in preds.topic if t not in _ALWAYS_CUES])
    return Predictions(kind=preds.kind, topic=topic, urgency=[("normal", 1.0), ("emergency", 0.0)])


def _gram_weight(text: str) -> model.GramWeight:
    """Weight of n-gram evidence per model: for Latin-script text, model.yaml's
    latin_gram_weight of each head (English n-grams are rarer in the training lines)."""
    return _latin_gram_weights() if len(_LATIN.findall(text)) * 2 > len(text) else 1.0


@lru_cache(maxsize=1)
def _latin_gram_weights() -> tuple[float, ...]:
    """The latin_gram_weight of the kind, topic and urgency heads (model.yaml)."""
    settings = load_yaml("model.yaml")
    return tuple(float((settings.get(head) or {}).get("latin_gram_weight", 1.0))
                 for head in ("kind", "topic", "urgency"))


def _empty(language: str) -> Classification:
    """Result for a message with nothing in it (a sticker, blank text)."""
    return Classification("chitchat", NONE, "normal", None, 1.0, 1.0, (), False, language, None, None)


def department(topic: str) -> str | None:
    """Return the department code responsible for a topic (None for none)."""
    value = (_topics().get("departments") or {}).get(topic)
    return str(value) if value else None


def _kind(preds: Predictions, info: Analysis, signals: UrgencyCues) -> tuple[str, float]:
    """Pick the kind; a message that reads as an emergency is treated as a problem."""
    ranked = preds.kind
    kind, conf = ranked[0]
    if "earlier_report" in info.cues and kind in {"problem", "inquiry", "follow_up"}:
        # It refers to an earlier report of the writer's own: a follow-up, whatever it adds
        # (issue #10: new danger in a follow-up makes its urgency an emergency, not its kind
        # a problem; the conversation raises the earlier case or opens a new one).
        return "follow_up", dict(ranked).get("follow_up", 0.0)
    if kind == "follow_up" and _asks_afresh(info):
        # "อยากสอบถามเรื่องเงินอุดหนุนเด็กแรกเกิดค่ะ ลูกเพิ่งคลอดเดือนที่แล้ว": it opens by asking
        # and names no earlier report or case of the writer's own, so it is an inquiry (a date
        # or "เรื่อง…" alone made the kind model read a follow-up).
        return "inquiry", dict(ranked).get("inquiry", 0.0)
    if kind == "problem" and _asks_about_a_service(ranked, info, signals):
        return "inquiry", dict(ranked).get("inquiry", 0.0)
    if kind == "inquiry" and _tells_without_asking(ranked, info):
        # "หนูอายุ 15 ถูกพ่อเลี้ยงทำร้าย": a story that asks nothing is someone needing help.
        return "problem", dict(ranked).get("problem", 0.0)
    if kind == "prank" and (_NO_WORDS.fullmatch(info.text) or _only_a_dead_phone(info.cues)):
        # "555", "?", "...", "sorry my battery died": laughter, punctuation or a phone that ran
        # out is small talk (the bot greets and asks how it can help), not abuse, nonsense, a
        # test or spam (taxonomy.md §1).
        return "chitchat", dict(ranked).get("chitchat", 0.0)
    if kind in _SMALL_TALK and (_short_danger(info, signals) or _short_cry(info)):
        # "ผัวตีค่ะ": a few words naming harm are a problem, never small talk.
        return "problem", dict(ranked).get("problem", 0.0)
    if kind == "problem" or not _reads_as_emergency(kind, preds, signals):
        return kind, conf
    self_harm = info.cues.get("self_harm")
    if conf >= _KEEP_KIND_IF_SURE.get(kind, 1.01) and not (self_harm and self_harm.active):
        # A confident complaint, follow-up or inquiry that describes danger keeps its kind;
        # _urgency still reads the danger.
        return kind, conf
    # Safety first: a real emergency phrased as a question or greeting is a problem now.
    # No exception for pranks: swearing ("ชีวิตแม่งไร้ค่า") is no joke, and a message that
    # says it is one ("555 ล้อเล่น") never reads as an emergency (urgency.yaml joke_veto).
    return "problem", dict(ranked).get("problem", 0.0)


_ASKING_CUES = ("question", "request", "mig_question")
_TELLING_DOUBT = 0.25  # problem probability that, with no question at all, outweighs "inquiry"


def _tells_without_asking(ranked: list[tuple[str, float]], info: Analysis) -> bool:
    """Tell whether a message the kind model files as an inquiry asks nothing (no question
    word, no request, no "?") while the model also sees a problem in it."""
    return (not any(name in info.cues for name in _ASKING_CUES) and "?" not in info.text
            and dict(ranked).get("problem", 0.0) >= _TELLING_DOUBT)


_OPENING_CHARS = 16  # a question "opens" a message when only a greeting comes before it
_EARLIER_CUES = ("earlier_report", "follow_up")


def _asks_afresh(info: Analysis) -> bool:
    """Tell whether a message opens with a fresh question or a request for advice
    ("อยากสอบถามเรื่อง…", "ขอคำปรึกษาเรื่อง…", cue group `fresh_ask`) and names no earlier
    report, case or request of the writer's own."""
    ask = info.cues.get("fresh_ask")
    return (ask is not None and ask.active and ask.first <= _OPENING_CHARS
            and not any(name in info.cues for name in _EARLIER_CUES))


# Laughter written with digits ("555", normalised from "55555") and punctuation, nothing else.
_NO_WORDS = re.compile(r"[\s.,!?…~\-]*(?:5{2,}[\s.,!?…~\-]*)*")
_SMALL_TALK = frozenset({"chitchat", "prank", "suggestion"})
_HARM_CUES = ("violence", "violence_ongoing", "violence_habit", "self_harm", "confinement", "sexual")
_SHORT_CHARS = 30  # up to this many characters a message is a few words


def _short_danger(info: Analysis, signals: UrgencyCues) -> bool:
    """Tell whether a message of a few words names harm done to someone (not as a joke)."""
    return (len(info.text) <= _SHORT_CHARS and not signals.safe
            and any(info.cues[name].active for name in _HARM_CUES if name in info.cues))


# "ด่วน", "ด่วนมากค่ะ", "urgent!!", "ฉุกเฉิน" with nothing else: a cry, like "ช่วยด้วย". Inside a
# longer message ("ขอเงินด่วน") the word says nothing of danger, so it is no cue there.
_BARE_URGENT = re.compile(
    r"(?:ด่วน|ฉุกเฉิน|เหตุด่วน|urgent|emergency)(?:\s*(?:มาก|ที่สุด|ๆ|เลย|จริงๆ|please|pls))*"
    r"(?:\s*(?:ค่ะ|คะ|ครับ|คับ|นะ|จ้า|จ้ะ|ha|na))*[\s!.?]*", re.IGNORECASE)


_PHONE_RUN = re.compile(r"[+(]?\d[\d\s\-().]{7,}\d")


def _short_cry(info: Analysis) -> bool:
    """Tell whether a message of a few words is a cry for help ("ช่วยด้วย", "help me", "ด่วน"):
    never a prank; the service asks at once whether anyone is in danger."""
    if len(info.text) > _SHORT_CHARS or "joking" in info.cues:
        return False
    bare = _PHONE_RUN.sub(" ", info.text).strip()  # "ด่วน 081-234-5678": a cry with a number
    return "help_cry" in info.cues or _BARE_URGENT.fullmatch(bare) is not None


_BENEFIT_CUES = ("benefit_elderly", "benefit_disabled", "benefit_child")
_SERVICE_QUESTION_DOUBT = 0.2  # inquiry probability that a named service and a question back


def _asks_about_a_service(ranked: list[tuple[str, float]], info: Analysis,
                          signals: UrgencyCues) -> bool:
    """Tell whether a message the kind model reads as a problem asks about a named benefit
    ("พ่อเสียแล้ว ค่าทำศพสูง ขอเงินช่วยงานศพได้ไหม"): an inquiry, answered with what the
    service needs and offered a case. Not when the rules see danger."""
    return (not signals.emergency and "question" in info.cues
            and any(name in info.cues for name in _BENEFIT_CUES)
            and dict(ranked).get("inquiry", 0.0) >= _SERVICE_QUESTION_DOUBT)


def _reads_as_emergency(kind: str, preds: Predictions, signals: UrgencyCues) -> bool:
    """Tell whether a message the kind model files as no problem still reads as an emergency:
    an emergency rule the urgency model does not overrule, or (for a kind that is not a
    complaint or follow-up) an urgency model that is sure by itself."""
    table = rules()
    p_emergency = dict(preds.urgency).get("emergency", 0.0)
    if signals.emergency and (signals.firm or p_emergency >= table.model_veto_probability):
        return True
    return (kind not in _NOT_TURNED_BY_MODEL and not signals.safe
            and p_emergency >= table.problem_probability)


def _topic(preds: Predictions, info: Analysis, kind: str,
           kind_conf: float) -> tuple[str, float, tuple[tuple[str, float], ...]]:
    """Pick the topic, its confidence and up to three alternatives."""
    cfg = _topics()
    ranked = preds.topic
    if kind in set(cfg.get("topicless_kinds") or ()):
        # No topic of its own (taxonomy.md §2), but the likely topics go along: a follow-up
        # that describes new danger needs one for its emergency numbers and its department.
        probs = dict(_renormalised([(t, p) for t, p in ranked if t != NONE]))
        best = _override(max(probs, key=probs.__getitem__), info, probs) if probs else NONE
        likely = [(best, probs.get(best, 0.0))] if best != NONE else []
        likely += [(t, p) for t, p in sorted(probs.items(), key=lambda tp: -tp[1]) if t != best]
        return NONE, kind_conf, tuple(likely[:MAX_ALTERNATIVES])
    if kind in set(cfg.get("topic_required_kinds") or ()):
        ranked = _renormalised([(t, p) for t, p in ranked if t != NONE])
    probs = dict(ranked)
    topic = _override(ranked[0][0], info, probs)
    if _weak_always_topic(topic, info, probs, preds):
        # "ต.แม่เหียะ อ.เมือง", "ไม่ ยังปลอดภัย": a guess with no cue behind it and an urgency
        # model that sees no danger is not a crisis topic; the next most likely topic is.
        topic = next((t for t, _ in ranked if t not in _ALWAYS_CUES and t != NONE), topic)
    others = tuple((t, p) for t, p in ranked if t != topic)[:MAX_ALTERNATIVES]
    return topic, probs.get(topic, ranked[0][1]), others


# Crisis topics and the cue groups that count as evidence for them.
_ALWAYS_CUES = {"suicide_risk": ("self_harm", "suicide_words"),
                "trafficking": ("trafficking", "confinement")}


def _weak_always_topic(topic: str, info: Analysis, probs: dict[str, float],
                       preds: Predictions) -> bool:
    """Tell whether a crisis topic is only a weak guess: no cue, low confidence, calm urgency."""
    cues = _ALWAYS_CUES.get(topic)
    if cues is None or any(name in info.cues for name in cues):
        return False
    p_emergency = dict(preds.urgency).get("emergency", 0.0)
    # The model's own probability, before "none" was taken out for a kind that needs a
    # topic: "นายจ้างไม่จ่ายเงินเดือน 3 เดือน" is none 0.67, trafficking 0.2 — not a crisis.
    raw = min(probs.get(topic, 0.0), dict(preds.topic).get(topic, 0.0) * 2)
    return max(raw, p_emergency) < _ALWAYS_SURE


def _renormalised(ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Rescale probabilities to sum to one after dropping labels."""
    total = sum(p for _, p in ranked) or 1.0
    return [(t, p / total) for t, p in ranked]


def _override(topic: str, info: Analysis, probs: dict[str, float]) -> str:
    """Apply the safety and protective-topic rules of topics.yaml, then the homeless-family and
    loan-shark rules."""
    return _debt_not_family(_homeless_family(_protective_topic(topic, info, probs), info), info)


# A child hurt or in danger: child protection, whoever is with the child.
_CHILD_HARM_GROUPS = ("violence", "child_hit", "child_danger", "sexual", "abandoned_child", "confinement")


def _homeless_family(topic: str, info: Analysis) -> str:
    """A parent with their child and nowhere to sleep ("แม่ลูกอ่อนนอนข้างถนน") is a homeless
    family (the child noted), not a child alone: unless the child is hurt or in danger."""
    if topic != "child_protection" or not (_active(info.cues, "homeless")
                                           and _active(info.cues, "parent_with_child")):
        return topic
    return topic if any(_active(info.cues, name) for name in _CHILD_HARM_GROUPS) else "homeless"


# Topics a creditor's threats were misread as: the threat words, not who makes them.
_DEBT_MISREAD = frozenset({"domestic_violence", "child_protection", "women_family"})
_HARM_GROUPS = ("violence", "threat", "kill_threat", "violence_ongoing", "violence_habit", "sexual")
_PARTNER_REACH = 40  # characters from a partner word to the harm it does ("ผัวไปกู้… แล้วมาตีหนู")
_THREATENED = re.compile(r"(?:ขู่|จะ|ว่า)\s*$")


def _debt_not_family(topic: str, info: Analysis) -> str:
    """A loan shark's threats ("เจ้าหนี้นอกระบบขู่จะทำร้ายลูกเมีย") are hardship, not domestic
    violence or child protection: unless a partner does the harm, a child's age is written or
    a child is hurt (not only threatened)."""
    if topic not in _DEBT_MISREAD or not (_active(info.cues, "loan_shark") or _active(info.cues, "creditor")):
        return topic
    if any(age_bucket(a) == "child" for a in info.ages) or _child_hurt(info) or _partner_harms(info):
        return topic
    return "hardship"


def _child_hurt(info: Analysis) -> bool:
    """Tell whether a child is hurt ("ตีลูก"), not only threatened ("ขู่จะทำร้ายลูก")."""
    hit = info.cues.get("child_hit")
    starts = hit.starts if hit and hit.active else ()
    return any(not _THREATENED.search(info.text[max(0, s - 8):s]) for s in starts)


def _partner_harms(info: Analysis) -> bool:
    """Tell whether a partner word comes shortly before a harm with no creditor between them."""
    spouse = info.cues.get("spouse")
    if spouse is None or not spouse.active:
        return False
    creditor = info.cues.get("creditor")
    creditors = creditor.starts if creditor else ()
    harms = [h for name in _HARM_GROUPS if (cue := info.cues.get(name)) and cue.active for h in cue.starts]
    return any(0 <= h - s <= _PARTNER_REACH and not any(s < c < h for c in creditors)
               for s in spouse.starts for h in harms)


def _protective_topic(topic: str, info: Analysis, probs: dict[str, float]) -> str:
    """Apply the safety and protective-topic rules of topics.yaml."""
    self_harm = info.cues.get("self_harm")
    # The model must not rule suicide out entirely: a self-harm phrase in, say, a funeral
    # aid request is left to the topic model.
    if self_harm and self_harm.active and probs.get("suicide_risk", 0.0) >= _SUICIDE_FLOOR:
        return "suicide_risk"
    if topic == "suicide_risk" and self_harm and self_harm.negated and not self_harm.active \
            and len(probs) > 1:
        # "ไม่ได้คิดสั้นนะ แค่เครียดเรื่องหนี้": the self-harm words are denied, so the
        # next most likely topic is the matter. Self-harm only in the past ("เคยกินยาเกินขนาด
        # เมื่อสองปีก่อน ... ช่วงนี้ความคิดนั้นกลับมาอีก") keeps the topic the model read.
        return next(t for t in probs if t != "suicide_risk")
    adult = _adult_only_topic(topic, info)
    if adult:
        return adult
    groups = _text_age_groups(info)
    if any(age_bucket(a) == "child" for a in info.ages):
        groups.add(_WRITTEN_CHILD_AGE)
    for rule in _PROTECTIVE + tuple(_topics().get("protective") or ()):
        age = rule.get("age_group")
        if rule.get("from") != topic or (age != _ANY_AGE and age not in groups):
            continue
        if age == _ANY_AGE and _adult_ages_only(info):
            continue
        needed = rule.get("when_cue")
        names = (needed,) if isinstance(needed, str) else tuple(needed or ())
        if not all(_active(info.cues, name) for name in names):
            continue
        if rule.get("unless_cue") and _active(info.cues, rule["unless_cue"]):
            continue
        return str(rule["to"])
    return topic


# More protective topics the classifier adds to taxonomy.yaml's `protective` (same shape;
# `age_group: any` means the cue names the person, unless every age written is an adult's).
# They come first: they name the victim, where taxonomy.yaml's rules name someone in the text.
_ANY_AGE = "any"
_WRITTEN_CHILD_AGE = "written_child"  # an age under 18 written ("อายุ 17"), not a word for a child
_PROTECTIVE: tuple[dict[str, Any], ...] = (
    # "กำลังตีลูก": a parent beating their child is child protection, not domestic violence,
    # though no age is written (taxonomy.md §2: "a child being beaten is child_protection").
    {"from": "domestic_violence", "age_group": _ANY_AGE, "when_cue": "child_hit", "to": "child_protection"},
    {"from": "women_family", "age_group": _ANY_AGE, "when_cue": "child_hit", "to": "child_protection"},
    # Violence between partners told as a habit ("สามีชอบด่า ชอบตีเวลาเมา อยากปรึกษา") is
    # domestic violence (taxonomy.md §2), not a family conflict.
    {"from": "women_family", "age_group": _ANY_AGE, "when_cue": ("violence_habit", "spouse"),
     "to": "domestic_violence"},
    # A 17-year-old thrown out of home (or run away) is a child abandoned, not a homeless adult.
    # The age must be written: "ผู้หญิงกับลูกเล็ก … โดนผัวไล่ออกจากบ้าน" is a homeless family.
    {"from": "homeless", "age_group": _WRITTEN_CHILD_AGE, "when_cue": "out_of_home",
     "to": "child_protection"},
    {"from": "women_family", "age_group": _WRITTEN_CHILD_AGE, "when_cue": "out_of_home",
     "to": "child_protection"},
)


def _adult_ages_only(info: Analysis) -> bool:
    """Tell whether the text writes ages and every one of them is an adult's (18 or more)."""
    return bool(info.ages) and all(age_bucket(a) != "child" for a in info.ages)


def _adult_only_topic(topic: str, info: Analysis) -> str | None:
    """Re-route a child topic when every age written is an adult's (topics.yaml adult_only), or
    when a son or daughter harms a parent and no child's age is written: "ลูก" names who does
    it, the victim is the parent (an adult, or an older person when the text says so)."""
    found = {age_bucket(a) for a in info.ages}
    if "child" in found:
        return None
    if not found:
        # "son", "daughter" are words for a child (cue group child): here they name the doer.
        if not _child_harms_parent(info):
            return None
        found = {"elderly" if "elderly" in info.cues else "adult"}
    elif "child" in info.cues:
        return None
    bucket = "elderly" if "elderly" in found else "adult"
    for rule in _topics().get("adult_only") or ():
        if rule.get("from") == topic and rule.get("ages") == bucket:
            return str(rule["to"])
    return None


_SON_OR_DAUGHTER = re.compile(r"ลูก|\b(?:son|daughter)\b", re.IGNORECASE)


def _child_harms_parent(info: Analysis) -> bool:
    """Tell whether a son or daughter is named before a parent harmed (cue group parent_harmed)."""
    harmed = info.cues.get("parent_harmed")
    return bool(harmed and harmed.active and _SON_OR_DAUGHTER.search(info.text[:harmed.first]))


def _text_age_groups(info: Analysis) -> set[str]:
    """Age groups the text names explicitly (ages, or words for children or old people)."""
    groups = {age_bucket(a) for a in info.ages}
    for name in ("child", "elderly"):
        if name in info.cues:
            groups.add(name)
    return groups


def _urgency(preds: Predictions, kind: str, topic: str, confidence: float,
             signals: UrgencyCues, cues: dict[str, Cue]) -> tuple[str, bool]:
    """Decide urgency and whether to ask once because it might be an emergency."""
    always = set(_topics().get("always_emergency_topics") or ())
    p_emergency = dict(preds.urgency).get("emergency", 0.0)
    table = rules()
    if kind in _CONTACT_KINDS:
        urgency, uncertain = _contact_urgency(p_emergency, signals, table,
                                              _bare(cues, _PLAIN_CONTACT_CUES), _habit_only(cues))
        if urgency == "emergency" or topic not in always or signals.safe:
            return urgency, uncertain
        # Suicide risk and trafficking are always emergencies (taxonomy.md §3): a complaint
        # about them is about someone still at risk ("เพื่อนพูดว่าจะตาย โทร 1300 ไม่มีใครรับ");
        # a question about them may be general, so the service asks once.
        if kind == "complaint" and confidence >= _ALWAYS_CONTACT_SURE:
            return "emergency", False
        return urgency, True
    if kind != "problem":
        return "normal", signals.emergency or signals.uncertain
    if signals.emergency:
        if (signals.firm or signals.sure or topic in always
                or p_emergency >= table.model_veto_probability):
            return "emergency", False
        # The cues read danger that the learned model, which sees the whole message, is
        # all but sure is not there (an old or habitual event told beside "ตอนนี้"): the
        # service asks once instead, and no answer still makes it an emergency.
        return ("high" if signals.high else "normal"), True
    if topic in always:
        # Always an emergency (taxonomy.md §3), unless the message says the danger is over
        # or that it was a joke, or the topic is only a weak guess with no cue behind it
        # (an address, "ไม่ ยังปลอดภัย"): then the service asks once.
        if not signals.safe and (signals.uncertain or max(confidence, p_emergency) >= _ALWAYS_SURE):
            return "emergency", False
        if p_emergency >= table.emergency_probability:
            # As for every topic, a sure urgency model outweighs a "safe" phrase ("took 40
            # paracetamol and says she's fine").
            return "emergency", False
        return ("high" if signals.high else "normal"), True
    uncertain = signals.vetoed or signals.uncertain or p_emergency >= table.uncertain_probability
    if uncertain and p_emergency >= table.emergency_probability and _model_may_alert(
            p_emergency, signals, cues):
        # The learned model decides between asking and alerting, where the rules found a
        # danger cue and where they found none (new wording, English, romanised Thai). A
        # "safe now" phrase does not stop it: the model has learned those phrases in context
        # ("หนีมาอยู่ในไร่อ้อยหลังบ้าน มือถือแบตใกล้หมด" is hiding, not safe).
        return "emergency", False
    return ("high" if signals.high else "normal"), uncertain


# Cue groups that name people or roles, not what happens to them.
_PEOPLE_CUES = frozenset({"child", "elderly", "disabled", "spouse", "self_person", "reporter_role",
                          "other_person"})
_BARE_ALERT_PROBABILITY = 0.6  # the model alone alerts on a message with nothing but people
# ... and, in a follow-up, inquiry or complaint, cues that only say what kind of contact it is.
_PLAIN_CONTACT_CUES = _PEOPLE_CUES | {"request", "follow_up", "earlier_report", "question", "greeting",
                                      "complaint", "suggestion"}


def _model_may_alert(p_emergency: float, signals: UrgencyCues, cues: dict[str, Cue]) -> bool:
    """Tell whether the learned model alone may call an emergency: a message with no cue
    but people words ("ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", a name) needs a surer model; below
    that the service asks once. Violence told as a habit with no "now" word ("สามีชอบตีเวลา
    เมา") is asked about, never alerted by the model alone (taxonomy.md §3: danger now)."""
    if _habit_only(cues):
        return False
    if signals.vetoed or signals.uncertain:
        return True
    return not _bare(cues, _PEOPLE_CUES) or p_emergency >= _BARE_ALERT_PROBABILITY


def _habit_only(cues: dict[str, Cue]) -> bool:
    """Tell whether a message tells of violence against an adult as a habit ("สามีชอบตีเวลา
    เมา") with no "now" word: the learned model reads the drink and the blows as danger now.
    Not when a child or an older person is named: a child hit "บ่อยๆ" at work is in danger."""
    if _active(cues, "now") or "child" in cues or "elderly" in cues:
        return False
    return _active(cues, "violence_habit") or (_active(cues, "habitual") and _active(cues, "violence"))


def _active(cues: dict[str, Cue], name: str) -> bool:
    """Tell whether a cue group is in the message and switched on."""
    cue = cues.get(name)
    return cue is not None and cue.active


def _bare(cues: dict[str, Cue], plain: frozenset[str]) -> bool:
    """Tell whether every active cue of a message is one of the plain groups."""
    return all(name in plain for name, cue in cues.items() if cue.active)


class _Decision(NamedTuple):
    """What the pipeline decided for a message, before the migrant-script rules."""

    kind: str
    topic: str
    urgency: str
    uncertain: bool
    confidence: float
    alternatives: tuple[tuple[str, float], ...]


def _migrant(info: Analysis, language: str, preds: Predictions, decided: _Decision) -> _Decision:
    """Apply the rules for Burmese, Lao and Khmer: danger cues decide (urgency.yaml migrant_*)."""
    migrant = _migrant_topic(info.cues, language)
    if migrant:
        # Danger in a migrant worker's script: an emergency, whatever the models guessed.
        confidence = decided.confidence if decided.topic == migrant else 0.0
        others = tuple((t, p) for t, p in preds.topic if t != migrant)[:MAX_ALTERNATIVES]
        return _Decision("problem", migrant, "emergency", False,
                         max(confidence, _RULE_CONFIDENCE), others)
    if language in _MIGRANT_LANGUAGES and _readable_letters(info.text) < _MIGRANT_READABLE:
        # The models have seen few lines in these scripts (most of them emergencies), so
        # their guesses are not used: a greeting stays a greeting, a question is an inquiry,
        # anything else is someone asking for help (no money, no food, nowhere to sleep: a
        # welfare problem). The conversation opens a case for a callback by an interpreter
        # either way, asking once about danger.
        if decided.kind == "chitchat":
            return _Decision("chitchat", NONE, "normal", False, decided.confidence, ())
        if "mig_question" in info.cues or "?" in info.text:
            return _Decision("inquiry", NONE, "normal", True, 0.0, ())
        return _Decision("problem", _MIGRANT_DEFAULT_TOPIC, "normal", True, 0.0, ())
    return decided


_MIGRANT_WORK_CUES = ("mig_unpaid", "mig_document", "mig_employer", "mig_debt")
_MIGRANT_HELD_CUES = ("mig_locked", "mig_beaten", "mig_unpaid", "mig_document", "mig_taken",
                      "mig_lured", "mig_debt")
_MIGRANT_DEFAULT_TOPIC = "hardship"  # general welfare (DSDW) until an interpreter has read it
_RULE_CONFIDENCE = 0.9  # topic confidence of a rule-made topic (no question about the topic)


def _migrant_topic(cues: dict[str, Cue], language: str) -> str | None:
    """Topic of danger written in Burmese, Lao or Khmer (urgency.yaml migrant_*), else None."""
    table = rules()
    # A Thai cry for help inside a message in a migrant script counts as that script's own.
    in_script = language in _MIGRANT_LANGUAGES and fired(table.migrant_script, cues)
    if not (fired(table.migrant, cues) or in_script):
        return None
    if "mig_self_harm" in cues:
        return "suicide_risk"
    if fired(table.migrant_spouse, cues) and not any(c in cues for c in _MIGRANT_WORK_CUES):
        return "domestic_violence"  # a husband's beating, the children beside her
    if "mig_child" in cues:
        # A child beaten, held or made to work: the more protective topic (taxonomy.md §2).
        return "child_protection"
    if "mig_helpless" in cues and not any(c in cues for c in _MIGRANT_HELD_CUES):
        # Fallen, hurt or very ill with nothing about work or being held: help now, and
        # general welfare until an interpreter has heard who it is.
        return _MIGRANT_DEFAULT_TOPIC
    return "trafficking"


def _readable_letters(text: str) -> int:
    """Count the Thai and Latin letters of a normalised text (what the models can read)."""
    return len(_READABLE.findall(text))


def _contact_urgency(p_emergency: float, signals: UrgencyCues,
                     table: UrgencyRules, bare: bool = False,
                     habit: bool = False) -> tuple[str, bool]:
    """Urgency of a follow-up, inquiry or complaint: emergency when it describes danger now.

    "About the case I reported yesterday: today I found her on the floor" is new danger.
    Such messages often recount the earlier event, so the learned model must agree more
    than for a problem (urgency.yaml contact_*). Violence told as a habit with no "now"
    (`habit`, see _habit_only) is asked about, never alerted by the model alone."""
    if signals.emergency and (signals.firm or signals.sure
                              or p_emergency >= table.contact_veto_probability):
        return "emergency", False
    if not signals.safe and not habit and p_emergency >= table.contact_emergency_probability:
        return "emergency", False
    # "ขอตามเรื่อง OSS-2569-000001 ค่ะ": with nothing but a case number and people, the model
    # alone must be surer before the service asks about danger.
    ask_from = _BARE_ALERT_PROBABILITY if bare else table.uncertain_probability
    uncertain = signals.emergency or signals.uncertain or p_emergency >= ask_from
    return "normal", uncertain


def _age_group(info: Analysis, topic: str) -> str | None:
    """Age group of the person in need: from the topic, else from the text when unique."""
    by_topic = (_topics().get("topic_age_group") or {}).get(topic)
    if by_topic:
        return str(by_topic)
    if info.ages:
        return age_bucket(info.ages[0])
    groups = _text_age_groups(info)
    if _child_harms_parent(info):
        groups.discard("child")  # "my son … threatens to kill my mother": the mother needs help
    return groups.pop() if len(groups) == 1 else None


def _subject(cues: dict[str, Cue]) -> str | None:
    """Who needs help: "other" when the writer reports someone else, else "self"."""
    if "reporter_role" in cues:
        return "other"
    mine, theirs = cues.get("self_person"), cues.get("other_person")
    if mine and theirs:
        return "self" if mine.first < theirs.first else "other"
    if theirs:
        return "other"
    return "self" if mine else None
