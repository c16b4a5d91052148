// TemplateEngine's render limits: the output size, the render time and the
// memory values take, and exceptions from outside the engine (a property
// getter, an allocation) turned into TemplateErrors. A hostile template or
// context must end in an error with a position, never in a crash, an
// exception escaping render(), or a render that runs or grows without end.

#include "templatetest.h"
#include "testregistry.h"

#include <QElapsedTimer>

#include <stdexcept>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

using Files = QMap<QString, QString>;

constexpr qsizetype Unchanged = -1;

// Renders with the given limits (Unchanged keeps the engine's default);
// the result and the error as "NAME:LINE:COL: message".
RillTest::RenderResult renderLimited(const QString &source, const QString &contextJson, qsizetype maxOutput,
                                     qint64 maxMs = Unchanged, const QMap<QString, QString> &files = {})
{
    QTemporaryDir dir;
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        QFile f(dir.filePath(it.key()));
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write template");
        f.write(it.value().toUtf8());
    }
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    if (maxOutput != Unchanged)
        engine.setMaxOutputSize(maxOutput);
    if (maxMs != Unchanged)
        engine.setMaxRenderTime(std::chrono::milliseconds(maxMs));
    const Rill::Template tpl = engine.fromString(source, u"test.html"_s);
    if (!tpl.isValid())
        return {QString(), tpl.error().toString()};
    Rill::TemplateError error;
    const QString out = tpl.render(Rill::TemplateContext(RillTest::contextFromJson(contextJson)), &error);
    if (error.isError()) {
        if (error.kind() != Rill::TemplateError::Kind::Render)
            qWarning("a limit error of a kind other than Render");
        return {out, error.toString()};
    }
    return {out, QString()};
}

QString jsonList(int n)
{
    QStringList items;
    for (int i = 0; i < n; ++i)
        items << QString::number(i);
    return u"["_s + items.join(u',') + u"]"_s;
}

// Property getters that fail the way foreign code can.
class Thrower : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString noMemory READ noMemory)
    Q_PROPERTY(QString broken READ broken)
    Q_PROPERTY(QString fine READ fine)
public:
    QString noMemory() const { throw std::bad_alloc(); }
    QString broken() const { throw std::runtime_error("the database is gone"); }
    QString fine() const { return u"ok"_s; }
};

} // namespace

class TstLimits : public QObject
{
    Q_OBJECT
private slots:
    void defaults();
    void outputLimit_data();
    void outputLimit();
    void outputLimitOff();
    void valueLimit_data();
    void valueLimit();
    void timeLimit_data();
    void timeLimit();
    void fragmentLimits();
    void foreignExceptions_data();
    void foreignExceptions();
};

void TstLimits::defaults()
{
    Rill::TemplateEngine engine;
    QCOMPARE(engine.maxOutputSize(), qsizetype(64) * 1024 * 1024);
    QCOMPARE(engine.maxOutputSize(), Rill::TemplateEngine::DefaultMaxOutputSize);
    QCOMPARE(engine.maxRenderTime(), 5000ms);
    QCOMPARE(engine.maxRenderTime(), Rill::TemplateEngine::DefaultMaxRenderTime);
    engine.setMaxOutputSize(1000);
    engine.setMaxRenderTime(250ms);
    QCOMPARE(engine.maxOutputSize(), qsizetype(1000));
    QCOMPARE(engine.maxRenderTime(), 250ms);
    engine.setMaxOutputSize(-5); // negative means none, as 0
    engine.setMaxRenderTime(-1ms);
    QCOMPARE(engine.maxOutputSize(), qsizetype(0));
    QCOMPARE(engine.maxRenderTime(), 0ms);
}

