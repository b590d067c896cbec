"""HttpArena (github.com/MDA2AV/HttpArena) here: mounts, a throwaway PostgreSQL, validation, load.

``data`` generates what HttpArena mounts (dataset.json, static/, certs/) and the PostgreSQL seed;
``postgres`` starts a seeded throwaway server.  The entry itself lives in deploy/httparena/.
"""
