// No input crashes the engine: random token soup, deep nesting, huge
// values. Every failure must come back as an error with a position.

#include "templatetest.h"
#include "testregistry.h"

#include <QElapsedTimer>
#include <QRandomGenerator>

using namespace Qt::StringLiterals;

class TstRobustness : public QObject
{
    Q_OBJECT
private slots:
    void randomTokenSoup();
    void deepNesting_data();
    void deepNesting();
    void deepContext();
    void selfInclude();
    void longConditions_data();
    void longConditions();
    void longExpressions_data();
    void longExpressions();
    void adversarialSource_data();
    void adversarialSource();
    void deepAcrossTemplates_data();
    void deepAcrossTemplates();
    void staticSearchVisitsOnce();
};

// Templates glued together from pieces of template syntax, most of them
// invalid. Each must compile to a valid template or to an error with a
// line, and valid ones must render (or fail with an error) without crashing.
void TstRobustness::randomTokenSoup()
{
    static const QStringList pieces = {
        u"{%"_s, u"%}"_s, u"{{"_s, u"}}"_s, u"{#"_s, u"#}"_s, u" "_s, u"\n"_s, u"if"_s, u"elif"_s, u"else"_s,
        u"endif"_s, u"for"_s, u"in"_s, u"endfor"_s, u"empty"_s, u"with"_s, u"endwith"_s, u"block"_s,
        u"endblock"_s, u"extends"_s, u"include"_s, u"cycle"_s, u"firstof"_s, u"ifchanged"_s, u"endifchanged"_s,
        u"regroup"_s, u"by"_s, u"as"_s, u"widthratio"_s, u"filter"_s, u"endfilter"_s, u"verbatim"_s,
        u"endverbatim"_s, u"spaceless"_s, u"autoescape"_s, u"on"_s, u"off"_s, u"not"_s, u"and"_s, u"or"_s,
        u"=="_s, u"<"_s, u">="_s, u"|"_s, u":"_s, u"."_s, u","_s, u"="_s, u"\""_s, u"'"_s, u"\\"_s, u"_("_s,
        u")"_s, u"a"_s, u"b.c"_s, u"l.0"_s, u"d.items"_s, u"1"_s, u"-2.5e3"_s, u"\"s\""_s, u"'t'"_s, u"length"_s,
        u"default"_s, u"slice"_s, u"join"_s, u"floatformat"_s, u"add"_s, u"truncatewords"_s, u"<div id=\"x\">"_s,
        u"</div>"_s, u"é"_s, u"\U0001F600"_s, u"forloop"_s, u"block.super"_s, u"None"_s, u"True"_s,
    };
    QRandomGenerator rng(20261124);
    const QVariantMap ctx = RillTest::contextFromJson(
        u"{\"a\":[1,2,[3,\"x\"]],\"b\":{\"c\":\"<&>\"},\"l\":[\"q\",2.5,null],\"d\":{\"k\":1},\"s\":\"str\"}"_s);
    int valid = 0;
    for (int i = 0; i < 20000; ++i) {
        QString src;
        const int n = 1 + int(rng.bounded(24));
        for (int k = 0; k < n; ++k)
            src += pieces.at(int(rng.bounded(int(pieces.size()))));
        Rill::TemplateEngine engine;
        const Rill::Template tpl = engine.fromString(src, u"soup.html"_s);
        if (!tpl.isValid()) {
            QVERIFY2(tpl.error().line() > 0, qPrintable(src + u" -> "_s + tpl.error().toString()));
            continue;
        }
        ++valid;
        Rill::TemplateError error;
        tpl.render(Rill::TemplateContext(ctx), &error);
        if (error.isError())
            QVERIFY2(!error.message().isEmpty(), qPrintable(src));
        tpl.renderFragment(u"#x"_s, Rill::TemplateContext(ctx), &error);
    }
    QVERIFY(valid > 100); // the soup must reach the renderer, not only the parser
}

void TstRobustness::deepNesting_data()
{
    QTest::addColumn<QString>("open");
    QTest::addColumn<QString>("close");
    QTest::newRow("if") << u"{% if a %}"_s << u"{% endif %}"_s;
    QTest::newRow("for") << u"{% for x in a %}"_s << u"{% endfor %}"_s;
    QTest::newRow("with") << u"{% with x=a %}"_s << u"{% endwith %}"_s;
}

