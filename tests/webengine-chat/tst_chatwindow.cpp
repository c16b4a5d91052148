// rill-chat's own window, started for real on the offscreen platform: the
// app's ChatWindow on a Rill::Server with ChatService and ConversationStore
// (a temporary data dir, the offline demo sped up), behind a per-launch
// access token as in rill-chat. A chat is driven to completion through the
// page's own controls; the console stays clean; a screenshot is saved to
// test-artifacts/rill-chat-window.png and must not be blank.

#include "tst_chatwindow.h"
#include "screenshot.h"

#include "chatservice.h"
#include "chatview.h"
#include "chatwindow.h"
#include "conversationstore.h"

#include <rill/llm/demoprovider.h>
#include <rill/llm/providerconfig.h>
#include <rill/server.h>
#include <rill/templateengine.h>

#include <QClipboard>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QDir>
#include <QScopeGuard>
#include <QImage>
#include <QSet>
#include <QStandardPaths>
#include <QTest>
#include <QTemporaryDir>
#include <QStatusBar>
#include <QSettings>
#include <QFile>
#include <QWebEnginePage>
#include <QWebEngineScript>
#include <QWebEngineScriptCollection>
#include <QWebEngineView>

using namespace Qt::StringLiterals;
using RillTest::distinctColours;

namespace {

// Runs in every document before its scripts: console errors and warnings,
// uncaught errors and rejections land in window.__problems.
const auto recordProblemsJs = uR"((() => {
  window.__problems = [];
  for (const level of ['error', 'warn']) {
    const original = console[level];
    console[level] = (...args) => { window.__problems.push(level + ': ' + args.join(' ')); original.apply(console, args); };
  }
  window.addEventListener('error', (e) => window.__problems.push('error: ' + e.message));
  window.addEventListener('unhandledrejection', (e) => window.__problems.push('rejection: ' + e.reason));
})())"_s;

} // namespace

TstChatWindow::TstChatWindow() = default;
TstChatWindow::~TstChatWindow() = default;

void TstChatWindow::initTestCase()
{
    // The window remembers its geometry in QSettings: not in the user's.
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"RillTest"_s);
    QCoreApplication::setApplicationName(u"tst_webengine_chat"_s);

    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<RillChat::ConversationStore>();
    QVERIFY2(m_store->open(m_dir->filePath(u"chats.sqlite"_s)), qPrintable(m_store->errorString()));
    m_service = std::make_unique<RillChat::ChatService>(m_store.get());
    auto demo = std::make_shared<Rill::Llm::DemoProvider>();
    demo->setTokensPerSecond(300); // the whole canned answer in well under a second or two
    m_service->setProvider(demo);
    m_service->refreshModels();
    QTRY_VERIFY(!m_service->models().isEmpty());

    // As rill-chat's main() sets it up, with a per-launch token.
    m_server = std::make_unique<Rill::Server>();
    m_server->setPageTitle(u"Rill Chat"_s);
    m_server->templateEngine().addSearchPath(u":/rill-chat/templates"_s);
    RillChat::ChatService *service = m_service.get();
    auto applySettings = [service](Rill::Llm::ProviderConfig config) -> QCoro::Task<> {
        std::unique_ptr<Rill::Llm::Provider> provider = co_await Rill::Llm::createProvider(std::move(config));
        service->setProvider(std::shared_ptr<Rill::Llm::Provider>(std::move(provider)));
        co_await service->refreshModels();
    };
    m_server->route(u"/"_s, [service, applySettings] { return std::make_unique<RillChat::ChatView>(service, applySettings); });
    const QString token = Rill::Server::generateToken();
    m_server->setAccessToken(token);
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    // The window is handed the access cookie: no token or code in its URL.
    m_window = std::make_unique<ChatWindow>(m_server->url(u"/"_s), m_server->accessCookie());
    QWebEngineScript recorder;
    recorder.setName(u"record-problems"_s);
    recorder.setSourceCode(recordProblemsJs);
    recorder.setInjectionPoint(QWebEngineScript::DocumentCreation);
    recorder.setWorldId(QWebEngineScript::MainWorld);
    m_window->view()->page()->scripts().insert(recorder);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TstChatWindow::cleanupTestCase()
{
    if (QTest::currentTestFailed() && m_window)
        qWarning().noquote() << "problems:" << eval(u"JSON.stringify(window.__problems)"_s).toString();
    m_window.reset(); // the page before the server it talks to
    m_server.reset();
    m_service.reset();
    m_store.reset();
    m_dir.reset();
}

