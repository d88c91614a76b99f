"""The privacy rule for Egyptian national ids (NIDs): a real NID is blocked however it is
written; order, tracking, invoice, bank and phone numbers written with dashes and spaces
are not NIDs, in either script."""
from __future__ import annotations

from datetime import date

import pytest

from handlers.moderation.gate import moderate_text_sync
from handlers.moderation.national_id import contains_national_id, national_id


def decide(text: str, context: str = "chat") -> str:
    return moderate_text_sync(text, context=context, use_model=False).action


# 2 900101 12 3456 7: born 1990-01-01 in Dakahlia (12); 3 050315 01 2345 8: 2005-03-15, Cairo
@pytest.mark.parametrize("text", [
    "raqmy el qawmy 29001011234567",
    "رقمي القومي 29001011234567",
    "رقمي القومي ٢٩٠٠١٠١١٢٣٤٥٦٧",                      # Arabic-Indic digits
    "el raqam el qawmy bta3o 30503150123458",
    "his id is 2 9 0 0 1 0 1 1 2 3 4 5 6 7",            # one digit at a time
    "٢ ٩ ٠ ٠ ١ ٠ ١ ١ ٢ ٣ ٤ ٥ ٦ ٧ ده رقمها",
    "2.9.0.0.1.0.1.1.2.3.4.5.6.7",
    "2-9-0-0-1-0-1-1-2-3-4-5-6-7 ya regala",
    "2 900101 12 3456 7",                               # cut along its own fields
    "2-90-01-01-12-3456-7",
    "3.050315.01.2345.8",
    "2900 1011 2345 67",                                # read out in fours
    "290 010 112 345 67",                               # in threes
    "الرقم القومي: ٢٩٠٠ ١٠١١ ٢٣٤٥ ٦٧",
    "رقمه 29001011234567 و تليفونه 01012345678",       # a phone beside it does not hide it
    "29001011234567 01012345678",
    "bta3 29001011234567",                              # a Franco word ending in a digit
    "(1) 29001011234567",
])
def test_a_real_national_id_is_blocked_however_it_is_written(text):
    assert decide(text) == "block", text
    assert decide(text, "comment") == "block", text


@pytest.mark.parametrize("text", [
    # client and device ids: the chaos load's text, whose clock digits read as 2010-02-15
    "d2-3-1002152157101",
    "device-2-31002152157101",
    "2-3-1002152157101",
    # order, tracking and invoice numbers grouped as the shop prints them
    "order ORD-3100-2152-157101 wasal?",
    "رقم الطلب ORD-3100-2152-157101 لسه موصلش",
    "tracking 31002 15215 7101",
    "رقم الشحنة ٣١٠٠٢ ١٥٢١٥ ٧١٠١",
    "order #310021-52157-101",
    "el order raqam 310021-52157-101 ya basha",
    "invoice INV-2024-3100215-215710",
    "فاتورة رقم 31-00215215-7101",
    "reference 3/1002152/157101",
    "ref 31-002-152-15-7101",
    "كود الكوبون 2950-1011-2345-67-XY مش شغال",       # tied to letters: a code
    "order ORD-29501011234567",
    # bank and card numbers: longer runs, whatever 14 digits inside them look like
    "EG38 0019 0005 3100 2152 1571 0100 5",
    "الايبان EG380019000531002152157101005",
    "card 4111 3100 2152 1571",
    "3 1 0 0 2 1 5 2 1 5 7 1 0 1 9",                    # 15 digits, one at a time
    # phone numbers and what people write beside them
    "kalemny 3-0101-230-1234-56",
    "اتصل 3-0101-230-1234-56 بعد العصر",
    # a date that is not a birth date yet, a governorate that does not exist
    "29913011234567",                                   # 1999-13-01
    "30002301234567",                                   # 2000-02-30
    "39601011234567",                                   # 2096: not born yet
    "29001015012345",                                   # governorate 50
])
def test_numbers_that_are_not_national_ids_are_allowed(text):
    assert decide(text) == "allow", text


def test_a_national_id_is_a_real_date_in_the_past_and_a_real_governorate():
    assert national_id("29001011234567")
    assert national_id("30002291234567")                 # 2000-02-29, a leap day
    assert not national_id("29002291234567")             # 1990-02-29 never was
    assert not national_id("19001011234567")             # century 1
    assert not national_id("29001010034567")             # governorate 00
    assert national_id("29001018834567")                 # 88: born abroad
    today = date(2026, 12, 4)
    assert national_id("32612041234567", today=today)
    assert not national_id("32612051234567", today=today)  # tomorrow


def test_only_id_shaped_writing_joins_digits_across_separators():
    assert contains_national_id("2 900101 12 3456 7")
    assert contains_national_id("29 00 10 11 23 45 67")
    assert not contains_national_id("290010 11234 567")  # cuts inside its fields
    assert not contains_national_id("2900-10112-34567")
