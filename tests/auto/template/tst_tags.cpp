// Built-in tags, one data table: template, context (JSON), expected output,
// expected error ("test.html:LINE:COL: message", empty when none).

#include "templatetest.h"
#include "testregistry.h"

using namespace Qt::StringLiterals;
using RillTest::renderTemplate;

class TstTags : public QObject
{
    Q_OBJECT
private slots:
    void render_data();
    void render();
};

void TstTags::render_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("error");

    // if / elif / else, operators and precedence
    QTest::newRow("if true") << u"{% if a %}yes{% endif %}"_s << u"{\"a\":1}"_s << u"yes"_s << QString();
    QTest::newRow("if missing is false") << u"{% if nope %}yes{% else %}no{% endif %}"_s << QString() << u"no"_s << QString();
    QTest::newRow("elif chain") << u"{% if a %}a{% elif b %}b{% else %}c{% endif %}"_s << u"{\"b\":true}"_s << u"b"_s << QString();
    QTest::newRow("and binds tighter than or") << u"{% if a or b and c %}y{% else %}n{% endif %}"_s << u"{\"a\":1,\"b\":0,\"c\":0}"_s << u"y"_s << QString();
    QTest::newRow("not in") << u"{% if 'x' not in s %}y{% endif %}"_s << u"{\"s\":\"abc\"}"_s << u"y"_s << QString();
    QTest::newRow("in list") << u"{% if 2 in l %}y{% endif %}"_s << u"{\"l\":[1,2]}"_s << u"y"_s << QString();
    QTest::newRow("int equals float") << u"{% if 1 == 1.0 %}y{% endif %}"_s << QString() << u"y"_s << QString();
    QTest::newRow("failed comparison is quietly false") << u"{% if 'a' < 1 %}y{% else %}n{% endif %}"_s << QString() << u"n"_s << QString();
    QTest::newRow("not of failed comparison is true") << u"{% if not 'a' < 1 %}y{% endif %}"_s << QString() << u"y"_s << QString();
    QTest::newRow("is None") << u"{% if x is None %}y{% endif %}"_s << u"{\"x\":null}"_s << u"y"_s << QString();
    QTest::newRow("filter in condition") << u"{% if l|length > 1 %}y{% endif %}"_s << u"{\"l\":[1,2]}"_s << u"y"_s << QString();

    // for
    QTest::newRow("for over list") << u"{% for x in l %}{{ x }},{% endfor %}"_s << u"{\"l\":[1,2,3]}"_s << u"1,2,3,"_s << QString();
    QTest::newRow("for reversed") << u"{% for x in l reversed %}{{ x }}{% endfor %}"_s << u"{\"l\":[1,2,3]}"_s << u"321"_s << QString();
    QTest::newRow("for empty") << u"{% for x in l %}{{ x }}{% empty %}none{% endfor %}"_s << u"{\"l\":[]}"_s << u"none"_s << QString();
    QTest::newRow("for missing is empty") << u"{% for x in nope %}x{% empty %}none{% endfor %}"_s << QString() << u"none"_s << QString();
    QTest::newRow("forloop counters") << u"{% for x in l %}{{ forloop.counter }}{{ forloop.counter0 }}{{ forloop.revcounter }}{{ forloop.revcounter0 }}{% if forloop.first %}F{% endif %}{% if forloop.last %}L{% endif %} {% endfor %}"_s << u"{\"l\":[\"a\",\"b\"]}"_s << u"1021F 2110L "_s << QString();
    QTest::newRow("parentloop") << u"{% for a in l %}{% for b in l %}{{ forloop.parentloop.counter }}{{ forloop.counter }} {% endfor %}{% endfor %}"_s << u"{\"l\":[1,2]}"_s << u"11 12 21 22 "_s << QString();
    QTest::newRow("unpacking pairs") << u"{% for k, v in l %}{{ k }}={{ v }};{% endfor %}"_s << u"{\"l\":[[\"a\",1],[\"b\",2]]}"_s << u"a=1;b=2;"_s << QString();
    QTest::newRow("dict items") << u"{% for k, v in d.items %}{{ k }}={{ v }};{% endfor %}"_s << u"{\"d\":{\"x\":1,\"y\":2}}"_s << u"x=1;y=2;"_s << QString();
    QTest::newRow("for over string") << u"{% for c in s %}[{{ c }}]{% endfor %}"_s << u"{\"s\":\"ab\"}"_s << u"[a][b]"_s << QString();
    QTest::newRow("for over int is an error") << u"{% for c in n %}{% endfor %}"_s << u"{\"n\":5}"_s << QString()
                                              << u"test.html:1:1: '{% for %}' cannot loop over 5, a value of type int"_s;
    QTest::newRow("unpack count mismatch") << u"\n{% for a, b in l %}{% endfor %}"_s << u"{\"l\":[[1,2,3]]}"_s << QString()
                                           << u"test.html:2:1: '{% for %}' needs 2 values to unpack; got 3"_s;

    // with
    QTest::newRow("with kwargs") << u"{% with a=1 b=x %}{{ a }}{{ b }}{% endwith %}"_s << u"{\"x\":\"q\"}"_s << u"1q"_s << QString();
    QTest::newRow("with legacy as") << u"{% with x as y %}{{ y }}{% endwith %}"_s << u"{\"x\":\"q\"}"_s << u"q"_s << QString();
    QTest::newRow("with scope ends") << u"{% with y=1 %}{% endwith %}[{{ y }}]"_s << QString() << u"[]"_s << QString();

    // autoescape, comment, verbatim, templatetag, spaceless, csrf_token, load
    QTest::newRow("autoescape default on") << u"{{ s }}"_s << u"{\"s\":\"<a href='x'>&\\\"\"}"_s << u"&lt;a href=&#x27;x&#x27;&gt;&amp;&quot;"_s << QString();
    QTest::newRow("autoescape off") << u"{% autoescape off %}{{ s }}{% endautoescape %}"_s << u"{\"s\":\"<b>\"}"_s << u"<b>"_s << QString();
    QTest::newRow("literal is safe") << u"{{ \"<b>\" }}"_s << QString() << u"<b>"_s << QString();
    QTest::newRow("comment tag") << u"a{% comment %}{{ x }}{% if %}{% endcomment %}b"_s << QString() << u"ab"_s << QString();
    QTest::newRow("comment syntax") << u"a{# {{ x }} #}b"_s << QString() << u"ab"_s << QString();
    QTest::newRow("verbatim") << u"{% verbatim %}{{ x }}{% if %}{% endverbatim %}"_s << QString() << u"{{ x }}{% if %}"_s << QString();
    QTest::newRow("named verbatim") << u"{% verbatim b %}{% endverbatim %}{% endverbatim b %}"_s << QString() << u"{% endverbatim %}"_s << QString();
    QTest::newRow("templatetag") << u"{% templatetag openblock %}{% templatetag closevariable %}"_s << QString() << u"{%}}"_s << QString();
    QTest::newRow("spaceless") << u"{% spaceless %} <p>\n  <a>x</a> </p> {% endspaceless %}"_s << QString() << u"<p><a>x</a></p>"_s << QString();
    QTest::newRow("csrf_token") << u"{% csrf_token %}"_s << u"{\"csrf_token\":\"t<k\"}"_s << u"<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"t&lt;k\">"_s << QString();
    QTest::newRow("csrf_token absent") << u"[{% csrf_token %}]"_s << QString() << u"[]"_s << QString();
    QTest::newRow("load builtin library") << u"{% load static i18n %}ok"_s << QString() << u"ok"_s << QString();
    QTest::newRow("tag spanning lines is text") << u"{{ a\n}}"_s << QString() << u"{{ a\n}}"_s << QString();

    // syntax errors name the place and say what is wrong
    QTest::newRow("unknown tag") << u"\n  {% frobnicate %}"_s << QString() << QString() << u"test.html:2:3: unknown tag 'frobnicate'"_s;
    QTest::newRow("wrong end tag") << u"{% if a %}\n{% endfor %}"_s << QString() << QString()
                                   << u"test.html:2:1: unexpected '{% endfor %}': '{% if %}' on line 1 expects '{% elif %}', '{% else %}' or '{% endif %}'"_s;
    QTest::newRow("unclosed tag") << u"x\n {% for a in b %}"_s << QString() << QString()
                                  << u"test.html:2:2: '{% for %}' is never closed: expected '{% empty %}' or '{% endfor %}'"_s;
    QTest::newRow("stray end tag") << u"{% endif %}"_s << QString() << QString() << u"test.html:1:1: '{% endif %}' has no matching '{% if %}' before it"_s;
    QTest::newRow("empty variable") << u"{{ }}"_s << QString() << QString() << u"test.html:1:1: empty variable tag '{{ }}'"_s;
    QTest::newRow("unknown filter") << u"{{ a|nope }}"_s << QString() << QString() << u"test.html:1:6: unknown filter 'nope'"_s;
    QTest::newRow("underscore variable") << u"{{ a._b }}"_s << QString() << QString()
                                         << u"test.html:1:4: variables and attributes may not begin with an underscore: 'a._b'"_s;
    QTest::newRow("unparsable remainder") << u"{{ a b }}"_s << QString() << QString() << u"test.html:1:5: could not parse ' b' in 'a b'"_s;
    QTest::newRow("if trailing word") << u"{% if a b %}{% endif %}"_s << QString() << QString() << u"test.html:1:9: unexpected 'b' at the end of the condition"_s;
    QTest::newRow("if dangling operator") << u"{% if a == %}{% endif %}"_s << QString() << QString() << u"test.html:1:1: the condition in '{% if %}' ends too early"_s;
    QTest::newRow("for without in") << u"{% for a of b %}{% endfor %}"_s << QString() << QString() << u"test.html:1:1: '{% for %}' needs the form '{% for item in items %}'"_s;
    QTest::newRow("unknown library") << u"{% load humanize %}"_s << QString() << QString() << u"test.html:1:9: unknown tag library 'humanize'; Rill accepts i18n, l10n, tz, static, cache"_s;
}

void TstTags::render()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, expected);
    QFETCH(QString, error);
    const auto result = renderTemplate(source, context);
    QCOMPARE(result.error, error);
    QCOMPARE(result.output, expected);
}

RILL_TEST_CLASS(TstTags)
#include "tst_tags.moc"
