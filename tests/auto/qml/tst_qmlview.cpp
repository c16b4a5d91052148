// QML-authored LiveViews over a QQmlEngine: properties reach templates as
// lists and maps, functions are handlers, Promises hold the handler open,
// stream methods make the same ops as C++, errors name File.qml:LINE.

#include "tst_qmlview.h"

#include "qmltest.h"
#include "testregistry.h"

#include <rill/liveview.h>
#include <rill/request.h>
#include <rill/streamop.h>
#include <rill/templateengine.h>
#include <rill/templateerror.h>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <qcoro/qcorotask.h>

#include <stdexcept>

using namespace Qt::StringLiterals;
using Rill::StreamOp;

RILL_TEST_CLASS(TstQmlView)

namespace {

// Runs the handler to completion, pumping the event loop; returns its
// failure message ("ParamError: ..." for a ParamError), or empty.
QString invoke(Rill::LiveView &view, const QString &event, const QVariantMap &params = {})
{
    QString failure;
    bool done = false;
    auto run = [&]() -> QCoro::Task<> {
        try {
            co_await view.invoke(event, params);
        } catch (const Rill::ParamError &e) {
            failure = u"ParamError: "_s + QString::fromUtf8(e.what());
        } catch (const std::exception &e) {
            failure = QString::fromUtf8(e.what());
        }
        done = true;
    };
    auto task = run();
    if (!QTest::qWaitFor([&] { return done; }, 5000))
        return u"timeout"_s;
    return failure;
}

} // namespace

void TstQmlView::init() { RillQmlTest::setUpEngine(m_engine); }

void TstQmlView::propertiesAreTheContext_data()
{
    QTest::addColumn<QByteArray>("declarations");
    QTest::addColumn<QString>("templateSource");
    QTest::addColumn<QString>("expected");

    QTest::newRow("JS array of objects becomes a list of maps")
        << QByteArray(R"(property var messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "ho" }])")
        << u"{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"_s << u"[user:hi][assistant:ho]"_s;
    QTest::newRow("bool property")
        << QByteArray("property bool is_streaming: true") << u"{% if is_streaming %}busy{% endif %}"_s << u"busy"_s;
    QTest::newRow("nested object with dot lookup")
        << QByteArray("property var meta: ({ a: { b: [10, 20] } })") << u"{{ meta.a.b.1 }}"_s << u"20"_s;
    QTest::newRow("whole numbers render as integers")
        << QByteArray("property var n: 3\nproperty real r: 2.5") << u"{{ n }} {{ r }}"_s << u"3 2.5"_s;
    QTest::newRow("string is escaped") << QByteArray(R"(property string s: "<b>")") << u"{{ s }}"_s << u"&lt;b&gt;"_s;
    QTest::newRow("undefined is empty") << QByteArray("property var u") << u"[{{ u }}]"_s << u"[]"_s;
    QTest::newRow("list length filter") << QByteArray("property var xs: [1, 2, 3]") << u"{{ xs|length }}"_s << u"3"_s;
}

void TstQmlView::propertiesAreTheContext()
{
    QFETCH(QByteArray, declarations);
    QFETCH(QString, templateSource);
    QFETCH(QString, expected);
    auto view = RillQmlTest::create(m_engine, "import Rill\nLiveView {\n" + declarations + "\n}\n");
    QVERIFY(view);
    view->setTemplateSource(templateSource);
    Rill::TemplateError error;
    QCOMPARE(view->render(&error), expected);
    QVERIFY2(!error.isError(), qPrintable(error.toString()));
}

void TstQmlView::handlersReceiveParams()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property int count: 0
    templateSource: "{{ count }}"
    function add(params) { count += parseInt(params.step) }
    function _helper() {}
    function mount(request) {}
}
)");
    QVERIFY(view);
    QStringList names = view->handlerNames();
    names.sort();
    QCOMPARE(names, QStringList{u"add"_s}); // not mount, not _helper
    QCOMPARE(invoke(*view, u"add"_s, {{u"step"_s, u"5"_s}}), QString());
    QCOMPARE(invoke(*view, u"add"_s, {{u"step"_s, 2}}), QString());
    QCOMPARE(view->render(), u"7"_s);
}

