// Rill::Server's HTTP side over 127.0.0.1: the page a route renders, the
// web client's files, what is refused, and the WebSocket origin check.

#include "servertest.h"
#include "testregistry.h"

#include <QSignalSpy>
#include <QUrlQuery>

using namespace RillServerTest;

class TstServerHttp : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void page();
    void pageMountSeesRequest();
    void mountFailure();
    void status_data();
    void status();
    void clientFiles_data();
    void clientFiles();
    void websocketOrigin_data();
    void websocketOrigin();
    void parseOrigin_data();
    void parseOrigin();
    void accessToken_data();
    void accessToken();
    void accessCodeIsSpent();
    void loginForm();
    void accessTokenWebSocket();

private:
    std::unique_ptr<Rill::Server> m_server;
    QNetworkAccessManager m_nam;
};

void TstServerHttp::init()
{
    QTest::failOnWarning(QRegularExpression(u"^(?!refused WebSocket from origin |wrong access token from )"_s));
    m_nam.setProxy(QNetworkProxy::NoProxy);
    m_server = std::make_unique<Rill::Server>();
    m_server->route<TestView>(u"/view"_s);
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0), qPrintable(m_server->errorString()));
    QVERIFY(m_server->port() != 0);
}

void TstServerHttp::cleanup()
{
    m_server.reset();
    m_nam.clearConnectionCache();
}

void TstServerHttp::page()
{
    QSignalSpy started(m_server.get(), &Rill::Server::sessionStarted);
    QCOMPARE(m_server->url(u"/view"_s), QUrl(u"http://127.0.0.1:%1/view"_s.arg(m_server->port())));

    const HttpResult r = httpGet(m_nam, m_server->url(u"/view"_s));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.contentType, QByteArray("text/html; charset=utf-8"));
    // Nothing from the Host header in it, no inline styles allowed
    // wholesale, no framing by other sites.
    QCOMPARE(r.csp, "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                    "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
                    "frame-ancestors 'none'");
    QVERIFY(r.body.contains("<div data-rill-root data-rill-token=\""));
    QVERIFY(r.body.contains(R"(<script type="module" src="/rill/client/rill.js"></script>)"));
    QVERIFY(r.body.contains("<title>Rill</title>"));
    // 32 random bytes, base64url without padding.
    const QString token = tokenIn(r.body);
    QCOMPARE(token.size(), 43);
    // The view's properties, escaped.
    QVERIFY2(r.body.contains("<h1>Rill &amp; co</h1>"), r.body.constData());
    QVERIFY(r.body.contains("<p id=\"count\">Count: 0</p>"));

    QCOMPARE(started.size(), 1);
    QVERIFY(qobject_cast<TestView *>(started.at(0).at(0).value<Rill::LiveView *>()));
    QCOMPARE(m_server->sessionCount(), 1);

    // Every page is its own session with its own token.
    const HttpResult again = httpGet(m_nam, m_server->url(u"/view"_s));
    QCOMPARE(again.status, 200);
    QVERIFY(tokenIn(again.body) != token);
    QCOMPARE(m_server->sessionCount(), 2);

    // A POST makes no session.
    QCOMPARE(httpGet(m_nam, m_server->url(u"/view"_s), true).status, 405);
    QCOMPARE(m_server->sessionCount(), 2);
}

void TstServerHttp::pageMountSeesRequest()
{
    QUrl url = m_server->url(u"/view"_s);
    url.setQuery(u"name=<Bob>"_s);
    const HttpResult r = httpGet(m_nam, url);
    QCOMPARE(r.status, 200);
    QVERIFY2(r.body.contains("<h1>&lt;Bob&gt;</h1>"), r.body.constData());
    // Values decoded as the browser meant them: %2F is '/', '+' a space
    // (HTML forms), bad UTF-8 a replacement character.
    url.setQuery(u"name=%2Ftmp%2Fx+y%C3%A9%FF&name=second"_s, QUrl::StrictMode);
    const HttpResult decoded = httpGet(m_nam, url);
    QCOMPARE(decoded.status, 200);
    QVERIFY2(decoded.body.contains("<h1>/tmp/x y\xc3\xa9\xef\xbf\xbd</h1>"), decoded.body.constData());
    const Rill::Query q = Rill::Query::parse("a=1&b=%3D&a=2&flag&=empty&c=x%zzy");
    QCOMPARE(q.value(u"a"), u"1"_s);
    QCOMPARE(q.values(u"a"), QStringList({u"1"_s, u"2"_s}));
    QCOMPARE(q.value(u"b"), u"="_s);
    QVERIFY(q.contains(u"flag"));
    QCOMPARE(q.value(u"flag", u"fallback"_s), QString());
    QCOMPARE(q.value(u"missing", u"fallback"_s), u"fallback"_s);
    QCOMPARE(q.value(u""), u"empty"_s);
    QCOMPARE(q.value(u"c"), u"x%zzy"_s); // a broken escape stays as written
}

