#include <rill/llm/demoprovider.h>
#include <rill/llm/ollamaprovider.h>
#include <rill/llm/openaicompatibleprovider.h>
#include <rill/llm/providerconfig.h>

#include "fakellmserver.h"
#include "testregistry.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>
#include <QTimer>

#include <functional>

using namespace Rill::Llm;
using namespace RillTest;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

using Flavor = FakeLlmServer::Flavor;
using Mode = FakeLlmServer::Mode;

Q_DECLARE_METATYPE(ProviderError::Kind)

namespace {

// What a consumer saw of one answer; exceptions are caught inside the
// coroutine because QCoro::waitFor would never return from one.
struct Outcome
{
    QStringList content;
    QStringList reasoning;
    int finishedEvents = 0;
    QString finishReason;
    Usage usage;
    QString error;
    ProviderError::Kind errorKind = ProviderError::Kind::Connection;
};

using OnEvent = std::function<bool(const ChatEvent &)>; // false: break out of the loop

QCoro::Task<Outcome> collect(Provider *provider, ChatRequest request, CancelToken *cancel = nullptr, OnEvent onEvent = {})
{
    Outcome out;
    try {
        QCORO_FOREACH (const ChatEvent &event, provider->chat(std::move(request), cancel)) {
            switch (event.kind) {
            case ChatEvent::Kind::Content:
                out.content.append(event.text);
                break;
            case ChatEvent::Kind::Reasoning:
                out.reasoning.append(event.text);
                break;
            case ChatEvent::Kind::Finished:
                ++out.finishedEvents;
                out.finishReason = event.finishReason;
                out.usage = event.usage;
                break;
            }
            if (onEvent && !onEvent(event))
                break;
        }
    } catch (const ProviderError &e) {
        out.error = e.message();
        out.errorKind = e.kind();
    }
    co_return out;
}

QCoro::Task<QString> modelsOrError(Provider *provider, QStringList *models)
{
    try {
        *models = co_await provider->models();
    } catch (const ProviderError &e) {
        co_return e.message();
    }
    co_return QString();
}

ChatRequest hello()
{
    ChatRequest request;
    request.model = u"fake-small"_s;
    request.messages = {{u"system"_s, u"Be brief."_s}, {u"user"_s, u"Hi there"_s}};
    request.temperature = 0.25;
    return request;
}

// Generous, so a loaded machine does not turn a pass into a timeout...
Timeouts testTimeouts()
{
    Timeouts t;
    t.firstToken = 5s;
    t.idle = 5s;
    t.request = 5s;
    return t;
}

// ...and short where the timeout is what is tested.
Timeouts shortTimeouts()
{
    Timeouts t;
    t.firstToken = 300ms;
    t.idle = 300ms;
    t.request = 300ms;
    return t;
}

std::unique_ptr<Provider> providerFor(Flavor flavor, const QUrl &url)
{
    std::unique_ptr<Provider> p;
    if (flavor == Flavor::OpenAI)
        p = std::make_unique<OpenAICompatibleProvider>(url);
    else
        p = std::make_unique<OllamaProvider>(url);
    p->setTimeouts(testTimeouts());
    return p;
}

// A port nothing listens on: bound, then released.
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QString withPort(QString text, quint16 port)
{
    return text.replace(u"PORT"_s, QString::number(port));
}

} // namespace

