#include <rill/server.h>

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/pubsub.h>
#include <rill/request.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include "../net/connection_p.h"
#include "../net/listener_p.h"
#include "../net/reactor_p.h"
#include "pagesecurity_p.h"
#include "session_p.h"
#include "ticker_p.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QMessageAuthenticationCode>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>

#include <deque>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServer, "rill.server", QtWarningMsg)

namespace Rill {

using namespace detail;

namespace {

const QByteArray SocketPath = "/rill/socket";
const QByteArray LoginPath = "/rill/login";
const QByteArray ClientPrefix = "/rill/client/";

QString newToken()
{
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words)
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

// Compared in constant time: tokens and cookies are secrets.
bool sameSecret(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

QByteArray contentType(QStringView path)
{
    static const std::pair<const char16_t *, const char *> types[] = {
        {u".js", "text/javascript; charset=utf-8"},  {u".mjs", "text/javascript; charset=utf-8"},
        {u".css", "text/css; charset=utf-8"},        {u".html", "text/html; charset=utf-8"},
        {u".json", "application/json"},              {u".map", "application/json"},
        {u".svg", "image/svg+xml"},                  {u".png", "image/png"},
        {u".jpg", "image/jpeg"},                     {u".jpeg", "image/jpeg"},
        {u".gif", "image/gif"},                      {u".webp", "image/webp"},
        {u".ico", "image/x-icon"},                   {u".woff2", "font/woff2"},
        {u".woff", "font/woff"},                     {u".ttf", "font/ttf"},
        {u".txt", "text/plain; charset=utf-8"},
    };
    for (const auto &[suffix, type] : types)
        if (path.endsWith(QStringView(suffix), Qt::CaseInsensitive))
            return type;
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
<div data-rill-root data-rill-token="{{ token }}"{% if instance %} data-rill-instance="{{ instance }}"{% endif %}{% if dev %} data-rill-dev{% endif %}>{{ view_html|safe }}</div>
</body>
</html>
)";

// The access form, for browsers without the cookie.
const char *LoginShell = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ heading }} · {{ title }}</title>
<link rel="stylesheet" href="/rill/client/rill.css">
</head>
<body class="rill-login">
<form method="post" action="/rill/login">
<h1>{{ heading }}</h1>
<p>{{ message }}</p>
<input type="hidden" name="next" value="{{ next }}">
<label>Access token <input type="password" name="token" autocomplete="current-password" autofocus required></label>
<button type="submit">Open</button>
</form>
</body>
</html>
)";

using Headers = QList<std::pair<QByteArray, QByteArray>>;

Headers baseHeaders(const QByteArray &type)
{
    return {{"Content-Type", type}, {"X-Content-Type-Options", "nosniff"}};
}

// A Host header's host and port; IPv6 literals keep their brackets off.
struct HostPort
{
    QString host;
    int port = -1;
    bool valid = false;
};

HostPort splitHost(QByteArrayView value)
{
    HostPort hp;
    QString text = QString::fromLatin1(value).trimmed().toLower();
    if (text.isEmpty())
        return hp;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 0)
            return hp;
        hp.host = text.mid(1, close - 1);
        text = text.mid(close + 1);
        if (text.startsWith(u':'))
            text = text.mid(1);
        else if (!text.isEmpty())
            return hp;
    } else {
        const qsizetype colon = text.lastIndexOf(u':');
        hp.host = colon < 0 ? text : text.left(colon);
        text = colon < 0 ? QString() : text.mid(colon + 1);
    }
    if (!text.isEmpty()) {
        bool ok = false;
        hp.port = text.toInt(&ok);
        if (!ok || hp.port < 0 || hp.port > 65535)
            return hp;
    }
    hp.valid = !hp.host.isEmpty();
    return hp;
}

struct StaticMount
{
    QString prefix;    // "/static/"
    QString directory; // a folder or ":/resource/path"
};

struct ConnectionInfo
{
    QPointer<Session> session; // once joined
    qint64 phaseStart = 0;     // HTTP: since the request began (or the last ended); WS: since the upgrade
    bool upgraded = false;
};

} // namespace

