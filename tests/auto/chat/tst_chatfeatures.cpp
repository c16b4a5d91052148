// rill-chat beyond streaming: settings kept across starts (the API key in a
// file only the user can read), message versions (regenerate and edit keep
// what they replace), stopped answers marked, deleting undoable, databases
// of the first schema migrated. The view is driven through its handlers
// and rendered with the real template; answers come from tests/fakes over
// real HTTP.

#include "chatservice.h"
#include "chatsettings.h"
#include "chatview.h"
#include "conversationio.h"
#include "conversationstore.h"
#include "secretstore.h"

#include "fakellmserver.h"
#include "testregistry.h"

#include <rill/llm/openaicompatibleprovider.h>
#include <rill/markdown.h>
#include <rill/pubsub.h>
#include <rill/request.h>
#include <rill/streamop.h>
#include <rill/templateengine.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QProcess>
#include <QStandardPaths>
#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <qcoro/qcorotask.h>

#include <sys/stat.h>

#include <memory>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using namespace Qt::Literals::StringLiterals;
using Rill::Llm::ProviderConfig;
using RillChat::ChatService;
using RillChat::ChatSettings;
using RillChat::ChatView;
using RillChat::Conversation;
using RillChat::ConversationStore;
using RillChat::Message;
using RillTest::FakeLlmServer;

namespace {

int fileMode(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// rill-chat's pieces as main() wires them, on a data and a config folder.
struct App
{
    ConversationStore store;
    std::unique_ptr<ChatSettings> settings;
    std::unique_ptr<ChatService> service;
    Rill::TemplateEngine engine;
    std::unique_ptr<ChatView> view;
    QList<ProviderConfig> applied;

    bool start(const QString &dataDir, const QUrl &fakeUrl, ProviderConfig config = {})
    {
        if (!store.open(dataDir + u"/chats.sqlite"_s))
            return false;
        settings = std::make_unique<ChatSettings>(); // from XDG_CONFIG_HOME, as in the app
        config = settings->applyTo(config, false, false);
        service = std::make_unique<ChatService>(&store);
        service->setSettings(settings.get());
        auto apply = [this, fakeUrl](ProviderConfig c) -> QCoro::Task<> {
            applied.append(c);
            settings->setCurrent(c);
            // Whatever was chosen, the model is tests/fakes' (no discovery here).
            service->setProvider(std::make_shared<Rill::Llm::OpenAICompatibleProvider>(fakeUrl));
            co_await service->refreshModels();
        };
        QCoro::waitFor(apply(config));
        engine.addSearchPath(qEnvironmentVariable("RILL_SOURCE_DIR") + u"/app/chat/templates"_s);
        view = std::make_unique<ChatView>(service.get(), apply);
        view->setTemplateEngine(&engine);
        QCoro::waitFor(view->mount(Rill::Request{}));
        return true;
    }

    void invoke(const QString &event, const QVariantMap &params = {})
    {
        QCoro::waitFor(view->invoke(event, params));
    }

    QString html() const
    {
        Rill::TemplateError error;
        const QString out = view->render(&error);
        return out;
    }

    QVariantList messages() const { return view->property("messages").toList(); }
    QVariantMap settingsShown() const { return view->property("settings").toMap(); }
};

bool waitForAnswer(ChatService *service, qint64 conversation)
{
    return QTest::qWaitFor([&] { return !service->isAnswering(conversation); }, 10000);
}

} // namespace

// ---------------------------------------------------------------------------

// A test class's sandbox: a temporary folder as XDG_CONFIG_HOME (the one
// before is put back) and, for the classes that chat, tests/fakes' real
// HTTP fake of an OpenAI-compatible server.
class ChatSandbox
{
protected:
    bool setUp(bool withFake = true)
    {
        m_dir = std::make_unique<QTemporaryDir>();
        if (!m_dir->isValid())
            return false;
        m_oldConfigHome = qgetenv("XDG_CONFIG_HOME");
        qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir->filePath(u"config"_s)));
        if (!withFake)
            return true;
        m_fake = std::make_unique<FakeLlmServer>(FakeLlmServer::Flavor::OpenAI);
        return m_fake->listen();
    }
    void tearDown()
    {
        m_fake.reset();
        if (m_oldConfigHome.isEmpty())
            qunsetenv("XDG_CONFIG_HOME");
        else
            qputenv("XDG_CONFIG_HOME", m_oldConfigHome);
        m_dir.reset();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeLlmServer> m_fake;
    QByteArray m_oldConfigHome;
};

class TstChatSettings : public QObject, private ChatSandbox
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void savedAndRestored();
    void keyFileIsPrivateWhateverTheUmask();
    void savedProviderWinsOverEnvironmentAndFlagsOverBoth();
    void panelSavesAndTheNextStartRestoresAndShowsThem();
    void badNumbersAreRefused();
};

void TstChatSettings::init()
{
    QVERIFY(setUp(false));
}

void TstChatSettings::cleanup()
{
    tearDown();
}

void TstChatSettings::savedAndRestored()
{
    const QString dir = m_dir->filePath(u"config/Rill"_s);
    {
        ChatSettings s;
        QCOMPARE(s.settingsPath(), dir + u"/rill-chat.conf"_s);
        QCOMPARE(s.keyPath(), dir + u"/rill-chat.key"_s);
        QCOMPARE(s.provider(), ProviderConfig::Kind::Auto); // nothing saved yet
        QVERIFY(s.setProvider(ProviderConfig::Kind::Ollama, u"http://127.0.0.1:11500"_s, u"sk-secret-1"_s));
        QVERIFY(s.setModel(u"llama3:8b"_s));
        RillChat::GenerationSettings g;
        g.systemPrompt = u"Be terse."_s;
        g.temperature = 0.4;
        g.maxTokens = 300;
        QVERIFY(s.setGeneration(g));
    }
    ChatSettings restored;
    QCOMPARE(restored.provider(), ProviderConfig::Kind::Ollama);
    QCOMPARE(restored.url(), u"http://127.0.0.1:11500"_s);
    QCOMPARE(restored.apiKey(), u"sk-secret-1"_s);
    QCOMPARE(restored.model(), u"llama3:8b"_s);
    QCOMPARE(restored.generation().systemPrompt, u"Be terse."_s);
    QCOMPARE(restored.generation().temperature, std::optional<double>(0.4));
    QCOMPARE(restored.generation().topP, std::nullopt);
    QCOMPARE(restored.generation().maxTokens, std::optional<int>(300));

    // The key is in its own file, the user's only; never in the settings file.
    QCOMPARE(fileMode(restored.keyPath()), 0600);
    QVERIFY(!readAll(restored.settingsPath()).contains("sk-secret"));
    QVERIFY(readAll(restored.settingsPath()).contains("llama3:8b"));

    // No key: no key file.
    QVERIFY(restored.setProvider(ProviderConfig::Kind::Ollama, u"http://127.0.0.1:11500"_s, QString()));
    QVERIFY(!QFile::exists(restored.keyPath()));
    QCOMPARE(ChatSettings().apiKey(), QString());
}