// Both HTTP providers against real HTTP servers on 127.0.0.1 that speak
// the wire protocols, plus the demo provider and discovery.
class TstProviders : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streamsTokens_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<QStringList>("reasoning");
        const QStringList none;
        QTest::newRow("openai") << Flavor::OpenAI << Mode::Normal << none;
        QTest::newRow("openai reasoning") << Flavor::OpenAI << Mode::Reasoning << FakeLlmServer::reasoningTokens();
        QTest::newRow("openai slow") << Flavor::OpenAI << Mode::Slow << none;
        QTest::newRow("ollama") << Flavor::Ollama << Mode::Normal << none;
        QTest::newRow("ollama thinking") << Flavor::Ollama << Mode::Reasoning << FakeLlmServer::reasoningTokens();
        QTest::newRow("ollama slow") << Flavor::Ollama << Mode::Slow << none;
    }

    void streamsTokens()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Mode, mode);
        QFETCH(QStringList, reasoning);
        FakeLlmServer server(flavor);
        server.setMode(mode);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());

        // Arrival times: a slow server's tokens must come out as they arrive, not at the end.
        QElapsedTimer clock;
        clock.start();
        QList<qint64> arrivals;
        const Outcome out = QCoro::waitFor(collect(provider.get(), hello(), nullptr, [&](const ChatEvent &) {
            arrivals.append(clock.elapsed());
            return true;
        }));

        QCOMPARE(out.error, QString());
        QCOMPARE(out.content, FakeLlmServer::contentTokens());
        QCOMPARE(out.reasoning, reasoning);
        QCOMPARE(out.finishedEvents, 1);
        QCOMPARE(out.finishReason, u"stop"_s);
        QCOMPARE(out.usage.promptTokens, 12);
        QCOMPARE(out.usage.completionTokens, 5);
        if (mode == Mode::Slow) {
            const qint64 spread = arrivals.last() - arrivals.first();
            QVERIFY2(spread >= 3 * server.tokenDelay().count(), qPrintable(u"tokens spread over %1 ms"_s.arg(spread)));
        }
    }

    // A server that sends a long answer at once (a fast local model, or a
    // hostile one; here a thousand tokens per write): every token still comes, and the event loop runs
    // between bounded runs of them. Before, each token's resumption nested
    // in the previous one's where the compiler made no tail call of it (the
    // sanitizer build: rill-chat's stack overflowed at 1,500 tokens), and
    // the event loop waited for the whole burst.
    void burstOfTokens_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::newRow("openai") << Flavor::OpenAI;
        QTest::newRow("ollama") << Flavor::Ollama;
    }

    void burstOfTokens()
    {
        QFETCH(Flavor, flavor);
        FakeLlmServer server(flavor);
        QStringList tokens;
        for (int i = 1; i <= 20'000; ++i)
            tokens.append(u"w%1 "_s.arg(i));
        server.setTokens(tokens);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        // The server shares this thread: under a sanitizer on a busy
        // machine its first thousand tokens take a while to write.
        provider->setTimeouts({});

        int sinceTurn = 0;
        int longestRun = 0;
        QTimer turns;
        turns.setInterval(0);
        QObject::connect(&turns, &QTimer::timeout, &turns, [&] { sinceTurn = 0; });
        turns.start();
        const Outcome out = QCoro::waitFor(collect(provider.get(), hello(), nullptr, [&](const ChatEvent &) {
            longestRun = std::max(longestRun, ++sinceTurn);
            return true;
        }));
        QCOMPARE(out.error, QString());
        QCOMPARE(out.content, tokens);
        QCOMPARE(out.finishedEvents, 1);
        QVERIFY2(longestRun <= Rill::Llm::MaxEventsPerTurn,
                 qPrintable(u"%1 events without a turn of the event loop"_s.arg(longestRun)));
    }

    void sendsTheRequest_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<QString>("apiKey");
        QTest::newRow("openai with key") << Flavor::OpenAI << u"sk-test-123"_s;
        QTest::newRow("openai without key") << Flavor::OpenAI << QString();
        QTest::newRow("ollama") << Flavor::Ollama << QString();
    }

    void sendsTheRequest()
    {
        QFETCH(Flavor, flavor);
        QFETCH(QString, apiKey);
        FakeLlmServer server(flavor);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        if (auto *openai = qobject_cast<OpenAICompatibleProvider *>(provider.get()))
            openai->setApiKey(apiKey);
        QStringList models;
        QCOMPARE(QCoro::waitFor(modelsOrError(provider.get(), &models)), QString());
        QCOMPARE(QCoro::waitFor(collect(provider.get(), hello())).error, QString());

        const QList<FakeLlmServer::Request> requests = server.requests();
        QCOMPARE(requests.size(), 2);
        const FakeLlmServer::Request chat = requests.last();
        QCOMPARE(chat.method, "POST"_ba);
        QCOMPARE(chat.path, flavor == Flavor::OpenAI ? "/v1/chat/completions"_ba : "/api/chat"_ba);
        QCOMPARE(chat.headers.value("content-type"_ba), "application/json"_ba);
        const QJsonObject body = QJsonDocument::fromJson(chat.body).object();
        QCOMPARE(body.value("model"_L1).toString(), u"fake-small"_s);
        QCOMPARE(body.value("stream"_L1).toBool(), true);
        const QJsonArray messages = body.value("messages"_L1).toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[1].toObject().value("role"_L1).toString(), u"user"_s);
        QCOMPARE(messages[1].toObject().value("content"_L1).toString(), u"Hi there"_s);
        const QJsonValue temperature = flavor == Flavor::OpenAI ? body.value("temperature"_L1)
                                                                : body.value("options"_L1).toObject().value("temperature"_L1);
        QCOMPARE(temperature.toDouble(), 0.25);

        for (const FakeLlmServer::Request &r : requests) {
            const QByteArray expected = apiKey.isEmpty() ? QByteArray() : "Bearer " + apiKey.toUtf8();
            QCOMPARE(r.headers.value("authorization"_ba), expected);
        }
    }

    void sendsTheGenerationOptions_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::newRow("openai") << Flavor::OpenAI;
        QTest::newRow("ollama") << Flavor::Ollama;
    }

    // Each option as its API names it: OpenAI temperature, top_p,
    // max_tokens (no context length in that API); Ollama the same under
    // options as temperature, top_p, num_predict, num_ctx. The system
    // prompt is the first message in both.
    void sendsTheGenerationOptions()
    {
        QFETCH(Flavor, flavor);
        FakeLlmServer server(flavor);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        ChatRequest request = hello();
        request.messages.first().content = u"You are a pirate."_s;
        request.temperature = 0.7;
        request.topP = 0.9;
        request.maxTokens = 64;
        request.contextLength = 4096;
        QCOMPARE(QCoro::waitFor(collect(provider.get(), request)).error, QString());

        const QJsonObject body = QJsonDocument::fromJson(server.requests().last().body).object();
        const QJsonArray messages = body.value("messages"_L1).toArray();
        QCOMPARE(messages[0].toObject(), (QJsonObject{{"role"_L1, u"system"_s}, {"content"_L1, u"You are a pirate."_s}}));
        if (flavor == Flavor::OpenAI) {
            QCOMPARE(body.value("temperature"_L1).toDouble(), 0.7);
            QCOMPARE(body.value("top_p"_L1).toDouble(), 0.9);
            QCOMPARE(body.value("max_tokens"_L1).toInt(), 64);
            QVERIFY(!body.contains("options"_L1));
            QVERIFY(!body.contains("num_ctx"_L1));
        } else {
            const QJsonObject options = body.value("options"_L1).toObject();
            QCOMPARE(options.value("temperature"_L1).toDouble(), 0.7);
            QCOMPARE(options.value("top_p"_L1).toDouble(), 0.9);
            QCOMPARE(options.value("num_predict"_L1).toInt(), 64);
            QCOMPARE(options.value("num_ctx"_L1).toInt(), 4096);
            QCOMPARE(options.size(), 4);
            QVERIFY(!body.contains("temperature"_L1));
        }

        // Unset options are not sent: the server's defaults apply.
        ChatRequest plain;
        plain.model = u"fake-small"_s;
        plain.messages = {{u"user"_s, u"Hi"_s}};
        QCOMPARE(QCoro::waitFor(collect(provider.get(), plain)).error, QString());
        const QJsonObject bare = QJsonDocument::fromJson(server.requests().last().body).object();
        for (const char *key : {"temperature", "top_p", "max_tokens", "options", "num_ctx"})
            QVERIFY2(!bare.contains(QLatin1StringView(key)), key);
        QCOMPARE(bare.value("messages"_L1).toArray().size(), 1);
    }

    void listsModels_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::newRow("openai /v1/models") << Flavor::OpenAI;
        QTest::newRow("ollama /api/tags") << Flavor::Ollama;
    }

    void listsModels()
    {
        QFETCH(Flavor, flavor);
        FakeLlmServer server(flavor);
        server.setModels({u"qwen2.5:7b"_s, u"llama3.2:latest"_s});
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        QStringList models;
        QCOMPARE(QCoro::waitFor(modelsOrError(provider.get(), &models)), QString());
        QCOMPARE(models, (QStringList{u"qwen2.5:7b"_s, u"llama3.2:latest"_s}));
        QCOMPARE(server.requests().first().path, flavor == Flavor::OpenAI ? "/v1/models"_ba : "/api/tags"_ba);
    }

    void modelListFailures_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<bool>("refused");
        QTest::addColumn<QString>("error");
        QTest::newRow("openai 401") << Flavor::OpenAI << Mode::Unauthorized << false
                                    << u"The server returned HTTP 401: Incorrect API key provided."_s;
        QTest::newRow("ollama 500") << Flavor::Ollama << Mode::ServerError << false
                                    << u"The server returned HTTP 500: llama runner process has terminated: signal: killed"_s;
        QTest::newRow("openai refused") << Flavor::OpenAI << Mode::Normal << true
                                        << u"Could not connect to 127.0.0.1:PORT: connection refused. Is the server running?"_s;
        QTest::newRow("ollama no answer") << Flavor::Ollama << Mode::Hang << false << u"No answer from 127.0.0.1:PORT within 0.3 s."_s;
    }

    void modelListFailures()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Mode, mode);
        QFETCH(bool, refused);
        QFETCH(QString, error);
        FakeLlmServer server(flavor);
        server.setMode(mode);
        QVERIFY(server.listen());
        const quint16 port = refused ? closedPort() : server.port();
        auto provider = providerFor(flavor, QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
        if (mode == Mode::Hang)
            provider->setTimeouts(shortTimeouts());
        QStringList models;
        QCOMPARE(QCoro::waitFor(modelsOrError(provider.get(), &models)), withPort(error, port));
        QVERIFY(models.isEmpty());
    }

    void failures_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<bool>("refused");
        QTest::addColumn<int>("partialTokens");
        QTest::addColumn<ProviderError::Kind>("kind");
        QTest::addColumn<QString>("error");
        using K = ProviderError::Kind;
        const int cut = FakeLlmServer::cutAfter;

        QTest::newRow("openai 401") << Flavor::OpenAI << Mode::Unauthorized << false << 0 << K::Http
                                    << u"The server returned HTTP 401: Incorrect API key provided."_s;
        QTest::newRow("openai 500") << Flavor::OpenAI << Mode::ServerError << false << 0 << K::Http
                                    << u"The server returned HTTP 500: The server had an error while processing your request."_s;
        QTest::newRow("openai refused") << Flavor::OpenAI << Mode::Normal << true << 0 << K::Connection
                                        << u"Could not connect to 127.0.0.1:PORT: connection refused. Is the server running?"_s;
        QTest::newRow("openai malformed line") << Flavor::OpenAI << Mode::Malformed << false << cut << K::Protocol
                                               << uR"(The server sent a malformed stream line: {"choices":[{"delta":{"content":"oops")"_s;
        QTest::newRow("openai cut mid-answer") << Flavor::OpenAI << Mode::Cut << false << cut << K::Cut
                                               << u"The connection closed before the answer was complete."_s;
        QTest::newRow("openai error in stream") << Flavor::OpenAI << Mode::ErrorInStream << false << cut << K::Server
                                                << u"The server reported an error: The model crashed."_s;
        QTest::newRow("openai first-token timeout") << Flavor::OpenAI << Mode::Hang << false << 0 << K::Timeout
                                                    << u"No answer from the model within 0.3 s."_s;
        QTest::newRow("openai idle timeout") << Flavor::OpenAI << Mode::Stall << false << 1 << K::Timeout
                                             << u"The model stopped responding: nothing received for 0.3 s."_s;

        QTest::newRow("ollama 404") << Flavor::Ollama << Mode::Unauthorized << false << 0 << K::Http
                                    << uR"(The server returned HTTP 404: model "nope" not found, try pulling it first)"_s;
        QTest::newRow("ollama 500") << Flavor::Ollama << Mode::ServerError << false << 0 << K::Http
                                    << u"The server returned HTTP 500: llama runner process has terminated: signal: killed"_s;
        QTest::newRow("ollama refused") << Flavor::Ollama << Mode::Normal << true << 0 << K::Connection
                                        << u"Could not connect to 127.0.0.1:PORT: connection refused. Is the server running?"_s;
        QTest::newRow("ollama malformed line") << Flavor::Ollama << Mode::Malformed << false << cut << K::Protocol
                                               << uR"(The server sent a malformed stream line: {"message":{"content":)"_s;
        QTest::newRow("ollama cut mid-answer") << Flavor::Ollama << Mode::Cut << false << cut << K::Cut
                                               << u"The connection closed before the answer was complete."_s;
        QTest::newRow("ollama error in stream") << Flavor::Ollama << Mode::ErrorInStream << false << cut << K::Server
                                                << u"The server reported an error: The model crashed."_s;
        QTest::newRow("ollama first-token timeout") << Flavor::Ollama << Mode::Hang << false << 0 << K::Timeout
                                                    << u"No answer from the model within 0.3 s."_s;
        QTest::newRow("ollama idle timeout") << Flavor::Ollama << Mode::Stall << false << 1 << K::Timeout
                                             << u"The model stopped responding: nothing received for 0.3 s."_s;
    }

    void failures()
    {
        QFETCH(Flavor, flavor);
        QFETCH(Mode, mode);
        QFETCH(bool, refused);
        QFETCH(int, partialTokens);
        QFETCH(ProviderError::Kind, kind);
        QFETCH(QString, error);
        FakeLlmServer server(flavor);
        server.setMode(mode);
        QVERIFY(server.listen());
        const quint16 port = refused ? closedPort() : server.port();
        auto provider = providerFor(flavor, QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
        if (mode == Mode::Hang || mode == Mode::Stall)
            provider->setTimeouts(shortTimeouts());

        const Outcome out = QCoro::waitFor(collect(provider.get(), hello()));
        QCOMPARE(out.error, withPort(error, port));
        QCOMPARE(out.errorKind, kind);
        QCOMPARE(out.content, FakeLlmServer::contentTokens().first(partialTokens));
        QCOMPARE(out.finishedEvents, 0);
    }

    void cancelAbortsTheRequest_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::addColumn<bool>("fromInsideTheLoop");
        QTest::newRow("openai, Stop while waiting") << Flavor::OpenAI << false;
        QTest::newRow("openai, Stop between tokens") << Flavor::OpenAI << true;
        QTest::newRow("ollama, Stop while waiting") << Flavor::Ollama << false;
        QTest::newRow("ollama, Stop between tokens") << Flavor::Ollama << true;
    }

    void cancelAbortsTheRequest()
    {
        QFETCH(Flavor, flavor);
        QFETCH(bool, fromInsideTheLoop);
        FakeLlmServer server(flavor);
        server.setMode(Mode::Slow);
        server.setTokenDelay(150ms);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        CancelToken cancel;
        // The chat's Stop handler runs while the ask handler is suspended in the stream:
        // either while the generator waits for bytes, or right after a token.
        const Outcome out = QCoro::waitFor(collect(provider.get(), hello(), &cancel, [&](const ChatEvent &e) {
            if (e.kind == ChatEvent::Kind::Content && !cancel.isCancelled()) {
                if (fromInsideTheLoop)
                    cancel.cancel();
                else
                    QTimer::singleShot(50ms, &cancel, &CancelToken::cancel);
            }
            return true;
        }));
        QCOMPARE(out.error, QString());
        QCOMPARE(out.content, FakeLlmServer::contentTokens().first(1));
        QCOMPARE(out.finishedEvents, 1);
        QCOMPARE(out.finishReason, u"cancelled"_s);
        QTRY_COMPARE_WITH_TIMEOUT(server.abortedStreams(), 1, 2000);
    }

    void destroyingTheGeneratorAborts_data()
    {
        QTest::addColumn<Flavor>("flavor");
        QTest::newRow("openai") << Flavor::OpenAI;
        QTest::newRow("ollama") << Flavor::Ollama;
    }

    void destroyingTheGeneratorAborts()
    {
        QFETCH(Flavor, flavor);
        FakeLlmServer server(flavor);
        server.setMode(Mode::Slow);
        server.setTokenDelay(150ms);
        QVERIFY(server.listen());
        auto provider = providerFor(flavor, server.url());
        const Outcome out = QCoro::waitFor(collect(provider.get(), hello(), nullptr, [](const ChatEvent &) { return false; }));
        QCOMPARE(out.content, FakeLlmServer::contentTokens().first(1));
        QTRY_COMPARE_WITH_TIMEOUT(server.abortedStreams(), 1, 2000);
    }

    void cancelledBeforeStartSendsNothing()
    {
        FakeLlmServer server(Flavor::OpenAI);
        QVERIFY(server.listen());
        auto provider = providerFor(Flavor::OpenAI, server.url());
        CancelToken cancel;
        cancel.cancel();
        const Outcome out = QCoro::waitFor(collect(provider.get(), hello(), &cancel));
        QCOMPARE(out.finishReason, u"cancelled"_s);
        QVERIFY(out.content.isEmpty());
        QTest::qWait(50);
        QVERIFY(server.requests().isEmpty());
    }

    void demoStreamsItsAnswer()
    {
        DemoProvider demo;
        demo.setTokensPerSecond(5000);
        QVERIFY(demo.isDemo());
        QStringList models;
        QCOMPARE(QCoro::waitFor(modelsOrError(&demo, &models)), QString());
        QCOMPARE(models, QStringList{u"offline-demo"_s});

        const Outcome out = QCoro::waitFor(collect(&demo, {u"offline-demo"_s, {{u"user"_s, u"What is Rill?"_s}}}));
        QCOMPARE(out.error, QString());
        QCOMPARE(out.finishReason, u"stop"_s);
        QVERIFY(!out.reasoning.isEmpty());
        QVERIFY(out.content.size() > 50);
        const QString answer = out.content.join(QString());
        QCOMPARE(answer, DemoProvider::answer(u"What is Rill?"_s));
        QVERIFY(answer.contains(u"offline demo"_s));
        QVERIFY(answer.contains(u"`What is Rill?`"_s));
        QVERIFY(answer.contains(u"```python\n"_s));
    }

    void demoPacesAndCancels()
    {
        DemoProvider demo;
        demo.setTokensPerSecond(100);
        CancelToken cancel;
        QElapsedTimer clock;
        clock.start();
        int events = 0;
        const Outcome out = QCoro::waitFor(collect(&demo, {u"offline-demo"_s, {{u"user"_s, u"Hi"_s}}}, &cancel, [&](const ChatEvent &) {
            if (++events == 20)
                cancel.cancel();
            return true;
        }));
        QCOMPARE(out.finishReason, u"cancelled"_s);
        QCOMPARE(out.content.size() + out.reasoning.size(), 20);
        QVERIFY2(clock.elapsed() >= 150, "20 tokens at 100/s take about 200 ms");
    }

    void ollamaHostUrl_data()
    {
        QTest::addColumn<QString>("ollamaHost");
        QTest::addColumn<QUrl>("url");
        QTest::newRow("unset") << QString() << QUrl(u"http://127.0.0.1:11434"_s);
        QTest::newRow("listen address") << u"0.0.0.0"_s << QUrl(u"http://127.0.0.1:11434"_s);
        QTest::newRow("host:port") << u"gpu-box:9000"_s << QUrl(u"http://gpu-box:9000"_s);
        QTest::newRow("url with scheme keeps its default port") << u"https://ollama.example/"_s << QUrl(u"https://ollama.example"_s);
    }

    void ollamaHostUrl()
    {
        QFETCH(QString, ollamaHost);
        QFETCH(QUrl, url);
        QCOMPARE(OllamaProvider::hostUrl(ollamaHost), url);
    }

    void openAiBaseUrl_data()
    {
        QTest::addColumn<QUrl>("given");
        QTest::addColumn<QUrl>("base");
        QTest::newRow("bare") << QUrl(u"http://127.0.0.1:8080"_s) << QUrl(u"http://127.0.0.1:8080"_s);
        QTest::newRow("with /v1") << QUrl(u"https://api.openai.com/v1"_s) << QUrl(u"https://api.openai.com"_s);
        QTest::newRow("with /v1/") << QUrl(u"http://h:1234/v1/"_s) << QUrl(u"http://h:1234"_s);
        QTest::newRow("proxy prefix") << QUrl(u"http://h/llm/v1"_s) << QUrl(u"http://h/llm"_s);
    }

    void openAiBaseUrl()
    {
        QFETCH(QUrl, given);
        QFETCH(QUrl, base);
        QCOMPARE(OpenAICompatibleProvider(given).baseUrl(), base);
    }

    void configFromEnvironment_data()
    {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("displayName");
        QTest::newRow("OPENAI_BASE_URL") << QStringList{u"OPENAI_BASE_URL=http://127.0.0.1:1234/v1"_s, u"OLLAMA_HOST=x"_s} << u"openai"_s
                                         << u"OpenAI-compatible server at http://127.0.0.1:1234"_s;
        QTest::newRow("OLLAMA_HOST") << QStringList{u"OLLAMA_HOST=127.0.0.1:9"_s} << u"ollama"_s << u"Ollama at http://127.0.0.1:9"_s;
        QTest::newRow("OPENAI_API_KEY alone is OpenAI") << QStringList{u"OPENAI_API_KEY=sk-x"_s} << u"openai"_s
                                                        << u"OpenAI-compatible server at https://api.openai.com"_s;
    }

    void configFromEnvironment()
    {
        QFETCH(QStringList, env);
        QFETCH(QString, kind);
        QFETCH(QString, displayName);
        QProcessEnvironment environment;
        for (const QString &pair : std::as_const(env))
            environment.insert(pair.section(u'=', 0, 0), pair.section(u'=', 1));
        ProviderConfig config = ProviderConfig::fromEnvironment(environment);
        // Configured providers are used as given: nothing is probed.
        config.probeOllama = config.probeLlamaCpp = QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort()));
        const std::unique_ptr<Provider> provider = QCoro::waitFor(createProvider(config));
        QCOMPARE(provider->kind(), kind);
        QCOMPARE(provider->displayName(), displayName);
    }

    void discovery_data()
    {
        QTest::addColumn<QString>("running"); // which fake answers: ollama, llamacpp, both, hung, none
        QTest::addColumn<QString>("kind");
        QTest::newRow("a local Ollama") << u"ollama"_s << u"ollama"_s;
        QTest::newRow("a llama.cpp server") << u"llamacpp"_s << u"openai"_s;
        QTest::newRow("both: Ollama first") << u"both"_s << u"ollama"_s;
        QTest::newRow("one that never answers") << u"hung"_s << u"demo"_s;
        QTest::newRow("nothing: the demo") << u"none"_s << u"demo"_s;
    }

    void discovery()
    {
        QFETCH(QString, running);
        QFETCH(QString, kind);
        FakeLlmServer ollama(Flavor::Ollama);
        FakeLlmServer llamaCpp(Flavor::OpenAI);
        ollama.setMode(running == u"hung"_s ? Mode::Hang : Mode::Normal);
        const bool ollamaUp = running == u"ollama"_s || running == u"both"_s || running == u"hung"_s;
        const bool llamaUp = running == u"llamacpp"_s || running == u"both"_s;
        QVERIFY(ollama.listen());
        QVERIFY(llamaCpp.listen());
        ProviderConfig config = ProviderConfig::fromEnvironment(QProcessEnvironment());
        config.probeOllama = ollamaUp ? ollama.url() : QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort()));
        config.probeLlamaCpp = llamaUp ? llamaCpp.url() : QUrl(u"http://127.0.0.1:%1"_s.arg(closedPort()));
        config.probeTimeout = 300ms;
        config.timeouts = testTimeouts();

        QElapsedTimer clock;
        clock.start();
        const std::unique_ptr<Provider> provider = QCoro::waitFor(createProvider(config));
        QCOMPARE(provider->kind(), kind);
        QCOMPARE(provider->isDemo(), kind == u"demo"_s);
        QVERIFY2(clock.elapsed() < 1500, "discovery waits one short probe timeout at most");
        // The provider found is the one configured for chat: its timeouts are the config's, not the probe's.
        QCOMPARE(provider->timeouts().request, testTimeouts().request);
        if (kind != u"demo"_s) {
            const Outcome out = QCoro::waitFor(collect(provider.get(), hello()));
            QCOMPARE(out.content, FakeLlmServer::contentTokens());
        }
    }
};

RILL_TEST_CLASS(TstProviders)
#include "tst_providers.moc"