struct Server::Private : public ConnectionOwner
{
    explicit Private(Server *q)
        : q(q), reactor(q), listener(&reactor, [this](int fd, const QHostAddress &peer) { accepted(fd, peer); }, q),
          ticker(&monotonicMsecs, q)
    {
        // Tighter than the engine's own defaults: every render here runs on
        // the one thread that serves every page.
        engine.setMaxOutputSize(16 * 1024 * 1024);
        engine.setMaxRenderTime(std::chrono::milliseconds(2000));
        shell = engine.fromString(QString::fromUtf8(PageShell), u"<page>"_s);
        loginShell = engine.fromString(QString::fromUtf8(LoginShell), u"<login>"_s);
        sweepTimer.setInterval(500);
        QObject::connect(&sweepTimer, &QTimer::timeout, q, [this] { sweep(); });
    }

    // ---- ConnectionOwner
    void httpRequest(Connection *c, const HttpRequest &request, const QByteArray &body) override;
    void httpError(Connection *c, int status, const QString &message) override;
    void webSocketMessage(Connection *c, const QByteArray &payload) override;
    void drained(Connection *c) override;
    void closed(Connection *c) override;

    void accepted(int fd, const QHostAddress &peer);
    void sweep();
    Connection::Limits connectionLimits() const
    {
        Connection::Limits l;
        l.http.maxHeadBytes = limits.maxRequestHeadBytes;
        l.http.maxBodyBytes = limits.maxRequestBodyBytes;
        l.webSocket.maxMessageBytes = limits.maxMessageBytes;
        return l;
    }

    bool hostAllowed(const HttpRequest &request) const;
    bool originAllowed(const HttpRequest &request) const;
    bool secureRequest(const Connection *c, const HttpRequest &request) const;
    QByteArray cookieName(bool secure) const;
    QByteArray cookieValue() const;
    bool hasAccess(const HttpRequest &request) const;
    QByteArray setCookieHeader(bool secure) const;

    void upgradeSocket(Connection *c, const HttpRequest &request);
    void servePage(Connection *c, const HttpRequest &request, const QString &path, const ViewFactory &factory,
                   bool headOnly);
    bool serveFile(Connection *c, const HttpRequest &request, const QString &resourcePath, bool headOnly);
    void serveLogin(Connection *c, const HttpRequest &request, int status, const QString &heading,
                    const QString &message, const QString &next);
    void login(Connection *c, const HttpRequest &request, const QByteArray &body);
    void respondText(Connection *c, const HttpRequest &request, int status, const QByteArray &text,
                     const Headers &extra = {});
    void scheduleEnd(Session *session);

    Server *q;
    Reactor reactor;
    Listener listener;
    Ticker ticker;
    TemplateEngine engine;
    PubSub pubsub;
    Template shell;
    Template loginShell;
    QHash<QString, ViewFactory> routes;
    QList<StaticMount> statics;
    QHash<QString, Session *> sessions;
    QHash<Connection *, ConnectionInfo> connections;
    QHash<QHostAddress, int> perAddress;
    QStringList allowedOrigins;
    QStringList allowedHosts;
    ServerLimits limits;
    QTimer sweepTimer;
    int batchInterval = 16;
    int grace = 60000;
    QString title = u"Rill"_s;
    QByteArray accessToken;
    QHash<QByteArray, qint64> accessCodes; // one-time code -> expiry (monotonic ms)
    QHash<QHostAddress, std::deque<qint64>> failedLogins;
    qint64 droppedSlowReaders = 0;
    bool devMode = false;
    bool patches = true;
    QString instance; // this process among several (sticky routing)
    QString error;
};

// ---------------------------------------------------------------- connections