void TstServerHttp::status_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");

    QTest::newRow("route") << QByteArray("GET /view HTTP/1.1") << QByteArray() << 200;
    QTest::newRow("unknown path") << QByteArray("GET /nope HTTP/1.1") << QByteArray() << 404;
    QTest::newRow("route with trailing slash") << QByteArray("GET /view/ HTTP/1.1") << QByteArray() << 404;
    QTest::newRow("POST to a route") << QByteArray("POST /view HTTP/1.1") << QByteArray("Content-Length: 0\r\n")
                                     << 405;
    QTest::newRow("DELETE to a route") << QByteArray("DELETE /view HTTP/1.1") << QByteArray() << 405;
    QTest::newRow("socket without upgrade") << QByteArray("GET /rill/socket HTTP/1.1") << QByteArray() << 400;
    QTest::newRow("client file") << QByteArray("GET /rill/client/rill.js HTTP/1.1") << QByteArray() << 200;
    QTest::newRow("missing client file") << QByteArray("GET /rill/client/nope.js HTTP/1.1") << QByteArray() << 404;
    QTest::newRow("client dot-dot") << QByteArray("GET /rill/client/../x HTTP/1.1") << QByteArray() << 404;
    QTest::newRow("client dot-dot encoded") << QByteArray("GET /rill/client/%2e%2e/x HTTP/1.1") << QByteArray()
                                            << 404;
    QTest::newRow("client dot-dot to a real file") << QByteArray("GET /rill/client/vendor/../rill.js HTTP/1.1")
                                                   << QByteArray() << 404;
}

void TstServerHttp::status()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QCOMPARE(rawStatus(m_server->port(), request, headers), status);
}

void TstServerHttp::clientFiles_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("contains");

    QTest::newRow("rill.js") << u"/rill/client/rill.js"_s << QByteArray("text/javascript; charset=utf-8")
                             << QByteArray("import");
    QTest::newRow("idiomorph") << u"/rill/client/vendor/idiomorph.js"_s
                               << QByteArray("text/javascript; charset=utf-8") << QByteArray("Idiomorph");
}

void TstServerHttp::clientFiles()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, contains);
    const HttpResult r = httpGet(m_nam, m_server->url(path));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.contentType, contentType);
    QVERIFY(r.body.contains(contains));
}

void TstServerHttp::websocketOrigin_data()
{
    QTest::addColumn<QString>("origin"); // "SAME" is the page's own origin
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("same origin") << u"SAME"_s << QStringList() << true;
    QTest::newRow("foreign origin") << u"http://evil.example"_s << QStringList() << false;
    // A TLS proxy passing the Host on: the browser is on https, same host.
    QTest::newRow("same host, https") << u"https://SAME"_s << QStringList() << true;
    QTest::newRow("same host, another port") << u"http://127.0.0.1:1"_s << QStringList() << false;
    QTest::newRow("null origin") << u"null"_s << QStringList() << false;
    QTest::newRow("not http") << u"file://SAME"_s << QStringList() << false;
    QTest::newRow("localhost is another origin") << u"http://localhost:PORT"_s << QStringList() << false;
    QTest::newRow("allowed origin") << u"http://localhost:3000"_s << QStringList{u"http://localhost:3000"_s} << true;
    QTest::newRow("same origin with others allowed") << u"SAME"_s << QStringList{u"http://localhost:3000"_s}
                                                     << true;
    QTest::newRow("not among the allowed") << u"http://localhost:3001"_s
                                           << QStringList{u"http://localhost:3000"_s} << false;
}