void TstChatSettings::keyFileIsPrivateWhateverTheUmask()
{
    const mode_t old = ::umask(0);
    ChatSettings s;
    const bool saved = s.setProvider(ProviderConfig::Kind::OpenAI, u"http://127.0.0.1:1/v1"_s, u"sk-umask"_s);
    ::umask(old);
    QVERIFY2(saved, qPrintable(s.errorString()));
    QCOMPARE(fileMode(s.keyPath()), 0600);
    // A key file someone made readable to others is the user's only again.
    QVERIFY(::chmod(QFile::encodeName(s.keyPath()).constData(), 0644) == 0);
    ChatSettings again;
    QCOMPARE(again.apiKey(), u"sk-umask"_s);
    QCOMPARE(fileMode(s.keyPath()), 0600);
}

void TstChatSettings::savedProviderWinsOverEnvironmentAndFlagsOverBoth()
{
    ChatSettings s;
    ProviderConfig env; // as from OPENAI_API_KEY alone
    env.apiKey = u"sk-env"_s;
    // Nothing saved: the environment's.
    QCOMPARE(s.applyTo(env, false, false).kind, ProviderConfig::Kind::Auto);
    QCOMPARE(s.applyTo(env, false, false).apiKey, u"sk-env"_s);

    QVERIFY(s.setProvider(ProviderConfig::Kind::OpenAI, u"http://127.0.0.1:8081/v1"_s, u"sk-saved"_s));
    ProviderConfig c = s.applyTo(env, false, false);
    QCOMPARE(c.kind, ProviderConfig::Kind::OpenAI);
    QCOMPARE(c.openAiBaseUrl, QUrl(u"http://127.0.0.1:8081/v1"_s));
    QCOMPARE(c.apiKey, u"sk-saved"_s);
    // --api-key replaces the saved key only.
    c = s.applyTo(env, false, true);
    QCOMPARE(c.kind, ProviderConfig::Kind::OpenAI);
    QCOMPARE(c.apiKey, u"sk-env"_s);
    // --provider (or a server flag): nothing saved applies.
    ProviderConfig flags = env;
    flags.kind = ProviderConfig::Kind::Demo;
    c = s.applyTo(flags, true, false);
    QCOMPARE(c.kind, ProviderConfig::Kind::Demo);
    QCOMPARE(c.apiKey, u"sk-env"_s);
}

void TstChatSettings::panelSavesAndTheNextStartRestoresAndShowsThem()
{
    FakeLlmServer fake(FakeLlmServer::Flavor::OpenAI);
    fake.setModels({u"fake-small"_s, u"fake-large"_s});
    QVERIFY(fake.listen());
    const QString url = fake.url().toString() + u"/v1"_s;
    const QString data = m_dir->filePath(u"data"_s);
    {
        App app;
        QVERIFY(app.start(data, fake.url()));
        // Nothing saved: the panel shows what runs (discovery, here).
        QCOMPARE(app.settingsShown().value(u"provider"_s).toString(), u"auto"_s);
        app.invoke(u"save_settings"_s, {{u"provider"_s, u"openai"_s},
                                        {u"url"_s, url},
                                        {u"api_key"_s, u"sk-typed-42"_s},
                                        {u"system_prompt"_s, u"Be terse."_s},
                                        {u"temperature"_s, u"0.5"_s},
                                        {u"top_p"_s, u""_s},
                                        {u"max_tokens"_s, u"256"_s},
                                        {u"context_length"_s, u"4096"_s}});
        QCOMPARE(app.view->property("notice").toString(), QString());
        QCOMPARE(app.applied.size(), 2);
        QCOMPARE(app.applied.last().kind, ProviderConfig::Kind::OpenAI);
        QCOMPARE(app.applied.last().apiKey, u"sk-typed-42"_s);
        app.invoke(u"set_model"_s, {{u"value"_s, u"fake-large"_s}});
        // Saving again without typing the key keeps it.
        app.invoke(u"save_settings"_s, {{u"provider"_s, u"openai"_s}, {u"url"_s, url}, {u"api_key"_s, u""_s}});
        QCOMPARE(app.settings->apiKey(), u"sk-typed-42"_s);
        QCOMPARE(fileMode(app.settings->keyPath()), 0600);
    }
    // The next start, same config folder: restored, and shown in the panel.
    App next;
    QVERIFY(next.start(data, fake.url()));
    QCOMPARE(next.applied.first().kind, ProviderConfig::Kind::OpenAI);
    QCOMPARE(next.applied.first().openAiBaseUrl, QUrl(url));
    QCOMPARE(next.applied.first().apiKey, u"sk-typed-42"_s);
    QCOMPARE(next.view->property("model").toString(), u"fake-large"_s);
    const QVariantMap shown = next.settingsShown();
    QCOMPARE(shown.value(u"provider"_s).toString(), u"openai"_s);
    QCOMPARE(shown.value(u"url"_s).toString(), url);
    QCOMPARE(shown.value(u"has_key"_s).toBool(), true);
    QCOMPARE(shown.value(u"system_prompt"_s).toString(), u"Be terse."_s);
    QCOMPARE(shown.value(u"temperature"_s).toString(), u"0.5"_s);
    QCOMPARE(shown.value(u"top_p"_s).toString(), QString());
    QCOMPARE(shown.value(u"max_tokens"_s).toString(), u"256"_s);
    QCOMPARE(shown.value(u"context_length"_s).toString(), u"4096"_s);
    next.invoke(u"toggle_settings"_s);
    const QString html = next.html();
    QVERIFY2(html.contains(u"<option value=\"openai\" selected"_s), qPrintable(html));
    QVERIFY(html.contains(u"value=\"%1\""_s.arg(url)));
    QVERIFY(html.contains(u"Be terse."_s));
    QVERIFY(!html.contains(u"sk-typed-42"_s)); // the key never reaches a page
    // And the options are what the next answer is asked with.
    const Rill::Llm::ChatRequest request = next.service->request(0, u"fake-large"_s);
    QCOMPARE(request.temperature, std::optional<double>(0.5));
    QCOMPARE(request.maxTokens, std::optional<int>(256));
    QCOMPARE(request.contextLength, std::optional<int>(4096));
    QCOMPARE(request.messages.value(0).role, u"system"_s);
}

void TstChatSettings::badNumbersAreRefused()
{
    FakeLlmServer fake(FakeLlmServer::Flavor::OpenAI);
    QVERIFY(fake.listen());
    App app;
    QVERIFY(app.start(m_dir->filePath(u"data"_s), fake.url()));
    app.invoke(u"toggle_settings"_s);
    app.invoke(u"save_settings"_s, {{u"provider"_s, u"auto"_s}, {u"temperature"_s, u"hot"_s}});
    QVERIFY(app.view->property("notice").toString().contains(u"temperature"_s));
    QVERIFY(app.view->property("show_settings").toBool()); // still open, to fix it
    QCOMPARE(app.settings->generation().temperature, std::nullopt);
    app.invoke(u"save_settings"_s, {{u"provider"_s, u"auto"_s}, {u"max_tokens"_s, u"2.5"_s}});
    QVERIFY(app.view->property("notice").toString().contains(u"max_tokens"_s));
    QCOMPARE(app.applied.size(), 1); // the provider was not touched
}