QVariant TstChatWindow::eval(const QString &script, int timeoutMs)
{
    struct Result
    {
        bool done = false;
        QVariant value;
    };
    auto result = std::make_shared<Result>();
    m_window->view()->page()->runJavaScript(script, [result](const QVariant &value) {
        result->value = value;
        result->done = true;
    });
    if (!QTest::qWaitFor([&] { return result->done; }, timeoutMs))
        qWarning().noquote() << "runJavaScript timed out:" << script;
    return result->value;
}

void TstChatWindow::chatInTheWindowRunsToCompletion()
{
    // Through the token gate (a 303 to the bare URL, a cookie) to a live page.
    QTRY_VERIFY_WITH_TIMEOUT(
        eval(u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool(), 20000);
    QCOMPARE(m_window->view()->url().query(), QString());
    QCOMPARE(m_window->view()->url().port(), int(m_server->url().port()));
    QVERIFY(eval(u"document.querySelector('.sidebar .badge').textContent"_s).toString().contains(u"offline demo"_s));

    // Type and send with the page's own controls.
    QVERIFY(eval(uR"((() => {
      const box = document.querySelector('textarea[name=content]');
      box.focus();
      box.value = 'Hello from the window';
      box.dispatchEvent(new Event('input', { bubbles: true }));
      document.querySelector('button.send').click();
      return true;
    })())"_s).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!!document.querySelector('#live-answer') || "
                                  u"document.querySelectorAll('.message.assistant').length > 0"_s).toBool(),
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!document.querySelector('#live-answer') && "
                                  u"document.querySelectorAll('.message.assistant').length === 1 && "
                                  u"!!document.querySelector('button.send')"_s).toBool(),
                             30000);

    // The answer, once, rendered from Markdown, with copy buttons; saved.
    QCOMPARE(eval(u"document.querySelectorAll('.message.user').length"_s).toInt(), 1);
    const QString answer = eval(u"document.querySelector('.message.assistant .markdown').innerText"_s).toString();
    QVERIFY2(answer.contains(u"This is the offline demo"_s), qPrintable(answer));
    QVERIFY(answer.contains(u"Hello from the window"_s));
    QVERIFY(eval(u"document.querySelectorAll('.message.assistant .code-block pre code').length >= 2"_s).toBool());
    QVERIFY(eval(u"document.querySelectorAll('.message.assistant .code-block button.copy').length >= 2"_s).toBool());
    const QList<RillChat::Conversation> conversations = m_store->conversations();
    QCOMPARE(conversations.size(), 1);
    const QList<RillChat::Message> messages = m_store->messages(conversations.first().id);
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.last().status, RillChat::Message::Status::Complete);
    QVERIFY(messages.last().content.contains(u"offline demo"_s));

    // Nothing went wrong in the page.
    const QString problems = eval(u"JSON.stringify(window.__problems)"_s).toString();
    QCOMPARE(problems, u"[]"_s);

    // Let Chromium paint the finished DOM, then keep the picture.
    eval(u"window.__painted = false;"
         u"requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; })); true"_s);
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"window.__painted"_s).toBool(), 5000);
    QImage image;
    const bool painted = QTest::qWaitFor(
        [&] {
            image = m_window->grab().toImage();
            return distinctColours(image) >= 8;
        },
        10000);
    const QString dir = QString::fromUtf8(RILL_TEST_ARTIFACTS_DIR);
    QVERIFY(QDir().mkpath(dir));
    const QString path = dir + u"/rill-chat-window.png"_s;
    QVERIFY(image.save(path));
    qInfo().noquote() << "screenshot" << path << image.size() << distinctColours(image) << "colours (capped at 64)";
    QVERIFY2(painted, "the window's screenshot is (nearly) blank");
    QVERIFY(image.width() >= 400 && image.height() >= 300);
}

