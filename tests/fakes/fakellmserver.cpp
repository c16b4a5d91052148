#include "fakellmserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace RillTest {

struct FakeLlmServer::Connection
{
    QByteArray buffer;
    QList<Step> steps;
    bool streaming = false;
};

QStringList FakeLlmServer::contentTokens()
{
    // Multi-byte characters, so a chunk cut inside one proves decoding waits for whole lines.
    return {u"Hello"_s, u","_s, u" world"_s, u"! Café ☕"_s, u" 🚀"_s};
}

QStringList FakeLlmServer::reasoningTokens()
{
    return {u"The user"_s, u" greets me."_s};
}

QByteArray FakeLlmServer::errorMessage(Flavor flavor, Mode mode)
{
    switch (mode) {
    case Mode::Unauthorized:
        return flavor == Flavor::OpenAI ? "Incorrect API key provided."_ba
                                        : "model \"nope\" not found, try pulling it first"_ba;
    case Mode::ServerError:
        return flavor == Flavor::OpenAI ? "The server had an error while processing your request."_ba
                                        : "llama runner process has terminated: signal: killed"_ba;
    case Mode::ErrorInStream:
        return "The model crashed."_ba;
    default:
        return {};
    }
}

FakeLlmServer::FakeLlmServer(Flavor flavor, QObject *parent)
    : QObject(parent), m_flavor(flavor), m_models{u"fake-small"_s, u"fake-large:latest"_s}, m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeLlmServer::onNewConnection);
}

FakeLlmServer::~FakeLlmServer()
{
    // The sockets die with m_server, after this; they must not call back into a half-destroyed server.
    for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it)
        it.key()->disconnect(this);
    qDeleteAll(m_connections);
    m_connections.clear();
}

bool FakeLlmServer::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

void FakeLlmServer::close()
{
    m_server->close();
}

quint16 FakeLlmServer::port() const
{
    return m_server->serverPort();
}

QUrl FakeLlmServer::url() const
{
    return QUrl(u"http://127.0.0.1:%1"_s.arg(port()));
}

void FakeLlmServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        // Each chunk its own segment: the client must cope with lines cut anywhere.
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        m_connections.insert(socket, new Connection);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            Connection *c = m_connections.take(socket);
            if (c && c->streaming) {
                --m_activeStreams;
                ++m_abortedStreams;
                Q_EMIT streamAborted();
            }
            delete c;
            socket->deleteLater();
        });
    }
}

void FakeLlmServer::onReadyRead(QTcpSocket *socket)
{
    Connection *c = m_connections.value(socket);
    if (!c)
        return;
    c->buffer += socket->readAll();
    while (!c->streaming) {
        const qsizetype headerEnd = c->buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        Request request;
        const QList<QByteArray> lines = c->buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.path = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length"_ba).toLongLong();
        if (c->buffer.size() < headerEnd + 4 + length)
            return;
        request.body = c->buffer.mid(headerEnd + 4, length);
        c->buffer.remove(0, headerEnd + 4 + length);
        m_requests.append(request);
        Q_EMIT requestReceived();
        respond(socket, request);
        if (!m_connections.contains(socket))
            return;
    }
}

void FakeLlmServer::sendPlain(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &body)
{
    socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\nContent-Type: application/json\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\nConnection: keep-alive\r\n\r\n" + body);
}

