#include "replystream_p.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkRequest>

Q_LOGGING_CATEGORY(lcLlm, "rill.llm")

using namespace Qt::StringLiterals;

namespace Rill::Llm::Detail {

struct ReplyStream::State
{
    // Guarded: a provider destroyed before its stream takes its replies with it.
    QPointer<QNetworkReply> reply;
    Timeouts timeouts;
    Timing timing = Timing::Stream;
    bool finished = false;
    bool cancelled = false;
    bool timedOut = false;
    bool sawToken = false;
    bool resumeQueued = false;
    std::coroutine_handle<> waiting;
    // Declared last so it goes first: its connections must not outlive the flags.
    QTimer timer;
    QObject context;

    void wake(const std::shared_ptr<State> &self)
    {
        if (!waiting || resumeQueued)
            return;
        resumeQueued = true;
        // Posted to the application object, not to `context`: the resumed
        // coroutine may destroy this state, and an object must not be deleted
        // while it is delivering its own event.
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [weak = std::weak_ptr<State>(self)] {
                std::coroutine_handle<> handle;
                if (auto state = weak.lock()) {
                    state->resumeQueued = false;
                    handle = std::exchange(state->waiting, {});
                }
                if (handle)
                    handle.resume();
            },
            Qt::QueuedConnection);
    }
};

ReplyStream::ReplyStream(QNetworkReply *reply, const Timeouts &timeouts, Timing timing, CancelToken *cancel)
    : m_state(std::make_shared<State>())
{
    State *s = m_state.get();
    s->reply = reply;
    s->timeouts = timeouts;
    s->timing = timing;
    s->timer.setSingleShot(true);
    const std::weak_ptr<State> weak = m_state;
    auto wake = [weak] {
        if (auto state = weak.lock())
            state->wake(state);
    };

    QObject::connect(reply, &QNetworkReply::readyRead, &s->context, [s, wake] {
        if (s->sawToken && s->timing == Timing::Stream)
            s->timer.start(s->timeouts.idle);
        wake();
    });
    QObject::connect(reply, &QNetworkReply::finished, &s->context, [s, wake] {
        s->finished = true;
        s->timer.stop();
        wake();
    });
    QObject::connect(reply, &QObject::destroyed, &s->context, wake);
    QObject::connect(&s->timer, &QTimer::timeout, &s->context, [s, wake] {
        s->timedOut = true;
        if (s->reply)
            s->reply->abort();
        wake();
    });
    if (cancel) {
        QObject::connect(cancel, &CancelToken::cancelled, &s->context, [s, wake] {
            s->cancelled = true;
            s->timer.stop();
            if (s->reply)
                s->reply->abort();
            wake();
        });
        if (cancel->isCancelled()) {
            s->cancelled = true;
            reply->abort();
        }
    }
    if (!s->cancelled && !reply->isFinished())
        s->timer.start(timing == Timing::Stream ? timeouts.firstToken : timeouts.request);
    s->finished = reply->isFinished();
}

ReplyStream::~ReplyStream()
{
    QPointer<QNetworkReply> reply = m_state->reply;
    m_state.reset(); // disconnects first: aborting emits finished
    if (!reply)
        return;
    if (reply->isRunning())
        reply->abort();
    reply->deleteLater();
}

void ReplyStream::Awaiter::await_suspend(std::coroutine_handle<> handle) noexcept
{
    stream->m_state->waiting = handle;
}

bool ReplyStream::hasNews() const
{
    const State &s = *m_state;
    return s.finished || s.cancelled || s.timedOut || !s.reply || s.reply->bytesAvailable() > 0;
}

QByteArray ReplyStream::readAll()
{
    // An aborted reply is closed; reading it would only warn.
    if (!m_state->reply || !m_state->reply->isOpen())
        return {};
    return m_state->reply->readAll();
}

bool ReplyStream::isFinished() const
{
    return m_state->finished || !m_state->reply;
}

bool ReplyStream::isCancelled() const
{
    return m_state->cancelled;
}

bool ReplyStream::isTimedOut() const
{
    return m_state->timedOut;
}

