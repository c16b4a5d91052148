#include <rill/llm/ollamaprovider.h>
#include <rill/llm/streamparsers.h>

#include "replystream_p.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <qcoro/qcorotimer.h>

using namespace Qt::StringLiterals;

namespace Rill::Llm {

using Detail::ReplyStream;

OllamaProvider::OllamaProvider(const QUrl &host, QObject *parent)
    : Provider(parent), m_host(host.adjusted(QUrl::StripTrailingSlash)), m_network(new QNetworkAccessManager(this))
{
}

OllamaProvider::~OllamaProvider() = default;

QUrl OllamaProvider::hostUrl(const QString &ollamaHost)
{
    QString text = ollamaHost.trimmed();
    if (text.isEmpty())
        text = u"127.0.0.1"_s;
    // As Ollama reads it: without a scheme the port defaults to 11434, with
    // one to the scheme's own.
    const bool bare = !text.contains(u"://"_s);
    if (bare)
        text.prepend(u"http://"_s);
    QUrl url(text);
    if (bare && url.port() < 0)
        url.setPort(11434);
    if (url.host() == u"0.0.0.0"_s)
        url.setHost(u"127.0.0.1"_s);
    if (url.path() == u"/"_s)
        url.setPath(QString());
    return url.adjusted(QUrl::StripTrailingSlash);
}

QUrl OllamaProvider::host() const
{
    return m_host;
}

QString OllamaProvider::kind() const
{
    return u"ollama"_s;
}

QString OllamaProvider::displayName() const
{
    return u"Ollama at %1"_s.arg(m_host.toDisplayString());
}

QUrl OllamaProvider::endpoint(const QString &path) const
{
    QUrl url = m_host;
    url.setPath(url.path() + u"/api/"_s + path);
    return url;
}

QCoro::Task<QStringList> OllamaProvider::models()
{
    const QJsonDocument doc = co_await Detail::fetchJson(m_network, Detail::jsonRequest(endpoint(u"tags"_s)), timeouts());
    QStringList names;
    for (const QJsonValue &model : doc.object().value("models"_L1).toArray())
        names.append(model.toObject().value("name"_L1).toString());
    names.removeAll(QString());
    co_return names;
}

QCoro::AsyncGenerator<ChatEvent> OllamaProvider::chat(ChatRequest request, CancelToken *cancel)
{
    // Yielded as a named local: GCC 12 destroys a temporary in `co_yield f()` twice.
    ChatEvent event;
    if (cancel && cancel->isCancelled()) {
        event = ChatEvent::finished(u"cancelled"_s);
        co_yield event;
        co_return;
    }
    const QJsonArray messages = Detail::messagesJson(request.messages, Detail::ImageStyle::OllamaImages);
    QJsonObject options;
    if (request.temperature)
        options.insert("temperature"_L1, *request.temperature);
    if (request.topP)
        options.insert("top_p"_L1, *request.topP);
    if (request.maxTokens)
        options.insert("num_predict"_L1, *request.maxTokens);
    if (request.contextLength)
        options.insert("num_ctx"_L1, *request.contextLength);
    QJsonObject body{{"model"_L1, request.model}, {"messages"_L1, messages}, {"stream"_L1, true}};
    if (!options.isEmpty())
        body.insert("options"_L1, options);

    ReplyStream stream(m_network->post(Detail::jsonRequest(endpoint(u"chat"_s)), QJsonDocument(body).toJson(QJsonDocument::Compact)),
                       timeouts(), ReplyStream::Timing::Stream, cancel);
    NdjsonParser ndjson;
    QByteArray errorBody;
    Detail::EventPacer pacer;
    while (true) {
        co_await stream.wait();
        if (stream.isCancelled()) {
            event = ChatEvent::finished(u"cancelled"_s);
            co_yield event;
            co_return;
        }
        // Taken before reading: finished then, all it sent is in what is
        // read now (more may arrive while the events below are yielded).
        const bool finished = stream.isFinished();
        const QByteArray bytes = stream.readAll();
        if (stream.isTimedOut())
            throw stream.error({});
        if (const int status = stream.httpStatus(); status == 0 || status >= 300) {
            errorBody += bytes;
            if (finished)
                throw stream.error(errorBody);
            continue;
        }
        QList<QByteArray> lines = ndjson.feed(bytes);
        if (finished)
            if (QByteArray last = ndjson.finish(); !last.isEmpty())
                lines.append(last);
        for (const QByteArray &line : std::as_const(lines)) {
            if (stream.isCancelled())
                break; // Stop was pressed while this batch was being yielded
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isObject())
                throw Detail::malformedLine(line);
            const QJsonObject chunk = doc.object();
            if (chunk.contains("error"_L1))
                throw ProviderError(ProviderError::Kind::Server,
                                    u"The server reported an error: %1"_s.arg(Detail::errorMessageIn(doc)));
            const QJsonObject message = chunk.value("message"_L1).toObject();
            if (const QString thinking = message.value("thinking"_L1).toString(); !thinking.isEmpty()) {
                stream.tokenSeen();
                event = ChatEvent::reasoning(thinking);
                co_yield event;
                if (pacer.due())
                    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
            }
            if (const QString content = message.value("content"_L1).toString(); !content.isEmpty()) {
                stream.tokenSeen();
                event = ChatEvent::content(content);
                co_yield event;
                if (pacer.due())
                    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
            }
            if (chunk.value("done"_L1).toBool()) {
                const Usage usage{chunk.value("prompt_eval_count"_L1).toInt(-1), chunk.value("eval_count"_L1).toInt(-1)};
                const QString reason = chunk.value("done_reason"_L1).toString();
                event = ChatEvent::finished(reason.isEmpty() ? u"stop"_s : reason, usage);
                co_yield event;
                co_return;
            }
        }
        if (finished && !stream.isCancelled())
            throw stream.error({});
    }
}

} // namespace Rill::Llm
