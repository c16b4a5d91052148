// Template::renderFragment: only the inside of the element a selector matches.
// Columns: source, context (JSON), selector, expected inner HTML ("<none>"
// when nothing matches), expected error.

#include "templatetest.h"
#include "testregistry.h"

using namespace Qt::StringLiterals;

namespace {

const QString NoMatch = u"<none>"_s;

struct FragmentResult
{
    QString output;
    QString error;
};

FragmentResult renderFragment(const QString &source, const QString &contextJson, const QString &selector,
                              const QMap<QString, QString> &files = {})
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
    const Rill::Template tpl = engine.fromString(source, u"test.html"_s);
    if (!tpl.isValid())
        return {QString(), tpl.error().toString()};
    Rill::TemplateError error;
    const auto out = tpl.renderFragment(selector, Rill::TemplateContext(RillTest::contextFromJson(contextJson)), &error);
    return {out.value_or(NoMatch), error.toString()};
}

// The seed's chat template, unchanged.
const QString ChatTemplate = uR"(<div id="chat">
    {% for msg in messages %}
    <div class="message {{ msg.role }}">{{ msg.content }}</div>
    {% endfor %}
    <div dj-stream="response" dj-stream-mode="append" class="message assistant"></div>
</div>

<form dj-submit="ask">
    <input type="text" name="content" placeholder="Ask something..."
           {% if is_streaming %}disabled{% endif %}>
    <button type="submit" {% if is_streaming %}disabled{% endif %}>Send</button>
</form>)"_s;

} // namespace

class TstFragment : public QObject
{
    Q_OBJECT
private slots:
    void fragment_data();
    void fragment();
    void fragmentEqualsPagePart();
    void fragmentThroughExtends();
    void fragmentThroughExtendsLoop();
    void elementAttribute_data();
    void elementAttribute();
    void elementAttributeThroughInclude();
};