// ---------------------------------------------------------------------------

class TstChatVersions : public QObject, private ChatSandbox
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void regenerateAndEditKeepEarlierVersions();
    void stoppedAnswerIsMarked();
    void deleteCanBeUndone();
    void deleteIsPurgedAtTheNextAction();
    void firstSchemaIsMigrated();
};

void TstChatVersions::init()
{
    QVERIFY(setUp());
}

void TstChatVersions::cleanup()
{
    tearDown();
}

void TstChatVersions::regenerateAndEditKeepEarlierVersions()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    app.invoke(u"send"_s, {{u"content"_s, u"first question"_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    // Token counts as tests/fakes reports them, in the header.
    const QVariantMap usage = app.view->property("usage").toMap();
    QCOMPARE(usage.value(u"prompt"_s).toInt(), 12);
    QCOMPARE(usage.value(u"total"_s).toInt(), 17);
    QVERIFY(app.html().contains(u"17 tokens"_s));
    app.invoke(u"send"_s, {{u"content"_s, u"second question"_s}});
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    const QVariantList before = app.messages();
    QCOMPARE(before.size(), 4);

    // Regenerate: the last answer gets a second version; nothing goes.
    m_fake->setTokens({u"Regenerated"_s});
    app.invoke(u"regenerate"_s);
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    QVariantList now = app.messages();
    QCOMPARE(now.size(), 4);
    QVariantMap last = now.last().toMap();
    QCOMPARE(last.value(u"content"_s).toString(), u"Regenerated"_s);
    QCOMPARE(last.value(u"version"_s).toInt(), 2);
    QCOMPARE(last.value(u"versions"_s).toInt(), 2);
    QCOMPARE(last.value(u"prev_version"_s).toLongLong(), before.last().toMap().value(u"id"_s).toLongLong());
    QString html = app.html();
    QVERIFY2(html.contains(u"2/2"_s), qPrintable(html));
    QVERIFY(html.contains(u"dj-click=\"version\""_s));

    // Edit the first question: a new branch from there; the old one stays.
    const qint64 firstId = before.first().toMap().value(u"id"_s).toLongLong();
    m_fake->setTokens({u"Edited answer"_s});
    app.invoke(u"edit"_s, {{u"id"_s, firstId}, {u"content"_s, u"first question, edited"_s}});
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    now = app.messages();
    QCOMPARE(now.size(), 2);
    const QVariantMap edited = now.first().toMap();
    QCOMPARE(edited.value(u"content"_s).toString(), u"first question, edited"_s);
    QCOMPARE(edited.value(u"version"_s).toInt(), 2);
    QCOMPARE(edited.value(u"versions"_s).toInt(), 2);
    QCOMPARE(edited.value(u"prev_version"_s).toLongLong(), firstId);
    QCOMPARE(now.last().toMap().value(u"content"_s).toString(), u"Edited answer"_s);
    QCOMPARE(app.store.allMessages(conversation).size(), 7);
    QCOMPARE(app.store.message(firstId)->content, u"first question"_s); // the original is untouched

    // Back to version 1 of the first question: its whole branch, as it was
    // (its newest answer at every turn).
    app.invoke(u"version"_s, {{u"id"_s, firstId}});
    now = app.messages();
    QCOMPARE(now.size(), 4);
    QCOMPARE(now.first().toMap().value(u"id"_s).toLongLong(), firstId);
    QCOMPARE(now.first().toMap().value(u"version"_s).toInt(), 1);
    QCOMPARE(now.last().toMap().value(u"content"_s).toString(), u"Regenerated"_s);
    app.invoke(u"version"_s, {{u"id"_s, before.last().toMap().value(u"id"_s)}});
    QCOMPARE(app.messages().last().toMap().value(u"id"_s), before.last().toMap().value(u"id"_s));
    html = app.html();
    QVERIFY(html.contains(u"1/2"_s));

    // A message of another conversation is refused.
    const QVariantMap elsewhere{{u"id"_s, 999999}};
    auto refused = [&]() -> QCoro::Task<bool> {
        try {
            co_await app.view->invoke(u"version"_s, elsewhere);
        } catch (const std::exception &) {
            co_return true;
        }
        co_return false;
    };
    QVERIFY(QCoro::waitFor(refused()));
}

void TstChatVersions::stoppedAnswerIsMarked()
{
    QStringList tokens;
    for (int i = 1; i <= 300; ++i)
        tokens << u"w%1 "_s.arg(i);
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(20ms);
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    app.invoke(u"send"_s, {{u"content"_s, u"Talk"_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QTRY_VERIFY_WITH_TIMEOUT(app.service->live(conversation) && app.service->live(conversation)->tokens >= 3, 10000);
    app.invoke(u"stop"_s);
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    const QVariantMap answer = app.messages().last().toMap();
    QCOMPARE(answer.value(u"status"_s).toString(), u"stopped"_s);
    const QString html = app.html();
    QVERIFY2(html.contains(u"class=\"status-mark stopped\""_s), qPrintable(html));
    QVERIFY(html.contains(u">Stopped<"_s));
    QCOMPARE(answer.value(u"error"_s).toString(), QString()); // stopping is not an error
}

void TstChatVersions::deleteCanBeUndone()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    app.invoke(u"send"_s, {{u"content"_s, u"Keep me"_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QVERIFY(waitForAnswer(app.service.get(), conversation));

    app.invoke(u"delete"_s, {{u"id"_s, conversation}});
    QVERIFY(app.store.conversations().isEmpty());
    QCOMPARE(app.view->property("conversation_id").toLongLong(), 0);
    QCOMPARE(app.view->property("undo").toMap().value(u"title"_s).toString(), u"Keep me"_s);
    QString html = app.html();
    QVERIFY2(html.contains(u"dj-click=\"undo_delete\""_s), qPrintable(html));

    app.invoke(u"undo_delete"_s);
    QCOMPARE(app.store.conversations().size(), 1);
    QCOMPARE(app.view->property("conversation_id").toLongLong(), conversation);
    QCOMPARE(app.messages().size(), 2);
    QVERIFY(app.view->property("undo").toMap().isEmpty());
    QVERIFY(!app.html().contains(u"undo_delete"_s));
}

void TstChatVersions::deleteIsPurgedAtTheNextAction()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    app.invoke(u"send"_s, {{u"content"_s, u"Bin me"_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    app.invoke(u"delete"_s, {{u"id"_s, conversation}});
    QCOMPARE(app.store.allMessages(conversation).size(), 2); // still there, to undo
    app.invoke(u"new_chat"_s);                                // the next action
    QVERIFY(app.view->property("undo").toMap().isEmpty());
    QCOMPARE(app.store.allMessages(conversation).size(), 0);  // purged
    QVERIFY(!app.store.restoreConversation(conversation) || !app.store.conversation(conversation));

    // One left deleted when the app stops is purged at the next start.
    app.invoke(u"send"_s, {{u"content"_s, u"Quit now"_s}});
    const qint64 second = app.view->property("conversation_id").toLongLong();
    QVERIFY(waitForAnswer(app.service.get(), second));
    QVERIFY(app.store.deleteConversation(second));
    ConversationStore reopened;
    QVERIFY(reopened.open(m_dir->filePath(u"chats.sqlite"_s)));
    QCOMPARE(reopened.allMessages(second).size(), 0);
}

void TstChatVersions::firstSchemaIsMigrated()
{
    // A database as the first rill-chat wrote it.
    const QString path = m_dir->filePath(u"old.sqlite"_s);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"old"_s);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(u"CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
                       u"model TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, updated INTEGER NOT NULL)"_s));
        QVERIFY(q.exec(u"CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                       u"conversation INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE, "
                       u"role TEXT NOT NULL, content TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '', "
                       u"status TEXT NOT NULL DEFAULT 'complete', error TEXT NOT NULL DEFAULT '', model TEXT NOT NULL "
                       u"DEFAULT '', created INTEGER NOT NULL, first_token_ms INTEGER, tokens_per_second REAL)"_s));
        QVERIFY(q.exec(u"INSERT INTO conversations VALUES (1, 'Old', 'm', 1, 1), (2, 'Other', 'm', 1, 1)"_s));
        QVERIFY(q.exec(u"INSERT INTO messages (conversation, role, content, created) VALUES "
                       u"(1, 'user', 'q1', 1), (2, 'user', 'other', 1), (1, 'assistant', 'a1', 2), "
                       u"(1, 'user', 'q2', 3), (1, 'assistant', 'a2', 4)"_s));
        db.close();
    }
    QSqlDatabase::removeDatabase(u"old"_s);

    for (int pass = 0; pass < 2; ++pass) { // and opening a migrated one again changes nothing
        ConversationStore store;
        QVERIFY2(store.open(path), qPrintable(store.errorString()));
        const QList<Message> shown = store.messages(1);
        QStringList contents;
        for (const Message &m : shown) {
            contents << m.content;
            QCOMPARE(m.versions, 1);
        }
        QCOMPARE(contents, (QStringList{u"q1"_s, u"a1"_s, u"q2"_s, u"a2"_s}));
        QCOMPARE(shown[0].parent, 0);
        QCOMPARE(shown[1].parent, shown[0].id);
        QCOMPARE(store.messages(2).size(), 1);
        QCOMPARE(store.conversations().size(), 2);
        QCOMPARE(store.search(u"q2"_s).size(), 1); // searchable, too
    }
    // And it takes versions from then on.
    ConversationStore store;
    QVERIFY(store.open(path));
    const QList<Message> shown = store.messages(1);
    Message again;
    again.conversation = 1;
    again.role = u"assistant"_s;
    again.content = u"a2, again"_s;
    QVERIFY(store.addMessage(again, shown[2].id));
    QCOMPARE(store.messages(1).last().content, u"a2, again"_s);
    QCOMPARE(store.messages(1).last().versions, 2);
}

// ---------------------------------------------------------------------------

namespace {

// What a page holds of the live answer, from a view's ops: a render shows
// the answer as it stands (live_finished, read as the render happens),
// appends add to it; `atDone` is what it held when the stream ended.
struct Page
{
    ChatView *view = nullptr;
    QString answer;
    QString atDone;
    int appends = 0;
    int dones = 0;

    void attach(ChatView *v)
    {
        view = v;
        QObject::connect(v, &Rill::LiveView::streamOp, v, [this](const Rill::StreamOp &op) {
            if (op.kind == Rill::StreamOp::Kind::Render) {
                answer = view->property("live_finished").toString();
            } else if (op.kind == Rill::StreamOp::Kind::Append && op.stream == u"answer") {
                answer += op.html;
                ++appends;
            } else if (op.kind == Rill::StreamOp::Kind::Done && op.stream == u"answer") {
                atDone = answer;
                ++dones;
            }
        });
    }
    // The render a session does after each event (not an op of the view's).
    void render()
    {
        Rill::TemplateError error;
        view->render(&error);
        answer = view->property("live_finished").toString();
    }
};

} // namespace

class TstChatShared : public QObject, private ChatSandbox
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void pagesFollowTheAnswerThroughTheTopic();
    void codeBlocksHaveLanguageAndCopy();
};

void TstChatShared::init()
{
    QVERIFY(setUp());
}

void TstChatShared::cleanup()
{
    tearDown();
}

// Two pages on one conversation (the window, a browser) get the answer from
// the conversation's topic on the server's PubSub. The second opens the
// conversation mid-answer, and the first re-renders at odd moments while
// messages are still queued: each block shows exactly once on both.
void TstChatShared::pagesFollowTheAnswerThroughTheTopic()
{
    QStringList tokens;
    for (int i = 1; i <= 60; ++i)
        tokens << u"Paragraph %1 says"_s.arg(i) << u" something.\n\n"_s;
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(10ms);
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    Rill::PubSub pubsub; // the server's, in rill-chat
    app.service->setPubSub(&pubsub);
    QSignalSpy delivered(&pubsub, &Rill::PubSub::delivered);
    QString truth; // every finished block, as the service produced them
    connect(app.service.get(), &ChatService::answerProgress, this,
            [&truth](qint64, const QString &finished, const QString &, const QString &) { truth += finished; });

    Page first;
    first.attach(app.view.get());
    app.invoke(u"send"_s, {{u"content"_s, u"Talk"_s}});
    first.render();
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    const QString topic = ChatService::topic(conversation);
    QCOMPARE(pubsub.subscriberCount(topic), 1);
    QTRY_VERIFY_WITH_TIMEOUT(app.service->live(conversation) && app.service->live(conversation)->progressSeq >= 5,
                             10000);

    ChatView second(app.service.get(), {});
    second.setTemplateEngine(&app.engine);
    QCoro::waitFor(second.mount(Rill::Request{})); // opens the latest conversation: this one
    QCOMPARE(second.property("conversation_id").toLongLong(), conversation);
    Page other;
    other.attach(&second);
    other.render(); // its first paint, mid-answer
    QVERIFY(!other.answer.isEmpty());
    QCOMPARE(pubsub.subscriberCount(topic), 2);

    // The first page's events land between a tick's publish and its
    // delivery (every third tick), and at odd other moments.
    int ticks = 0;
    connect(app.service.get(), &ChatService::answerProgress, this, [&first, &ticks] {
        if (++ticks % 3 == 0)
            first.render();
    });
    QTimer rerender;
    rerender.setInterval(23);
    connect(&rerender, &QTimer::timeout, this, [&first] { first.render(); });
    rerender.start();
    // (Not once the answer may be over: a render then shows it in the
    // message list, without the streams' Done this test looks for.)
    connect(app.service.get(), &ChatService::answerProgress, this, [&truth, &rerender] {
        if (truth.contains(u"Paragraph 58 "_s))
            rerender.stop();
    });
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    rerender.stop();
    QTRY_COMPARE(first.dones, 1);
    QTRY_COMPARE(other.dones, 1);

    const QString expected = ChatView::withCodeCopyButtons(truth);
    QVERIFY(expected.contains(u"Paragraph 60 says something."_s));
    QCOMPARE(first.atDone, expected);
    QCOMPARE(other.atDone, expected);
    QVERIFY(other.appends > 0);
    bool onTopic = false;
    for (const QList<QVariant> &args : delivered)
        onTopic = onTopic || args.at(0).toString() == topic;
    QVERIFY(onTopic);

    // A page that moves on stops following.
    QCoro::waitFor(second.invoke(u"new_chat"_s, {}));
    QCOMPARE(pubsub.subscriberCount(topic), 1);
}

// ---------------------------------------------------------------------------

class TstChatSidebar : public QObject, private ChatSandbox
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void searchFindsWordsInMessagesAndTitles();
    void dateGroups();
    void pinRenameAndSearchFromThePage();
};

void TstChatSidebar::init()
{
    QVERIFY(setUp());
}

void TstChatSidebar::cleanup()
{
    tearDown();
}

namespace {
qint64 addConversation(ConversationStore &store, const QString &title, const QStringList &contents)
{
    const qint64 id = store.createConversation(title, u"m"_s);
    bool user = true;
    for (const QString &content : contents) {
        Message m;
        m.conversation = id;
        m.role = user ? u"user"_s : u"assistant"_s;
        m.content = content;
        store.addMessage(m);
        user = !user;
    }
    return id;
}

QList<qint64> ids(const QList<RillChat::SearchHit> &hits)
{
    QList<qint64> out;
    for (const auto &h : hits)
        out << h.conversation;
    return out;
}
} // namespace

void TstChatSidebar::searchFindsWordsInMessagesAndTitles()
{
    ConversationStore store;
    QVERIFY(store.open(m_dir->filePath(u"chats.sqlite"_s)));
    const qint64 physics = addConversation(store, u"Physics"_s,
                                           {u"Explain Schrödinger's cat"_s, u"The cat is both alive and dead until observed."_s});
    const qint64 ops = addConversation(store, u"Cluster"_s,
                                       {u"Write a Kubernetes deployment"_s, u"```yaml\napiVersion: apps/v1\n```"_s});
    const qint64 named = addConversation(store, u"Cat pictures"_s, {u"hello"_s});

    // Accents and case ignored; words are prefixes; every word must match.
    QList<RillChat::SearchHit> hits = store.search(u"schrodinger"_s);
    QCOMPARE(ids(hits), QList<qint64>{physics});
    QCOMPARE(hits[0].title, u"Physics"_s);
    QVERIFY2(hits[0].snippet.size() >= 3, qPrintable(hits[0].snippet.join(u'|')));
    QCOMPARE(hits[0].snippet[1], u"Schrödinger"_s); // the match, marked
    QCOMPARE(ids(store.search(u"KUBE depl"_s)), QList<qint64>{ops});
    QVERIFY(store.search(u"kubernetes cat"_s).isEmpty());
    // Titles first, then messages; one hit per conversation.
    hits = store.search(u"cat"_s);
    QCOMPARE(ids(hits), (QList<qint64>{named, physics}));
    QCOMPARE(hits[0].titleParts, (QStringList{u""_s, u"Cat"_s, u" pictures"_s})); // the title's match marked
    QVERIFY(hits[0].snippet.isEmpty());
    // The user's quotes, stars and operators are words, not FTS syntax.
    for (const QString &odd : {u"\"cat"_s, u"cat*"_s, u"NOT cat"_s, u"cat OR"_s, u"(cat"_s, u"c:a"_s, u"\u0000"_s, u"   "_s})
        store.search(odd); // no error, no crash
    QVERIFY2(store.errorString().isEmpty(), qPrintable(store.errorString()));
    QCOMPARE(ids(store.search(u"\"observed"_s)), QList<qint64>{physics});

    // The index follows edits (streamed answers are updated in place) and deletions.
    Message edited = store.messages(ops).last();
    edited.content = u"Use a Helm chart instead."_s;
    QVERIFY(store.updateMessage(edited));
    QCOMPARE(ids(store.search(u"helm"_s)), QList<qint64>{ops});
    QVERIFY(store.search(u"apiVersion"_s).isEmpty());
    QVERIFY(store.deleteConversation(physics));
    QVERIFY(store.search(u"schrodinger"_s).isEmpty());
    QVERIFY(store.restoreConversation(physics));
    QCOMPARE(ids(store.search(u"schrodinger"_s)), QList<qint64>{physics});

    // A database from before search gets its index when opened.
    ConversationStore reopened;
    QVERIFY(reopened.open(m_dir->filePath(u"chats.sqlite"_s)));
    QCOMPARE(ids(reopened.search(u"helm"_s)), QList<qint64>{ops});
}

void TstChatSidebar::dateGroups()
{
    const QDateTime now(QDate(2026, 12, 5), QTime(9, 0));
    QCOMPARE(ChatView::dateGroup(now.addSecs(-3600), now), u"Today"_s);
    QCOMPARE(ChatView::dateGroup(QDateTime(QDate(2026, 12, 4), QTime(23, 59)), now), u"Yesterday"_s);
    QCOMPARE(ChatView::dateGroup(now.addDays(-6), now), u"Previous 7 days"_s);
    QCOMPARE(ChatView::dateGroup(now.addDays(-29), now), u"Previous 30 days"_s);
    QCOMPARE(ChatView::dateGroup(QDateTime(QDate(2026, 9, 14), QTime(12, 0)), now), u"September 2026"_s);
    QCOMPARE(ChatView::dateGroup(now.addSecs(3600), now), u"Today"_s); // a clock set back
}

void TstChatSidebar::pinRenameAndSearchFromThePage()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    const qint64 older = addConversation(app.store, u"Older"_s, {u"about quasars"_s});
    const qint64 newer = addConversation(app.store, u"Newer"_s, {u"about pulsars"_s});
    QVariantList groups = app.view->property("groups").toList();
    QCOMPARE(groups.size(), 1);
    QCOMPARE(groups[0].toMap().value(u"label"_s).toString(), u"Today"_s);
    QCOMPARE(groups[0].toMap().value(u"items"_s).toList().first().toMap().value(u"id"_s).toLongLong(), newer);

    app.invoke(u"pin"_s, {{u"id"_s, older}});
    groups = app.view->property("groups").toList();
    QCOMPARE(groups.size(), 2);
    QCOMPARE(groups[0].toMap().value(u"label"_s).toString(), u"Pinned"_s);
    QCOMPARE(groups[0].toMap().value(u"items"_s).toList().first().toMap().value(u"id"_s).toLongLong(), older);
    QVERIFY(app.html().contains(u"aria-pressed=\"true\""_s));
    app.invoke(u"pin"_s, {{u"id"_s, older}}); // and back
    QCOMPARE(app.view->property("groups").toList().size(), 1);

    app.invoke(u"rename_start"_s, {{u"id"_s, newer}});
    QString html = app.html();
    QVERIFY2(html.contains(u"dj-submit=\"rename\""_s), qPrintable(html));
    app.invoke(u"rename"_s, {{u"id"_s, newer}, {u"title"_s, u"  Pulsars\nand <b>stars</b>  "_s}});
    QCOMPARE(app.store.conversation(newer)->title, u"Pulsars and <b>stars</b>"_s);
    html = app.html();
    QVERIFY(!html.contains(u"dj-submit=\"rename\""_s));
    QVERIFY(html.contains(u"Pulsars and &lt;b&gt;stars&lt;/b&gt;"_s)); // shown as text
    app.invoke(u"rename"_s, {{u"id"_s, newer}, {u"title"_s, u"   "_s}}); // empty: unchanged
    QCOMPARE(app.store.conversation(newer)->title, u"Pulsars and <b>stars</b>"_s);

    app.invoke(u"search"_s, {{u"value"_s, u"quasar"_s}});
    const QVariantList results = app.view->property("search_results").toList();
    QCOMPARE(results.size(), 1);
    QCOMPARE(results[0].toMap().value(u"id"_s).toLongLong(), older);
    html = app.html();
    QVERIFY2(html.contains(u"<mark>quasars</mark>"_s), qPrintable(html));
    app.invoke(u"search"_s, {{u"value"_s, u"<script>"_s}});
    html = app.html();
    QVERIFY(html.contains(u"Nothing found for “&lt;script&gt;”"_s));
    app.invoke(u"search"_s, {{u"value"_s, QString()}});
    QVERIFY(app.view->property("search_results").toList().isEmpty());
}

// ---------------------------------------------------------------------------

class TstChatFiles : public QObject, private ChatSandbox
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void attachCheckSendAndEdit();
    void exportAndImport();
    void hostileImports_data();
    void hostileImports();
};

void TstChatFiles::init()
{
    QVERIFY(setUp());
}

void TstChatFiles::cleanup()
{
    tearDown();
}

void TstChatFiles::attachCheckSendAndEdit()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    auto attach = [&](const QString &name, const QByteArray &bytes) {
        app.invoke(u"attach"_s, {{u"name"_s, name}, {u"type"_s, u"image/png"_s}, {u"data"_s, QString::fromLatin1(bytes.toBase64())}});
    };
    auto notice = [&] { return app.view->property("notice").toString(); };
    const QByteArray jpeg = QByteArray("\xff\xd8\xff\xe0", 4) + QByteArray(64, 'j');

    // The type is what the bytes are: a "PNG" of random binary is refused,
    // a JPEG sent as image/png is a JPEG.
    attach(u"fake.png"_s, QByteArray("\x00\x01\x02\xff", 4));
    QVERIFY2(notice().contains(u"neither text nor an image"_s), qPrintable(notice()));
    attach(u"photo.png"_s, jpeg);
    attach(u"main.cpp"_s, "int main() { return 0; }\n");
    attach(u"big.txt"_s, QByteArray(ChatView::MaxTextBytes + 1, 'a'));
    QVERIFY2(notice().contains(u"too large"_s), qPrintable(notice()));
    QVariantList pending = app.view->property("pending_files").toList();
    QCOMPARE(pending.size(), 2);
    QCOMPARE(pending[0].toMap().value(u"image"_s).toBool(), true);
    QCOMPARE(pending[1].toMap().value(u"name"_s).toString(), u"main.cpp"_s);
    QVERIFY(app.html().contains(u"dj-click=\"detach\""_s));
    // Not base64, or no such file: refused as bad parameters.
    auto refused = [&](const QString &event, const QVariantMap &params) -> QCoro::Task<bool> {
        try {
            co_await app.view->invoke(event, params);
        } catch (const Rill::ParamError &) {
            co_return true;
        }
        co_return false;
    };
    QVERIFY(QCoro::waitFor(refused(u"attach"_s, {{u"name"_s, u"x"_s}, {u"data"_s, u"***"_s}})));
    QVERIFY(QCoro::waitFor(refused(u"detach"_s, {{u"index"_s, 7}})));
    for (int i = 0; i < ChatView::MaxFiles; ++i)
        attach(u"f%1.txt"_s.arg(i), "x");
    QCOMPARE(app.view->property("pending_files").toList().size(), ChatView::MaxFiles);
    QVERIFY(notice().contains(u"At most"_s));
    while (app.view->property("pending_files").toList().size() > 2)
        app.invoke(u"detach"_s, {{u"index"_s, 2}});

    // Sending takes them along (a message of files alone is fine too).
    app.invoke(u"send"_s, {{u"content"_s, u""_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QVERIFY(conversation);
    QVERIFY(app.view->property("pending_files").toList().isEmpty());
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    QCOMPARE(app.store.conversation(conversation)->title, u"photo.png"_s);
    const Message question = app.store.messages(conversation).first();
    QCOMPARE(question.attachments.size(), 2);
    QCOMPARE(question.attachments[0].mimeType, u"image/jpeg"_s);
    const QString html = app.html();
    QVERIFY2(html.contains(u"<span class=\"file-name\">main.cpp</span>"_s), qPrintable(html));
    const QJsonObject sent = QJsonDocument::fromJson(m_fake->requests().last().body).object();
    const QJsonArray parts = sent.value("messages"_L1).toArray().last().toObject().value("content"_L1).toArray();
    QCOMPARE(parts.size(), 2);
    QVERIFY(parts[0].toObject().value("text"_L1).toString().contains(u"File main.cpp:"_s));
    QVERIFY(parts[1].toObject().value("image_url"_L1).toObject().value("url"_L1).toString().startsWith(u"data:image/jpeg;base64,"_s));

    // An edited question keeps its files.
    app.invoke(u"edit"_s, {{u"id"_s, question.id}, {u"content"_s, u"And now?"_s}});
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    const Message edited = app.store.messages(conversation).first();
    QVERIFY(edited.id != question.id);
    QCOMPARE(edited.attachments.size(), 2);
    QCOMPARE(app.store.attachments(edited.id, true).at(1).data, QByteArray("int main() { return 0; }\n"));
}

void TstChatFiles::exportAndImport()
{
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    m_fake->setTokens({u"Use `grep`:\n\n"_s, u"```sh\ngrep -r x .\n```"_s});
    app.invoke(u"attach"_s, {{u"name"_s, u"notes.txt"_s}, {u"data"_s, QString::fromLatin1(QByteArray("n").toBase64())}});
    app.invoke(u"send"_s, {{u"content"_s, u"How do I search files?"_s}});
    const qint64 conversation = app.view->property("conversation_id").toLongLong();
    QVERIFY(waitForAnswer(app.service.get(), conversation));
    QVERIFY(app.store.setConversationSystemPrompt(conversation, u"Be brief."_s));

    app.invoke(u"export"_s, {{u"format"_s, u"md"_s}});
    QVariantMap download = app.view->property("download").toMap();
    QCOMPARE(download.value(u"name"_s).toString(), u"How-do-I-search-files.md"_s);
    const QString markdown = download.value(u"text"_s).toString();
    QVERIFY2(markdown.startsWith(u"# How do I search files?\n"_s), qPrintable(markdown));
    QVERIFY(markdown.contains(u"## You\n\nHow do I search files?\n\n_Files: `notes.txt`_"_s));
    QVERIFY(markdown.contains(u"## Assistant (fake-small)\n\nUse `grep`:\n\n```sh\ngrep -r x .\n```"_s));
    QVERIFY(markdown.contains(u"**System prompt:**\n\nBe brief."_s));
    QString html = app.html();
    QVERIFY2(html.contains(u"data-rill-download=\"How-do-I-search-files.md\""_s), qPrintable(html.left(300)));
    QVERIFY(html.contains(u"```sh"_s));

    app.invoke(u"export"_s, {{u"format"_s, u"json"_s}});
    download = app.view->property("download").toMap();
    QCOMPARE(download.value(u"type"_s).toString(), u"application/json"_s);
    const QByteArray json = download.value(u"text"_s).toString().toUtf8();
    const QJsonObject root = QJsonDocument::fromJson(json).object();
    QCOMPARE(root.value("format"_L1).toString(), u"rill-chat"_s);
    QCOMPARE(root.value("messages"_L1).toArray().size(), 2);
    app.invoke(u"new_chat"_s);
    QVERIFY(app.view->property("download").toMap().isEmpty()); // once

    // Back in: a new conversation like the first, shown.
    app.invoke(u"import"_s, {{u"name"_s, u"export.json"_s}, {u"data"_s, QString::fromLatin1(json.toBase64())}});
    const qint64 imported = app.view->property("conversation_id").toLongLong();
    QVERIFY(imported && imported != conversation);
    const Conversation c = *app.store.conversation(imported);
    QCOMPARE(c.title, u"How do I search files?"_s);
    QCOMPARE(c.systemPrompt, u"Be brief."_s);
    const QList<Message> before = app.store.messages(conversation), after = app.store.messages(imported);
    QCOMPARE(after.size(), before.size());
    for (qsizetype i = 0; i < after.size(); ++i) {
        QCOMPARE(after[i].role, before[i].role);
        QCOMPARE(after[i].content, before[i].content);
        QCOMPARE(after[i].model, before[i].model);
        QCOMPARE(after[i].created.toSecsSinceEpoch(), before[i].created.toSecsSinceEpoch());
    }
    // OpenAI's shape: a list of {role, content}; the file name is the title.
    const QByteArray openai = R"([{"role":"system","content":"S"},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}])";
    app.invoke(u"import"_s, {{u"name"_s, u"greeting.json"_s}, {u"data"_s, QString::fromLatin1(openai.toBase64())}});
    const qint64 third = app.view->property("conversation_id").toLongLong();
    QCOMPARE(app.store.conversation(third)->title, u"greeting"_s);
    QCOMPARE(app.store.conversation(third)->systemPrompt, u"S"_s);
    QCOMPARE(app.store.messages(third).size(), 2);
}

void TstChatFiles::hostileImports_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not json") << QByteArray("{\"messages\": [") << u"it is not JSON"_s;
    QTest::newRow("binary") << QByteArray("\x00\xff\xfe", 3) << u"it is not JSON"_s;
    QTest::newRow("other format") << QByteArray(R"({"format":"chatgpt","messages":[]})") << u"not rill-chat"_s;
    QTest::newRow("future version") << QByteArray(R"({"format":"rill-chat","version":9,"messages":[]})") << u"version 9"_s;
    QTest::newRow("no messages") << QByteArray(R"({"title":"x"})") << u"no \"messages\" list"_s;
    QTest::newRow("empty") << QByteArray("[]") << u"no messages"_s;
    QTest::newRow("bad role") << QByteArray(R"([{"role":"tool","content":"x"}])") << u"message 1 has no role"_s;
    QTest::newRow("content not text") << QByteArray(R"([{"role":"user","content":[{"type":"text"}]}])") << u"message 1 has no text content"_s;
    QTest::newRow("system only") << QByteArray(R"([{"role":"system","content":"x"}])") << u"only a system prompt"_s;
    QByteArray many = "[";
    for (int i = 0; i <= RillChat::ConversationIO::MaxImportMessages; ++i)
        many += R"({"role":"user","content":""},)";
    many.chop(1);
    many += "]";
    QTest::newRow("too many") << many << u"more than 10000 messages"_s;
    QTest::newRow("deep") << QByteArray(100000, '[') << u"it is not JSON"_s;
}

void TstChatFiles::hostileImports()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    App app;
    QVERIFY(app.start(m_dir->path(), m_fake->url()));
    app.invoke(u"import"_s, {{u"name"_s, u"bad.json"_s}, {u"data"_s, QString::fromLatin1(json.toBase64())}});
    const QString notice = app.view->property("notice").toString();
    QVERIFY2(notice.startsWith(u"Cannot import bad.json: "_s) && notice.contains(error), qPrintable(notice));
    QVERIFY(app.store.conversations().isEmpty()); // nothing half-made
    QCOMPARE(app.view->property("conversation_id").toLongLong(), 0);
}

void TstChatShared::codeBlocksHaveLanguageAndCopy()
{
    const QString html = ChatView::withCodeCopyButtons(
        Rill::renderMarkdown(u"```python\nx = 1\n```\n\n```\nplain\n```\n\n```a\"b<c\nodd\n```\n\n- [x] done\n"_s));
    QVERIFY2(html.contains(u"<div class=\"code-block\" dj-update=\"ignore\"><span class=\"code-lang\">python</span>"
                           u"<button type=\"button\" class=\"copy\" data-copy-code>Copy</button>"
                           u"<pre><code class=\"language-python\">x = 1\n</code></pre></div>"_s),
             qPrintable(html));
    QVERIFY(html.contains(u"<div class=\"code-block\" dj-update=\"ignore\"><button type=\"button\" class=\"copy\" "
                          u"data-copy-code>Copy</button><pre><code>plain\n</code></pre></div>"_s));
    // A language name is text as md4c escaped it: no markup gets through.
    QVERIFY(html.contains(u"<span class=\"code-lang\">a&quot;b&lt;c</span>"_s));
    QCOMPARE(html.count(u"<div class=\"code-block\""_s), 3);
    QCOMPARE(html.count(u"</pre></div>"_s), 3);
    QVERIFY(html.contains(u"class=\"task-list-item\""_s));
}

// ---------------------------------------------------------------------------

// The API key in a real Secret Service: a private D-Bus session (no service
// activation) with gnome-keyring-daemon on it, its keyring in a temporary
// folder, unlocked with a test password.
class TstChatSecrets : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void keyGoesToTheStoreAndComesBack();
    void keyFileMovesIntoTheStore();
    void storeGoneFallsBackToTheFile();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcess m_bus;
    QProcess m_keyring;
};

void TstChatSecrets::initTestCase()
{
    const QString dbus = QStandardPaths::findExecutable(u"dbus-daemon"_s);
    const QString keyring = QStandardPaths::findExecutable(u"gnome-keyring-daemon"_s);
    QVERIFY2(!dbus.isEmpty() && !keyring.isEmpty(), "dbus-daemon and gnome-keyring-daemon are needed (scripts/install-deps.sh)");
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir().mkpath(m_dir->filePath(u"runtime"_s)));
    QFile::setPermissions(m_dir->filePath(u"runtime"_s), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QFile config(m_dir->filePath(u"bus.conf"_s));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write(QStringLiteral(
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\" "
        "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig><type>session</type><listen>unix:dir=%1</listen><auth>EXTERNAL</auth>"
        "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
        "<allow own=\"*\"/></policy></busconfig>\n").arg(m_dir->path()).toUtf8());
    config.close();
    m_bus.start(dbus, {u"--config-file="_s + config.fileName(), u"--nofork"_s, u"--nopidfile"_s, u"--print-address=1"_s});
    QVERIFY(m_bus.waitForStarted());
    QVERIFY(m_bus.waitForReadyRead(10000));
    const QByteArray address = m_bus.readLine().trimmed();
    QVERIFY2(address.startsWith("unix:"), address.constData());
    // For this process (GDBus reads it at its first use) and the daemon.
    qputenv("DBUS_SESSION_BUS_ADDRESS", address);
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir->filePath(u"data"_s)));
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(m_dir->filePath(u"runtime"_s)));
    qunsetenv("RILL_CHAT_SECRET_STORE");
    m_keyring.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_keyring.start(keyring, {u"--foreground"_s, u"--components=secrets"_s, u"--unlock"_s});
    QVERIFY(m_keyring.waitForStarted());
    m_keyring.write("test password\n");
    m_keyring.closeWriteChannel();
    QString error;
    QVERIFY2(QTest::qWaitFor([&] { return RillChat::SecretStore::lookup(u"probe"_s, u"api-key"_s, &error).has_value(); }, 15000),
             qPrintable(error));
}