// What RILL_ALLOWED_ORIGINS and rill-chat's --allow-origin accept: an
// origin as a browser sends it, nothing more.
void TstServerHttp::parseOrigin_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("origin"); // empty: refused

    QTest::newRow("https") << u"https://chat.example.org"_s << u"https://chat.example.org"_s;
    QTest::newRow("http with a port") << u"http://10.0.0.5:8000"_s << u"http://10.0.0.5:8000"_s;
    QTest::newRow("upper case") << u"HTTPS://Chat.Example.ORG"_s << u"https://chat.example.org"_s;
    QTest::newRow("default https port") << u"https://chat.example.org:443"_s << u"https://chat.example.org"_s;
    QTest::newRow("default http port") << u"http://chat.example.org:80"_s << u"http://chat.example.org"_s;
    QTest::newRow("https on port 80") << u"https://chat.example.org:80"_s << u"https://chat.example.org:80"_s;
    QTest::newRow("IPv6") << u"http://[::1]:8000"_s << u"http://[::1]:8000"_s;
    QTest::newRow("IDN") << u"https://bücher.de"_s << u"https://xn--bcher-kva.de"_s;
    QTest::newRow("trailing slash") << u"https://chat.example.org/"_s << QString();
    QTest::newRow("path") << u"https://chat.example.org/chat"_s << QString();
    QTest::newRow("query") << u"https://chat.example.org?x=1"_s << QString();
    QTest::newRow("fragment") << u"https://chat.example.org#x"_s << QString();
    QTest::newRow("user") << u"https://me@chat.example.org"_s << QString();
    QTest::newRow("other scheme") << u"ftp://chat.example.org"_s << QString();
    QTest::newRow("no scheme") << u"chat.example.org"_s << QString();
    QTest::newRow("no host") << u"https://"_s << QString();
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("space in host") << u"https://chat example.org"_s << QString();
}

void TstServerHttp::parseOrigin()
{
    QFETCH(QString, text);
    QFETCH(QString, origin);
    QCOMPARE(Rill::Server::parseOrigin(text), origin);
}

void TstServerHttp::websocketOrigin()
{
    QFETCH(QString, origin);
    QFETCH(QStringList, allowed);
    QFETCH(bool, accepted);
    const QString hostPort = u"127.0.0.1:%1"_s.arg(m_server->port());
    if (origin == u"SAME"_s)
        origin = u"http://"_s + hostPort;
    origin.replace(u"://SAME"_s, u"://"_s + hostPort).replace(u"PORT"_s, QString::number(m_server->port()));
    m_server->setAllowedOrigins(allowed);
    QCOMPARE(m_server->allowedOrigins(), allowed);

    const HttpResult page = httpGet(m_nam, m_server->url(u"/view"_s));
    QCOMPARE(page.status, 200);

    WsClient client(origin);
    QSignalSpy errors(&client.socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error));
    QSignalSpy connected(&client.socket, &QWebSocket::connected);
    QUrl url = m_server->url(u"/rill/socket"_s);
    url.setScheme(u"ws"_s);
    client.socket.open(url);
    if (accepted) {
        QTRY_COMPARE(connected.size(), 1);
        client.join(tokenIn(page.body));
        QVERIFY(client.waitForFrames(1));
        QVERIFY(std::holds_alternative<Protocol::Mount>(client.frames[0]));
    } else {
        QTRY_VERIFY(!errors.isEmpty());
        QVERIFY2(client.socket.errorString().contains(u"403"_s), qPrintable(client.socket.errorString()));
        QCOMPARE(connected.size(), 0);
        QVERIFY(client.frames.isEmpty());
    }
    QVERIFY2(client.undecodable.isEmpty(), qPrintable(client.undecodable.join(u'\n')));
}

// The whole response head of a request written byte for byte.
static QByteArray rawHead(quint16 port, const QByteArray &requestLine, const QByteArray &extraHeaders = {},
                          const QByteArray &body = {})
{
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(WaitMs))
        return {};
    socket.write(requestLine + "\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n" + extraHeaders
                 + "Connection: close\r\n\r\n" + body);
    QByteArray response;
    QObject context;
    QObject::connect(&socket, &QTcpSocket::readyRead, &context, [&] { response += socket.readAll(); });
    if (!QTest::qWaitFor([&] { return response.contains("\r\n\r\n"); }, WaitMs))
        return {};
    return response.left(response.indexOf("\r\n\r\n"));
}