void TstLimits::outputLimit_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<qsizetype>("limit"); // bytes, two per UTF-16 unit
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("error");

    const QString l100 = u"{\"l\": "_s + jsonList(100) + u"}"_s;
    QTest::newRow("just within the limit") << u"{% for i in l %}xxxxx{% endfor %}"_s << l100 << qsizetype(1000)
                                           << u"x"_s.repeated(500) << QString();
    QTest::newRow("over the limit, at the node that crossed it")
        << u"{% for i in l %}xxxxxxxxxx{% endfor %}"_s << l100 << qsizetype(1000) << QString()
        << u"test.html:1:17: the output exceeds the limit of 1000 bytes (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("a variable over the limit")
        << u"ab\n{{ s }}"_s << u"{\"s\": \"%1\"}"_s.arg(u"y"_s.repeated(600)) << qsizetype(1000) << QString()
        << u"test.html:2:1: the output exceeds the limit of 1000 bytes (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("output set aside by a tag still counts")
        << u"{% for i in l %}x{% filter upper %}{% for j in l %}yy{% endfor %}{% endfilter %}{% endfor %}"_s << l100
        << qsizetype(1000) << QString()
        << u"test.html:1:52: the output exceeds the limit of 1000 bytes (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("str() of a big list stops at the limit")
        << u"{{ l }}"_s << l100 << qsizetype(200) << QString()
        << u"test.html:1:1: the text of a value exceeds the output limit of 200 bytes (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("padding wider than the limit is refused before it is made")
        << u"{{ 1|ljust:600 }}"_s << QString() << qsizetype(1000) << QString()
        << u"test.html:1:6: the width 600 exceeds the output limit of 1000 bytes (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("padding within the limit") << u"{{ 1|rjust:5 }}"_s << QString() << qsizetype(1000) << u"    1"_s
                                              << QString();
    // The case from issue 9: 100 x 100 copies of 100 KB, a gigabyte, with
    // the default limit.
    QTest::newRow("100 x 100 x 100 KB with the default limit")
        << u"{% for a in l %}{% for b in l %}{{ s }}{% endfor %}{% endfor %}"_s
        << u"{\"l\": %1, \"s\": \"%2\"}"_s.arg(jsonList(100), u"z"_s.repeated(100000)) << Unchanged << QString()
        << u"test.html:1:33: the output exceeds the limit of 67108864 bytes (TemplateEngine::setMaxOutputSize())"_s;
}

void TstLimits::outputLimit()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(qsizetype, limit);
    QFETCH(QString, output);
    QFETCH(QString, error);
    const auto r = renderLimited(source, context, limit);
    QCOMPARE(r.error, error);
    QCOMPARE(r.output, output);
}

void TstLimits::outputLimitOff()
{
    // 0 turns the limit off.
    const auto r = renderLimited(u"{% for i in l %}xxxxxxxxxx{% endfor %}"_s, u"{\"l\": "_s + jsonList(100) + u"}"_s, 0);
    QCOMPARE(r.error, QString());
    QCOMPARE(r.output.size(), 1000);
}

