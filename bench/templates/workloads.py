"""Workload definitions and deterministic context data for the template benchmark.

Shared by peers.py (Django, Jinja2) and run.py (which writes the contexts as
JSON for rill-bench-templates), so all three engines render the same data.
"""

import random

CHAT_MESSAGES = 1000
PAGE_POSTS = 20
TABLE_ROWS = 500

# name -> template file (the same name in django/ and jinja/; ai_chat.html is the
# seed's examples/templates/ai_chat.html for Rill and Django).
WORKLOADS = [
    ("chat", "ai_chat.html"),
    ("page", "page.html"),
    ("table", "table.html"),
]

_WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua qt django jinja template render "
    "stream fragment signal slot widget view model cache latency socket"
).split()

_SNIPPETS = [
    "a < b && c > d",
    'she said "hello"',
    "it's fine",
    "Tom & Jerry",
    "<b>not bold</b>",
    "x = 'y'",
]


def _sentence(rnd, lo, hi):
    words = [rnd.choice(_WORDS) for _ in range(rnd.randint(lo, hi))]
    if rnd.random() < 0.4:
        words.insert(rnd.randrange(len(words) + 1), rnd.choice(_SNIPPETS))
    return " ".join(words)


def chat_context():
    rnd = random.Random(1)
    roles = ["user", "assistant", "assistant", "system"]
    messages = []
    for i in range(CHAT_MESSAGES):
        messages.append({"role": roles[i % len(roles)] if i % 7 else "user",
                         "content": "#%d %s" % (i, _sentence(rnd, 4, 30))})
    return {"messages": messages, "is_streaming": False}


def page_context():
    rnd = random.Random(2)
    tags = ["qt", "c++", "django", "web", "perf", "templates", "streaming", "html"]
    posts = []
    for i in range(PAGE_POSTS):
        posts.append({
            "id": i + 1,
            "title": _sentence(rnd, 3, 8),
            "author": {"name": rnd.choice(["ada", "linus", "grace", "ken", "barbara"]),
                       "avatar": "/img/a%d.png" % (i % 5)},
            "summary": _sentence(rnd, 20, 50),
            "tags": rnd.sample(tags, rnd.randint(0, 4)),
            "comments": rnd.choice([0, 1, 2, 5, 12]),
            "featured": i % 6 == 0,
            "draft": i % 9 == 4,
            "url": "/posts/%d/" % (i + 1),
        })
    return {
        "site": {"name": "Rill & Friends", "tagline": "Live views <for> Qt"},
        "user": {"name": "ada", "is_staff": True, "unread": 3},
        "nav": [{"url": "/", "label": "home"}, {"url": "/posts/", "label": "posts"},
                {"url": "/about/", "label": "about"}, {"url": "/contact/", "label": "contact"}],
        "posts": posts,
        "popular": [{"title": _sentence(rnd, 2, 5), "url": "/p/%d/" % k, "views": rnd.randint(10, 99999)}
                    for k in range(8)],
        "archive": [{"label": "2024-%02d" % m, "count": rnd.randint(0, 30)} for m in range(1, 13)],
        "year": 2024,
    }


def table_context():
    rnd = random.Random(3)
    statuses = ["active", "pending", "archived", "failed"]
    rows = []
    for i in range(TABLE_ROWS):
        ntags = rnd.randint(0, 5)
        rows.append({
            "id": i,
            "name": _sentence(rnd, 2, 4),
            "nickname": "" if i % 3 else rnd.choice(_WORDS),
            "status": statuses[i % 4],
            "description": _sentence(rnd, 5, 25),
            "price": round(rnd.uniform(0, 5000), 3),
            "qty": rnd.randint(0, 40),
            "active": i % 5 != 0,
            "tags": [rnd.choice(_WORDS) for _ in range(ntags)],
            "sku": "%s-%04d-%s" % (rnd.choice(["AB", "XY", "QT"]), i, rnd.choice(["r", "g", "b"])),
            "notes": "\n".join(_sentence(rnd, 2, 6) for _ in range(rnd.randint(1, 3))),
            "files": rnd.randint(0, 3),
            "size": rnd.choice([0, 1, 999, 2048, 150000, 7340032, 3221225472]) + i,
        })
    return {"rows": rows, "title": "inventory <export> & co"}


CONTEXTS = {"chat": chat_context, "page": page_context, "table": table_context}


def context(name):
    return CONTEXTS[name]()