void TstQmlView::mountGetsTheRequest()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property string where
    templateSource: "{{ where }}"
    function mount(request) { where = request.path + "?" + request.query.file }
}
)");
    QVERIFY(view);
    Rill::Request request;
    request.path = u"/logs"_s;
    request.query.add(u"file"_s, u"app.log"_s);
    bool done = false;
    auto run = [&]() -> QCoro::Task<> {
        co_await view->mount(request);
        done = true;
    };
    auto task = run();
    QTRY_VERIFY(done);
    QCOMPARE(view->render(), u"/logs?app.log"_s);
}

void TstQmlView::promiseHoldsTheHandlerOpen()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property int count: 0
    templateSource: "{{ count }}"
    function slow(params) {
        count = 1
        return Rill.sleep(100).then(function () { count = 2 })
    }
}
)");
    QVERIFY(view);
    bool done = false;
    auto run = [&]() -> QCoro::Task<> {
        co_await view->invoke(u"slow"_s, {});
        done = true;
    };
    auto task = run();
    // The function returned, its Promise has not settled: the handler still
    // runs, so the session neither re-renders nor replies yet.
    QCOMPARE(view->render(), u"1"_s);
    QTest::qWait(20);
    QVERIFY(!done);
    QTRY_VERIFY(done);
    QCOMPARE(view->render(), u"2"_s);
}

void TstQmlView::streamMethodsMakeOps()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property int n: 4
    templateSource: '<div dj-stream="r" dj-stream-mode="replace"></div><ul dj-stream="c"><li>{{ n }}</li></ul>'
    function go(params) {
        streamStart("r")
        streamText("r", "a")
        streamText("x", "b", "append", "#x")
        streamInsert("c", "<li>1</li>")
        streamInsert("c", "<li>0</li>", "prepend")
        streamTo("c")
        streamTo("c", "#y", "<p>y</p>")
        streamError("r", "oops")
        streamDone("r")
        streamDelete("c", "#gone")
        pushState()
    }
}
)");
    QVERIFY(view);
    QSignalSpy spy(view.get(), &Rill::LiveView::streamOp);
    QCOMPARE(invoke(*view, u"go"_s), QString());
    QList<StreamOp> ops;
    for (const auto &args : spy)
        ops << args.at(0).value<StreamOp>();
    const QList<StreamOp> expected{
        StreamOp::start(u"r"_s),
        StreamOp::text(u"r"_s, u"a"_s, StreamOp::TextMode::Replace), // the element's dj-stream-mode
        StreamOp::text(u"x"_s, u"b"_s, StreamOp::TextMode::Append, u"#x"_s),
        StreamOp::insert(u"c"_s, u"<li>1</li>"_s),
        StreamOp::insert(u"c"_s, u"<li>0</li>"_s, StreamOp::Kind::Prepend),
        StreamOp::replace(u"c"_s, u"<li>4</li>"_s, StreamOp::defaultTarget(u"c"_s)), // the fragment re-rendered
        StreamOp::replace(u"c"_s, u"<p>y</p>"_s, u"#y"_s),
        StreamOp::error(u"r"_s, u"oops"_s),
        StreamOp::done(u"r"_s),
        StreamOp::remove(u"c"_s, u"#gone"_s),
        StreamOp::render(view->render()),
    };
    QCOMPARE(ops.size(), expected.size());
    for (qsizetype i = 0; i < ops.size(); ++i)
        QVERIFY2(ops[i] == expected[i], qPrintable(u"op %1 differs"_s.arg(i)));
}