void Server::Private::accepted(int fd, const QHostAddress &peer)
{
    const bool counted = limits.limitLoopback || !peer.isLoopback();
    const char *refusal = nullptr;
    if (connections.size() >= limits.maxConnections)
        refusal = "the server is at its connection limit";
    else if (counted && perAddress.value(peer) >= limits.maxConnectionsPerAddress)
        refusal = "too many connections from your address";
    if (refusal) {
        // A short answer and gone, without buffering anything for it.
        const QByteArray body = QByteArray(refusal) + '\n';
        const QByteArray reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                 "Retry-After: 5\r\nConnection: close\r\nContent-Length: "
                                 + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        (void)::send(fd, reply.constData(), size_t(reply.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        qCDebug(lcServer) << "refused a connection from" << peer << ":" << refusal;
        return;
    }
    auto *c = new Connection(fd, peer, &reactor, this, connectionLimits());
    connections.insert(c, ConnectionInfo{{}, monotonicMsecs(), false});
    if (counted)
        ++perAddress[peer];
    if (!sweepTimer.isActive())
        sweepTimer.start();
}

void Server::Private::closed(Connection *c)
{
    auto it = connections.find(c);
    if (it == connections.end())
        return;
    const QPointer<Session> session = it->session;
    connections.erase(it);
    if (limits.limitLoopback || !c->peer().isLoopback()) {
        auto p = perAddress.find(c->peer());
        if (p != perAddress.end() && --p.value() <= 0)
            perAddress.erase(p);
    }
    if (session)
        session->connectionClosed(c);
    if (connections.isEmpty())
        sweepTimer.stop();
}

void Server::Private::drained(Connection *c)
{
    const ConnectionInfo info = connections.value(c);
    if (info.session)
        info.session->connectionDrained(c);
}

void Server::Private::sweep()
{
    // Every stage has a deadline; one pass over the connections twice a
    // second enforces them all (no timer per connection).
    const qint64 now = monotonicMsecs();
    const QList<Connection *> all = connections.keys();
    for (Connection *c : all) {
        auto it = connections.find(c);
        if (it == connections.end())
            continue;
        const ConnectionInfo &info = it.value();
        if (c->isLingering()) {
            if (now > c->deadline())
                c->abort();
            continue;
        }
        switch (c->state()) {
        case Connection::State::WebSocket:
            if (!info.session && now - info.phaseStart > limits.joinTimeout.count())
                c->closeWebSocket(WebSocket::PolicyViolation, "no join frame in time");
            else if (now - c->lastHeard() > limits.socketIdleTimeout.count())
                c->abort(); // silent for longer than any live client is
            break;
        case Connection::State::Http:
            if (c->hasPartialInput()) {
                if (now - info.phaseStart > limits.requestTimeout.count())
                    c->respond(408, baseHeaders("text/plain; charset=utf-8"), "the request took too long\n", false);
            } else if (now - std::max(info.phaseStart, c->lastHeard()) > limits.idleTimeout.count()) {
                c->abort();
            }
            break;
        case Connection::State::Closing:
            if (now - c->lastHeard() > Connection::LingerMsecs * 5)
                c->abort();
            break;
        case Connection::State::Closed:
            break;
        }
    }
    // Spent or expired access codes, and old failed logins.
    for (auto it = accessCodes.begin(); it != accessCodes.end();)
        it = it.value() < now ? accessCodes.erase(it) : std::next(it);
    for (auto it = failedLogins.begin(); it != failedLogins.end();) {
        while (!it->empty() && now - it->front() > 60'000)
            it->pop_front();
        it = it->empty() ? failedLogins.erase(it) : std::next(it);
    }
}

// ---------------------------------------------------------------- checks

bool Server::Private::hostAllowed(const HttpRequest &request) const
{
    const QByteArray value = request.header("host");
    if (value.isEmpty())
        return request.versionMinor == 0; // HTTP/1.1 without Host is refused by the parser
    const HostPort hp = splitHost(value);
    if (!hp.valid)
        return false;
    // Addresses cannot be rebound, and "localhost" never leaves the machine
    // (RFC 6761): a rebinding attack needs a name of its own.
    if (!QHostAddress(hp.host).isNull() || hp.host == u"localhost"_s || hp.host.endsWith(u".localhost"_s))
        return true;
    for (const QString &allowed : allowedHosts) {
        if (allowed == u"*"_s)
            return true;
        const HostPort a = splitHost(allowed.toLatin1());
        if (a.valid && a.host == hp.host && (a.port < 0 || a.port == hp.port))
            return true;
    }
    for (const QString &origin : allowedOrigins) {
        // As the Host header has it: an IDN in its ASCII form.
        if (QUrl(origin).host(QUrl::EncodeUnicode).toLower() == hp.host)
            return true;
    }
    return false;
}

bool Server::Private::originAllowed(const HttpRequest &request) const
{
    const QByteArray origin = request.header("origin");
    if (origin.isEmpty() || origin == "null")
        return false; // browsers always send one on WebSocket handshakes
    const QUrl url(QString::fromLatin1(origin));
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http"_s && scheme != u"https"_s))
        return false;
    // The page's own origin: the host and port the browser asked for.
    const HostPort host = splitHost(request.header("host"));
    const int defaultPort = scheme == u"https"_s ? 443 : 80;
    if (host.valid && url.host().toLower() == host.host
        && url.port(defaultPort) == (host.port < 0 ? defaultPort : host.port))
        return true;
    for (const QString &allowed : allowedOrigins) {
        const QUrl a(allowed);
        if (a.scheme().toLower() == scheme && a.host().toLower() == url.host().toLower()
            && a.port(defaultPort) == url.port(defaultPort))
            return true;
    }
    return false;
}

bool Server::Private::secureRequest(const Connection *c, const HttpRequest &request) const
{
    // Only a proxy on this machine is believed about the browser's scheme.
    return c->peer().isLoopback() && request.header("x-forwarded-proto").trimmed().toLower() == "https";
}

QByteArray Server::Private::cookieName(bool secure) const
{
    // Cookies do not keep to a port: the port in the name keeps two servers
    // on one host from overwriting each other's; the value is worthless to
    // any other port's server (see cookieValue()).
    const QByteArray name = "rill_access_" + QByteArray::number(listener.port());
    return secure ? "__Host-" + name : name;
}

QByteArray Server::Private::cookieValue() const
{
    // Derived from the token, never the token: a leaked cookie does not
    // reveal it, and a new token invalidates every cookie.
    return QMessageAuthenticationCode::hash("rill-access-cookie:" + QByteArray::number(listener.port()), accessToken,
                                            QCryptographicHash::Sha256)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

bool Server::Private::hasAccess(const HttpRequest &request) const
{
    if (accessToken.isEmpty())
        return true;
    const QByteArray expected = cookieValue();
    const QByteArray names[] = {cookieName(false), cookieName(true)};
    for (const auto &h : request.headers) {
        if (h.first != "cookie")
            continue;
        for (const QByteArray &part : h.second.split(';')) {
            const QByteArray cookie = part.trimmed();
            for (const QByteArray &name : names)
                if (cookie.size() > name.size() && cookie.startsWith(name) && cookie[name.size()] == '='
                    && sameSecret(cookie.mid(name.size() + 1), expected))
                    return true;
        }
    }
    return false;
}

QByteArray Server::Private::setCookieHeader(bool secure) const
{
    return cookieName(secure) + '=' + cookieValue() + "; Path=/; HttpOnly; SameSite=Strict"
           + (secure ? "; Secure" : "");
}

// ---------------------------------------------------------------- requests

void Server::Private::httpError(Connection *c, int status, const QString &message)
{
    qCDebug(lcServer).noquote() << "bad request from" << c->peer().toString() << status << printable(message);
}

void Server::Private::respondText(Connection *c, const HttpRequest &request, int status, const QByteArray &text,
                                  const Headers &extra)
{
    Headers headers = baseHeaders("text/plain; charset=utf-8");
    headers += extra;
    c->respond(status, headers, text, request.keepAlive, request.method == "HEAD");
}

void Server::Private::httpRequest(Connection *c, const HttpRequest &request, const QByteArray &body)
{
    auto info = connections.find(c);
    if (info != connections.end())
        info->phaseStart = monotonicMsecs(); // the next request's clock starts now
    if (!hostAllowed(request)) {
        qCWarning(lcServer).noquote() << "refused Host" << printable(QString::fromLatin1(request.header("host")))
                                      << "from" << c->peer().toString()
                                      << "(Server::setAllowedHosts() names the hosts to accept)";
        respondText(c, request, 421, "This server does not answer to that host name.\n");
        return;
    }
    const QString path = QString::fromUtf8(percentDecode(request.path));
    if (request.path == SocketPath) {
        upgradeSocket(c, request);
        return;
    }
    const bool headOnly = request.method == "HEAD";
    if (request.method == "POST" && request.path == LoginPath) {
        login(c, request, body);
        return;
    }
    if (request.method != "GET" && !headOnly) {
        respondText(c, request, 405, "Method not allowed\n", {{"Allow", "GET, HEAD"}});
        return;
    }
    if (request.path == "/favicon.ico") { // browsers ask; an error would clutter consoles
        c->respond(204, {}, {}, request.keepAlive, headOnly);
        return;
    }
    if (request.path.startsWith(ClientPrefix)) {
        const QString name = path.mid(ClientPrefix.size());
        if (name.contains(u".."_s) || !serveFile(c, request, u":/rill/client/"_s + name, headOnly))
            respondText(c, request, 404, "Not found\n");
        return;
    }
    for (const StaticMount &mount : std::as_const(statics)) {
        if (!path.startsWith(mount.prefix))
            continue;
        const QString name = path.mid(mount.prefix.size());
        if (name.isEmpty() || name.contains(u".."_s) || name.contains(u'\\')
            || !serveFile(c, request, mount.directory + u'/' + name, headOnly))
            respondText(c, request, 404, "Not found\n");
        return;
    }
    auto route = routes.constFind(path);
    if (route == routes.cend()) {
        respondText(c, request, 404, "Not found\n");
        return;
    }
    if (!hasAccess(request)) {
        QUrlQuery query(QString::fromUtf8(request.query));
        const QByteArray code = query.queryItemValue(u"access"_s).toUtf8();
        query.removeAllQueryItems(u"access"_s);
        QString next = path;
        if (!query.isEmpty())
            next += u'?' + query.toString(QUrl::FullyEncoded);
        if (!code.isEmpty()) {
            auto it = accessCodes.find(code);
            if (it != accessCodes.end() && it.value() >= monotonicMsecs()) {
                accessCodes.erase(it); // spent
                c->respond(303,
                           {{"Location", next.toUtf8()},
                            {"Set-Cookie", setCookieHeader(secureRequest(c, request))},
                            {"Cache-Control", "no-store"},
                            {"Referrer-Policy", "no-referrer"}},
                           {}, request.keepAlive, headOnly);
                return;
            }
            serveLogin(c, request, 401, u"Link already used"_s,
                       u"That access link was already used, or has expired. Enter the access token instead "
                       u"(the program that runs this server printed it)."_s,
                       next);
            return;
        }
        serveLogin(c, request, 401, u"Access token required"_s,
                   u"This server needs an access token. Open the link it printed when it started, or enter "
                   u"the token."_s,
                   next);
        return;
    }
    servePage(c, request, path, route.value(), headOnly);
}

bool Server::Private::serveFile(Connection *c, const HttpRequest &request, const QString &resourcePath,
                                bool headOnly)
{
    QFile file(resourcePath);
    const QFileInfo info(file);
    if (!info.isFile() || !file.open(QIODevice::ReadOnly))
        return false;
    // Our own files are small; a mount of big files would want a stream.
    const QByteArray bytes = file.readAll();
    Headers headers = baseHeaders(contentType(resourcePath));
    headers.append({QByteArray("Cache-Control"), QByteArray("no-cache")});
    c->respond(200, headers, bytes, request.keepAlive, headOnly);
    return true;
}

void Server::Private::serveLogin(Connection *c, const HttpRequest &request, int status, const QString &heading,
                                 const QString &message, const QString &next)
{
    TemplateContext ctx;
    ctx.insert(u"title"_s, title);
    ctx.insert(u"heading"_s, heading);
    ctx.insert(u"message"_s, message);
    ctx.insert(u"next"_s, next);
    Headers headers = baseHeaders("text/html; charset=utf-8");
    headers += PageSecurity::headers(QByteArray());
    c->respond(status, headers, loginShell.render(ctx).toUtf8(), request.keepAlive, request.method == "HEAD");
}

void Server::Private::login(Connection *c, const HttpRequest &request, const QByteArray &body)
{
    if (!request.header("content-type").startsWith("application/x-www-form-urlencoded")) {
        respondText(c, request, 400, "Send the access form as application/x-www-form-urlencoded.\n");
        return;
    }
    QString token;
    QString next = u"/"_s;
    for (const auto &[name, value] : parseFormEncoded(body)) {
        if (name == u"token"_s)
            token = value;
        else if (name == u"next"_s)
            next = value;
    }
    // Only a path on this server: never "//evil.example" or "https://...".
    if (!next.startsWith(u'/') || next.startsWith(u"//"_s) || next.contains(u'\\'))
        next = u"/"_s;
    const qint64 now = monotonicMsecs();
    auto &failures = failedLogins[c->peer()];
    if (!c->peer().isLoopback() && qsizetype(failures.size()) >= limits.maxFailedLoginsPerMinute) {
        respondText(c, request, 429, "Too many wrong tokens from your address: wait a minute.\n",
                    {{"Retry-After", "60"}});
        return;
    }
    if (accessToken.isEmpty() || !sameSecret(token.toUtf8(), accessToken)) {
        failures.push_back(now);
        qCWarning(lcServer).noquote() << "wrong access token from" << c->peer().toString();
        serveLogin(c, request, 401, u"Wrong access token"_s, u"That access token is not this server's."_s, next);
        return;
    }
    c->respond(303,
               {{"Location", next.toUtf8()},
                {"Set-Cookie", setCookieHeader(secureRequest(c, request))},
                {"Cache-Control", "no-store"}},
               {}, request.keepAlive);
}

void Server::Private::upgradeSocket(Connection *c, const HttpRequest &request)
{
    if (request.method != "GET" || !request.headerHasToken("upgrade", "websocket")
        || !request.headerHasToken("connection", "upgrade")) {
        respondText(c, request, 400, "WebSocket only\n");
        return;
    }
    if (request.header("sec-websocket-version") != "13") {
        respondText(c, request, 426, "WebSocket version 13 only\n", {{"Sec-WebSocket-Version", "13"}});
        return;
    }
    const QByteArray key = request.header("sec-websocket-key");
    if (!WebSocket::isValidClientKey(key)) {
        respondText(c, request, 400, "malformed Sec-WebSocket-Key\n");
        return;
    }
    // Refused handshakes get their answer and the connection ends there:
    // nothing after a 403 is read as WebSocket frames.
    if (!originAllowed(request)) {
        qCWarning(lcServer).noquote() << "refused WebSocket from origin"
                                      << printable(QString::fromLatin1(request.header("origin")));
        c->respond(403, baseHeaders("text/plain; charset=utf-8"), "Origin not allowed\n", false);
        return;
    }
    if (!hasAccess(request)) {
        c->respond(403, baseHeaders("text/plain; charset=utf-8"), "Access token required\n", false);
        return;
    }
    c->upgrade(key);
    auto info = connections.find(c);
    if (info != connections.end()) {
        info->upgraded = true;
        info->phaseStart = monotonicMsecs();
    }
}

void Server::Private::webSocketMessage(Connection *c, const QByteArray &payload)
{
    auto info = connections.find(c);
    if (info == connections.end())
        return;
    Protocol::DecodeError decodeError;
    const auto frame = Protocol::decodeClient(payload, &decodeError);
    Session *session = info->session.data();
    if (!frame) {
        if (session) // in the session's sequence, after what it queued
            session->reportError(decodeError.code, decodeError.message);
        else // before join there is no sequence yet: seq 0
            c->sendText(Protocol::encode(Protocol::Error{0, decodeError.code, decodeError.message, {}}));
        return;
    }
    if (const auto *join = std::get_if<Protocol::Join>(&*frame)) {
        if (session) {
            session->reportError(Protocol::ErrorCode::BadFrame, u"already joined"_s);
            return;
        }
        Session *target = sessions.value(join->token);
        // A session whose grace ran out while a handler was still running
        // stays until the handler returns, but its view has been told the
        // page is gone: a page coming back now starts afresh.
        if (target && target->view()->isClosed())
            target = nullptr;
        if (!target) {
            c->sendText(Protocol::encode(Protocol::Error{
                0, Protocol::ErrorCode::UnknownSession,
                u"no session for this token (it ended, or the server restarted): reload the page"_s, {}}));
            c->closeWebSocket(WebSocket::PolicyViolation, "unknown session");
            return;
        }
        info->session = target;
        target->attach(c, join->lastSeq);
        return;
    }
    if (!session) {
        c->sendText(Protocol::encode(
            Protocol::Error{0, Protocol::ErrorCode::NotJoined, u"send a join frame first"_s, {}}));
        return;
    }
    session->handleFrame(*frame);
}

void Server::Private::servePage(Connection *c, const HttpRequest &request, const QString &path,
                                const ViewFactory &factory, bool headOnly)
{
    if (headOnly) {
        // What a GET would answer, minus the body: no view is made for it.
        Headers headers = baseHeaders("text/html; charset=utf-8");
        headers += PageSecurity::headers(QByteArray());
        c->respond(200, headers, {}, request.keepAlive, true);
        return;
    }
    std::unique_ptr<LiveView> view = factory();
    view->setTemplateEngine(&engine);
    const QString token = newToken();
    view->setCsrfToken(token);

    Request req;
    req.path = path;
    req.query = Query::parse(request.query);
    for (const auto &h : request.headers)
        req.headers.append({h.first, h.second});
    req.peer = c->peer();

    LiveView *rawView = view.get();
    auto *session = new Session(token, std::move(view), &limits, batchInterval, &ticker, q);
    session->setDevMode(devMode);
    session->setPatchesEnabled(patches);
    sessions.insert(token, session);
    QObject::connect(session, &Session::socketLost, q, [this, session] { scheduleEnd(session); });
    QObject::connect(session, &Session::droppedSlowReader, q, [this] { ++droppedSlowReaders; });
    std::optional<QString> mountFailure;
    try {
        mountFailure = session->startMount(rawView->mount(req));
    } catch (const std::exception &e) { // a mount() that throws before it is a coroutine
        qCWarning(lcServer).noquote() << "mount failed:" << printable(QString::fromUtf8(e.what()), 2000);
        mountFailure = QString::fromUtf8(e.what());
    }
    if (mountFailure) {
        // Logged by the session; the page says so rather than show a view
        // that never started.
        const QByteArray text = devMode ? "The view failed to start: mount() threw: " + mountFailure->toUtf8() + "\n"
                                        : QByteArray("The view failed to start; the server's log says why.\n");
        respondText(c, request, 500, text);
        sessions.remove(token);
        session->deleteLater();
        return;
    }
    Q_EMIT q->sessionStarted(rawView);

    TemplateError error;
    const QString html = rawView->render(&error);
    if (error.isError()) {
        respondText(c, request, 500, "Template error: " + error.toString().toUtf8() + "\n");
        sessions.remove(token);
        session->deleteLater();
        return;
    }
    session->setRendered(html);
    TemplateContext ctx;
    ctx.insert(u"title"_s, title);
    ctx.insert(u"token"_s, token);
    ctx.insert(u"dev"_s, devMode);
    ctx.insert(u"instance"_s, instance);
    ctx.insert(u"view_html"_s, html);
    const QByteArray page = shell.render(ctx).toUtf8();
    Headers headers = baseHeaders("text/html; charset=utf-8");
    headers += PageSecurity::headers(page);
    c->respond(200, headers, page, request.keepAlive);
    // A page that never connects does not keep its view forever.
    scheduleEnd(session);
}

void Server::Private::scheduleEnd(Session *session)
{
    // The grace counts from this loss: if the page comes back and loses
    // its socket again, that loss has a timer of its own and this one is
    // stale.
    QPointer<Session> guard(session);
    const quint64 losses = session->lossCount();
    QTimer::singleShot(grace, q, [this, guard, losses] {
        if (!guard || guard->hasConnection() || guard->lossCount() != losses)
            return;
        if (guard->isBusy()) {
            // Ending it now would pull the view from under a running handler:
            // tell the handlers the page is gone and end it once they return.
            QObject::connect(guard.data(), &Session::idle, q, [this, guard] { scheduleEnd(guard.data()); },
                             Qt::SingleShotConnection);
            guard->view()->close();
            return;
        }
        sessions.remove(guard->token());
        guard->deleteLater();
        Q_EMIT q->sessionEnded();
    });
}

// ---------------------------------------------------------------- Server

Server::Server(QObject *parent) : QObject(parent), d(std::make_unique<Private>(this))
{
    // Several instances share their topics through Redis (docs/deployment.md).
    d->instance = qEnvironmentVariable("RILL_INSTANCE");
    // The origins a TLS proxy in front presents (comma-separated); the
    // application's setAllowedOrigins() replaces them.
    for (const QString &text : qEnvironmentVariable("RILL_ALLOWED_ORIGINS").split(u',', Qt::SkipEmptyParts)) {
        const QString origin = parseOrigin(text.trimmed());
        if (!origin.isEmpty())
            d->allowedOrigins.append(origin);
        else
            qCWarning(lcServer).noquote() << "RILL_ALLOWED_ORIGINS: not an origin (scheme://host[:port]):"
                                          << printable(text, 200);
    }
    const QString redis = qEnvironmentVariable("RILL_REDIS_URL");
    if (!redis.isEmpty())
        d->pubsub.connectToRedis(QUrl(redis));
}

Server::~Server()
{
    d->listener.close();
    qDeleteAll(d->sessions);
    d->sessions.clear();
    const QList<Connection *> all = d->connections.keys();
    for (Connection *c : all)
        c->abort();
    d->connections.clear();
}

void Server::route(const QString &path, ViewFactory factory) { d->routes.insert(path, std::move(factory)); }
QStringList Server::routes() const { return d->routes.keys(); }
TemplateEngine &Server::templateEngine() { return d->engine; }
PubSub &Server::pubSub() { return d->pubsub; }

bool Server::listen(const QHostAddress &address, quint16 port)
{
    if (!d->reactor.isValid()) {
        d->error = u"cannot watch sockets: "_s + d->reactor.errorString();
        return false;
    }
    if (!d->listener.listen(address, port)) {
        d->error = d->listener.errorString();
        return false;
    }
    d->error.clear();
    return true;
}

bool Server::isListening() const { return d->listener.isListening(); }
quint16 Server::port() const { return d->listener.isListening() ? d->listener.port() : 0; }
QHostAddress Server::address() const { return d->listener.isListening() ? d->listener.address() : QHostAddress(); }

QUrl Server::url(const QString &path) const
{
    QUrl url;
    url.setScheme(u"http"_s);
    const QHostAddress a = address();
    if (a == QHostAddress::Any || a == QHostAddress::AnyIPv4)
        url.setHost(u"127.0.0.1"_s);
    else if (a == QHostAddress::AnyIPv6)
        url.setHost(u"::1"_s);
    else
        url.setHost(a.toString());
    url.setPort(port());
    const qsizetype query = path.indexOf(u'?');
    url.setPath(path.left(query));
    if (query >= 0)
        url.setQuery(path.mid(query + 1));
    return url;
}

QUrl Server::accessUrl(const QString &path)
{
    QUrl u = url(path);
    if (d->accessToken.isEmpty())
        return u;
    // At most 64 codes wait at once; the oldest give way.
    while (d->accessCodes.size() >= 64) {
        auto oldest = std::min_element(d->accessCodes.begin(), d->accessCodes.end());
        d->accessCodes.erase(oldest);
    }
    const QByteArray code = newToken().toLatin1();
    d->accessCodes.insert(code, monotonicMsecs() + 3600'000);
    if (!d->sweepTimer.isActive())
        d->sweepTimer.start();
    const QString access = u"access="_s + QString::fromLatin1(code);
    u.setQuery(u.hasQuery() ? u.query() + u'&' + access : access);
    return u;
}

QByteArray Server::accessCookie() const
{
    if (d->accessToken.isEmpty())
        return QByteArray();
    return d->cookieName(false) + '=' + d->cookieValue();
}

QString Server::errorString() const { return d->error; }
void Server::setBatchInterval(int msec) { d->batchInterval = msec; }
int Server::batchInterval() const { return d->batchInterval; }
void Server::setAllowedOrigins(const QStringList &origins) { d->allowedOrigins = origins; }

QString Server::parseOrigin(const QString &text)
{
    QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != u"http"_s && scheme != u"https"_s) || url.host().isEmpty()
        || !url.userInfo().isEmpty() || !url.path().isEmpty() || url.hasQuery() || url.hasFragment())
        return {};
    url.setScheme(scheme);
    url.setHost(url.host().toLower());
    if (url.port() == (scheme == u"https"_s ? 443 : 80))
        url.setPort(-1);
    return url.toString(QUrl::FullyEncoded);
}
QStringList Server::allowedOrigins() const { return d->allowedOrigins; }
void Server::setAllowedHosts(const QStringList &hosts) { d->allowedHosts = hosts; }
QStringList Server::allowedHosts() const { return d->allowedHosts; }
void Server::setLimits(const ServerLimits &limits) { d->limits = limits; }
ServerLimits Server::limits() const { return d->limits; }
void Server::setReconnectGrace(int msec) { d->grace = msec; }
int Server::reconnectGrace() const { return d->grace; }
void Server::setPageTitle(const QString &title) { d->title = title; }
void Server::setDevMode(bool on) { d->devMode = on; }
bool Server::isDevMode() const { return d->devMode; }
void Server::setInstanceName(const QString &name) { d->instance = name; }
QString Server::instanceName() const { return d->instance; }
void Server::setPatchesEnabled(bool on) { d->patches = on; }
bool Server::patchesEnabled() const { return d->patches; }
void Server::setAccessToken(const QString &token) { d->accessToken = token.toUtf8(); }
QString Server::accessToken() const { return QString::fromUtf8(d->accessToken); }
QString Server::generateToken() { return newToken(); }
int Server::sessionCount() const { return int(d->sessions.size()); }

ServerStatistics Server::statistics() const
{
    ServerStatistics s;
    s.connections = int(d->connections.size());
    s.sessions = int(d->sessions.size());
    for (auto it = d->connections.cbegin(); it != d->connections.cend(); ++it) {
        s.queuedBytes += it.key()->queuedBytes();
        if (it.key()->isWebSocket())
            ++s.webSockets;
    }
    for (const Session *session : std::as_const(d->sessions)) {
        s.heldBytes += session->heldBytes();
        s.replayBytes += session->replayBytes();
    }
    s.droppedSlowReaders = d->droppedSlowReaders;
    return s;
}

void Server::addStaticFiles(const QString &urlPrefix, const QString &directory)
{
    QString prefix = urlPrefix;
    if (!prefix.startsWith(u'/'))
        prefix.prepend(u'/');
    if (!prefix.endsWith(u'/'))
        prefix.append(u'/');
    QString dir = directory;
    while (dir.endsWith(u'/') && dir.size() > 1)
        dir.chop(1);
    d->statics.append(StaticMount{prefix, dir});
}

} // namespace Rill
