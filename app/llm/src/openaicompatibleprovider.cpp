#include <rill/llm/openaicompatibleprovider.h>
#include <rill/llm/streamparsers.h>

#include "replystream_p.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <qcoro/qcorotimer.h>

using namespace Qt::StringLiterals;

namespace Rill::Llm {

using Detail::ReplyStream;

OpenAICompatibleProvider::OpenAICompatibleProvider(const QUrl &baseUrl, QObject *parent)
    : Provider(parent), m_baseUrl(baseUrl.adjusted(QUrl::StripTrailingSlash)), m_network(new QNetworkAccessManager(this))
{
    // OPENAI_BASE_URL conventionally ends in /v1 (the OpenAI SDKs' habit);
    // llama.cpp's docs give it without. Accept both.
    QString path = m_baseUrl.path();
    if (path.endsWith(u"/v1"_s)) {
        path.chop(3);
        m_baseUrl.setPath(path);
    }
}

OpenAICompatibleProvider::~OpenAICompatibleProvider() = default;

QUrl OpenAICompatibleProvider::baseUrl() const
{
    return m_baseUrl;
}

QString OpenAICompatibleProvider::apiKey() const
{
    return m_apiKey;
}

void OpenAICompatibleProvider::setApiKey(const QString &key)
{
    m_apiKey = key;
}

QString OpenAICompatibleProvider::kind() const
{
    return u"openai"_s;
}

QString OpenAICompatibleProvider::displayName() const
{
    return u"OpenAI-compatible server at %1"_s.arg(m_baseUrl.toDisplayString());
}

QUrl OpenAICompatibleProvider::endpoint(const QString &path) const
{
    QUrl url = m_baseUrl;
    url.setPath(url.path() + u"/v1/"_s + path);
    return url;
}

QCoro::Task<QStringList> OpenAICompatibleProvider::models()
{
    QNetworkRequest request = Detail::jsonRequest(endpoint(u"models"_s));
    if (!m_apiKey.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());
    const QJsonDocument doc = co_await Detail::fetchJson(m_network, request, timeouts());
    QStringList names;
    for (const QJsonValue &model : doc.object().value("data"_L1).toArray())
        names.append(model.toObject().value("id"_L1).toString());
    names.removeAll(QString());
    co_return names;
}

QCoro::AsyncGenerator<ChatEvent> OpenAICompatibleProvider::chat(ChatRequest request, CancelToken *cancel)
{
    // Yielded as a named local: GCC 12 destroys a temporary in `co_yield f()` twice.
    ChatEvent event;
    if (cancel && cancel->isCancelled()) {
        event = ChatEvent::finished(u"cancelled"_s);
        co_yield event;
        co_return;
    }
    const QJsonArray messages = Detail::messagesJson(request.messages, Detail::ImageStyle::OpenAIParts);
    QJsonObject body{{"model"_L1, request.model}, {"messages"_L1, messages}, {"stream"_L1, true},
                     // Without it OpenAI sends no token counts in a stream; llama.cpp, vLLM and LM Studio accept it.
                     {"stream_options"_L1, QJsonObject{{"include_usage"_L1, true}}}};
    if (request.temperature)
        body.insert("temperature"_L1, *request.temperature);
    if (request.topP)
        body.insert("top_p"_L1, *request.topP);
    if (request.maxTokens)
        body.insert("max_tokens"_L1, *request.maxTokens);
    // request.contextLength: no such parameter in this API (see ChatRequest).

    QNetworkRequest http = Detail::jsonRequest(endpoint(u"chat/completions"_s));
    http.setRawHeader("Accept", "text/event-stream");
    if (!m_apiKey.isEmpty())
        http.setRawHeader("Authorization", "Bearer " + m_apiKey.toUtf8());

    ReplyStream stream(m_network->post(http, QJsonDocument(body).toJson(QJsonDocument::Compact)), timeouts(),
                       ReplyStream::Timing::Stream, cancel);
    SseParser sse;
    QByteArray errorBody;
    QString finishReason;
    Usage usage;
    Detail::EventPacer pacer;
    while (true) {
        co_await stream.wait();
        if (stream.isCancelled()) {
            event = ChatEvent::finished(u"cancelled"_s, usage);
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
        const QList<SseEvent> events = sse.feed(bytes);
        for (const SseEvent &message : events) {
            if (stream.isCancelled())
                break; // Stop was pressed while this batch was being yielded
            if (message.data == "[DONE]") {
                event = ChatEvent::finished(finishReason.isEmpty() ? u"stop"_s : finishReason, usage);
                co_yield event;
                co_return;
            }
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(message.data, &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isObject())
                throw Detail::malformedLine(message.data);
            const QJsonObject chunk = doc.object();
            if (chunk.contains("error"_L1) || message.event == "error") {
                const QString reported = Detail::errorMessageIn(doc);
                throw ProviderError(ProviderError::Kind::Server,
                                    u"The server reported an error: %1"_s.arg(reported.isEmpty() ? QString::fromUtf8(message.data) : reported));
            }
            if (const QJsonObject u = chunk.value("usage"_L1).toObject(); !u.isEmpty()) {
                usage.promptTokens = u.value("prompt_tokens"_L1).toInt(-1);
                usage.completionTokens = u.value("completion_tokens"_L1).toInt(-1);
            }
            const QJsonArray choices = chunk.value("choices"_L1).toArray();
            if (choices.isEmpty())
                continue;
            const QJsonObject choice = choices.first().toObject();
            const QJsonObject delta = choice.value("delta"_L1).toObject();
            // llama.cpp and DeepSeek say reasoning_content; vLLM and OpenRouter say reasoning.
            QString reasoning = delta.value("reasoning_content"_L1).toString();
            if (reasoning.isEmpty())
                reasoning = delta.value("reasoning"_L1).toString();
            const QString content = delta.value("content"_L1).toString();
            if (const QString reason = choice.value("finish_reason"_L1).toString(); !reason.isEmpty())
                finishReason = reason;
            if (!reasoning.isEmpty()) {
                stream.tokenSeen();
                event = ChatEvent::reasoning(reasoning);
                co_yield event;
                if (pacer.due())
                    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
            }
            if (!content.isEmpty()) {
                stream.tokenSeen();
                event = ChatEvent::content(content);
                co_yield event;
                if (pacer.due())
                    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
            }
        }
        if (finished && !stream.isCancelled())
            throw stream.error({});
    }
}

} // namespace Rill::Llm
