// The seed's chat in Qt WebEngine 6.4 (Chromium 102) against rill-examples:
// the web client must run in the engine rill-chat embeds, not only in the
// current Chromium tests/browser drives. Mirrors tests/browser's chat and log cases.

#include "tst_webengineclient.h"
#include "screenshot.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebEngineProfile>
#include <QWebEngineView>

#include <algorithm>

using namespace Qt::StringLiterals;
using RillTest::distinctColours;

namespace {

QString expectedTokens(int n)
{
    QString s;
    for (int i = 1; i <= n; ++i)
        s += u't' + QString::number(i) + u' ';
    return s;
}

QJsonValue parseJson(const QString &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson((u"[" + json + u"]").toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    return doc.array().at(0);
}

QStringList toStringList(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &v : value.toArray())
        list << v.toString();
    return list;
}

const auto streamEventsJs = uR"((() => {
  window.__streamEvents = [];
  const root = document.querySelector('[data-rill-root]');
  for (const type of ['stream:start', 'stream:update', 'stream:text', 'stream:error', 'stream:done', 'stream:remove']) {
    root.addEventListener(type, (e) => {
      window.__streamEvents.push({ type, detail: e.detail, target: e.target.getAttribute('dj-stream') });
    });
  }
  return true;
})())"_s;

const auto streamEndedJs =
    u"window.__streamEvents.some((e) => e.type === 'stream:done' || e.type === 'stream:error')"_s;
const auto formEnabledJs = u"!document.querySelector('input[name=content]').disabled"_s;
const auto answers = u"#chat > .message.assistant:not([dj-stream])"_s;

} // namespace

void ConsolePage::javaScriptConsoleMessage(JavaScriptConsoleMessageLevel level, const QString &message, int line,
                                           const QString &source)
{
    const QString entry = source + u':' + QString::number(line) + u": " + message;
    all << entry;
    if (level != InfoMessageLevel)
        problems << entry;
}

void TstWebEngineClient::init()
{
    // Off the record: no profile on disk, nothing carried between runs.
    m_profile = new QWebEngineProfile(this);
    m_page = new ConsolePage(m_profile, this);
    m_view = new QWebEngineView;
    m_view->setPage(m_page);
    m_view->resize(900, 700);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view));
}

void TstWebEngineClient::cleanup()
{
    if (QTest::currentTestFailed()) {
        qWarning().noquote() << "console:\n  " << m_page->all.join(u"\n  "_s);
        if (m_server)
            qWarning().noquote() << "rill-examples output:\n" << m_serverOutput << m_server->readAll();
    }
    delete m_view; // the page and then the profile: each must outlive what uses it
    m_view = nullptr;
    delete m_page;
    m_page = nullptr;
    delete m_profile;
    m_profile = nullptr;
    if (m_server) {
        m_server->terminate();
        if (!m_server->waitForFinished(5000))
            m_server->kill();
        m_server->waitForFinished(5000);
        m_server.reset();
    }
    m_serverOutput.clear();
}

bool TstWebEngineClient::startExamples(const QStringList &args)
{
    m_server = std::make_unique<QProcess>();
    m_server->setProgram(QString::fromUtf8(RILL_EXAMPLES_BIN));
    m_server->setArguments(QStringList{u"--port"_s, u"0"_s} + args);
    m_server->setProcessChannelMode(QProcess::MergedChannels);
    m_server->start();
    if (!m_server->waitForStarted(10000))
        return false;
    static const QRegularExpression chatAt(uR"(chat at (http://\S+/chat)\b)"_s);
    const bool printed = QTest::qWaitFor(
        [&] {
            m_serverOutput += QString::fromUtf8(m_server->readAll());
            const auto match = chatAt.match(m_serverOutput);
            if (match.hasMatch())
                m_baseUrl = QUrl(match.captured(1));
            return match.hasMatch() || m_server->state() == QProcess::NotRunning;
        },
        15000);
    return printed && m_baseUrl.isValid();
}

