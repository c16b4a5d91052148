// LiveWindow (the Rill module's WebEngine window) started for real on the
// offscreen platform from tests/qml-window/livewindow.qml: through the
// server's access token to a live page, a click that changes the QML view's
// state and the DOM re-rendered from it, a non-blank screenshot
// (test-artifacts/qml-livewindow.png), and an error for a missing route.

#include "tst_livewindow.h"
#include "screenshot.h"
#include <QScopeGuard>
#include <QRegularExpression>
#include <QNetworkReply>
#include <QNetworkAccessManager>
#include <QProcess>

#include <QDir>
#include <QImage>
#include <QJSEngine>
#include <QQmlComponent>
#include <QQuickWindow>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using RillTest::distinctColours;

TstLiveWindow::TstLiveWindow() = default;
TstLiveWindow::~TstLiveWindow() = default;

void TstLiveWindow::initTestCase()
{
    m_engine = std::make_unique<QQmlEngine>();
    m_engine->addImportPath(QString::fromUtf8(RILL_QML_IMPORT_DIR));
    QQmlComponent component(m_engine.get(),
                            QUrl::fromLocalFile(QString::fromUtf8(RILL_TEST_QML_DIR) + u"/livewindow.qml"_s));
    m_root.reset(component.create());
    QVERIFY2(m_root, qPrintable(component.errorString()));
    m_server = m_root->property("server").value<QObject *>();
    m_window = qobject_cast<QQuickWindow *>(m_root->property("window").value<QObject *>());
    QVERIFY(m_server);
    QVERIFY(m_window);
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    QCOMPARE(m_window->title(), u"Counter"_s);
    QCOMPARE(m_window->width(), 640);
    QCOMPARE(m_window->height(), 480);
}

void TstLiveWindow::cleanupTestCase()
{
    if (QTest::currentTestFailed() && m_window)
        qWarning().noquote() << "page:" << eval(m_window, u"document.body ? document.body.outerHTML : ''"_s).toString();
    m_root.reset(); // the window (and its page) with the server
    m_engine.reset();
}

QVariant TstLiveWindow::eval(QObject *window, const QString &script, int timeoutMs)
{
    auto *result = new JsResult(this);
    QQmlEngine::setObjectOwnership(result, QQmlEngine::CppOwnership);
    QJSValue callback = m_engine->evaluate(u"(function (r) { return function (v) { r.done(v) } })"_s)
                            .call({m_engine->newQObject(result)});
    QMetaObject::invokeMethod(window, "runJavaScript", Q_ARG(QVariant, script),
                              Q_ARG(QVariant, QVariant::fromValue(callback)));
    if (!QTest::qWaitFor([result] { return result->finished; }, timeoutMs))
        qWarning().noquote() << "runJavaScript timed out:" << script;
    const QVariant value = result->value;
    result->deleteLater();
    return value;
}

void TstLiveWindow::pageGoesLiveThroughTheToken()
{
    QVERIFY(m_server->property("listening").toBool());
    const QUrl gated = m_server->property("url").toUrl();
    QVERIFY(!m_server->property("accessToken").toString().isEmpty());

    QTRY_VERIFY_WITH_TIMEOUT(m_window->property("isLoaded").toBool(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        eval(m_window, u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool(), 20000);

    // The gate let the window in (a 303 to the bare URL and a cookie): the
    // read-only url is the route's, with no token left in it.
    const QUrl url = m_window->property("url").toUrl();
    QCOMPARE(url.path(), u"/counter"_s);
    QCOMPARE(url.port(), gated.port());
    QCOMPARE(url.query(), QString());
    QCOMPARE(m_window->property("errorString").toString(), QString());
    QCOMPARE(eval(m_window, u"document.querySelector('#count').textContent.trim()"_s).toString(), u"0"_s);
}

void TstLiveWindow::clickReRenders()
{
    QVERIFY(eval(m_window, u"document.querySelector('#add').click(); true"_s).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(eval(m_window, u"document.querySelector('#count').textContent.trim()"_s).toString(),
                              u"5"_s, 10000);
    QVERIFY(eval(m_window, u"document.querySelector('#add').click(); true"_s).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(eval(m_window, u"document.querySelector('#count').textContent.trim()"_s).toString(),
                              u"10"_s, 10000);
    // Still the same live page (morphed, not reloaded).
    QVERIFY(eval(m_window, u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool());
}

void TstLiveWindow::screenshotIsNotBlank()
{
    // Let Chromium paint the current DOM, then keep the picture.
    eval(m_window, u"window.__painted = false;"
                   u"requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; })); true"_s);
    QTRY_VERIFY_WITH_TIMEOUT(eval(m_window, u"window.__painted"_s).toBool(), 5000);
    QImage image;
    const bool painted = QTest::qWaitFor(
        [&] {
            image = m_window->grabWindow();
            return distinctColours(image) >= 8;
        },
        10000);
    const QString dir = QString::fromUtf8(RILL_TEST_ARTIFACTS_DIR);
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + u"/qml-livewindow.png"_s;
    QVERIFY(image.save(path));
    qInfo().noquote() << "screenshot" << path << image.size() << distinctColours(image) << "colours (capped at 64)";
    QVERIFY2(painted, "the window's screenshot is (nearly) blank");
    QVERIFY(image.width() >= 320 && image.height() >= 240);
}

void TstLiveWindow::missingRouteIsAnError()
{
    QQmlComponent component(m_engine.get());
    component.setData("import Rill\nLiveWindow { width: 320; height: 240 }\n", QUrl());
    std::unique_ptr<QObject> window(component.createWithInitialProperties(
        {{u"server"_s, QVariant::fromValue(m_server)}, {u"path"_s, u"/missing"_s}}));
    QVERIFY2(window, qPrintable(component.errorString()));
    QSignalSpy errors(window.get(), SIGNAL(errorOccurred(QString)));
    QVERIFY(errors.wait(20000));
    const QString message = errors.constFirst().constFirst().toString();
    QVERIFY2(message.contains(u"/missing: HTTP 404"_s), qPrintable(message));
    QVERIFY2(!message.contains(u"access="_s), qPrintable(message)); // the token stays private
    QCOMPARE(window->property("errorString").toString(), message);
    QVERIFY(!window->property("isLoaded").toBool());
}

// rill-view --serve on a file that declares a LiveWindow: it serves, and
// makes no browser (Rill.headless), instead of failing for want of a screen.
void TstLiveWindow::servedHeadlessWindowsStayOut()
{
    QProcess view;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"QT_QPA_PLATFORM"_s); // rill-view --serve needs no display of its own
    env.remove(u"QTWEBENGINE_CHROMIUM_FLAGS"_s); // and must not start Chromium at all
    view.setProcessEnvironment(env);
    view.start(QStringLiteral(RILL_VIEW_BIN),
               {u"--serve"_s, u"--port"_s, u"0"_s, QStringLiteral(RILL_TEST_QML_DIR) + u"/servedwithwindow.qml"_s});
    const auto stop = qScopeGuard([&view] {
        view.kill();
        view.waitForFinished(5000);
    });
    QString out;
    QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(view.readAllStandardOutput())).contains(u"serving http"_s), 15000);
    static const QRegularExpression urlRe(u"serving (http://\\S+)"_s);
    const QUrl url(urlRe.match(out).captured(1));
    QVERIFY2(url.isValid(), qPrintable(out));
    QNetworkAccessManager nam;
    std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(reply->readAll().contains("<p id=\"n\">0</p>"));
    QCOMPARE(view.state(), QProcess::Running);
    QVERIFY(!QString::fromUtf8(view.readAllStandardError()).contains(u"zygote"_s));
}
