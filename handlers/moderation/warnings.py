"""What the recipients of a held private message are told (`chat:warning`).

Safe by construction: the payload never carries the held text, a number, a link or the
rule that matched — only who sent it, that it was held, and what to beware of, in Arabic and
English. The chat domain sends it to the other members after storing the held message.
"""
from __future__ import annotations

from handlers.moderation.decision import Decision

ADVICE = {
    "scam": {
        "ar": "رسالة من الشخص ده اتوقفت للمراجعة لأنها شكلها نصب. صوت عمره ما هيطلب منك "
              "الكود اللي بيوصلك في رسالة أو على واتساب، ولا الرقم السري للكارت، ولا إنك "
              "تحوّل فلوس عشان تستلم جايزة. ماتبعتش أكواد ولا بيانات كارت لحد.",
        "en": "A message from this person was held for review because it looks like a scam. "
              "Sawt will never ask you for a code you receive by SMS or WhatsApp, your card "
              "PIN, or a transfer to claim a prize. Never share codes or card details.",
    },
}


def warning_for(decision: Decision, *, conversation_id: str, sender_id: str) -> dict | None:
    """The `chat:warning` payload for the other members, or None when there is none."""
    advice = ADVICE.get(decision.warn or "")
    if advice is None:
        return None
    return {"conversation_id": conversation_id, "sender_id": sender_id,
            "category": decision.warn, "held": True,
            "message": advice["en"], "message_ar": advice["ar"]}
