"""Large studies (issue 17): progress lines with the time left (stability on a sample: test_start_and_slsw.py)."""


def test_progress_reports_n_of_total_elapsed_and_time_left():
    from segkit.progress import Progress

    clock = iter([0.0, 1.0, 5.0, 6.0, 20.0, 30.0])
    lines: list[str] = []
    p = Progress("global stability, k = 2 to 8: bootstrap pairs", 10, lines.append, clock=lambda: next(clock))
    p.advance()  # at 1 s: too early to say anything
    p.advance()  # at 5 s: 2 of 10
    p.advance()  # at 6 s: the last line is only 1 s old
    p.advance(2)  # at 20 s: 5 of 10
    p.done()
    assert lines == ["global stability, k = 2 to 8: bootstrap pairs: 2 of 10, elapsed 5 s, about 20 s left",
                     "global stability, k = 2 to 8: bootstrap pairs: 5 of 10, elapsed 20 s, about 20 s left",
                     "global stability, k = 2 to 8: bootstrap pairs: 10 of 10 in 30 s"]


def test_a_quick_loop_prints_nothing():
    from segkit.progress import Progress

    lines: list[str] = []
    p = Progress("quick", 3, lines.append)
    for _ in range(3):
        p.advance()
    p.done()
    assert lines == []
