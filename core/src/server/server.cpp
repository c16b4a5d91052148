#include <rill/server.h>

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/request.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include "session_p.h"

#include <QAbstractHttpServer>
#include <QFile>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "rill.server", QtWarningMsg)

namespace Rill {

using detail::Session;

namespace {

const QString SocketPath = u"/rill/socket"_s;
const QString ClientPrefix = u"/rill/client/"_s;

QString newToken()
{
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words)
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray contentType(const QString &path)
{
    if (path.endsWith(u".js"_s))
        return "text/javascript; charset=utf-8";
    if (path.endsWith(u".css"_s))
        return "text/css; charset=utf-8";
    if (path.endsWith(u".map"_s) || path.endsWith(u".json"_s))
        return "application/json";
    return "application/octet-stream";
}

const char *PageShell = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="stylesheet" href="/rill/client/rill.css">
<script type="module" src="/rill/client/rill.js"></script>
</head>
<body>
<div data-rill-root data-rill-token="{{ token }}">{{ view_html|safe }}</div>
</body>
</html>
)";

} // namespace

// The HTTP side: pages, the client's files, and the WebSocket handover.
class HttpFrontend final : public QAbstractHttpServer
{
public:
    explicit HttpFrontend(Server *server) : QAbstractHttpServer(server), m_server(server) {}

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        respond(makeResponder(request, socket), 404, "text/plain; charset=utf-8", "Not found\n");
    }

private:
    static void respond(QHttpServerResponder responder, int status, const QByteArray &type, const QByteArray &body,
                        const QList<std::pair<QByteArray, QByteArray>> &extra = {})
    {
        responder.writeStatusLine(QHttpServerResponder::StatusCode(status));
        responder.writeHeader("Content-Type", type);
        responder.writeHeader("Content-Length", QByteArray::number(body.size()));
        responder.writeHeader("X-Content-Type-Options", "nosniff");
        for (const auto &h : extra)
            responder.writeHeader(h.first, h.second);
        responder.writeBody(body);
    }
    bool servePage(const QHttpServerRequest &request, QTcpSocket *socket, const Server::ViewFactory &factory);

    Server *m_server;
};

struct Server::Private
{
    HttpFrontend *http = nullptr;
    QTcpServer *tcp = nullptr;
    TemplateEngine engine;
    Template shell;
    QHash<QString, ViewFactory> routes;
    QHash<QString, Session *> sessions;
    QStringList allowedOrigins;
    int batchInterval = 16;
    int grace = 60000;
    QString title = u"Rill"_s;
    QByteArray accessToken;
    QString error;

    void scheduleEnd(Server *q, Session *session);
};