// A code block's Copy, clicked for real in the window: the code reaches the
// clipboard and the button says "Copied" (then "Copy" again).
void TstChatWindow::copyShowsCopied()
{
    QGuiApplication::clipboard()->clear();
    const QVariantList rect = eval(uR"((() => {
      const b = document.querySelector('.message.assistant .code-block button.copy');
      b.scrollIntoView({ block: 'center' });
      const r = b.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    })())"_s).toList();
    QCOMPARE(rect.size(), 2);
    QWidget *target = m_window->view()->focusProxy() ? m_window->view()->focusProxy() : m_window->view();
    QTest::mouseClick(target, Qt::LeftButton, {}, QPoint(qRound(rect[0].toDouble()), qRound(rect[1].toDouble())));
    QTRY_COMPARE(eval(u"document.querySelector('.message.assistant .code-block button.copy').textContent"_s).toString(), u"Copied"_s);
    const QString code = eval(u"document.querySelector('.message.assistant .code-block pre').textContent"_s).toString();
    QVERIFY(!code.isEmpty());
    QTRY_COMPARE(QGuiApplication::clipboard()->text(), code);
    QTRY_COMPARE_WITH_TIMEOUT(eval(u"document.querySelector('.message.assistant .code-block button.copy').textContent"_s).toString(),
                              u"Copy"_s, 5000);
}

