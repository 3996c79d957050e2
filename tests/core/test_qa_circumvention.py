"""QA of MSG-03 detection: ordinary ru/uk/es/en sentences with numbers are not contact details."""

from __future__ import annotations

import pytest

from core.circumvention import Kind, scan

ORDINARY = [
    "Бюджет 100 000 - 150 000 руб, срок 10 дней",
    "Бюджет від 20 000 - 30 000 грн",
    "Presupuesto 100000-150000 pesos",
    "Budget 50 000 - 80 000 USD",
    "Проект на 2024 2025 2026 годы",
    "Чертежи по ГОСТ 21.101-2020 и СП 60.13330.2020",
    "Креслення за ДСТУ 21.101-2020",
    "Order #123456789 shipped",
    "Заказ №1234567890 оплачен",
    "Pedido #987654321 enviado",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_msg_03_price_ranges_years_standards_and_order_numbers_are_not_phone_numbers(
        text: str) -> None:
    assert scan(text) == []


@pytest.mark.parametrize(("text", "found"), [
    ("мой номер 999 123-4567", "999 123-4567"),
    ("call 555.123.2020", "555.123.2020"),
    ("тел 8 800 555 35 35", "8 800 555 35 35"),
    ("мій номер 067 123 45 67", "067 123 45 67"),
    ("llámame al 612 345 678", "612 345 678"),
])
def test_msg_03_phone_numbers_that_look_like_amounts_or_years_are_still_found(
        text: str, found: str) -> None:
    assert [(f.kind, f.text) for f in scan(text)] == [(Kind.PHONE, found)]


@pytest.mark.parametrize(("text", "found"), [
    ("мой тг ivan_petrov", "мой тг ivan_petrov"),
    ("мій телеграм ivan_petrov", "мій телеграм ivan_petrov"),
    ("напиши мне в телегу ivan_99", "напиши мне в телегу ivan_99"),
    ("my skype ivan.petrov", "my skype ivan.petrov"),
    ("escríbeme por telegram juan_perez", "escríbeme por telegram juan_perez"),
    ("мой инстаграм ivan.design", "мой инстаграм ivan.design"),
    ("instagram: ivan_design", "instagram: ivan_design"),
    ("інста: ivan_design", "інста: ivan_design"),
])
def test_msg_03_ones_own_messenger_handle_without_a_colon_is_found(text: str, found: str) -> None:
    assert [(f.kind, f.text) for f in scan(text)] == [(Kind.MESSENGER, found)]


@pytest.mark.parametrize("text", [
    "Сделаю бота для telegram на aiogram_3",
    "мой телеграм бот на aiogram",
    "пишите в тг, отвечу быстро",
    "my skype call is at 10.30",
    "Мой инстаграм ведёт дизайнер",
    "Write me on Telegram 24/7",
    "пиши в тг 10 раз, если не отвечу",
])
def test_msg_03_talking_about_a_messenger_is_not_a_handle(text: str) -> None:
    assert scan(text) == []
