#pragma once

// A real HTTP/1.1 server on 127.0.0.1 that speaks the OpenAI chat-completions
// SSE protocol or Ollama's NDJSON one, with modes for the failures a
// provider must survive. Written on QTcpServer so every byte, chunk
// boundary, delay and cut is under the test's control.
//
//   FakeLlmServer server(FakeLlmServer::Flavor::OpenAI);
//   server.setMode(FakeLlmServer::Mode::Cut);
//   QVERIFY(server.listen());
//   OpenAICompatibleProvider provider(server.url());
//   ... the answer ends in ProviderError after FakeLlmServer::cutAfter tokens

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <chrono>

class QTcpServer;
class QTcpSocket;

namespace RillTest {

class FakeLlmServer : public QObject
{
    Q_OBJECT
public:
    enum class Flavor { OpenAI, Ollama };
    Q_ENUM(Flavor)
    enum class Mode {
        Normal,         //!< contentTokens(), with awkward-but-legal framing
        Reasoning,      //!< reasoningTokens() on the thinking channel, then contentTokens()
        Slow,           //!< Normal with tokenDelay() between tokens
        Unauthorized,   //!< 401 (OpenAI) / 404 model not found (Ollama), with a JSON error body
        ServerError,    //!< 500 with a JSON error body
        Malformed,      //!< cutAfter tokens, then a line that is not JSON
        Cut,            //!< cutAfter tokens, then the connection closes mid-body
        ErrorInStream,  //!< cutAfter tokens, then an error object in the stream
        Hang,           //!< accepts the request and never answers
        Stall,          //!< one token, then silence with the connection open
    };
    Q_ENUM(Mode)

    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; // names lower-cased
        QByteArray body;
    };

    static constexpr int cutAfter = 2;
    static QStringList contentTokens();
    static QStringList reasoningTokens();
    static QByteArray errorMessage(Flavor flavor, Mode mode);

    explicit FakeLlmServer(Flavor flavor, QObject *parent = nullptr);
    ~FakeLlmServer() override;

    bool listen(quint16 port = 0);
    void close();
    quint16 port() const;
    //! http://127.0.0.1:PORT
    QUrl url() const;

    Mode mode() const { return m_mode; }
    void setMode(Mode mode) { m_mode = mode; }
    std::chrono::milliseconds tokenDelay() const { return m_tokenDelay; }
    void setTokenDelay(std::chrono::milliseconds delay) { m_tokenDelay = delay; }
    //! The answer's tokens; contentTokens() unless set (the framing quirks apply to any list).
    QStringList tokens() const { return m_tokens; }
    void setTokens(const QStringList &tokens) { m_tokens = tokens; }
    QStringList models() const { return m_models; }
    void setModels(const QStringList &models) { m_models = models; }

    QList<Request> requests() const { return m_requests; }
    //! Streamed answers the client hung up on before the server finished them.
    int abortedStreams() const { return m_abortedStreams; }
    int activeStreams() const { return m_activeStreams; }

Q_SIGNALS:
    void requestReceived();
    void streamAborted();

private:
    struct Step
    {
        enum class Kind { Chunk, End, Cut, Hold } kind = Kind::Chunk;
        QByteArray bytes;
        std::chrono::milliseconds delay{0};
    };
    struct Connection;

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void respond(QTcpSocket *socket, const Request &request);
    void sendPlain(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &body);
    void sendStream(QTcpSocket *socket, const QByteArray &contentType, QList<Step> steps);
    void runStep(QTcpSocket *socket);
    bool runFirstStep(QTcpSocket *socket); // true: the next step may follow
    QList<Step> openAiSteps() const;
    QList<Step> ollamaSteps() const;

    Flavor m_flavor;
    Mode m_mode = Mode::Normal;
    std::chrono::milliseconds m_tokenDelay{40};
    QStringList m_models;
    QStringList m_tokens = contentTokens();
    QTcpServer *m_server;
    QHash<QTcpSocket *, Connection *> m_connections;
    QList<Request> m_requests;
    int m_abortedStreams = 0;
    int m_activeStreams = 0;
};

} // namespace RillTest
