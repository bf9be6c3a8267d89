"""The WARC recorder rolls to a new file past its size, also when it writes in its own thread."""

from __future__ import annotations

from pipelines.warc import WarcRecorder, iter_report_manifests, iter_responses


def test_a_background_recorder_rolls_files_and_keeps_every_record(tmp_path):
    recorder = WarcRecorder(tmp_path, "site", {"software": "test"}, background=True, roll_bytes=2_000)
    bodies = {f"http://127.0.0.1/r{i}.html": f"<html>report {i}</html>".encode() * 50 for i in range(20)}
    for url, body in bodies.items():
        recorder.write_exchange(url, "GET", [("Host", "127.0.0.1")], 200, "OK",
                                [("Content-Type", "text/html")], body)
        recorder.write_report(url, {"url": url})
    recorder.close()
    assert len(recorder.paths) > 3  # rolled, from the recorder's own thread
    assert all(p.exists() for p in recorder.paths)
    assert {url: body for url, _, body in iter_responses(tmp_path)} == bodies
    assert sorted(m["url"] for m in iter_report_manifests(tmp_path)) == sorted(bodies)


def test_a_run_started_again_within_the_same_second_never_writes_over_the_last(tmp_path):
    # A crawl killed and run again at once opens its WARC in the same second as the killed run.
    first = WarcRecorder(tmp_path, "site", {"software": "test"})
    first.write_report("http://127.0.0.1/a.html", {"url": "http://127.0.0.1/a.html"})
    first.fh.flush()  # as a killed process leaves it: never closed
    second = WarcRecorder(tmp_path, "site", {"software": "test"})
    second.write_report("http://127.0.0.1/b.html", {"url": "http://127.0.0.1/b.html"})
    second.close()
    first.close()
    assert len(set(first.paths + second.paths)) == 2
    assert sorted(m["url"] for m in iter_report_manifests(tmp_path)) == ["http://127.0.0.1/a.html",
                                                                         "http://127.0.0.1/b.html"]