// Runs `script` in the page's main world and waits for its value.
QVariant TstWebEngineClient::eval(const QString &script, int timeoutMs)
{
    struct Result
    {
        bool done = false;
        QVariant value;
    };
    auto result = std::make_shared<Result>();
    m_page->runJavaScript(script, [result](const QVariant &value) {
        result->value = value;
        result->done = true;
    });
    if (!QTest::qWaitFor([&] { return result->done; }, timeoutMs))
        qWarning().noquote() << "runJavaScript timed out:" << script;
    return result->value;
}

// The textContent of every element matching `selector`, in document order.
QStringList TstWebEngineClient::texts(const QString &selector)
{
    const QString selectorJs = QString::fromUtf8(QJsonDocument(QJsonArray{selector}).toJson(QJsonDocument::Compact));
    const auto script = u"JSON.stringify(Array.from(document.querySelectorAll(%1[0]), (e) => e.textContent))"_s;
    return toStringList(parseJson(evalString(script.arg(selectorJs))));
}

bool TstWebEngineClient::openPage(const QString &path)
{
    QSignalSpy loaded(m_page, &QWebEnginePage::loadFinished);
    m_page->load(m_baseUrl.resolved(QUrl(path)));
    if (!loaded.wait(20000) && loaded.isEmpty())
        return false;
    if (!loaded.first().first().toBool())
        return false;
    if (!QTest::qWaitFor(
            [&] { return eval(u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool(); },
            15000))
        return false;
    // Proof that the console collector works, so an empty list means something.
    const QString probe = u"rill-webengine-console-probe"_s;
    eval(u"console.warn('%1'); true"_s.arg(probe));
    const auto isProbe = [&](const QString &entry) { return entry.endsWith(probe); };
    const auto probeLogged = [&] { return std::any_of(m_page->problems.cbegin(), m_page->problems.cend(), isProbe); };
    if (!QTest::qWaitFor(probeLogged, 5000)) {
        qWarning("console.warn never reached javaScriptConsoleMessage");
        return false;
    }
    m_page->problems.removeIf(isProbe);
    return true;
}

void TstWebEngineClient::recordStreamEvents()
{
    QCOMPARE(eval(streamEventsJs).toBool(), true);
}

void TstWebEngineClient::ask(const QString &text)
{
    const QString script = uR"((() => {
  const form = document.querySelector('form[dj-submit=ask]');
  const input = form.querySelector('input[name=content]');
  input.focus();
  input.value = %1;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  form.requestSubmit(form.querySelector('button[type=submit]'));
  return true;
})())"_s.arg(QString::fromUtf8(QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact)).mid(1).chopped(1));
    QCOMPARE(eval(script).toBool(), true);
}