void FakeLlmServer::respond(QTcpSocket *socket, const Request &request)
{
    if (m_mode == Mode::Hang)
        return;
    const bool openAi = m_flavor == Flavor::OpenAI;
    const QByteArray chatPath = openAi ? "/v1/chat/completions"_ba : "/api/chat"_ba;
    const QByteArray modelsPath = openAi ? "/v1/models"_ba : "/api/tags"_ba;
    if (request.path != chatPath && request.path != modelsPath) {
        sendPlain(socket, 404, "Not Found", R"({"error":"not found"})"_ba);
        return;
    }
    if (m_mode == Mode::Unauthorized || m_mode == Mode::ServerError) {
        const QString message = QString::fromUtf8(errorMessage(m_flavor, m_mode));
        const QJsonObject body = openAi ? QJsonObject{{"error"_L1, QJsonObject{{"message"_L1, message}, {"type"_L1, "invalid_request_error"_L1}}}}
                                        : QJsonObject{{"error"_L1, message}};
        const bool unauthorized = m_mode == Mode::Unauthorized;
        sendPlain(socket, unauthorized ? (openAi ? 401 : 404) : 500,
                  unauthorized ? (openAi ? "Unauthorized"_ba : "Not Found"_ba) : "Internal Server Error"_ba,
                  QJsonDocument(body).toJson(QJsonDocument::Compact));
        return;
    }
    if (request.path == modelsPath) {
        QJsonArray list;
        for (const QString &m : std::as_const(m_models))
            list.append(openAi ? QJsonObject{{"id"_L1, m}, {"object"_L1, "model"_L1}, {"owned_by"_L1, "fake"_L1}}
                               : QJsonObject{{"name"_L1, m}, {"model"_L1, m}, {"size"_L1, 1234}});
        const QJsonObject body = openAi ? QJsonObject{{"object"_L1, "list"_L1}, {"data"_L1, list}} : QJsonObject{{"models"_L1, list}};
        sendPlain(socket, 200, "OK", QJsonDocument(body).toJson(QJsonDocument::Compact));
        return;
    }
    if (openAi)
        sendStream(socket, "text/event-stream", openAiSteps());
    else
        sendStream(socket, "application/x-ndjson", ollamaSteps());
}

static QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QList<FakeLlmServer::Step> FakeLlmServer::openAiSteps() const
{
    const auto delta = [](const char *key, const QString &text) {
        return json({{"id"_L1, "chatcmpl-1"_L1},
                     {"object"_L1, "chat.completion.chunk"_L1},
                     {"choices"_L1, QJsonArray{QJsonObject{{"index"_L1, 0},
                                                           {"delta"_L1, QJsonObject{{QLatin1StringView(key), text}}},
                                                           {"finish_reason"_L1, QJsonValue::Null}}}}});
    };
    // Reasoning is paced too, so a thinking channel can be seen streaming.
    const auto between = (m_mode == Mode::Slow || m_mode == Mode::Reasoning) ? m_tokenDelay : 0ms;
    QList<Step> steps;
    steps.append({Step::Kind::Chunk, ": the fake is warming up\n\n"_ba, 0ms});
    steps.append({Step::Kind::Chunk, "data: " + delta("role", u"assistant"_s) + "\r\n\r\n", 0ms});
    if (m_mode == Mode::Reasoning) {
        const QStringList reasoning = reasoningTokens();
        // Both spellings servers use for the thinking channel.
        steps.append({Step::Kind::Chunk, "data: " + delta("reasoning_content", reasoning[0]) + "\n\n", between});
        steps.append({Step::Kind::Chunk, "data: " + delta("reasoning", reasoning[1]) + "\n\n", between});
    }
    const QStringList &tokens = m_tokens;
    const bool failing = m_mode == Mode::Malformed || m_mode == Mode::Cut || m_mode == Mode::ErrorInStream || m_mode == Mode::Stall;
    const int count = int(std::min<qsizetype>(tokens.size(), m_mode == Mode::Stall ? 1 : failing ? cutAfter : tokens.size()));
    for (int i = 0; i < count; ++i) {
        const QByteArray data = delta("content", tokens[i]);
        switch (i) {
        case 1: { // one line in two TCP writes
            const QByteArray line = "data: " + data + "\n\n";
            steps.append({Step::Kind::Chunk, line.left(20), between});
            steps.append({Step::Kind::Chunk, line.mid(20), 10ms});
            break;
        }
        case 2: { // one event over two data: lines; JSON allows the newline that joins them
            const qsizetype cut = data.indexOf("\"choices\"");
            steps.append({Step::Kind::Chunk, "data: " + data.left(cut) + "\ndata: " + data.mid(cut) + "\n\n", between});
            break;
        }
        case 3: { // cut inside a UTF-8 sequence
            const QByteArray line = "data: " + data + "\r\n\r\n";
            qsizetype cut = line.indexOf("\xC3\xA9") + 1;
            if (cut <= 0) // a token list without é: cut mid-line anyway
                cut = line.size() / 2;
            steps.append({Step::Kind::Chunk, line.left(cut), between});
            steps.append({Step::Kind::Chunk, line.mid(cut), 10ms});
            break;
        }
        default:
            steps.append({Step::Kind::Chunk, "data: " + data + "\n\n", between});
        }
    }
    switch (m_mode) {
    case Mode::Malformed:
        steps.append({Step::Kind::Chunk, "data: {\"choices\":[{\"delta\":{\"content\":\"oops\"\n\n"_ba, between});
        steps.append({Step::Kind::End, {}, 0ms});
        return steps;
    case Mode::Cut:
        steps.append({Step::Kind::Cut, {}, between});
        return steps;
    case Mode::ErrorInStream:
        steps.append({Step::Kind::Chunk,
                      "data: " + json({{"error"_L1, QJsonObject{{"message"_L1, QString::fromUtf8(errorMessage(m_flavor, m_mode))},
                                                                {"type"_L1, "server_error"_L1}}}}) + "\n\n",
                      between});
        steps.append({Step::Kind::End, {}, 0ms});
        return steps;
    case Mode::Stall:
        steps.append({Step::Kind::Hold, {}, 0ms});
        return steps;
    default:
        break;
    }
    steps.append({Step::Kind::Chunk,
                  "data: " + json({{"choices"_L1, QJsonArray{QJsonObject{{"index"_L1, 0}, {"delta"_L1, QJsonObject{}}, {"finish_reason"_L1, "stop"_L1}}}}}) + "\n\n",
                  between});
    steps.append({Step::Kind::Chunk,
                  "data: " + json({{"choices"_L1, QJsonArray{}},
                                   {"usage"_L1, QJsonObject{{"prompt_tokens"_L1, 12}, {"completion_tokens"_L1, 5}, {"total_tokens"_L1, 17}}}}) + "\n\n",
                  0ms});
    steps.append({Step::Kind::Chunk, "data: [DONE]\n\n"_ba, 0ms});
    steps.append({Step::Kind::End, {}, 0ms});
    return steps;
}