void TstFragment::fragment_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("error");

    QTest::newRow("by id") << u"<p>a</p><div id=\"x\">in {{ v }}</div><p>b</p>"_s << u"{\"v\":\"<1>\"}"_s << u"#x"_s << u"in &lt;1&gt;"_s << QString();
    QTest::newRow("attribute single quotes") << u"<div dj-stream=\"out\">x</div>"_s << QString() << u"[dj-stream='out']"_s << u"x"_s << QString();
    QTest::newRow("attribute double quotes") << u"<div dj-stream='out'>x</div>"_s << QString() << u"[dj-stream=\"out\"]"_s << u"x"_s << QString();
    QTest::newRow("attribute presence") << u"<b>no</b><i data-k>yes</i>"_s << QString() << u"[data-k]"_s << u"yes"_s << QString();
    QTest::newRow("by class among others") << u"<div class=\"a b c\">x</div>"_s << QString() << u".b"_s << u"x"_s << QString();
    QTest::newRow("static class beside a dynamic one") << u"<div class=\"log {{ k }}\">x</div>"_s << u"{\"k\":\"info\"}"_s << u".log"_s << u"x"_s << QString();
    QTest::newRow("by tag") << u"<header>h</header><main>m</main>"_s << QString() << u"main"_s << u"m"_s << QString();
    QTest::newRow("compound selector") << u"<p class=\"a\">1</p><div class=\"a\" id=\"z\">2</div>"_s << QString() << u"div.a#z"_s << u"2"_s << QString();
    QTest::newRow("nested elements of the same tag") << u"<div id=\"o\"><div><div>deep</div></div>tail</div><div>after</div>"_s << QString() << u"#o"_s << u"<div><div>deep</div></div>tail"_s << QString();
    QTest::newRow("loop inside the element") << u"<ul id=\"l\">{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>"_s << u"{\"items\":[1,2]}"_s << u"#l"_s << u"<li>1</li><li>2</li>"_s << QString();
    QTest::newRow("nested divs from a loop stay balanced") << u"<div id=\"o\">{% for i in items %}<div>{{ i }}</div>{% endfor %}</div><div>x</div>"_s << u"{\"items\":[1,2]}"_s << u"#o"_s << u"<div>1</div><div>2</div>"_s << QString();
    QTest::newRow("element inside the taken if branch") << u"{% if a %}<p id=\"t\">yes</p>{% else %}<p id=\"t\">no</p>{% endif %}"_s << u"{\"a\":false}"_s << u"#t"_s << u"no"_s << QString();
    QTest::newRow("element in a branch not taken") << u"{% if a %}<p id=\"t\">yes</p>{% endif %}"_s << QString() << u"#t"_s << NoMatch << QString();
    QTest::newRow("with bindings apply") << u"{% with n=3 %}<p id=\"t\">{{ n }}</p>{% endwith %}"_s << QString() << u"#t"_s << u"3"_s << QString();
    QTest::newRow("autoescape off applies") << u"{% autoescape off %}<p id=\"t\">{{ s }}</p>{% endautoescape %}"_s << u"{\"s\":\"<b>\"}"_s << u"#t"_s << u"<b>"_s << QString();
    QTest::newRow("start tag with template output in attributes") << u"<div id=\"t\" class=\"{{ c }}\" {% if d %}hidden{% endif %}>in</div>"_s << u"{\"c\":\"x\",\"d\":1}"_s << u"#t"_s << u"in"_s << QString();
    QTest::newRow("dynamic id does not match") << u"<div id=\"{{ i }}\">in</div>"_s << u"{\"i\":\"t\"}"_s << u"#t"_s << NoMatch << QString();
    QTest::newRow("markup in comments and scripts is skipped") << u"<!-- <div id=\"t\">c</div> --><script>var s='<div id=\"t\">';</script><div id=\"t\">real</div>"_s << QString() << u"#t"_s << u"real"_s << QString();
    QTest::newRow("void element is empty") << u"<input id=\"t\" value=\"x\">after"_s << QString() << u"#t"_s << QString() << QString();
    QTest::newRow("uppercase tag names") << u"<DIV ID=\"t\">x</DIV>"_s << QString() << u"#t"_s << u"x"_s << QString();
    QTest::newRow("seed chat stream target") << ChatTemplate << u"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"_s << u"[dj-stream='response']"_s << QString() << QString();
    QTest::newRow("seed chat message list") << ChatTemplate << u"{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"_s << u"#chat"_s
                                            << u"\n    \n    <div class=\"message user\">hi</div>\n    \n    <div dj-stream=\"response\" dj-stream-mode=\"append\" class=\"message assistant\"></div>\n"_s << QString();
    QTest::newRow("no match") << u"<p>x</p>"_s << QString() << u"#nope"_s << NoMatch << QString();

    QTest::newRow("element inside a loop is an error") << u"<ul>\n{% for i in items %}<li id=\"t\">{{ i }}</li>{% endfor %}</ul>"_s << u"{\"items\":[1]}"_s << u"#t"_s << NoMatch
                                                       << u"test.html:2:1: the element matching '#t' is inside a {% for %} loop; give each element its own selector or target an element around the loop"_s;
    QTest::newRow("missing end tag is an error") << u"<p>\n  <div id=\"t\">open"_s << QString() << u"#t"_s << NoMatch
                                                 << u"test.html:2:3: the element matching '#t' (a <div>) has no end tag '</div>' in the same template block"_s;
    QTest::newRow("unsupported selector") << u"<p>x</p>"_s << QString() << u"div > p"_s << NoMatch
                                          << u"test.html: unsupported selector 'div > p': use #id, .class, tag, [attr] or [attr='value'], combined without spaces"_s;
}

void TstFragment::fragment()
{
    QFETCH(QString, source);
    QFETCH(QString, context);
    QFETCH(QString, selector);
    QFETCH(QString, expected);
    QFETCH(QString, error);
    const FragmentResult r = renderFragment(source, context, selector);
    QCOMPARE(r.error, error);
    QCOMPARE(r.output, expected);
}

// The fragment is exactly the corresponding part of the full page.
void TstFragment::fragmentEqualsPagePart()
{
    const QString ctx = u"{\"messages\":[{\"role\":\"user\",\"content\":\"<q>\"},{\"role\":\"assistant\",\"content\":\"a & b\"}],\"is_streaming\":true}"_s;
    const auto page = RillTest::renderTemplate(ChatTemplate, ctx);
    QVERIFY(page.error.isEmpty());
    const FragmentResult frag = renderFragment(ChatTemplate, ctx, u"#chat"_s);
    QVERIFY(frag.error.isEmpty());
    const QString open = u"<div id=\"chat\">"_s;
    const qsizetype start = page.output.indexOf(open) + open.size();
    const qsizetype end = page.output.indexOf(u"</div>\n\n<form"_s);
    QCOMPARE(frag.output, page.output.mid(start, end - start));
}