void TstQmlView::badModeThrowsInJs()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    templateSource: "x"
    function go(params) { streamText("r", "a", "sideways") }
}
)");
    QVERIFY(view);
    const QString failure = invoke(*view, u"go"_s);
    QVERIFY2(failure.contains(u"View.qml:4: TypeError: streamText: mode must be"_s), qPrintable(failure));
}

void TstQmlView::handlerErrorsNameFileAndLine_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");
    QTest::newRow("throw") << QByteArray(R"(throw new Error("boom"))") << u"View.qml:4: Error: boom"_s;
    QTest::newRow("rejected promise")
        << QByteArray(R"(return Rill.sleep(1).then(function () { throw new Error("late") }))")
        << u"View.qml:4: Error: late"_s;
    QTest::newRow("reference error")
        << QByteArray("nosuch.call()") << u"View.qml:4: ReferenceError: nosuch is not defined"_s;
    QTest::newRow("thrown string, no line") << QByteArray(R"(throw "plain")") << u"View.qml: plain"_s;
}

void TstQmlView::handlerErrorsNameFileAndLine()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);
    auto view = RillQmlTest::create(m_engine, "import Rill\nLiveView {\n    templateSource: \"x\"\n"
                                              "    function go(params) { " + body + " }\n}\n");
    QVERIFY(view);
    QCOMPARE(invoke(*view, u"go"_s), expected);
    QCOMPARE(view->render(), u"x"_s); // the view lives on
}

void TstQmlView::paramHelperThrowsParamError()
{
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    templateSource: "x"
    function go(params) { Rill.param(params, "content") }
}
)");
    QVERIFY(view);
    const QString failure = invoke(*view, u"go"_s);
    QVERIFY2(failure.startsWith(u"ParamError: "_s) && failure.contains(u"missing parameter 'content'"_s),
             qPrintable(failure));
    QCOMPARE(invoke(*view, u"go"_s, {{u"content"_s, u"hi"_s}}), QString());
}

void TstQmlView::unrenderablePropertyFailsTheRender_data()
{
    QTest::addColumn<QByteArray>("declaration");
    QTest::addColumn<QString>("expected");
    QTest::newRow("function") << QByteArray("property var f: function () {}")
                              << u"View.qml:4:0: property 'f' is a function, which no template can render"_s;
    QTest::newRow("object") << QByteArray("property QtObject f: QtObject {}")
                            << u"View.qml:4:0: property 'f' is an object (QObject), which no template can render"_s;
    QTest::newRow("function inside a list")
        << QByteArray("property var f: [1, function () {}]")
        << u"View.qml:4:0: property 'f' is a function, which no template can render"_s;
}

void TstQmlView::unrenderablePropertyFailsTheRender()
{
    QFETCH(QByteArray, declaration);
    QFETCH(QString, expected);
    auto view = RillQmlTest::create(m_engine, "import QtQml\nimport Rill\nLiveView {\n    " + declaration
                                                  + "\n    templateSource: \"ok\"\n}\n");
    QVERIFY(view);
    QSignalSpy failed(view.get(), &Rill::LiveView::renderFailed);
    Rill::TemplateError error;
    QCOMPARE(view->render(&error), QString());
    QVERIFY(error.isError());
    QVERIFY2(error.toString().startsWith(expected), qPrintable(error.toString()));
    QCOMPARE(failed.size(), 1);
    // Fixed, it renders again: the view lives on.
    QVERIFY(view->setProperty("f", QVariant::fromValue<QObject *>(nullptr)));
    QCOMPARE(view->render(&error), u"ok"_s);
    QVERIFY(!error.isError());
}

namespace {

// Starts \a event's handler and reports when it has returned.
struct Running
{
    bool done = false;
    QString failure;
    QCoro::Task<> task;
};

std::unique_ptr<Running> start(Rill::LiveView &view, const QString &event)
{
    auto running = std::make_unique<Running>();
    auto run = [](Rill::LiveView &v, QString e, Running *r) -> QCoro::Task<> {
        try {
            co_await v.invoke(e, {});
        } catch (const std::exception &ex) {
            r->failure = QString::fromUtf8(ex.what());
        }
        r->done = true;
    };
    running->task = run(view, event, running.get());
    return running;
}

} // namespace