int ReplyStream::httpStatus() const
{
    if (!m_state->reply)
        return 0;
    return m_state->reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

void ReplyStream::tokenSeen()
{
    State &s = *m_state;
    if (s.sawToken || s.timing != Timing::Stream)
        return;
    s.sawToken = true;
    if (!s.finished && !s.cancelled && !s.timedOut)
        s.timer.start(s.timeouts.idle);
}

ProviderError ReplyStream::error(const QByteArray &body) const
{
    const State &s = *m_state;
    if (!s.reply)
        return ProviderError(ProviderError::Kind::Connection, u"The provider was closed during the request."_s);
    if (s.timedOut) {
        if (s.timing == Timing::Request)
            return ProviderError(ProviderError::Kind::Timeout,
                                 u"No answer from %1 within %2 s."_s.arg(s.reply->url().authority(),
                                                                         seconds(s.timeouts.request)));
        if (!s.sawToken)
            return ProviderError(ProviderError::Kind::Timeout,
                                 u"No answer from the model within %1 s."_s.arg(seconds(s.timeouts.firstToken)));
        return ProviderError(ProviderError::Kind::Timeout,
                             u"The model stopped responding: nothing received for %1 s."_s.arg(seconds(s.timeouts.idle)));
    }
    if (const int status = httpStatus(); status >= 300)
        return httpError(status, s.reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray(), body);
    if (s.reply->error() == QNetworkReply::NoError || (httpStatus() != 0 && s.reply->error() == QNetworkReply::RemoteHostClosedError))
        return cutError();
    return networkError(*s.reply);
}

QString seconds(std::chrono::milliseconds duration)
{
    return QString::number(double(duration.count()) / 1000.0, 'g', 4);
}

ProviderError networkError(const QNetworkReply &reply)
{
    const QUrl url = reply.url();
    const QString where = url.port() < 0 ? url.host() : u"%1:%2"_s.arg(url.host()).arg(url.port());
    using E = QNetworkReply::NetworkError;
    switch (reply.error()) {
    case E::ConnectionRefusedError:
        return ProviderError(ProviderError::Kind::Connection,
                             u"Could not connect to %1: connection refused. Is the server running?"_s.arg(where));
    case E::HostNotFoundError:
        return ProviderError(ProviderError::Kind::Connection, u"Could not find the host %1."_s.arg(url.host()));
    case E::RemoteHostClosedError:
        return ProviderError(ProviderError::Kind::Connection,
                             u"%1 closed the connection without answering."_s.arg(where));
    case E::TimeoutError:
        return ProviderError(ProviderError::Kind::Timeout, u"The connection to %1 timed out."_s.arg(where));
    case E::SslHandshakeFailedError:
        return ProviderError(ProviderError::Kind::Connection,
                             u"Could not make a secure connection to %1: %2"_s.arg(where, reply.errorString()));
    default:
        return ProviderError(ProviderError::Kind::Connection,
                             u"Could not talk to %1: %2"_s.arg(where, reply.errorString()));
    }
}

QString errorMessageIn(const QJsonDocument &doc)
{
    const QJsonObject object = doc.object();
    const QJsonValue error = object.value("error"_L1);
    if (error.isObject()) {
        const QString message = error.toObject().value("message"_L1).toString();
        if (!message.isEmpty())
            return message;
    }
    if (error.isString())
        return error.toString();
    if (const QString message = object.value("message"_L1).toString(); !message.isEmpty())
        return message;
    const QJsonValue detail = object.value("detail"_L1); // FastAPI-based servers
    if (detail.isString())
        return detail.toString();
    if (detail.isArray() && detail.toArray().first().isObject())
        return detail.toArray().first().toObject().value("msg"_L1).toString();
    return {};
}

ProviderError httpError(int status, const QByteArray &reasonPhrase, const QByteArray &body)
{
    QString message = errorMessageIn(QJsonDocument::fromJson(body));
    if (message.isEmpty()) {
        const QString text = QString::fromUtf8(body).trimmed();
        // A short plain-text body is usually the message; an HTML error page is noise.
        if (!text.isEmpty() && text.size() <= 200 && !text.startsWith(u'<'))
            message = text;
        else
            message = QString::fromUtf8(reasonPhrase);
    }
    QString text = u"The server returned HTTP %1"_s.arg(status);
    if (!message.isEmpty())
        text += u": "_s + message;
    return ProviderError(ProviderError::Kind::Http, text, status);
}

ProviderError malformedLine(const QByteArray &line)
{
    QString shown = QString::fromUtf8(line);
    if (shown.size() > 100)
        shown = shown.first(100) + u'…';
    return ProviderError(ProviderError::Kind::Protocol, u"The server sent a malformed stream line: %1"_s.arg(shown));
}

ProviderError cutError()
{
    return ProviderError(ProviderError::Kind::Cut, u"The connection closed before the answer was complete."_s);
}

QJsonArray messagesJson(const QList<ChatMessage> &messages, ImageStyle images)
{
    QJsonArray out;
    for (const ChatMessage &m : messages) {
        QJsonObject message{{"role"_L1, m.role}, {"content"_L1, m.content}};
        if (!m.images.isEmpty() && images == ImageStyle::OpenAIParts) {
            QJsonArray parts{QJsonObject{{"type"_L1, "text"_L1}, {"text"_L1, m.content}}};
            for (const ChatImage &image : m.images) {
                const QString url = u"data:"_s + image.mimeType + u";base64,"_s + QString::fromLatin1(image.data.toBase64());
                parts.append(QJsonObject{{"type"_L1, "image_url"_L1}, {"image_url"_L1, QJsonObject{{"url"_L1, url}}}});
            }
            message.insert("content"_L1, parts);
        } else if (!m.images.isEmpty()) {
            QJsonArray list;
            for (const ChatImage &image : m.images)
                list.append(QString::fromLatin1(image.data.toBase64()));
            message.insert("images"_L1, list);
        }
        out.append(message);
    }
    return out;
}

QNetworkRequest jsonRequest(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json"_ba);
    // The providers' own timers decide; Qt's default would cut a slow model off.
    request.setTransferTimeout(0);
    return request;
}

QCoro::Task<QJsonDocument> fetchJson(QNetworkAccessManager *network, QNetworkRequest request, Timeouts timeouts)
{
    ReplyStream stream(network->get(request), timeouts, ReplyStream::Timing::Request);
    QByteArray body;
    while (true) {
        co_await stream.wait();
        body += stream.readAll();
        if (stream.isTimedOut())
            throw stream.error(body);
        if (stream.isFinished())
            break;
    }
    if (stream.httpStatus() >= 300 || stream.httpStatus() == 0)
        throw stream.error(body);
    QJsonParseError parseError;
    QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        throw ProviderError(ProviderError::Kind::Protocol,
                            u"The server's answer to %1 is not JSON: %2"_s.arg(request.url().path(), parseError.errorString()));
    co_return doc;
}

} // namespace Rill::Llm::Detail