void TstLimits::valueLimit_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<qsizetype>("limit");
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("error");

    const QString l40 = u"{\"l\": "_s + jsonList(40) + u", \"s\": \"ab\", \"m\": [1, 2]}"_s;
    // A string that doubles with each turn of the loop: 2^40 characters
    // unless something stops it.
    QTest::newRow("a string doubling in a loop")
        << u"{% for i in l %}{% firstof s|add:s as s %}{% endfor %}{{ s|length }}"_s << l40 << qsizetype(1000)
        << QString()
        << u"test.html:1:17: the values made while rendering exceed 8000 bytes, 8 times the output limit (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("a list doubling in a loop")
        << u"{% for i in l %}{% cycle m|add:m m|add:m as m silent %}{% endfor %}{{ m|length }}"_s << l40
        << qsizetype(1000) << QString()
        << u"test.html:1:17: the values made while rendering exceed 8000 bytes, 8 times the output limit (TemplateEngine::setMaxOutputSize())"_s;
    QTest::newRow("the same within the limit")
        << u"{% for i in l|slice:':5' %}{% firstof s|add:s as s %}{% if forloop.last %}{{ s|length }}{% endif %}{% endfor %}"_s
        << l40
        << qsizetype(1000) << u"64"_s << QString();
    // Values handed on unchanged make nothing new.
    QTest::newRow("a big context value passed through filters")
        << u"{% for i in l %}{{ s|safe|default:'x'|length }}{% endfor %}"_s
        << u"{\"l\": %1, \"s\": \"%2\"}"_s.arg(jsonList(40), u"q"_s.repeated(3000)) << qsizetype(1000)
        << u"3000"_s.repeated(40) << QString();
    // {% regroup %} in a loop nests its result one level more each time
    // (its binding lasts until the loop ends).
    QTest::newRow("a value nested deeper each turn")
        << u"{% for i in l %}{% regroup g by list as g %}{% if forloop.last %}{{ g }}{% endif %}{% endfor %}"_s
        << u"{\"l\": %1, \"g\": [{\"list\": 1}]}"_s.arg(jsonList(2000)) << Unchanged << QString()
        << u"test.html:1:66: a value is nested more than 1000 levels deep"_s;
    QTest::newRow("a value nested deeper each turn, compared")
        << u"{% for i in l %}{% regroup g by list as g %}{% if forloop.last and g == g %}same{% endif %}{% endfor %}"_s
        << u"{\"l\": %1, \"g\": [{\"list\": 1}]}"_s.arg(jsonList(2000)) << Unchanged << QString()
        << u"test.html:1:45: a value is nested more than 1000 levels deep"_s;
    // ... while its text grows like Fibonacci's numbers: 2^40 characters
    // at 40 levels unless str() stops at the limit.
    QTest::newRow("a value whose text grows exponentially")
        << u"{% for i in l %}{% regroup g by list as g %}{% if forloop.last %}{{ g }}{% endif %}{% endfor %}"_s << l40.chopped(1)
               + u", \"g\": [{\"list\": 1}]}"_s
        << qsizetype(100000) << QString()
        << u"test.html:1:66: the text of a value exceeds the output limit of 100000 bytes (TemplateEngine::setMaxOutputSize())"_s;
}

void TstLimits::valueLimit()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(qsizetype, limit);
    QFETCH(QString, output);
    QFETCH(QString, error);
    const auto r = renderLimited(source, context, limit);
    QCOMPARE(r.error, error);
    QCOMPARE(r.output, output);
}

void TstLimits::timeLimit_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<Files>("files");

    const QString l1000 = u"{\"l\": "_s + jsonList(1000) + u"}"_s;
    QTest::newRow("a billion turns of empty loops")
        << u"{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}"_s << l1000
        << QMap<QString, QString>();
    QTest::newRow("a billion turns with text")
        << u"{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}.{% endfor %}{% endfor %}"_s << l1000
        << QMap<QString, QString>();
    // 2^64 includes, within the include depth limit.
    QTest::newRow("a template including itself twice")
        << u"{% include 'twice.html' %}"_s << u"{\"l\": "_s + jsonList(60) + u"}"_s
        << QMap<QString, QString>{{u"twice.html"_s, u"{% if l %}{% include 'twice.html' with l=l|slice:'1:' %}"
                                                    u"{% include 'twice.html' with l=l|slice:'1:' %}{% endif %}"_s}};
    // Each level renders the one above twice.
    QString chain;
    QMap<QString, QString> files;
    files.insert(u"b0.html"_s, u"{% block b %}x{% endblock %}"_s);
    for (int i = 1; i < 60; ++i)
        files.insert(u"b%1.html"_s.arg(i), u"{% extends 'b%1.html' %}{% block b %}{% if block.super == block.super %}{% endif %}{% endblock %}"_s.arg(i - 1));
    QTest::newRow("block.super twice at every level") << u"{% extends 'b59.html' %}"_s << QString() << files;
}