// A link in an answer, or one opening a new window, goes to the system
// browser; the chat stays where it is.
void TstChatWindow::externalLinksOpenOutside()
{
    QTRY_VERIFY_WITH_TIMEOUT(
        eval(u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool(), 20000);
    UrlCatcher catcher;
    QDesktopServices::setUrlHandler(u"https"_s, &catcher, "open");
    // Unregistered however this test ends.
    const auto unset = qScopeGuard([] { QDesktopServices::unsetUrlHandler(u"https"_s); });
    const QUrl before = m_window->view()->url();
    eval(u"location.href = 'https://example.org/from-an-answer'; true"_s);
    QTRY_COMPARE(catcher.urls.size(), 1);
    QCOMPARE(catcher.urls.at(0), QUrl(u"https://example.org/from-an-answer"_s));
    eval(u"window.open('https://example.org/new-window', '_blank'); true"_s);
    QTRY_COMPARE(catcher.urls.size(), 2);
    QCOMPARE(catcher.urls.at(1), QUrl(u"https://example.org/new-window"_s));
    QCOMPARE(m_window->view()->url(), before);
    QVERIFY(eval(u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool());
}

// The window comes back at the size and place it was closed at.
void TstChatWindow::geometryRemembered()
{
    m_window->resize(777, 555);
    QTRY_COMPARE(m_window->size(), QSize(777, 555));
    m_window->close(); // saves the geometry
    {
        ChatWindow again(m_window->view()->url());
        QCOMPARE(again.size(), QSize(777, 555));
    }
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(
        eval(u"!!document.querySelector('[data-rill-root][data-rill-connected]')"_s).toBool(), 10000);
}

// Ctrl +/-/0 change the text size (kept for the next start); an export
// from the page's menu lands in the downloads folder, and the window says so.
void TstChatWindow::textSizeAndExports()
{
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QWebEngineView *view = m_window->view();
    QCOMPARE(view->zoomFactor(), 1.0);
    QTest::keyClick(m_window.get(), Qt::Key_Equal, Qt::ControlModifier);
    QTest::keyClick(m_window.get(), Qt::Key_Plus, Qt::ControlModifier);
    QTRY_COMPARE(view->zoomFactor(), 1.2);
    QCOMPARE(QSettings().value(u"window/zoom"_s).toDouble(), 1.2);
    QTRY_VERIFY(eval(u"window.innerWidth"_s).toInt() < view->width()); // the page lays out larger text
    QTest::keyClick(m_window.get(), Qt::Key_Minus, Qt::ControlModifier);
    QTRY_COMPARE(view->zoomFactor(), 1.1);
    for (int i = 0; i < 20; ++i)
        QTest::keyClick(m_window.get(), Qt::Key_Minus, Qt::ControlModifier);
    QTRY_COMPARE(view->zoomFactor(), ChatWindow::MinZoom);
    QTest::keyClick(m_window.get(), Qt::Key_0, Qt::ControlModifier);
    QTRY_COMPARE(view->zoomFactor(), 1.0);

    QTemporaryDir downloads;
    m_window->setDownloadDirectory(downloads.path());
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!!document.querySelector('header .menu button[data-format=md]')"_s).toBool(), 10000);
    QVERIFY(eval(u"document.querySelector('header .menu button[data-format=md]').click(), true"_s).toBool());
    // Chromium writes to a partial file first, then renames it.
    auto saved = [&] {
        const QStringList md = QDir(downloads.path()).entryList({u"*.md"_s}, QDir::Files);
        if (md.isEmpty())
            return QByteArray();
        QFile file(QDir(downloads.path()).filePath(md.constFirst()));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    QTRY_VERIFY_WITH_TIMEOUT(saved().startsWith("# "), 10000);
    QVERIFY(saved().contains("## You"));
    QTRY_VERIFY(m_window->statusBar()->currentMessage().startsWith(u"Saved "_s));
}

// Ctrl+N starts a new chat, Esc stops an answer mid-stream (the partial
// answer stays), Ctrl+Q closes the window: through the page's own controls.
void TstChatWindow::shortcuts()
{
    // Slow enough that Esc lands mid-answer however loaded the machine.
    auto *demo = qobject_cast<Rill::Llm::DemoProvider *>(m_service->provider());
    QVERIFY(demo);
    demo->setTokensPerSecond(20);
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));

    QTest::keyClick(m_window.get(), Qt::Key_N, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"document.querySelector('header .title').textContent.trim() === 'New chat' && "
                                  u"document.querySelectorAll('.message').length === 0"_s).toBool(),
                             10000);
    // Ready to type into.
    QTRY_VERIFY(eval(u"document.activeElement === document.querySelector('textarea[name=content]')"_s).toBool());

    QVERIFY(eval(uR"((() => {
      const box = document.querySelector('textarea[name=content]');
      box.value = 'Stop me';
      document.querySelector('button.send').click();
      return true;
    })())"_s).toBool());
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!!document.querySelector('#live-answer') && !!document.querySelector('button.stop')"_s).toBool(),
                             10000);
    // A labelled Stop in the window too.
    QCOMPARE(eval(u"document.querySelector('button.stop').innerText.trim()"_s).toString(), u"Stop"_s);
    QTest::keyClick(m_window.get(), Qt::Key_Escape);
    QTRY_VERIFY_WITH_TIMEOUT(eval(u"!document.querySelector('#live-answer') && !!document.querySelector('button.send')"_s).toBool(),
                             10000);
    const QList<RillChat::Conversation> conversations = m_store->conversations();
    QCOMPARE(conversations.size(), 2);
    const QList<RillChat::Message> messages = m_store->messages(conversations.first().id);
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages.last().status, RillChat::Message::Status::Stopped);
    const QString full = Rill::Llm::DemoProvider::answer(u"Stop me"_s);
    QVERIFY2(messages.last().content.size() < full.size(), "the answer was stopped early");
    QVERIFY(full.startsWith(messages.last().content));

    QTest::keyClick(m_window.get(), Qt::Key_Q, Qt::ControlModifier);
    QTRY_VERIFY(!m_window->isVisible());
}