void TstServerHttp::accessToken_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<QByteArrayList>("expectedHead"); // lines the head must contain
    QTest::addColumn<QByteArrayList>("absentFromHead");

    const QByteArray cookie = "Cookie: COOKIE\r\n";
    QTest::newRow("no cookie: the access form") << QByteArray("GET /view HTTP/1.1") << QByteArray()
                                                << QByteArrayList{"HTTP/1.1 401", "Content-Type: text/html"}
                                                << QByteArrayList{"Set-Cookie"};
    QTest::newRow("the token in the URL is not accepted")
        << QByteArray("GET /view?access=s3cret HTTP/1.1") << QByteArray() << QByteArrayList{"HTTP/1.1 401"}
        << QByteArrayList{"Set-Cookie"};
    QTest::newRow("wrong cookie") << QByteArray("GET /view HTTP/1.1")
                                  << QByteArray("Cookie: rill_access_PORT=nope\r\n") << QByteArrayList{"HTTP/1.1 401"}
                                  << QByteArrayList{};
    QTest::newRow("the token as the cookie is not accepted")
        << QByteArray("GET /view HTTP/1.1") << QByteArray("Cookie: rill_access_PORT=s3cret\r\n")
        << QByteArrayList{"HTTP/1.1 401"} << QByteArrayList{};
    QTest::newRow("a one-time code is traded for a cookie, and dropped from the URL")
        << QByteArray("GET /view?name=x&access=CODE HTTP/1.1") << QByteArray()
        << QByteArrayList{"HTTP/1.1 303", "Location: /view?name=x",
                          "Set-Cookie: rill_access_PORT=VALUE; Path=/; HttpOnly; SameSite=Strict\r"}
        << QByteArrayList{"Secure", "s3cret"};
    QTest::newRow("behind a TLS proxy the cookie is Secure")
        << QByteArray("GET /view?access=CODE HTTP/1.1") << QByteArray("X-Forwarded-Proto: https\r\n")
        << QByteArrayList{"HTTP/1.1 303",
                          "Set-Cookie: __Host-rill_access_PORT=VALUE; Path=/; HttpOnly; SameSite=Strict; Secure"}
        << QByteArrayList{};
    QTest::newRow("cookie lets the page in") << QByteArray("GET /view HTTP/1.1")
                                             << QByteArray("Cookie: a=b; COOKIE\r\n")
                                             << QByteArrayList{"HTTP/1.1 200"} << QByteArrayList{};
    QTest::newRow("the Secure cookie too") << QByteArray("GET /view HTTP/1.1")
                                           << QByteArray("Cookie: __Host-COOKIE\r\n")
                                           << QByteArrayList{"HTTP/1.1 200"} << QByteArrayList{};
    QTest::newRow("client files stay public") << QByteArray("GET /rill/client/rill.js HTTP/1.1") << QByteArray()
                                              << QByteArrayList{"HTTP/1.1 200"} << QByteArrayList{};
    QTest::newRow("socket without cookie")
        << QByteArray("GET /rill/socket HTTP/1.1")
        << QByteArray("Origin: http://127.0.0.1:PORT\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
        << QByteArrayList{"HTTP/1.1 403"} << QByteArrayList{"101"};
}

void TstServerHttp::accessToken()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, headers);
    QFETCH(QByteArrayList, expectedHead);
    QFETCH(QByteArrayList, absentFromHead);
    m_server->setAccessToken(u"s3cret"_s);
    QCOMPARE(m_server->accessToken(), u"s3cret"_s);
    const QByteArray port = QByteArray::number(m_server->port());
    const QByteArray cookie = m_server->accessCookie();
    QVERIFY(cookie.startsWith(QByteArray("rill_access_" + port + '=')));
    QVERIFY(!cookie.contains("s3cret"));
    const QByteArray value = cookie.mid(cookie.indexOf('=') + 1);
    QVERIFY(value.size() >= 40);
    const QUrl link = m_server->accessUrl(u"/view"_s);
    const QByteArray code = QUrlQuery(link).queryItemValue(u"access"_s).toLatin1();
    QVERIFY(code.size() >= 40 && code != "s3cret");
    auto fill = [&](QByteArray text) {
        return text.replace("COOKIE", cookie).replace("VALUE", value).replace("PORT", port).replace("CODE", code);
    };
    const QByteArray head = rawHead(m_server->port(), fill(request), fill(headers));
    for (const QByteArray &line : expectedHead)
        QVERIFY2(head.contains(fill(line)), head.constData());
    for (const QByteArray &text : absentFromHead)
        QVERIFY2(!head.contains(text), head.constData());
}

