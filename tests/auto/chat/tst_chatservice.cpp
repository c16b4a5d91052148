// ChatService + ConversationStore against tests/fakes' OpenAI-compatible
// server over real HTTP: answers stream through signals (finished blocks
// once, the open block replaced), are saved while they stream, end complete
// with their timings, failed with the provider's message and the partial
// text kept, or stopped (the request aborted, the partial text kept); a
// store reopened after a crash marks what was streaming as interrupted.

#include "chatservice.h"
#include "conversationstore.h"

#include "fakellmserver.h"
#include "testregistry.h"

#include <rill/llm/ollamaprovider.h>
#include <rill/llm/openaicompatibleprovider.h>
#include <rill/markdown.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;
using RillChat::ChatService;
using RillChat::ConversationStore;
using RillChat::Message;
using RillTest::FakeLlmServer;

namespace {

// Markdown in tokens that finish blocks one after another.
const QStringList markdownTokens = {
    u"# Title\n\n"_s, u"First "_s,  u"paragraph.\n\n"_s, u"```cpp\n"_s, u"int x = 1;\n"_s,
    u"```\n\n"_s,     u"- one\n"_s, u"- two\n\n"_s,      u"Last "_s,    u"words"_s,
};

// What a page sees: every progress signal of one conversation, in order.
struct Viewer
{
    QString finished; // every finished block appended
    QString tail;     // the open block, replaced each time
    QStringList tails;
    int progress = 0;
    QList<QString> ended; // the error of each answerEnded ("" when fine)

    void watch(ChatService *service, qint64 conversation, QObject *context)
    {
        QObject::connect(service, &ChatService::answerProgress, context,
                         [this, conversation](qint64 c, const QString &finishedHtml, const QString &tailHtml,
                                              const QString &) {
                             if (c != conversation)
                                 return;
                             finished += finishedHtml;
                             tail = tailHtml;
                             tails << tailHtml;
                             ++progress;
                         });
        QObject::connect(service, &ChatService::answerEnded, context, [this, conversation](qint64 c, const QString &error) {
            if (c == conversation)
                ended << error;
        });
    }
};

} // namespace

class TstChatService : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void answerStreamsFinishedBlocksOnceAndReplacesTheTail();
    void answerIsSavedWhileStreamingAndCompleteWithTimings();
    void httpErrorEndsFailedWithTheProvidersMessage();
    void cutConnectionKeepsThePartialAnswer();
    void stopAbortsTheRequestAndKeepsThePartialAnswer();
    void reopenedStoreMarksStreamingAnswersInterrupted();
    void serviceDestroyedMidAnswerSavesItInterrupted();
    void regenerateKeepsTheEarlierAnswerAsAVersion();
    void stoppedAnswerIsSentWithANoteWhenTheConversationContinues();
    void systemPromptAndOptionsAreSent_data();
    void systemPromptAndOptionsAreSent();
    void usageIsSaved();
    void attachmentsAreSent_data();
    void attachmentsAreSent();

private:
    qint64 ask(const QString &question);
    std::optional<Message> answerOf(qint64 conversation) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeLlmServer> m_fake;
    std::unique_ptr<ConversationStore> m_store;
    std::unique_ptr<ChatService> m_service;
};

void TstChatService::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_fake = std::make_unique<FakeLlmServer>(FakeLlmServer::Flavor::OpenAI);
    QVERIFY(m_fake->listen());
    m_store = std::make_unique<ConversationStore>();
    QVERIFY2(m_store->open(m_dir->filePath(u"chats.sqlite"_s)), qPrintable(m_store->errorString()));
    m_service = std::make_unique<ChatService>(m_store.get());
    m_service->setProvider(std::make_shared<Rill::Llm::OpenAICompatibleProvider>(m_fake->url()));
}

void TstChatService::cleanup()
{
    m_service.reset();
    m_store.reset();
    m_fake.reset();
    m_dir.reset();
}

