// fuzz_template: compiles and renders a template from the input, and
// renders a fragment of it, against a fixed context or one given as JSON.
//
// Input: TEMPLATE [\0 SELECTOR [\0 CONTEXT-JSON]]. Without a selector one of
// a few common ones is used; without (valid) JSON, a fixed context with
// strings to escape, extreme numbers, nested lists and maps and a QObject.
// Templates may include or extend the files written to a temporary folder
// at start-up (base.html, inc.html, self.html, deep.html, ...).
//
// Beyond the sanitizers it checks what the engine promises: a compile error
// has a line; a render either succeeds within the output limit or fails
// with a Render error that has a message; rendering is deterministic.

#include <rill/json.h>
#include <rill/template.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QObject>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype MaxOutput = 1024 * 1024; // bytes
constexpr std::chrono::milliseconds MaxTime{250};

[[noreturn]] void fail(const char *what, const QString &detail)
{
    std::fprintf(stderr, "fuzz_template: %s: %s\n", what, qPrintable(detail.left(2000)));
    std::abort();
}

struct Fixture
{
    QTemporaryDir dir;
    Rill::TemplateEngine engine;
    QObject object;
    QVariantMap context;

    Fixture()
    {
        const std::pair<const char *, const char *> files[] = {
            {"base.html", "<html><body><div id=\"x\">{% block content %}base{% endblock %}</div>"
                          "{% block side %}<p class=\"a\">{{ s }}</p>{% endblock %}</body></html>"},
            {"mid.html", "{% extends 'base.html' %}{% block content %}[{{ block.super }}]{% endblock %}"},
            {"inc.html", "<span class=\"a\">{{ s }}{% for i in l %}{{ i }}{% endfor %}</span>"},
            {"self.html", "{% if l %}{% include 'self.html' with l=l|slice:'1:' %}{% endif %}x"},
            {"loop.html", "{% include 'loop.html' %}"},
            {"bad.html", "{% if %}"},
        };
        for (const auto &[name, text] : files) {
            QFile f(dir.filePath(QString::fromLatin1(name)));
            if (!f.open(QIODevice::WriteOnly) || f.write(text) < 0)
                std::abort();
        }
        // Nested as deep as the parser allows, and including itself: a
        // render reaches the engine's nesting limit (1024) through it.
        QFile deep(dir.filePath(u"deep.html"_s));
        if (!deep.open(QIODevice::WriteOnly)
            || deep.write(QByteArray("{% if t %}").repeated(500) + "{% include 'deep.html' %}"
                          + QByteArray("{% endif %}").repeated(500)) < 0)
            std::abort();
        engine.addSearchPath(dir.path());
        engine.setAutoReload(false);
        engine.setMaxOutputSize(MaxOutput);
        engine.setMaxRenderTime(MaxTime);

        object.setObjectName(u"obj"_s);
        object.setProperty("title", u"<T>"_s);
        object.setProperty("count", 3);
        const QByteArray json = R"({
            "s": "<b>\"quoted\" & 'single'</b>", "e": "", "u": "héllo 😀 wörld", "n": 42, "z": 0,
            "neg": -7, "big": 9223372036854775807, "small": -9223372036854775808,
            "f": 3.14159, "tiny": 1e-300, "huge": 1e300, "t": true, "no": false, "none": null,
            "l": [1, 2, 3, "x", null, 2.5, [4, [5, [6]]]], "empty": [], "d": {"a": 1, "b": [1, 2], "c": {"d": "e"}},
            "users": [{"name": "Ann", "age": 30, "role": "admin"}, {"name": "Bob", "age": 25, "role": "user"},
                      {"name": "Cy", "age": 30, "role": "user"}],
            "messages": [{"role": "user", "content": "hi <there>"}, {"role": "assistant", "content": "hello\n\nworld"}],
            "html": "<script>alert(1)</script>", "num": "12.5", "words": "the quick brown fox jumps over the lazy dog"
        })";
        QString error;
        context = Rill::parseJson(json, &error).toMap();
        if (!error.isEmpty())
            fail("bad fixed context", error);
        context.insert(u"obj"_s, QVariant::fromValue(&object));
    }
};

Fixture &fixture()
{
    static Fixture f;
    return f;
}

bool isTimeLimit(const Rill::TemplateError &e)
{
    return e.message().startsWith(u"rendering takes longer"_s);
}

void checkRender(const Rill::TemplateError &e, qsizetype outSize)
{
    if (e.isError()) {
        if (e.kind() != Rill::TemplateError::Kind::Render && e.kind() != Rill::TemplateError::Kind::NotFound
            && e.kind() != Rill::TemplateError::Kind::Syntax)
            fail("unexpected error kind", e.toString());
        if (e.message().isEmpty())
            fail("error without a message", e.toString());
    } else if (outSize * 2 > MaxOutput) {
        fail("output over the limit", QString::number(outSize));
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // Qt wants no application object for any of this; the fixture is made
    // once (a temporary folder, the engine's cache).
    fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fixture &fx = fixture();
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QList<QByteArray> parts = input.split('\0');
    const QString source = QString::fromUtf8(parts.value(0));

    static const QString selectors[] = {u"#x"_s, u".a"_s, u"div"_s, u"[dj-stream='response']"_s, u"p.a"_s};
    const QString selector = parts.size() > 1 ? QString::fromUtf8(parts.at(1))
                                              : selectors[size % (sizeof selectors / sizeof *selectors)];
    QVariantMap values = fx.context;
    if (parts.size() > 2) {
        QString jsonError;
        const QVariant v = Rill::parseJson(parts.at(2), &jsonError);
        if (jsonError.isEmpty()) {
            if (v.typeId() == QMetaType::QVariantMap)
                values = v.toMap();
            else
                values.insert(u"j"_s, v);
        }
    }
    Rill::TemplateContext context(values);

    const Rill::Template tpl = fx.engine.fromString(source, u"fuzz.html"_s);
    if (!tpl.isValid()) {
        const Rill::TemplateError e = tpl.error();
        if (e.kind() != Rill::TemplateError::Kind::Syntax || e.message().isEmpty())
            fail("compile error of the wrong kind or without a message", e.toString());
        if (e.line() < 1 && !e.message().contains(u"ran out of memory"_s))
            fail("compile error without a line", e.toString());
        return 0;
    }

    Rill::TemplateError e1;
    const QString out1 = tpl.render(context, &e1);
    checkRender(e1, out1.size());
    if (!isTimeLimit(e1)) {
        // Rendering twice gives the same (no state kept between renders).
        Rill::TemplateError e2;
        const QString out2 = tpl.render(context, &e2);
        if (!isTimeLimit(e2) && (out1 != out2 || e1.toString() != e2.toString()))
            fail("two renders differ", e1.toString() + u" / "_s + e2.toString());
    }

    Rill::TemplateError fe;
    const std::optional<QString> fragment = tpl.renderFragment(selector, context, &fe);
    checkRender(fe, fragment ? fragment->size() : 0);
    (void)tpl.elementAttribute(selector, u"id"_s);
    return 0;
}
