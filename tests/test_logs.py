"""Log lines are logfmt, one per event, and nothing a sender writes can add a line."""

from __future__ import annotations

import logging

from mailhub.logs import Logfmt, value


def line(msg: str, **kv: object) -> str:
    record = logging.LogRecord("mailhub.workers", logging.INFO, __file__, 1, msg, (), None)
    record.kv = kv
    return Logfmt().format(record)


def test_a_decision_is_one_line_of_key_value_pairs() -> None:
    shown = line("decision", door="smtp", id=12, verdict="filed",
                 sender="c1dinhcong-hm@hanoiedu.vn", topics="bao-cao-thang,thu-chi")
    assert "\n" not in shown
    assert shown.startswith("time=") and " level=INFO logger=mailhub.workers pid=" in shown
    assert shown.endswith("msg=decision door=smtp id=12 verdict=filed "
                          "sender=c1dinhcong-hm@hanoiedu.vn topics=bao-cao-thang,thu-chi")


def test_what_a_sender_writes_cannot_start_a_line_or_a_field() -> None:
    forged = 'Báo cáo"\r\ntime=x level=ERROR msg=forged'
    shown = line("decision", subject=forged)
    assert "\n" not in shown and "\r" not in shown
    assert shown.endswith('subject="Báo cáo\\"\\x0d\\x0atime=x level=ERROR msg=forged"')
    assert value("") == '""' and value("a b") == '"a b"' and value("x\\y") == '"x\\\\y"'