QList<FakeLlmServer::Step> FakeLlmServer::ollamaSteps() const
{
    const auto line = [](const QString &content, const QString &thinking = {}) {
        QJsonObject message{{"role"_L1, "assistant"_L1}, {"content"_L1, content}};
        if (!thinking.isEmpty())
            message.insert("thinking"_L1, thinking);
        return json({{"model"_L1, "fake-small"_L1}, {"created_at"_L1, "2025-01-01T00:00:00Z"_L1}, {"message"_L1, message}, {"done"_L1, false}});
    };
    // Reasoning is paced too, so a thinking channel can be seen streaming.
    const auto between = (m_mode == Mode::Slow || m_mode == Mode::Reasoning) ? m_tokenDelay : 0ms;
    QList<Step> steps;
    if (m_mode == Mode::Reasoning) {
        for (const QString &thought : reasoningTokens())
            steps.append({Step::Kind::Chunk, line({}, thought) + "\n", between});
    }
    const QStringList &tokens = m_tokens;
    const bool failing = m_mode == Mode::Malformed || m_mode == Mode::Cut || m_mode == Mode::ErrorInStream || m_mode == Mode::Stall;
    const int count = int(std::min<qsizetype>(tokens.size(), m_mode == Mode::Stall ? 1 : failing ? cutAfter : tokens.size()));
    for (int i = 0; i < count; ++i) {
        const QByteArray text = line(tokens[i]);
        if (i == 1) { // one line in two TCP writes
            steps.append({Step::Kind::Chunk, text.left(15), between});
            steps.append({Step::Kind::Chunk, text.mid(15) + "\n", 10ms});
        } else if (i == 3) { // cut inside a UTF-8 sequence, and a CRLF line end
            qsizetype cut = text.indexOf("\xC3\xA9") + 1;
            if (cut <= 0)
                cut = text.size() / 2;
            steps.append({Step::Kind::Chunk, text.left(cut), between});
            steps.append({Step::Kind::Chunk, text.mid(cut) + "\r\n", 10ms});
        } else {
            steps.append({Step::Kind::Chunk, text + "\n", between});
        }
    }
    switch (m_mode) {
    case Mode::Malformed:
        steps.append({Step::Kind::Chunk, "{\"message\":{\"content\":\n"_ba, between});
        steps.append({Step::Kind::End, {}, 0ms});
        return steps;
    case Mode::Cut:
        steps.append({Step::Kind::Cut, {}, between});
        return steps;
    case Mode::ErrorInStream:
        steps.append({Step::Kind::Chunk, json({{"error"_L1, QString::fromUtf8(errorMessage(m_flavor, m_mode))}}) + "\n", between});
        steps.append({Step::Kind::End, {}, 0ms});
        return steps;
    case Mode::Stall:
        steps.append({Step::Kind::Hold, {}, 0ms});
        return steps;
    default:
        break;
    }
    steps.append({Step::Kind::Chunk,
                  json({{"model"_L1, "fake-small"_L1},
                        {"created_at"_L1, "2025-01-01T00:00:01Z"_L1},
                        {"message"_L1, QJsonObject{{"role"_L1, "assistant"_L1}, {"content"_L1, ""_L1}}},
                        {"done_reason"_L1, "stop"_L1},
                        {"done"_L1, true},
                        {"total_duration"_L1, 123456},
                        {"prompt_eval_count"_L1, 12},
                        {"eval_count"_L1, 5}}) + "\n",
                  between});
    steps.append({Step::Kind::End, {}, 0ms});
    return steps;
}

