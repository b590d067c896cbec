"""Coverage-guided fuzzing (atheris) of the HTTP/1.1 connection's ``data_received``.

plan.py decodes a fuzz input (app, pieces, clock jumps); target.py serves it on a real
``HttpConnection`` with an in-memory transport and checks the outcome; responses.py checks
the written bytes; apps.py holds the apps served; worker.py is the atheris process and
``__main__.py`` the campaign (``python -m bench.fuzz --minutes N``); seeds.py writes the seed
corpus (corpus/) and http.dict is libFuzzer's dictionary of HTTP tokens.
"""