void TstChatSecrets::cleanupTestCase()
{
    for (QProcess *p : {&m_keyring, &m_bus}) {
        p->terminate();
        if (!p->waitForFinished(5000))
            p->kill();
    }
    qputenv("RILL_CHAT_SECRET_STORE", "off");
}

void TstChatSecrets::keyGoesToTheStoreAndComesBack()
{
    const QString dir = m_dir->filePath(u"config-a"_s);
    {
        ChatSettings settings(dir);
        QVERIFY(settings.usesSecretStore());
        QVERIFY(settings.setProvider(ProviderConfig::Kind::OpenAI, u"https://api.example.org/v1"_s, u"sk-in-the-keyring"_s));
        QCOMPARE(settings.keyLocation(), u"the system's secret store"_s);
    }
    QVERIFY(!QFile::exists(dir + u"/rill-chat.key"_s)); // no copy on disk
    QVERIFY(!readAll(dir + u"/rill-chat.conf"_s).contains("sk-in-the-keyring"));
    QString error;
    QCOMPARE(RillChat::SecretStore::lookup(dir, u"api-key"_s, &error).value_or(QString()), u"sk-in-the-keyring"_s);
    // The keyring's file holds it encrypted, not as text.
    const QDir keyrings(m_dir->filePath(u"data/keyrings"_s));
    for (const QString &name : keyrings.entryList(QDir::Files))
        QVERIFY2(!readAll(keyrings.filePath(name)).contains("sk-in-the-keyring"), qPrintable(name));
    {
        ChatSettings restarted(dir); // the next start
        QCOMPARE(restarted.apiKey(), u"sk-in-the-keyring"_s);
        QVERIFY(restarted.setProvider(ProviderConfig::Kind::OpenAI, u"https://api.example.org/v1"_s, QString())); // forget it
    }
    QCOMPARE(RillChat::SecretStore::lookup(dir, u"api-key"_s, &error).value_or(u"?"_s), QString());
    QCOMPARE(ChatSettings(dir).apiKey(), QString());
}