void FakeLlmServer::sendStream(QTcpSocket *socket, const QByteArray &contentType, QList<Step> steps)
{
    Connection *c = m_connections.value(socket);
    c->streaming = true;
    c->steps = std::move(steps);
    ++m_activeStreams;
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: " + contentType
                  + "\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nCache-Control: no-cache\r\n\r\n");
    runStep(socket);
}

void FakeLlmServer::runStep(QTcpSocket *socket)
{
    // Steps without a delay run one after the other in this loop, not each
    // inside the last (50,000 tokens would be 50,000 calls deep), a
    // thousand per turn of the event loop: the client may share the thread.
    int inThisTurn = 0;
    while (Connection *c = m_connections.value(socket)) {
        if (c->steps.isEmpty())
            return;
        std::chrono::milliseconds delay = c->steps.first().delay;
        if (delay == 0ms && ++inThisTurn > 1000)
            delay = 1ms; // a turn of the event loop, then on
        if (delay != 0ms) {
            QTimer::singleShot(delay, socket, [this, socket] {
                if (runFirstStep(socket))
                    runStep(socket);
            });
            return;
        }
        if (!runFirstStep(socket))
            return;
    }
}

bool FakeLlmServer::runFirstStep(QTcpSocket *socket)
{
    Connection *c = m_connections.value(socket);
    if (!c || c->steps.isEmpty())
        return false;
    const Step step = c->steps.takeFirst();
    switch (step.kind) {
    case Step::Kind::Chunk:
        socket->write(QByteArray::number(step.bytes.size(), 16) + "\r\n" + step.bytes + "\r\n");
        socket->flush();
        return true;
    case Step::Kind::End:
        socket->write("0\r\n\r\n");
        c->streaming = false;
        --m_activeStreams;
        onReadyRead(socket); // a pipelined request may be waiting
        return false;
    case Step::Kind::Cut:
        c->streaming = false; // the server's own doing, not the client's
        --m_activeStreams;
        socket->flush();
        socket->disconnectFromHost();
        return false;
    case Step::Kind::Hold:
        return false;
    }
    return false;
}

} // namespace RillTest