void TstFragment::fragmentThroughExtends()
{
    const QMap<QString, QString> files = {
        {u"base.html"_s, u"<body>{% block main %}<main id=\"m\">base</main>{% endblock %}<aside id=\"a\">{{ side }}</aside></body>"_s},
    };
    const QString child = u"{% extends \"base.html\" %}{% block main %}<main id=\"m\">{{ block.super }}+child {{ v }}</main>{% endblock %}"_s;
    FragmentResult r = renderFragment(child, u"{\"v\":1,\"side\":\"s\"}"_s, u"#m"_s, files);
    QCOMPARE(r.error, QString());
    QCOMPARE(r.output, u"<main id=\"m\">base</main>+child 1"_s);
    r = renderFragment(child, u"{\"side\":\"s\"}"_s, u"#a"_s, files);
    QCOMPARE(r.error, QString());
    QCOMPARE(r.output, u"s"_s);
}

// A template that extends itself: the fragment search stops with the same
// error a render gives, instead of recursing until the stack runs out.
void TstFragment::fragmentThroughExtendsLoop()
{
    const QMap<QString, QString> files = {{u"loop.html"_s, u"{% extends \"loop.html\" %}"_s}};
    const FragmentResult r = renderFragment(u"{% extends \"loop.html\" %}"_s, QString(), u"#x"_s, files);
    QCOMPARE(r.output, NoMatch);
    QCOMPARE(r.error, u"loop.html:1:1: templates extend or include each other more than 64 levels deep (a loop?)"_s);
}

void TstFragment::elementAttribute_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("expected"); // "<none>" for std::nullopt

    QTest::newRow("declared mode") << u"<div dj-stream=\"r\" dj-stream-mode=\"replace\"></div>"_s << u"[dj-stream='r']"_s << u"replace"_s;
    QTest::newRow("attribute absent") << u"<div dj-stream=\"r\"></div>"_s << u"[dj-stream='r']"_s << QString();
    QTest::newRow("no element") << u"<p>x</p>"_s << u"[dj-stream='r']"_s << NoMatch;
    QTest::newRow("value from the template is unknown") << u"<div dj-stream=\"r\" dj-stream-mode=\"{{ m }}\"></div>"_s << u"[dj-stream='r']"_s << NoMatch;
    QTest::newRow("found in any branch") << u"{% if a %}<p>a</p>{% else %}<div id=\"t\" dj-stream-mode=\"prepend\"></div>{% endif %}"_s << u"#t"_s << u"prepend"_s;
    QTest::newRow("found inside a loop") << u"{% for i in l %}<li class=\"x\" data-k=\"v\">{{ i }}</li>{% endfor %}"_s << u".x"_s << u"v"_s;
    QTest::newRow("seed chat") << ChatTemplate << u"[dj-stream='response']"_s << u"append"_s;
}

void TstFragment::elementAttribute()
{
    QFETCH(QString, source);
    QFETCH(QString, selector);
    QFETCH(QString, expected);
    Rill::TemplateEngine engine;
    const Rill::Template tpl = engine.fromString(source, u"test.html"_s);
    QVERIFY(tpl.isValid());
    const QString attribute = selector == u".x"_s ? u"data-k"_s : u"dj-stream-mode"_s;
    QCOMPARE(tpl.elementAttribute(selector, attribute).value_or(NoMatch), expected);
}

// The seed's chat included unchanged into a page, as rill-examples does.
void TstFragment::elementAttributeThroughInclude()
{
    QTemporaryDir dir;
    QFile f(dir.filePath(u"ai_chat.html"_s));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(ChatTemplate.toUtf8());
    f.close();
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template page = engine.fromString(u"{% include \"ai_chat.html\" %}<button>Stop</button>"_s);
    QCOMPARE(page.elementAttribute(u"[dj-stream='response']"_s, u"dj-stream-mode"_s).value_or(NoMatch), u"append"_s);
}

RILL_TEST_CLASS(TstFragment)
#include "tst_fragment.moc"