void TstChatSecrets::keyFileMovesIntoTheStore()
{
    // A key file of an earlier rill-chat: read, moved into the store, gone.
    const QString dir = m_dir->filePath(u"config-b"_s);
    QVERIFY(QDir().mkpath(dir));
    QFile old(dir + u"/rill-chat.key"_s);
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.write("sk-from-a-file\n");
    old.close();
    ChatSettings settings(dir);
    QCOMPARE(settings.apiKey(), u"sk-from-a-file"_s);
    QVERIFY(!QFile::exists(dir + u"/rill-chat.key"_s));
    QString error;
    QCOMPARE(RillChat::SecretStore::lookup(dir, u"api-key"_s, &error).value_or(QString()), u"sk-from-a-file"_s);
    // Each config folder has its own key.
    QCOMPARE(RillChat::SecretStore::lookup(m_dir->filePath(u"config-a"_s), u"api-key"_s, &error).value_or(u"?"_s), QString());
}

void TstChatSecrets::storeGoneFallsBackToTheFile()
{
    const QString dir = m_dir->filePath(u"config-c"_s);
    ChatSettings settings(dir);
    QVERIFY(settings.usesSecretStore());
    m_keyring.terminate();
    QVERIFY(m_keyring.waitForFinished(5000));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^the secret store refused the key"_s));
    QVERIFY(settings.setProvider(ProviderConfig::Kind::OpenAI, u"https://api.example.org/v1"_s, u"sk-kept-anyway"_s));
    QVERIFY(!settings.usesSecretStore());
    QCOMPARE(settings.keyLocation(), dir + u"/rill-chat.key"_s);
    QCOMPARE(readAll(dir + u"/rill-chat.key"_s).trimmed(), QByteArray("sk-kept-anyway"));
    QCOMPARE(fileMode(dir + u"/rill-chat.key"_s), 0600);
    QCOMPARE(ChatSettings(dir).apiKey(), u"sk-kept-anyway"_s); // and found there next time
}

RILL_TEST_CLASS(TstChatSettings)
RILL_TEST_CLASS(TstChatVersions)
RILL_TEST_CLASS(TstChatShared)
RILL_TEST_CLASS(TstChatSidebar)
RILL_TEST_CLASS(TstChatFiles)
RILL_TEST_CLASS(TstChatSecrets)
#include "tst_chatfeatures.moc"