qint64 TstChatService::ask(const QString &question)
{
    const qint64 conversation = m_store->createConversation(question, u"fake-small"_s);
    Message m;
    m.conversation = conversation;
    m.role = u"user"_s;
    m.content = question;
    if (!conversation || !m_store->addMessage(m))
        return 0;
    return conversation;
}

std::optional<Message> TstChatService::answerOf(qint64 conversation) const
{
    const QList<Message> all = m_store->messages(conversation);
    if (all.isEmpty() || all.constLast().role != u"assistant"_s)
        return std::nullopt;
    return all.constLast();
}

void TstChatService::answerStreamsFinishedBlocksOnceAndReplacesTheTail()
{
    m_fake->setTokens(markdownTokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(30ms);
    const qint64 conversation = ask(u"Some Markdown, please"_s);
    QVERIFY(conversation);

    // Two pages on the conversation, and what a third that opens it
    // mid-answer is given (the service's live snapshot) at every tick.
    Viewer first, second;
    first.watch(m_service.get(), conversation, this);
    second.watch(m_service.get(), conversation, this);
    int snapshotsChecked = 0;
    connect(m_service.get(), &ChatService::answerProgress, this,
            [&](qint64 c, const QString &, const QString &tail, const QString &) {
                const RillChat::LiveAnswer *live = m_service->live(c);
                if (!live)
                    return; // the last signal, as the answer ends
                QCOMPARE(live->finishedHtml, first.finished);
                QCOMPARE(live->tailHtml, tail);
                ++snapshotsChecked;
            });
    QSignalSpy started(m_service.get(), &ChatService::answerStarted);

    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QCOMPARE(started.size(), 1);
    QVERIFY(m_service->isAnswering(conversation));
    QVERIFY(!m_service->startAnswer(conversation, u"fake-small"_s)); // one at a time
    QTRY_COMPARE_WITH_TIMEOUT(first.ended.size(), 1, 10000);
    QCOMPARE(first.ended, QList<QString>{QString()});
    QVERIFY(!m_service->isAnswering(conversation));

    const QString content = markdownTokens.join(QString());
    QCOMPARE(answerOf(conversation)->content, content);
    // Finished blocks arrived once each, in order, and add up to the whole.
    QCOMPARE(first.finished, Rill::renderMarkdown(content));
    QCOMPARE(first.finished.count(u"<h1>"_s), 1);
    QCOMPARE(first.finished.count(u"<pre>"_s), 1);
    QCOMPARE(first.finished.count(u"<li>"_s), 2);
    // The tail was shown while a block was open, and is empty at the end.
    QVERIFY(first.progress > 3);
    QVERIFY(std::any_of(first.tails.cbegin(), first.tails.cend(), [](const QString &t) { return t.contains(u"First"_s); }));
    QCOMPARE(first.tail, QString());
    QVERIFY(snapshotsChecked > 2);
    // Both viewers saw the same thing.
    QCOMPARE(second.finished, first.finished);
    QCOMPARE(second.tails, first.tails);
    QCOMPARE(second.ended, first.ended);
}

void TstChatService::answerIsSavedWhileStreamingAndCompleteWithTimings()
{
    QStringList tokens;
    for (int i = 1; i <= 40; ++i)
        tokens << u"w%1 "_s.arg(i);
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(25ms);
    const qint64 conversation = ask(u"Count"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));

    // The placeholder is there at once, streaming.
    std::optional<Message> saved = answerOf(conversation);
    QVERIFY(saved);
    QCOMPARE(saved->status, Message::Status::Streaming);
    QCOMPARE(saved->model, u"fake-small"_s);
    // Partial content reaches the disk while it streams.
    QTRY_VERIFY_WITH_TIMEOUT(!answerOf(conversation)->content.isEmpty(), 5000);
    saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Streaming);
    QVERIFY(tokens.join(QString()).startsWith(saved->content));
    QVERIFY(ended.isEmpty());

    QVERIFY(ended.wait(10000));
    QCOMPARE(ended.first().at(1).toString(), QString());
    saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Complete);
    QCOMPARE(saved->content, tokens.join(QString()));
    QCOMPARE(saved->error, QString());
    QVERIFY(saved->firstTokenMs.has_value());
    QVERIFY(*saved->firstTokenMs >= 0 && *saved->firstTokenMs < 5000);
    QVERIFY(saved->tokensPerSecond.has_value());
    // 40 tokens 25 ms apart: about 40/s, whatever the machine's load.
    QVERIFY2(*saved->tokensPerSecond > 5 && *saved->tokensPerSecond < 100,
             qPrintable(QString::number(*saved->tokensPerSecond)));
    QVERIFY(ChatService::statsText(*saved->firstTokenMs, *saved->tokensPerSecond).contains(u"tokens/s"_s));
}