void TstLimits::timeLimit()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(Files, files);
    QElapsedTimer timer;
    timer.start();
    const auto r = renderLimited(source, context, Unchanged, 200, files);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(r.error.endsWith(u": rendering takes longer than the limit of 200 ms (TemplateEngine::setMaxRenderTime())"_s),
             qPrintable(r.error));
    QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
}

void TstLimits::fragmentLimits()
{
    Rill::TemplateEngine engine;
    engine.setMaxOutputSize(1000);
    const Rill::Template tpl = engine.fromString(u"<div id=\"x\">{% for i in l %}xxxxxxxxxx{% endfor %}</div>"_s,
                                                 u"test.html"_s);
    QVERIFY(tpl.isValid());
    Rill::TemplateError error;
    const Rill::TemplateContext ctx(RillTest::contextFromJson(u"{\"l\": "_s + jsonList(100) + u"}"_s));
    QCOMPARE(tpl.renderFragment(u"#x"_s, ctx, &error), std::nullopt);
    QCOMPARE(error.toString(),
             u"test.html:1:29: the output exceeds the limit of 1000 bytes (TemplateEngine::setMaxOutputSize())"_s);

    engine.setMaxOutputSize(0);
    engine.setMaxRenderTime(100ms);
    const Rill::Template slow = engine.fromString(
        u"<div id=\"x\">{% for a in l %}{% for b in l %}{% for c in l %}{% endfor %}{% endfor %}{% endfor %}</div>"_s,
        u"slow.html"_s);
    const Rill::TemplateContext big(RillTest::contextFromJson(u"{\"l\": "_s + jsonList(1000) + u"}"_s));
    QCOMPARE(slow.renderFragment(u"#x"_s, big, &error), std::nullopt);
    QVERIFY2(error.message() == u"rendering takes longer than the limit of 100 ms (TemplateEngine::setMaxRenderTime())"_s,
             qPrintable(error.toString()));
    QCOMPARE(error.kind(), Rill::TemplateError::Kind::Render);
}

void TstLimits::foreignExceptions_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("error");
    QTest::newRow("bad_alloc in a variable") << u"<p id=\"x\">a{{ o.noMemory }}</p>"_s
                                             << u"test.html:1:12: rendering ran out of memory"_s;
    QTest::newRow("bad_alloc in a condition")
        << u"<p id=\"x\">\n{% if o.fine and o.noMemory %}{% endif %}</p>"_s << u"test.html:2:1: rendering ran out of memory"_s;
    QTest::newRow("std::exception in a variable")
        << u"<p id=\"x\">{{ o.fine }}{{ o.broken|upper }}</p>"_s
        << u"test.html:1:23: rendering failed: the database is gone"_s;
    QTest::newRow("std::exception in a loop")
        << u"<p id=\"x\">{% for c in o.broken %}{% endfor %}</p>"_s
        << u"test.html:1:11: rendering failed: the database is gone"_s;
}

void TstLimits::foreignExceptions()
{
    QFETCH(QString, source);
    QFETCH(QString, error);
    Thrower thrower;
    Rill::TemplateEngine engine;
    const Rill::Template tpl = engine.fromString(source, u"test.html"_s);
    QVERIFY(tpl.isValid());
    Rill::TemplateContext ctx;
    ctx.insert(u"o"_s, QVariant::fromValue(static_cast<QObject *>(&thrower)));
    Rill::TemplateError e;
    QCOMPARE(tpl.render(ctx, &e), QString());
    QCOMPARE(e.toString(), error);
    QCOMPARE(e.kind(), Rill::TemplateError::Kind::Render);
    QCOMPARE(tpl.renderFragment(u"#x"_s, ctx, &e), std::nullopt);
    QCOMPARE(e.toString(), error);
}

RILL_TEST_CLASS(TstLimits)
#include "tst_limits.moc"