// Whether the request carries the access token, by cookie or by ?access=.
// Compared in constant time: the token is a secret.
static bool sameSecret(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

static const QByteArray AccessCookie = QByteArrayLiteral("rill_access");

static bool hasAccessCookie(const QHttpServerRequest &request, const QByteArray &token)
{
    const QList<QByteArray> cookies = request.value("Cookie").split(';');
    for (const QByteArray &c : cookies) {
        const QByteArray trimmed = c.trimmed();
        if (trimmed.startsWith(QByteArray(AccessCookie + '=')) && sameSecret(trimmed.mid(AccessCookie.size() + 1), token))
            return true;
    }
    return false;
}

static bool originAllowed(const QHttpServerRequest &request, const QStringList &extra)
{
    const QByteArray origin = request.value("Origin");
    if (origin.isEmpty())
        return false; // browsers always send one on WebSocket handshakes
    if (origin == "http://" + request.value("Host"))
        return true;
    return extra.contains(QString::fromUtf8(origin));
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Small frames must not wait for Nagle's algorithm, or batching is lost.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QString path = request.url().path();
    Server::Private *d = m_server->d.get();

    const bool gated = !d->accessToken.isEmpty();
    if (path == SocketPath) {
        if (gated && !hasAccessCookie(request, d->accessToken)) {
            respond(makeResponder(request, socket), 403, "text/plain; charset=utf-8", "Access token required\n");
            return true;
        }
        if (request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) != 0) {
            respond(makeResponder(request, socket), 400, "text/plain; charset=utf-8", "WebSocket only\n");
            return true;
        }
        if (!originAllowed(request, d->allowedOrigins)) {
            qCWarning(lcServer) << "refused WebSocket from origin" << request.value("Origin");
            respond(makeResponder(request, socket), 403, "text/plain; charset=utf-8", "Origin not allowed\n");
            return true;
        }
        return true; // writing nothing hands the socket to the WebSocket server
    }
    if (request.method() != QHttpServerRequest::Method::Get && request.method() != QHttpServerRequest::Method::Head) {
        respond(makeResponder(request, socket), 405, "text/plain; charset=utf-8", "Method not allowed\n");
        return true;
    }
    if (path == u"/favicon.ico"_s) { // browsers ask; an error would clutter consoles
        respond(makeResponder(request, socket), 204, "image/x-icon", QByteArray());
        return true;
    }
    if (path.startsWith(ClientPrefix)) {
        const QString name = path.mid(ClientPrefix.size());
        QFile file(u":/rill/client/"_s + name);
        if (name.contains(u".."_s) || !file.open(QIODevice::ReadOnly))
            return false;
        respond(makeResponder(request, socket), 200, contentType(name), file.readAll(),
                {{"Cache-Control", "no-cache"}});
        return true;
    }
    auto it = d->routes.constFind(path);
    if (it == d->routes.cend())
        return false;
    if (gated && !hasAccessCookie(request, d->accessToken)) {
        QUrlQuery query(request.url());
        const QByteArray offered = query.queryItemValue(u"access"_s).toUtf8();
        if (offered.isEmpty() || !sameSecret(offered, d->accessToken)) {
            respond(makeResponder(request, socket), 401, "text/html; charset=utf-8",
                    offered.isEmpty() ? QByteArrayLiteral("<!DOCTYPE html><title>Access token required</title>"
                                                          "<p>This server needs an access token. Open the address "
                                                          "it printed when it started (it ends in ?access=...).</p>\n")
                                      : QByteArrayLiteral("<!DOCTYPE html><title>Wrong access token</title>"
                                                          "<p>That access token is not this server's.</p>\n"));
            return true;
        }
        // Trade the token in the URL for a cookie, and drop it from the URL.
        query.removeAllQueryItems(u"access"_s);
        QUrl clean(path);
        clean.setQuery(query);
        respond(makeResponder(request, socket), 303, "text/plain; charset=utf-8", QByteArray(),
                {{"Location", clean.toString(QUrl::FullyEncoded).toUtf8()},
                 {"Set-Cookie", AccessCookie + '=' + d->accessToken + "; Path=/; HttpOnly; SameSite=Strict"}});
        return true;
    }
    return servePage(request, socket, it.value());
}

bool HttpFrontend::servePage(const QHttpServerRequest &request, QTcpSocket *socket,
                             const Server::ViewFactory &factory)
{
    Server::Private *d = m_server->d.get();
    std::unique_ptr<LiveView> view = factory();
    view->setTemplateEngine(&d->engine);
    const QString token = newToken();
    view->setCsrfToken(token);

    Request req;
    req.path = request.url().path();
    req.query = request.query();
    for (const auto &h : request.headers())
        req.headers.append({h.first, h.second});
    req.peer = request.remoteAddress();

    LiveView *rawView = view.get();
    auto *session = new Session(token, std::move(view), d->batchInterval, m_server);
    d->sessions.insert(token, session);
    QObject::connect(session, &Session::socketLost, m_server, [d, server = m_server, session] {
        d->scheduleEnd(server, session);
    });
    session->startMount(rawView->mount(req));
    Q_EMIT m_server->sessionStarted(rawView);

    TemplateError error;
    const QString html = rawView->render(&error);
    if (error.isError()) {
        respond(makeResponder(request, socket), 500, "text/plain; charset=utf-8",
                "Template error: " + error.toString().toUtf8() + "\n");
        d->sessions.remove(token);
        session->deleteLater();
        return true;
    }
    TemplateContext ctx;
    ctx.insert(u"title"_s, d->title);
    ctx.insert(u"token"_s, token);
    ctx.insert(u"view_html"_s, html);
    const QByteArray page = d->shell.render(ctx).toUtf8();
    const QByteArray host = request.value("Host");
    const QByteArray csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self' ws://" + host + " wss://" + host;
    respond(makeResponder(request, socket), 200, "text/html; charset=utf-8", page,
            {{"Content-Security-Policy", csp}, {"Cache-Control", "no-store"}, {"Referrer-Policy", "no-referrer"}});
    // A page that never connects does not keep its view forever.
    d->scheduleEnd(m_server, session);
    return true;
}

void Server::Private::scheduleEnd(Server *q, Session *session)
{
    QPointer<Session> guard(session);
    QTimer::singleShot(grace, q, [this, q, guard] {
        if (!guard || guard->hasSocket())
            return;
        if (guard->isBusy()) {
            // Ending it now would pull the view from under a running handler:
            // tell the handlers the page is gone and end it once they return.
            QObject::connect(guard.data(), &Session::idle, q, [this, q, guard] { scheduleEnd(q, guard.data()); },
                             Qt::SingleShotConnection);
            guard->view()->close();
            return;
        }
        sessions.remove(guard->token());
        guard->deleteLater();
        Q_EMIT q->sessionEnded();
    });
}