// Saves the view as test-artifacts/NAME.png once it shows more than one
// colour; returns the path, or an empty string for a blank view.
QString TstWebEngineClient::saveScreenshot(const QString &name)
{
    // Let Chromium paint the finished DOM and hand the frame to Qt.
    eval(u"window.__painted = false;"
         u"requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; })); true"_s);
    if (!QTest::qWaitFor([&] { return eval(u"window.__painted"_s).toBool(); }, 5000))
        qWarning("no animation frame within 5 s");
    QImage image;
    const bool painted = QTest::qWaitFor(
        [&] {
            image = m_view->grab().toImage();
            return distinctColours(image) > 1;
        },
        10000);
    const QString dir = QString::fromUtf8(RILL_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    const QString path = dir + u'/' + name + u".png";
    image.save(path);
    qInfo().noquote() << "screenshot" << path << image.size() << distinctColours(image) << "colours (capped at 64)";
    return painted ? path : QString();
}

void TstWebEngineClient::chatAnswerStreamsAndShowsOnce()
{
    const int tokens = 500;
    QVERIFY2(startExamples({u"--tokens"_s, QString::number(tokens), u"--tokens-per-second"_s, u"1000"_s}),
             qPrintable(m_serverOutput));
    QVERIFY2(openPage(u"/chat"_s), qPrintable(u"the chat did not connect; console: "_s + m_page->all.join(u"; "_s)));
    qInfo().noquote() << "user agent:" << evalString(u"navigator.userAgent"_s);
    recordStreamEvents();
    ask(u"count to five hundred"_s);

    QTRY_VERIFY_WITH_TIMEOUT(eval(streamEndedJs).toBool(), 30000);
    // The handler's final re-render has arrived when the form is enabled again.
    QTRY_VERIFY_WITH_TIMEOUT(eval(formEnabledJs).toBool(), 10000);
    QCOMPARE(eval(u"document.querySelector('[dj-stream=response]').hasAttribute('data-stream-active')"_s).toBool(),
             false);

    const QString expected = expectedTokens(tokens);
    const QJsonArray events = parseJson(evalString(u"JSON.stringify(window.__streamEvents)"_s)).toArray();
    QVERIFY(!events.isEmpty());
    QString streamed;
    int textEvents = 0;
    for (const QJsonValue &e : events) {
        const QJsonObject event = e.toObject();
        QCOMPARE(event.value(u"target"_s).toString(), u"response"_s);
        QCOMPARE(event.value(u"detail"_s).toObject().value(u"stream"_s).toString(), u"response"_s);
        if (event.value(u"type"_s).toString() == u"stream:text") {
            QCOMPARE(event.value(u"detail"_s).toObject().value(u"mode"_s).toString(), u"append"_s);
            streamed += event.value(u"detail"_s).toObject().value(u"text"_s).toString();
            ++textEvents;
        }
    }
    QCOMPARE(streamed, expected);
    QCOMPARE(events.first().toObject().value(u"type"_s).toString(), u"stream:start"_s);
    QCOMPARE(events.last().toObject().value(u"type"_s).toString(), u"stream:done"_s);
    qInfo() << tokens << "tokens arrived in" << textEvents << "stream:text events";

    // After the final re-render the answer is in the message list once, and
    // the stream target shows what the template renders there: nothing.
    QCOMPARE(texts(answers), QStringList{expected});
    QCOMPARE(texts(u"#chat .message"_s).count(expected), qsizetype(1)); // the stream target included
    QCOMPARE(texts(u"#chat > .message.user"_s), QStringList{u"count to five hundred"_s});
    QCOMPARE(evalString(u"document.querySelector('[dj-stream=response]').textContent"_s), QString());
    QCOMPARE(eval(u"document.querySelectorAll('.dj-stream-error').length"_s).toInt(), 0);

    const QString shot = saveScreenshot(u"webengine-chat"_s);
    QVERIFY2(!shot.isEmpty(), "the screenshot of the finished chat is blank");
    QVERIFY2(m_page->problems.isEmpty(), qPrintable(m_page->problems.join(u"\n"_s)));
}

void TstWebEngineClient::chatErrorKeepsPartialText()
{
    QVERIFY2(startExamples({u"--tokens"_s, u"50"_s, u"--tokens-per-second"_s, u"200"_s, u"--fail-after"_s, u"5"_s}),
             qPrintable(m_serverOutput));
    QVERIFY2(openPage(u"/chat"_s), qPrintable(u"the chat did not connect; console: "_s + m_page->all.join(u"; "_s)));
    recordStreamEvents();
    ask(u"fail please"_s);

    QTRY_VERIFY_WITH_TIMEOUT(eval(streamEndedJs).toBool(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(eval(formEnabledJs).toBool(), 10000);

    const QJsonArray events = parseJson(evalString(u"JSON.stringify(window.__streamEvents)"_s)).toArray();
    QJsonObject errorDetail;
    bool sawDone = false;
    for (const QJsonValue &e : events) {
        const QString type = e.toObject().value(u"type"_s).toString();
        if (type == u"stream:error")
            errorDetail = e.toObject().value(u"detail"_s).toObject();
        sawDone = sawDone || type == u"stream:done";
    }
    QCOMPARE(errorDetail, (QJsonObject{{u"stream"_s, u"response"_s},
                                       {u"error"_s, u"Error: the token source failed after 5 tokens"_s}}));
    QVERIFY2(!sawDone, "the seed example ends a failed stream with an error only");

    // The final re-render keeps the partial text and the inline error.
    const QJsonObject target = parseJson(evalString(uR"((() => {
  const e = document.querySelector('[dj-stream=response]');
  const error = e.querySelector('.dj-stream-error');
  return JSON.stringify({
    text: Array.from(e.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join(''),
    error: error ? error.textContent : null,
    role: error ? error.getAttribute('role') : null,
    errorLast: error === e.lastElementChild,
    errorAttr: e.hasAttribute('data-stream-error'),
    active: e.hasAttribute('data-stream-active'),
  });
})())"_s)).toObject();
    QCOMPARE(target.value(u"text"_s).toString(), expectedTokens(5));
    QCOMPARE(target.value(u"error"_s).toString(), u"Error: the token source failed after 5 tokens"_s);
    QCOMPARE(target.value(u"role"_s).toString(), u"alert"_s);
    QCOMPARE(target.value(u"errorLast"_s).toBool(), true);
    QCOMPARE(target.value(u"errorAttr"_s).toBool(), true);
    QCOMPARE(target.value(u"active"_s).toBool(), false);
    // A failed answer never joins the message list.
    QCOMPARE(texts(answers), QStringList());

    const QString shot = saveScreenshot(u"webengine-chat-error"_s);
    QVERIFY2(!shot.isEmpty(), "the screenshot of the failed chat is blank");
    QVERIFY2(m_page->problems.isEmpty(), qPrintable(m_page->problems.join(u"\n"_s)));
}

void TstWebEngineClient::logViewerAppendsAndFollows()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString logFile = dir.filePath(u"app.log"_s);
    const auto append = [&](const QByteArray &lines) {
        QFile file(logFile);
        QVERIFY(file.open(QIODevice::Append));
        QCOMPARE(file.write(lines), lines.size());
    };
    append("old line, before tailing\n");
    QVERIFY2(startExamples({u"--log-file"_s, logFile}), qPrintable(m_serverOutput));
    QVERIFY2(openPage(u"/logs"_s),
             qPrintable(u"the log viewer did not connect; console: "_s + m_page->all.join(u"; "_s)));
    recordStreamEvents();
    QCOMPARE(eval(u"document.querySelector('button[dj-click=start_tail]').click(); true"_s).toBool(), true);
    // The handler opens the file before its start op can reach the page.
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!!document.querySelector('[dj-stream=logs][data-stream-active]')"_s).toBool(),
                             10000);

    append("INFO started <b>bold?</b>\nERROR disk full\n");
    const auto lineCount = [&] { return eval(u"document.querySelectorAll('.log-line').length"_s).toInt(); };
    QTRY_COMPARE_WITH_TIMEOUT(lineCount(), 2, 10000);
    QCOMPARE(evalString(u"JSON.stringify(Array.from(document.querySelectorAll('.log-line'),"
                        u" (e) => [e.className, e.textContent]))"_s),
             uR"([["log-line info","INFO started <b>bold?</b>"],["log-line error","ERROR disk full"]])"_s);
    QCOMPARE(evalString(u"JSON.stringify(window.__streamEvents"
                        u".filter((e) => e.type === 'stream:update').map((e) => e.detail))"_s),
             uR"([{"op":"append","stream":"logs"},{"op":"append","stream":"logs"}])"_s);

    // Auto-scroll: near the bottom the container follows the tail...
    QByteArray many;
    for (int i = 1; i <= 60; ++i)
        many += "INFO line " + QByteArray::number(i) + '\n';
    append(many);
    QTRY_COMPARE_WITH_TIMEOUT(lineCount(), 62, 10000);
    const auto distanceFromBottom = u"(() => { const e = document.querySelector('[dj-stream=logs]'); "
                                    u"return e.scrollHeight - e.scrollTop - e.clientHeight; })()"_s;
    QVERIFY(eval(u"(() => { const e = document.querySelector('[dj-stream=logs]');"
                 u" return e.scrollHeight > e.clientHeight; })()"_s)
                .toBool());
    QVERIFY(eval(distanceFromBottom).toDouble() < 1);
    // ...and one scrolled up to read keeps the position.
    eval(u"document.querySelector('[dj-stream=logs]').scrollTop = 0; true"_s);
    append("INFO line 61\nINFO line 62\n");
    QTRY_COMPARE_WITH_TIMEOUT(lineCount(), 64, 10000);
    QCOMPARE(eval(u"document.querySelector('[dj-stream=logs]').scrollTop"_s).toDouble(), 0.0);

    QVERIFY2(m_page->problems.isEmpty(), qPrintable(m_page->problems.join(u"\n"_s)));
}