void TstChatService::httpErrorEndsFailedWithTheProvidersMessage()
{
    m_fake->setMode(FakeLlmServer::Mode::ServerError);
    const qint64 conversation = ask(u"Fail"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    const QString error = ended.first().at(1).toString();
    const QString providers = QString::fromUtf8(FakeLlmServer::errorMessage(FakeLlmServer::Flavor::OpenAI,
                                                                            FakeLlmServer::Mode::ServerError));
    QVERIFY2(error.contains(providers), qPrintable(error));
    const std::optional<Message> saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Failed);
    QCOMPARE(saved->error, error);
    QCOMPARE(saved->content, QString());
}

void TstChatService::cutConnectionKeepsThePartialAnswer()
{
    m_fake->setMode(FakeLlmServer::Mode::Cut);
    const qint64 conversation = ask(u"Break"_s);
    Viewer viewer;
    viewer.watch(m_service.get(), conversation, this);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QTRY_COMPARE_WITH_TIMEOUT(viewer.ended.size(), 1, 10000);
    QVERIFY(!viewer.ended.first().isEmpty());
    const QString partial = FakeLlmServer::contentTokens().mid(0, FakeLlmServer::cutAfter).join(QString());
    QCOMPARE(viewer.finished, Rill::renderMarkdown(partial)); // shown, then closed
    const std::optional<Message> saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Failed);
    QCOMPARE(saved->content, partial);
    QCOMPARE(saved->error, viewer.ended.first());
}

void TstChatService::stopAbortsTheRequestAndKeepsThePartialAnswer()
{
    QStringList tokens;
    for (int i = 1; i <= 300; ++i)
        tokens << u"w%1 "_s.arg(i);
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(20ms);
    const qint64 conversation = ask(u"Talk"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QSignalSpy aborted(m_fake.get(), &FakeLlmServer::streamAborted);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QTRY_VERIFY_WITH_TIMEOUT(m_service->live(conversation) && m_service->live(conversation)->tokens >= 5, 10000);

    m_service->stop(conversation);
    QVERIFY(ended.wait(5000));
    QCOMPARE(ended.first().at(1).toString(), QString()); // stopped is not an error
    QTRY_COMPARE_WITH_TIMEOUT(aborted.size(), 1, 5000);  // the HTTP request was aborted
    QCOMPARE(m_fake->activeStreams(), 0);
    const std::optional<Message> saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Stopped);
    QVERIFY(saved->content.startsWith(u"w1 w2 w3 w4 w5 "_s));
    QVERIFY(saved->content.size() < tokens.join(QString()).size());
    QVERIFY(tokens.join(QString()).startsWith(saved->content));
    QCOMPARE(saved->error, QString());
}

void TstChatService::reopenedStoreMarksStreamingAnswersInterrupted()
{
    const qint64 conversation = ask(u"Crash"_s);
    Message m;
    m.conversation = conversation;
    m.role = u"assistant"_s;
    m.content = u"half an ans"_s;
    m.status = Message::Status::Streaming;
    const qint64 id = m_store->addMessage(m);
    QVERIFY(id);
    QCOMPARE(m_store->message(id)->status, Message::Status::Streaming);
    // As if the process died: nothing saved it on the way out.
    m_service.reset();
    m_store.reset();

    ConversationStore reopened;
    QVERIFY(reopened.open(m_dir->filePath(u"chats.sqlite"_s)));
    const std::optional<Message> saved = reopened.message(id);
    QVERIFY(saved);
    QCOMPARE(saved->status, Message::Status::Interrupted);
    QCOMPARE(saved->content, u"half an ans"_s);
    QCOMPARE(reopened.messages(conversation).size(), 2);
}