void TstQmlView::jobsStopAtOnce()
{
    // Stop cancels the job: the token source and Rill.sleep end mid-wait,
    // without the handler checking a flag of its own.
    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property int sent: 0
    property string slept: "not yet"
    templateSource: "{{ sent }}"
    TokenSource { id: source; tokens: 1000; tokensPerSecond: 2 }
    function ask(params) {
        const job = beginJob("answer")
        return source.generate("", function (token) { sent += 1 }, job)
    }
    function nap(params) {
        const job = beginJob("nap")
        return Rill.sleep(600000, job).then(function (full) { slept = full ? "whole" : "cut short" })
    }
    function stop(params) {
        if (!cancelJob("answer") || !cancelJob("nap") || cancelJob("nap"))
            throw new Error("cancelJob() said the wrong thing")
    }
}
)");
    QVERIFY(view);
    auto ask = start(*view, u"ask"_s);
    auto nap = start(*view, u"nap"_s);
    QTRY_COMPARE(view->property("sent").toInt(), 1);
    QVERIFY(!ask->done);
    QVERIFY(!nap->done);
    QCOMPARE(invoke(*view, u"stop"_s), QString());
    // At 2 tokens/s the next one is due in 500 ms; a 10-minute sleep.
    QTRY_VERIFY_WITH_TIMEOUT(ask->done && nap->done, 5000);
    QCOMPARE(ask->failure, QString());
    QCOMPARE(view->property("sent").toInt(), 1);
    QCOMPARE(view->property("slept").toString(), u"cut short"_s);

    // A second job of a name cancels the first; closing cancels the rest.
    auto first = start(*view, u"nap"_s);
    auto second = start(*view, u"nap"_s);
    QTRY_VERIFY(first->done);
    QVERIFY(!second->done);
    view->close();
    QTRY_VERIFY(second->done);
}

void TstQmlView::renderTemplateEscapesRows()
{
    QTemporaryDir dir;
    QFile row(dir.filePath(u"row.html"_s));
    QVERIFY(row.open(QIODevice::WriteOnly));
    row.write("<li class=\"{{ kind }}\">{{ text }} ({{ total }})</li>");
    row.close();
    QFile bad(dir.filePath(u"bad.html"_s));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("<li>\n{% if %}</li>");
    bad.close();
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());

    auto view = RillQmlTest::create(m_engine, R"(import Rill
LiveView {
    property int total: 3
    property string html: ""
    property string problem: ""
    templateSource: "<ul dj-stream='rows'></ul>"
    function add(params) {
        html = renderTemplate("row.html", { text: params.text, kind: "new" })
        streamInsert("rows", html)
    }
    function broken(params) {
        try { renderTemplate("bad.html", {}) } catch (e) { problem = e.message }
    }
}
)");
    QVERIFY(view);
    view->setTemplateEngine(&engine);
    QCOMPARE(invoke(*view, u"add"_s, {{u"text"_s, u"<img src=x onerror=alert(1)>"_s}}), QString());
    QCOMPARE(view->property("html").toString(),
             u"<li class=\"new\">&lt;img src=x onerror=alert(1)&gt; (3)</li>"_s);
    QCOMPARE(invoke(*view, u"broken"_s), QString());
    QVERIFY2(view->property("problem").toString().startsWith(u"bad.html:2:"_s),
             qPrintable(view->property("problem").toString()));

    // The same from C++, where a failure throws.
    QCOMPARE(view->Rill::LiveView::renderTemplate(u"row.html"_s, {{u"text"_s, u"a & b"_s}}),
             u"<li class=\"\">a &amp; b (3)</li>"_s);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, view->Rill::LiveView::renderTemplate(u"missing.html"_s));
}