void TstRobustness::deepNesting()
{
    QFETCH(QString, open);
    QFETCH(QString, close);
    // Within the limit: renders.
    const auto ok = RillTest::renderTemplate(open.repeated(200) + u"x"_s + close.repeated(200), u"{\"a\":[1]}"_s);
    QCOMPARE(ok.error, QString());
    QCOMPARE(ok.output, u"x"_s);
    // Far beyond it: a clear error, not a stack overflow.
    const auto deep = RillTest::renderTemplate(open.repeated(100000) + close.repeated(100000), QString());
    QCOMPARE(deep.error, u"test.html:1:%1: tags are nested more than 512 levels deep"_s.arg(512 * open.size() + 1));
}

void TstRobustness::deepContext()
{
    // A context nested 400 deep prints (as Python's repr would) without trouble.
    QVariant v = 1;
    for (int i = 0; i < 400; ++i)
        v = QVariantList{v};
    Rill::TemplateEngine engine;
    Rill::TemplateContext ctx;
    ctx.insert(u"v"_s, v);
    Rill::TemplateError error;
    const QString out = engine.fromString(u"{{ v }}"_s).render(ctx, &error);
    QVERIFY(!error.isError());
    QCOMPARE(out, u"["_s.repeated(400) + u"1"_s + u"]"_s.repeated(400));
}

void TstRobustness::selfInclude()
{
    const auto r = RillTest::renderTemplate(u"{% include \"loop.html\" %}"_s, QString(),
                                            {{u"loop.html"_s, u"x{% include \"loop.html\" %}"_s}});
    QCOMPARE(r.error, u"loop.html:1:2: templates extend or include each other more than 64 levels deep (a loop?)"_s);
}

namespace {

using Files = QMap<QString, QString>;

// "{% if first OP operand OP operand ... %}y{% else %}n{% endif %}"
QString chain(const QString &first, const QString &op, const QString &operand, int count, const QString &last = {})
{
    QString s = u"{% if "_s + first;
    for (int i = 0; i < count; ++i)
        s += u' ' + op + u' ' + (i == count - 1 && !last.isEmpty() ? last : operand);
    return s + u" %}y{% else %}n{% endif %}"_s;
}

} // namespace

// Conditions as long as a template can hold: a chain of the same operator
// is evaluated in a loop, not by recursion as deep as it is long; 'not' is
// the one operator that nests, and its nesting is bounded.
void TstRobustness::longConditions_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("error");

    QTest::newRow("200000 and, all true") << chain(u"t"_s, u"and"_s, u"t"_s, 200000) << u"y"_s << QString();
    QTest::newRow("200000 and, the last false") << chain(u"t"_s, u"and"_s, u"t"_s, 200000, u"f"_s) << u"n"_s << QString();
    QTest::newRow("200000 or, all false") << chain(u"f"_s, u"or"_s, u"f"_s, 200000) << u"n"_s << QString();
    QTest::newRow("200000 or, the last true") << chain(u"f"_s, u"or"_s, u"f"_s, 200000, u"t"_s) << u"y"_s << QString();
    QTest::newRow("100000 and/or pairs") << chain(u"f"_s, u"or f and"_s, u"t"_s, 100000, u"t or t"_s) << u"y"_s << QString();
    QTest::newRow("100000 == in a row") << chain(u"t"_s, u"=="_s, u"t"_s, 100000) << u"y"_s << QString();
    QTest::newRow("100000 != in a row") << chain(u"t"_s, u"!="_s, u"t"_s, 100000) << u"y"_s << QString();
    QTest::newRow("100000 in, in a row") << chain(u"t"_s, u"in"_s, u"l"_s, 100000) << u"y"_s << QString();
    QTest::newRow("100000 comparisons, a missing filter argument in each")
        << chain(u"t"_s, u"=="_s, u"t|add:nothing"_s, 100000) << u"n"_s << QString();
    QTest::newRow("100000 and, each a not") << chain(u"not f"_s, u"and not"_s, u"f"_s, 100000) << u"y"_s << QString();
    QTest::newRow("256 not") << u"{% if "_s + u"not "_s.repeated(256) + u"t %}y{% else %}n{% endif %}"_s << u"y"_s << QString();
    // The 257th 'not' is one too many; it starts at column 7 + 4 * 256.
    QTest::newRow("257 not") << u"{% if "_s + u"not "_s.repeated(257) + u"t %}y{% endif %}"_s << QString()
                             << u"test.html:1:1031: expression nested too deeply (more than 256 levels)"_s;
    QTest::newRow("20000 not") << u"{% if "_s + u"not "_s.repeated(20000) + u"t %}y{% endif %}"_s << QString()
                               << u"test.html:1:1031: expression nested too deeply (more than 256 levels)"_s;
    QTest::newRow("20000 not in an elif") << u"{% if f %}{% elif "_s + u"not "_s.repeated(20000) + u"t %}y{% endif %}"_s
                                          << QString()
                                          << u"test.html:1:1043: expression nested too deeply (more than 256 levels)"_s;
}