void TstChatService::serviceDestroyedMidAnswerSavesItInterrupted()
{
    QStringList tokens;
    for (int i = 1; i <= 300; ++i)
        tokens << u"w%1 "_s.arg(i);
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(20ms);
    const qint64 conversation = ask(u"Quit"_s);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QTRY_VERIFY_WITH_TIMEOUT(m_service->live(conversation) && m_service->live(conversation)->tokens >= 5, 10000);
    const QString shown = m_service->live(conversation)->content;
    m_service.reset(); // the app quits mid-answer
    // The cancelled request ends after the service is gone: the answer's
    // coroutine resumes and must neither crash nor overwrite what was saved.
    QTRY_COMPARE_WITH_TIMEOUT(m_fake->abortedStreams(), 1, 5000);
    QTest::qWait(50);
    const std::optional<Message> saved = answerOf(conversation);
    QCOMPARE(saved->status, Message::Status::Interrupted);
    QVERIFY(saved->content.startsWith(shown));
    QVERIFY(tokens.join(QString()).startsWith(saved->content));
}

void TstChatService::regenerateKeepsTheEarlierAnswerAsAVersion()
{
    const qint64 conversation = ask(u"Again"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    const QList<Message> before = m_store->messages(conversation);
    QCOMPARE(before.size(), 2);
    QCOMPARE(before.last().versions, 1);

    // Regenerate: a second answer to the same question, beside the first.
    m_fake->setTokens({u"Another "_s, u"answer"_s});
    QVERIFY(m_store->setLeaf(conversation, before.first().id));
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    const QList<Message> after = m_store->messages(conversation);
    QCOMPARE(after.size(), 2);
    QCOMPARE(after.first().id, before.first().id);
    QCOMPARE(after.last().content, u"Another answer"_s);
    QCOMPARE(after.last().version, 2);
    QCOMPARE(after.last().versions, 2);
    QCOMPARE(after.last().previousVersion, before.last().id);
    QCOMPARE(after.last().nextVersion, 0);
    // A page still showing (or editing) the old message cannot mistake the new one for it.
    QVERIFY(after.last().id > before.last().id);
    QCOMPARE(m_store->allMessages(conversation).size(), 3); // nothing deleted

    // The model was asked the question only, not shown the first answer.
    const QJsonArray sent = QJsonDocument::fromJson(m_fake->requests().last().body).object().value("messages"_L1).toArray();
    QCOMPARE(sent.size(), 1);

    // Back to version 1: its branch shows again, the second is kept.
    QVERIFY(m_store->selectVersion(before.last().id));
    const QList<Message> first = m_store->messages(conversation);
    QCOMPARE(first.last().id, before.last().id);
    QCOMPARE(first.last().content, FakeLlmServer::contentTokens().join(QString()));
    QCOMPARE(first.last().version, 1);
    QCOMPARE(first.last().nextVersion, after.last().id);
}

void TstChatService::stoppedAnswerIsSentWithANoteWhenTheConversationContinues()
{
    QStringList tokens;
    for (int i = 1; i <= 300; ++i)
        tokens << u"w%1 "_s.arg(i);
    m_fake->setTokens(tokens);
    m_fake->setMode(FakeLlmServer::Mode::Slow);
    m_fake->setTokenDelay(20ms);
    const qint64 conversation = ask(u"Talk"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QTRY_VERIFY_WITH_TIMEOUT(m_service->live(conversation) && m_service->live(conversation)->tokens >= 3, 10000);
    m_service->stop(conversation);
    QVERIFY(ended.wait(5000));
    const Message stopped = *answerOf(conversation);
    QCOMPARE(stopped.status, Message::Status::Stopped);

    m_fake->setMode(FakeLlmServer::Mode::Normal);
    Message next;
    next.conversation = conversation;
    next.role = u"user"_s;
    next.content = u"Go on"_s;
    QVERIFY(m_store->addMessage(next));
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));

    // The stopped text as it was, then the note that it was cut short there.
    const QJsonArray sent = QJsonDocument::fromJson(m_fake->requests().last().body).object().value("messages"_L1).toArray();
    QCOMPARE(sent.size(), 3);
    QCOMPARE(sent[0].toObject().value("content"_L1).toString(), u"Talk"_s);
    QCOMPARE(sent[1].toObject().value("role"_L1).toString(), u"assistant"_s);
    QCOMPARE(sent[1].toObject().value("content"_L1).toString(),
             stopped.content + u"\n\n"_s + ChatService::cutShortNote(Message::Status::Stopped));
    QVERIFY(ChatService::cutShortNote(Message::Status::Stopped).contains(u"stopped"_s));
    QCOMPARE(sent[2].toObject().value("content"_L1).toString(), u"Go on"_s);
    // The note is only in what is sent: the saved answer is unchanged.
    QCOMPARE(m_store->message(stopped.id)->content, stopped.content);
}

