from __future__ import annotations

import pytest

from rag.text.numbers import number_values, unsupported_numbers


@pytest.mark.parametrize(
    "text,values",
    [
        ("每年最多可向中國輸送500億立方公尺天然氣", {5e10}),
        ("up to 50 billion cubic meters", {5e10}),
        ("10億美元", {1e9}),
        ("one billion US dollars", {1e9}),
        ("耗資4,000億美元", {4e11}),
        ("$400 billion", {4e11}),
        ("2025年9月8日至9日", {2025, 9, 8}),
        ("September 8-9, 2025", {2025, 9, 8}),
        ("第七次會談", {7}),
        ("the seventh meeting", {7}),
        ("一百七十萬人", {1_700_000}),
        ("3.5 million", {3_500_000}),
    ],
)
def test_values_across_languages(text, values):
    assert number_values(text) == {float(v) for v in values}


def test_a_wrong_translation_of_a_number_is_caught():
    source = "對蒙古國而言，每年可以獲得10億美元的能源過境費收入（佔其GDP的2-3%）。"
    assert unsupported_numbers("Mongolia earns 1 billion dollars a year, 2-3% of its GDP.", source) == set()
    assert unsupported_numbers("Mongolia earns 10 billion dollars a year.", source) == {1e10}
    assert unsupported_numbers("蒙古每年可獲得100億美元。", source) == {1e10}


def test_english_prompts_carry_chinese_amounts_as_english_values():
    from rag.text.numbers import english_amounts, unsupported_numbers

    source = "俄羅斯每年最多可向中國輸送500億立方公尺天然氣，蒙古每年獲得10億美元，約1,700萬人。"
    shown = english_amounts(source)
    assert "50 billion" in shown and "1 billion" in shown and "17 million" in shown and "億" not in shown
    # What the model then writes checks out against the original paragraph, by value.
    assert not unsupported_numbers("It can deliver 50 billion cubic meters a year.", source)
    assert unsupported_numbers("It can deliver 500 billion cubic meters a year.", source) == {500e9}


@pytest.mark.parametrize(
    "text,found",
    [
        ("俄羅斯每年最多可向中國輸送500億立方公尺天然氣", {"立方公尺": {5e10}}),
        ("about 50 billion cubic meters a year", {"立方公尺": {5e10}}),
        ("每年可以獲得10億美元的過境費，耗資4,000億美元", {"美元": {1e9, 4e11}}),
        ("新竹的人口約四十五萬人", {"人": {450000.0}}),
        ("2025年9月8日至9日", {}),  # dates and years are other facts, not amounts
    ],
)
def test_amounts_are_grouped_by_their_unit_across_languages(text, found):
    from rag.text.numbers import amounts_by_unit

    assert amounts_by_unit(text) == found