void TstRobustness::longConditions()
{
    QFETCH(QString, source);
    QFETCH(QString, output);
    QFETCH(QString, error);
    const auto r = RillTest::renderTemplate(source, u"{\"t\": 1, \"f\": 0, \"l\": [1]}"_s);
    QCOMPARE(r.error, error);
    QCOMPARE(r.output, output);
}

// Other things that grow with the input without nesting: they must work,
// not recurse.
void TstRobustness::longExpressions_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("output");

    QTest::newRow("100000 dots") << u"[{{ d"_s + u".d"_s.repeated(100000) + u" }}]"_s << u"[]"_s;
    QTest::newRow("100000 filters") << u"{{ s"_s + u"|upper|lower"_s.repeated(50000) + u" }}"_s << u"abc"_s;
    QTest::newRow("100000 filters in a {% filter %}")
        << u"{% filter upper"_s + u"|lower|upper"_s.repeated(50000) + u" %}abc{% endfilter %}"_s << u"ABC"_s;
    QTest::newRow("10000 values to cycle") << u"{% cycle "_s + u"s "_s.repeated(10000) + u"%}"_s << u"abc"_s;
    QTest::newRow("10000 bindings") << u"{% with "_s + u"a=s "_s.repeated(10000) + u"%}{{ a }}{% endwith %}"_s << u"abc"_s;
    QTest::newRow("100000 sequential blocks") << u"{% if t %}x{% endif %}"_s.repeated(100000) << u"x"_s.repeated(100000);
}

void TstRobustness::longExpressions()
{
    QFETCH(QString, source);
    QFETCH(QString, output);
    const auto r = RillTest::renderTemplate(source, u"{\"t\": 1, \"s\": \"abc\", \"d\": {}}"_s);
    QCOMPARE(r.error, QString());
    QCOMPARE(r.output, output);
}

// Sources built to make a scanner go back over the same text again and
// again: each must compile (or fail) in time linear in its length.
void TstRobustness::adversarialSource_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("output");
    QTest::addColumn<QString>("error");

    const QString tail = u"\n{{ s }}"_s;
    QTest::newRow("200000 unclosed {%") << u"{%"_s.repeated(200000) + tail << u"{%"_s.repeated(200000) + u"\nabc"_s << QString();
    QTest::newRow("200000 unclosed {{") << u"{{"_s.repeated(200000) + tail << u"{{"_s.repeated(200000) + u"\nabc"_s << QString();
    QTest::newRow("200000 unclosed {#") << u"{#"_s.repeated(200000) + tail << u"{#"_s.repeated(200000) + u"\nabc"_s << QString();
    QTest::newRow("100000 unclosed {% {{ {#") << u"{% {{ {# "_s.repeated(100000) + tail
                                              << u"{% {{ {# "_s.repeated(100000) + u"\nabc"_s << QString();
    QTest::newRow("100000 unclosed tags, closed at the end of the line")
        << u"{%{{"_s.repeated(100000) + u"}}"_s + tail << QString()
        << u"test.html:1:5: could not parse '"_s + u"{%{{"_s.repeated(99999) + u"' in '"_s + u"{%{{"_s.repeated(99999) + u"'"_s;
    QTest::newRow("one line of 4 million characters") << u"x"_s.repeated(4000000) + u"{{ s }}"_s
                                                      << u"x"_s.repeated(4000000) + u"abc"_s << QString();
    // Every word opens a quote that only an escaped quote follows.
    QTest::newRow("100000 unclosed single quotes in a tag")
        << u"{% load "_s + u"x\\' "_s.repeated(100000) + u"%}"_s << QString()
        << u"test.html:1:9: unknown tag library 'x\\''; Rill accepts i18n, l10n, tz, static, cache"_s;
    QTest::newRow("100000 unclosed double quotes in a tag")
        << u"{% load "_s + u"x\\\" "_s.repeated(100000) + u"%}"_s << QString()
        << u"test.html:1:9: unknown tag library 'x\\\"'; Rill accepts i18n, l10n, tz, static, cache"_s;
    QTest::newRow("100000 unclosed quotes in a filter argument")
        << u"{{ s|default:\""_s + u"\\\" "_s.repeated(100000) + u"}}"_s << QString()
        << u"test.html:1:6: filter 'default' needs an argument, as in 'default:...'"_s;
    QTest::newRow("200000 unclosed {% if %}") << u"{% if t %}"_s.repeated(200000) << QString()
                                              << u"test.html:1:5121: tags are nested more than 512 levels deep"_s;
    QTest::newRow("200000 stray end tags") << u"{% endif %}"_s.repeated(200000) << QString()
                                           << u"test.html:1:1: '{% endif %}' has no matching '{% if %}' before it"_s;
}