Server::Server(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->http = new HttpFrontend(this);
    d->shell = d->engine.fromString(QString::fromUtf8(PageShell), u"<page>"_s);
    connect(d->http, &QAbstractHttpServer::newWebSocketConnection, this, [this] {
        while (d->http->hasPendingWebSocketConnections()) {
            QWebSocket *socket = d->http->nextPendingWebSocketConnection().release();
            socket->setParent(this);
            // The first frame must be a join naming the session.
            auto joined = std::make_shared<bool>(false);
            connect(socket, &QWebSocket::textMessageReceived, this, [this, socket, joined](const QString &text) {
                Protocol::DecodeError decodeError;
                const auto frame = Protocol::decodeClient(text.toUtf8(), &decodeError);
                Session *session = nullptr;
                if (*joined)
                    session = qobject_cast<Session *>(socket->property("rill_session").value<QObject *>());
                if (!frame) {
                    if (session) // in the session's sequence, after what it queued
                        session->reportError(decodeError.code, decodeError.message);
                    else // before join there is no sequence yet: seq 0
                        socket->sendTextMessage(QString::fromUtf8(
                            Protocol::encode(Protocol::Error{0, decodeError.code, decodeError.message, {}})));
                    return;
                }
                if (const auto *join = std::get_if<Protocol::Join>(&*frame)) {
                    Session *target = d->sessions.value(join->token);
                    if (!target) {
                        socket->sendTextMessage(QString::fromUtf8(Protocol::encode(Protocol::Error{
                            0, Protocol::ErrorCode::UnknownSession,
                            u"no session for this token (it ended, or the server restarted): reload the page"_s, {}})));
                        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, u"unknown session"_s);
                        return;
                    }
                    *joined = true;
                    socket->setProperty("rill_session", QVariant::fromValue<QObject *>(target));
                    target->attach(socket, join->lastSeq);
                    return;
                }
                if (!session) {
                    socket->sendTextMessage(QString::fromUtf8(Protocol::encode(Protocol::Error{
                        0, Protocol::ErrorCode::NotJoined, u"send a join frame first"_s, {}})));
                    return;
                }
                session->handleFrame(*frame);
            });
        }
    });
}

Server::~Server()
{
    qDeleteAll(d->sessions);
}

void Server::route(const QString &path, ViewFactory factory) { d->routes.insert(path, std::move(factory)); }
QStringList Server::routes() const { return d->routes.keys(); }
TemplateEngine &Server::templateEngine() { return d->engine; }

bool Server::listen(const QHostAddress &address, quint16 port)
{
    auto *tcp = new QTcpServer(this);
    if (!tcp->listen(address, port)) {
        d->error = tcp->errorString();
        delete tcp;
        return false;
    }
    d->http->bind(tcp);
    d->tcp = tcp;
    d->error.clear();
    return true;
}

bool Server::isListening() const { return d->tcp && d->tcp->isListening(); }
quint16 Server::port() const { return d->tcp ? d->tcp->serverPort() : 0; }
QHostAddress Server::address() const { return d->tcp ? d->tcp->serverAddress() : QHostAddress(); }

QUrl Server::url(const QString &path) const
{
    QUrl url;
    url.setScheme(u"http"_s);
    const QHostAddress a = address();
    url.setHost(a == QHostAddress::Any || a == QHostAddress::AnyIPv4 ? u"127.0.0.1"_s : a.toString());
    url.setPort(port());
    url.setPath(path);
    return url;
}

QString Server::errorString() const { return d->error; }
void Server::setBatchInterval(int msec) { d->batchInterval = msec; }
int Server::batchInterval() const { return d->batchInterval; }
void Server::setAllowedOrigins(const QStringList &origins) { d->allowedOrigins = origins; }
QStringList Server::allowedOrigins() const { return d->allowedOrigins; }
void Server::setReconnectGrace(int msec) { d->grace = msec; }
int Server::reconnectGrace() const { return d->grace; }
void Server::setPageTitle(const QString &title) { d->title = title; }
void Server::setAccessToken(const QString &token) { d->accessToken = token.toUtf8(); }
QString Server::accessToken() const { return QString::fromUtf8(d->accessToken); }
QString Server::generateToken() { return newToken(); }
int Server::sessionCount() const { return int(d->sessions.size()); }

} // namespace Rill