void TstChatService::systemPromptAndOptionsAreSent_data()
{
    QTest::addColumn<FakeLlmServer::Flavor>("flavor");
    QTest::newRow("openai") << FakeLlmServer::Flavor::OpenAI;
    QTest::newRow("ollama") << FakeLlmServer::Flavor::Ollama;
}

void TstChatService::systemPromptAndOptionsAreSent()
{
    QFETCH(FakeLlmServer::Flavor, flavor);
    FakeLlmServer fake(flavor);
    QVERIFY(fake.listen());
    if (flavor == FakeLlmServer::Flavor::Ollama)
        m_service->setProvider(std::make_shared<Rill::Llm::OllamaProvider>(fake.url()));
    else
        m_service->setProvider(std::make_shared<Rill::Llm::OpenAICompatibleProvider>(fake.url()));
    RillChat::ChatSettings settings(m_dir->filePath(u"config"_s));
    RillChat::GenerationSettings g;
    g.systemPrompt = u"Answer in French."_s;
    g.temperature = 0.3;
    g.topP = 0.8;
    g.maxTokens = 200;
    g.contextLength = 8192;
    QVERIFY(settings.setGeneration(g));
    m_service->setSettings(&settings);

    auto body = [&] { return QJsonDocument::fromJson(fake.requests().last().body).object(); };
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    const qint64 conversation = ask(u"Hello"_s);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    QJsonObject sent = body();
    QJsonArray messages = sent.value("messages"_L1).toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[0].toObject(), (QJsonObject{{"role"_L1, u"system"_s}, {"content"_L1, u"Answer in French."_s}}));
    QCOMPARE(messages[1].toObject().value("content"_L1).toString(), u"Hello"_s);
    if (flavor == FakeLlmServer::Flavor::OpenAI) {
        QCOMPARE(sent.value("temperature"_L1).toDouble(), 0.3);
        QCOMPARE(sent.value("top_p"_L1).toDouble(), 0.8);
        QCOMPARE(sent.value("max_tokens"_L1).toInt(), 200);
    } else {
        const QJsonObject options = sent.value("options"_L1).toObject();
        QCOMPARE(options.value("temperature"_L1).toDouble(), 0.3);
        QCOMPARE(options.value("top_p"_L1).toDouble(), 0.8);
        QCOMPARE(options.value("num_predict"_L1).toInt(), 200);
        QCOMPARE(options.value("num_ctx"_L1).toInt(), 8192);
    }

    // The conversation's own prompt wins over the default one.
    QVERIFY(m_store->setConversationSystemPrompt(conversation, u"Answer in Latin."_s));
    Message more;
    more.conversation = conversation;
    more.role = u"user"_s;
    more.content = u"More"_s;
    QVERIFY(m_store->addMessage(more));
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    messages = body().value("messages"_L1).toArray();
    QCOMPARE(messages.size(), 4);
    QCOMPARE(messages[0].toObject().value("content"_L1).toString(), u"Answer in Latin."_s);
    QCOMPARE(messages[2].toObject().value("role"_L1).toString(), u"assistant"_s);
    m_service->setSettings(nullptr);
}

