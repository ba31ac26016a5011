import datetime as dt

import pytest

from wangge.people.idcard import (
    IdNumberError,
    check_char,
    make_id_number,
    mask_id,
    mask_phone,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 23)


def test_valid_number_gives_sex_and_birth_date():
    n = make_id_number("350427", dt.date(1950, 3, 4), 123)
    ident = parse_id_number(n, today=TODAY)
    assert ident.number == n
    assert ident.birth_date == dt.date(1950, 3, 4)
    assert ident.sex == "M"  # 123 is odd
    assert parse_id_number(make_id_number("350427", dt.date(1990, 1, 1), 124)).sex == "F"


def test_known_published_example_with_x():
    # GB 11643's worked example: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_wrong_check_digit_is_refused_with_the_reason():
    n = make_id_number("350427", dt.date(1950, 3, 4), 123)
    wrong = n[:-1] + ("1" if n[-1] != "1" else "2")
    with pytest.raises(IdNumberError, match="校验位错误"):
        parse_id_number(wrong, today=TODAY)


def test_birth_date_in_the_future_is_refused():
    n = make_id_number("350427", dt.date(2030, 1, 1), 11)
    with pytest.raises(IdNumberError, match="在未来"):
        parse_id_number(n, today=TODAY)


@pytest.mark.parametrize(
    "raw,reason",
    [
        ("35042719500304", "格式错误"),
        ("35042719501332123X", "不是有效日期"),
        ("3.50427E+17", "科学计数法"),
    ],
)
def test_malformed_numbers(raw, reason):
    with pytest.raises(IdNumberError, match=reason):
        parse_id_number(raw, today=TODAY)


def test_fifteen_digit_number_is_converted():
    ident = parse_id_number("350427500304123", today=TODAY)
    assert ident.converted_from_15
    assert ident.number.startswith("35042719500304123")
    assert ident.number[-1] == check_char(ident.number[:17])
    assert ident.birth_date == dt.date(1950, 3, 4)


def test_full_width_digits_and_spaces_are_accepted():
    n = make_id_number("350427", dt.date(1960, 7, 8), 5)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in n)
    assert parse_id_number(" " + wide + " ", today=TODAY).number == n


def test_masks():
    n = "350427195003041233"
    assert mask_id(n, wide=True) == "350427********1233"
    assert mask_id(n, wide=False) == "3****************3"
    assert mask_phone("13805981234") == "138****1234"