void TstRobustness::adversarialSource()
{
    QFETCH(QString, source);
    QFETCH(QString, output);
    QFETCH(QString, error);
    QElapsedTimer timer;
    timer.start();
    const auto r = RillTest::renderTemplate(source, u"{\"t\": 1, \"s\": \"abc\"}"_s);
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(r.error, error);
    QCOMPARE(r.output, output);
    // Linear work takes milliseconds; the quadratic kind took minutes.
    QVERIFY2(elapsed < 5000, qPrintable(QString::number(elapsed)));
}

// Nesting adds up across templates: 500 levels in each of 60 templates
// would be 30000 levels of recursion, rendered or searched for a fragment.
void TstRobustness::deepAcrossTemplates_data()
{
    QTest::addColumn<QString>("leaf");
    QTest::addColumn<Files>("files");

    const QString open = u"{% if t %}"_s.repeated(500);
    const QString close = u"{% endif %}"_s.repeated(500);
    QTest::newRow("include") << u"{% include 'self.html' %}"_s
                             << QMap<QString, QString>{{u"self.html"_s, open + u"{% include 'self.html' %}"_s + close}};
    QMap<QString, QString> files;
    files.insert(u"t0.html"_s, open + u"{% block b0 %}{% endblock %}"_s + close);
    for (int i = 1; i < 60; ++i)
        files.insert(u"t%1.html"_s.arg(i), u"{% extends 't%1.html' %}{% block b%1 %}"_s.arg(i - 1) + open
                                                + u"{% block b%1 %}{% endblock %}"_s.arg(i) + close + u"{% endblock %}"_s);
    QTest::newRow("extends") << u"{% extends 't59.html' %}{% block b59 %}<p id=\"x\">in</p>{% endblock %}"_s << files;
}

void TstRobustness::deepAcrossTemplates()
{
    QFETCH(QString, leaf);
    QFETCH(Files, files);
    QTemporaryDir dir;
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        QFile f(dir.filePath(it.key()));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(it.value().toUtf8());
    }
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template tpl = engine.fromString(leaf, u"leaf.html"_s);
    QVERIFY(tpl.isValid());
    const Rill::TemplateContext ctx(RillTest::contextFromJson(u"{\"t\": 1}"_s));
    const QString expected = u"tags and included templates are nested more than 1024 levels deep"_s;
    Rill::TemplateError error;
    QCOMPARE(tpl.render(ctx, &error), QString());
    QCOMPARE(error.message(), expected);
    QCOMPARE(error.kind(), Rill::TemplateError::Kind::Render);
    QVERIFY(error.line() > 0);
    QCOMPARE(tpl.renderFragment(u"#x"_s, ctx, &error), std::nullopt);
    if (qstrcmp(QTest::currentDataTag(), "extends") == 0)
        QCOMPARE(error.message(), expected);
    // Found without rendering, but not by recursing that deep.
    QCOMPARE(tpl.elementAttribute(u"#nothing"_s, u"id"_s), std::nullopt);
}

// Template::elementAttribute() follows literal includes; a template that
// includes itself twice must be searched once, not 2^64 times.
void TstRobustness::staticSearchVisitsOnce()
{
    QTemporaryDir dir;
    QFile f(dir.filePath(u"twice.html"_s));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("<p>{% include 'twice.html' %}{% include 'twice.html' %}</p>");
    f.close();
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template tpl = engine.loadTemplate(u"twice.html"_s);
    QVERIFY(tpl.isValid());
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(tpl.elementAttribute(u"#x"_s, u"id"_s), std::nullopt);
    QCOMPARE(tpl.elementAttribute(u"p"_s, u"id"_s), QString());
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
}

RILL_TEST_CLASS(TstRobustness)
#include "tst_robustness.moc"