void TstChatService::usageIsSaved()
{
    const qint64 conversation = ask(u"Count my tokens"_s);
    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    const std::optional<Message> saved = answerOf(conversation);
    // As tests/fakes reports them.
    QCOMPARE(saved->promptTokens, std::optional<int>(12));
    QCOMPARE(saved->completionTokens, std::optional<int>(5));
}

void TstChatService::attachmentsAreSent_data()
{
    QTest::addColumn<FakeLlmServer::Flavor>("flavor");
    QTest::newRow("openai") << FakeLlmServer::Flavor::OpenAI;
    QTest::newRow("ollama") << FakeLlmServer::Flavor::Ollama;
}

// A text file goes into the question, named and fenced (longer fences than
// any inside it); an image as the provider's wire format wants it.
void TstChatService::attachmentsAreSent()
{
    QFETCH(FakeLlmServer::Flavor, flavor);
    FakeLlmServer fake(flavor);
    QVERIFY(fake.listen());
    if (flavor == FakeLlmServer::Flavor::Ollama)
        m_service->setProvider(std::make_shared<Rill::Llm::OllamaProvider>(fake.url()));
    else
        m_service->setProvider(std::make_shared<Rill::Llm::OpenAICompatibleProvider>(fake.url()));
    const qint64 conversation = ask(u"What is in these?"_s);
    const qint64 question = m_store->messages(conversation).last().id;
    const QByteArray png = QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(100, '\x01');
    QVERIFY(m_store->addAttachments(question, {{0, u"notes.md"_s, u"text/plain"_s, 0, "Has ``` inside\n"},
                                               {0, u"cat.png"_s, u"image/png"_s, 0, png}}));
    const QList<RillChat::Attachment> listed = m_store->messages(conversation).last().attachments;
    QCOMPARE(listed.size(), 2);
    QCOMPARE(listed[1].name, u"cat.png"_s);
    QCOMPARE(listed[1].size, png.size());
    QVERIFY(listed[1].data.isEmpty()); // not loaded with the list

    QSignalSpy ended(m_service.get(), &ChatService::answerEnded);
    QVERIFY(m_service->startAnswer(conversation, u"fake-small"_s));
    QVERIFY(ended.wait(10000));
    const QJsonObject sent = QJsonDocument::fromJson(fake.requests().last().body).object();
    const QJsonObject user = sent.value("messages"_L1).toArray().last().toObject();
    const QString text = u"What is in these?\n\nFile notes.md:\n````\nHas ``` inside\n\n````"_s;
    const QString dataUrl = u"data:image/png;base64,"_s + QString::fromLatin1(png.toBase64());
    if (flavor == FakeLlmServer::Flavor::OpenAI) {
        const QJsonArray parts = user.value("content"_L1).toArray();
        QCOMPARE(parts.size(), 2);
        QCOMPARE(parts[0].toObject(), (QJsonObject{{"type"_L1, u"text"_s}, {"text"_L1, text}}));
        QCOMPARE(parts[1].toObject().value("type"_L1).toString(), u"image_url"_s);
        QCOMPARE(parts[1].toObject().value("image_url"_L1).toObject().value("url"_L1).toString(), dataUrl);
    } else {
        QCOMPARE(user.value("content"_L1).toString(), text);
        QCOMPARE(user.value("images"_L1).toArray(), (QJsonArray{QString::fromLatin1(png.toBase64())}));
    }
}

RILL_TEST_CLASS(TstChatService)
#include "tst_chatservice.moc"
