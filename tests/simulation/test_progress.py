"""The progress line of a day: the time left goes by the latest day once days grow slower."""
from __future__ import annotations

from datetime import date

from app.simulation.run import Tally, day_line

DAY = date(2026, 12, 4)


def test_the_time_left_follows_the_latest_day_when_it_was_the_slowest():
    # three days in 30 s, the third alone 12 s: 19 days left at 12 s, not at the average 10 s
    assert "còn khoảng 3 phút 48 giây" in day_line(Tally(), 3, DAY, 22, 30.0, 18.0)


def test_the_time_left_follows_the_average_when_the_latest_day_was_quicker():
    assert "còn khoảng 30 giây" in day_line(Tally(), 2, DAY, 5, 20.0, 12.0)  # 3 days left at 10 s, not 8 s


def test_the_line_says_the_counts_and_the_pace():
    tally = Tally(received=600, finished=300, returned=120)
    line = day_line(tally, 1, DAY, 2, 10.0)
    assert line.startswith("Ngày 1/2 (04/12/2026): đã nhận 600, xong 300, đã trả 120") and "60.0 hồ sơ/giây" in line