void TstServerHttp::accessCodeIsSpent()
{
    m_server->setAccessToken(u"s3cret"_s);
    const QUrl link = m_server->accessUrl(u"/view"_s);
    QCOMPARE(link.path(), u"/view"_s);
    const QByteArray target = "GET /view?" + link.query(QUrl::FullyEncoded).toLatin1() + " HTTP/1.1";
    QVERIFY(rawHead(m_server->port(), target).startsWith("HTTP/1.1 303"));
    // The same link a second time (from the browser's history, say): refused.
    const QByteArray again = rawHead(m_server->port(), target);
    QVERIFY2(again.startsWith("HTTP/1.1 401"), again.constData());
    QVERIFY(!again.contains("Set-Cookie"));
    // Two links are two codes.
    QVERIFY(m_server->accessUrl() != m_server->accessUrl());
}

void TstServerHttp::loginForm()
{
    m_server->setAccessToken(u"s3cret"_s);
    const QByteArray port = QByteArray::number(m_server->port());
    auto post = [&](const QByteArray &body, const QByteArray &type = "application/x-www-form-urlencoded") {
        return rawHead(m_server->port(), "POST /rill/login HTTP/1.1",
                       "Content-Type: " + type + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n",
                       body);
    };
    QByteArray head = post("token=s3cret&next=%2Fview%3Fname%3Dx");
    QVERIFY2(head.startsWith("HTTP/1.1 303"), head.constData());
    QVERIFY(head.contains("Location: /view?name=x\r"));
    QVERIFY(head.contains(QByteArray("Set-Cookie: " + m_server->accessCookie() + "; Path=/; HttpOnly; SameSite=Strict")));
    // Only paths on this server.
    head = post("token=s3cret&next=%2F%2Fevil.example%2F");
    QVERIFY(head.contains("Location: /\r"));
    head = post("token=s3cret&next=https%3A%2F%2Fevil.example%2F");
    QVERIFY(head.contains("Location: /\r"));
    head = post("token=wrong&next=%2Fview");
    QVERIFY(head.startsWith("HTTP/1.1 401"));
    QVERIFY(!head.contains("Set-Cookie"));
    QVERIFY(post("token=s3cret", "text/plain").startsWith("HTTP/1.1 400"));
    // A body beyond the limit is refused from its Content-Length alone.
    QVERIFY(rawHead(m_server->port(), "POST /rill/login HTTP/1.1",
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n")
                .startsWith("HTTP/1.1 413"));
}

void TstServerHttp::accessTokenWebSocket()
{
    m_server->setAccessToken(u"s3cret"_s);
    QNetworkRequest pageRequest(m_server->url(u"/view"_s));
    pageRequest.setRawHeader("Cookie", m_server->accessCookie());
    std::unique_ptr<QNetworkReply> reply(m_nam.get(pageRequest));
    QTRY_VERIFY(reply->isFinished());
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QString token = tokenIn(reply->readAll());
    QVERIFY(!token.isEmpty());

    WsClient client(u"http://127.0.0.1:%1"_s.arg(m_server->port()));
    QSignalSpy connected(&client.socket, &QWebSocket::connected);
    QUrl url = m_server->url(u"/rill/socket"_s);
    url.setScheme(u"ws"_s);
    QNetworkRequest socketRequest(url);
    socketRequest.setRawHeader("Cookie", m_server->accessCookie());
    client.socket.open(socketRequest);
    QTRY_COMPARE(connected.size(), 1);
    client.join(token);
    QVERIFY(client.waitForFrames(1));
    QVERIFY(std::holds_alternative<Protocol::Mount>(client.frames[0]));
    QVERIFY(Rill::Server::generateToken().size() >= 40);
    QVERIFY(Rill::Server::generateToken() != Rill::Server::generateToken());
}

void TstServerHttp::mountFailure()
{
    // A mount that throws before the page is served: no page, no session,
    // the error in the log, and in the answer only in development mode.
    QTest::ignoreMessage(QtWarningMsg, "mount failed: no such conversation");
    HttpResult r = httpGet(m_nam, m_server->url(u"/view?fail=now"_s));
    QCOMPARE(r.status, 500);
    QCOMPARE(r.body, QByteArray("The view failed to start; the server's log says why.\n"));
    QCOMPARE(m_server->sessionCount(), 0);

    m_server->setDevMode(true);
    QTest::ignoreMessage(QtWarningMsg, "mount failed: no such conversation");
    r = httpGet(m_nam, m_server->url(u"/view?fail=now"_s));
    QCOMPARE(r.status, 500);
    QCOMPARE(r.body, QByteArray("The view failed to start: mount() threw: no such conversation\n"));
    QCOMPARE(m_server->sessionCount(), 0);
}

RILL_TEST_CLASS(TstServerHttp)
#include "tst_serverhttp.moc"
