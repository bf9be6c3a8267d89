import pytest

from pipelines.tables.values import parse_value


@pytest.mark.parametrize(
    "text, value, blank, unit",
    [
        ("0", 0, False, None),
        ("23", 23, False, None),
        ("+26", 26, False, None),
        ("-3", -3, False, None),
        ("16.4543", 16.4543, False, None),
        ("251000元", 251000, False, "元"),
        ("75394432.52元", 75394432.52, False, "元"),
        ("１２", 12, False, None),  # full-width digits
        ("1,234", 1234, False, None),
        ("\u00a0 7 \u00a0", 7, False, None),
        ("", 0, True, None),
        ("\u00a0", 0, True, None),
        ("—", 0, True, None),
        ("/", 0, True, None),
        ("-", 0, True, None),
        ("无", 0, True, None),
    ],
)
def test_parse_value(text, value, blank, unit):
    pv = parse_value(text)
    assert pv.value == value and type(pv.value) is type(value)
    assert pv.was_blank is blank
    assert pv.unit == unit
    assert pv.reason is None


@pytest.mark.parametrize("text", ["约30", "12/15", "三", "1 2", "12件（含转办）", "n/a"])
def test_unreadable_cells_are_null_with_a_reason(text):
    pv = parse_value(text)
    assert pv.value is None
    assert pv.reason and text.split()[0] in pv.reason
