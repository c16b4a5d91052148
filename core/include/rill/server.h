#pragma once

#include <rill/rillcore_export.h>

#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <chrono>
#include <functional>
#include <memory>

namespace Rill {

class LiveView;
class PubSub;
class TemplateEngine;

/*!
  What one server lets browsers (and anything else that connects) make it
  do. Every byte from a socket is bounded before it is buffered; every stage
  has a timeout. The defaults suit a desktop app or a small site; raise them
  for bigger ones. docs/security.md explains each.

  \code
  Rill::ServerLimits limits = server.limits();
  limits.maxMessageBytes = 16 * 1024 * 1024;   // events carrying pasted images
  limits.eventsPerSecond = 50;
  server.setLimits(limits);
  \endcode
*/
struct RILL_CORE_EXPORT ServerLimits
{
    // ---- requests
    qsizetype maxRequestHeadBytes = 16 * 1024;  //!< request line + headers; beyond: 431
    qsizetype maxRequestBodyBytes = 4 * 1024;   //!< beyond: 413, before reading it
    std::chrono::milliseconds requestTimeout{10'000}; //!< to receive a whole request; beyond: 408, closed
    std::chrono::milliseconds idleTimeout{60'000};    //!< a kept-alive connection with no request

    // ---- WebSockets
    qsizetype maxMessageBytes = 1024 * 1024;    //!< a client message (event); beyond: closed (1009)
    std::chrono::milliseconds joinTimeout{10'000}; //!< from the upgrade to the join frame
    std::chrono::milliseconds socketIdleTimeout{90'000}; //!< nothing heard (the client pings every 30 s)
    //! A socket with more than this queued gets its stream ops merged
    //! (texts joined, replaces superseding) until it drains.
    qsizetype sendQueueLowWater = 64 * 1024;
    //! Queued plus held output beyond this drops the socket; the page
    //! reconnects and resumes (docs/protocol.md, "Resuming").
    qsizetype sendQueueLimit = 8 * 1024 * 1024;
    //! Per session: stream content kept so a page that was away longer than
    //! the replay ring covers comes back exactly as it was; beyond it, the
    //! page is told what it missed could not all be restored.
    qsizetype resumeLogBytes = 4 * 1024 * 1024;

    // ---- connections
    int maxConnections = 10'000;            //!< all connections; beyond: refused at once
    int maxConnectionsPerAddress = 256;     //!< per remote address
    //! Count loopback peers against maxConnectionsPerAddress too. Off by
    //! default: on loopback are the desktop window, local tools and load tests.
    bool limitLoopback = false;

    // ---- per session
    double eventsPerSecond = 20;            //!< sustained; beyond: an error frame, the event dropped
    int eventBurst = 60;                    //!< events allowed at once above the rate
    int maxConcurrentHandlers = 8;          //!< running at once; beyond: an error frame
    int maxFailedLoginsPerMinute = 10;      //!< per remote address, for the access token form

    bool operator==(const ServerLimits &) const = default;
};

//! What a server holds right now (Server::statistics()), for operators and tests.
struct RILL_CORE_EXPORT ServerStatistics
{
    int connections = 0;       //!< open TCP connections, HTTP and WebSocket
    int webSockets = 0;        //!< of which upgraded
    int sessions = 0;          //!< live views, with or without a socket
    qsizetype queuedBytes = 0; //!< written by the server, not yet taken by the kernel
    qsizetype heldBytes = 0;   //!< stream content held for slow readers (merged, not yet framed)
    qsizetype replayBytes = 0; //!< frames kept for reconnecting pages
    qint64 droppedSlowReaders = 0; //!< sockets dropped for falling beyond sendQueueLimit
};

/*!
  Serves live views over HTTP and one WebSocket per page, on one port.

  Routes map paths to view factories. A GET on a route creates a view,
  mounts it, renders it into a page with the web client and an unguessable
  session token; the page's socket (at /rill/socket, same port) joins the
  session with that token. Binds 127.0.0.1 unless told otherwise; WebSocket
  handshakes must come from the page's own origin (or allowedOrigins()).

  \code
  Rill::Server server;
  server.templateEngine().addSearchPath(u":/templates"_s);
  server.route<ChatView>(u"/chat"_s);
  if (!server.listen(QHostAddress::LocalHost, 8000)) {
      qCritical() << "cannot listen:" << server.errorString();  // e.g. port in use
      return 1;
  }
  qInfo() << "open" << server.url(u"/chat"_s);
  \endcode

  Lives in one thread (its views' thread).
*/
class RILL_CORE_EXPORT Server : public QObject
{
    Q_OBJECT
public:
    using ViewFactory = std::function<std::unique_ptr<LiveView>()>;

    explicit Server(QObject *parent = nullptr);
    ~Server() override;

    void route(const QString &path, ViewFactory factory);
    template<typename View>
    void route(const QString &path)
    {
        route(path, [] { return std::unique_ptr<LiveView>(new View); });
    }
    QStringList routes() const;

    //! Where views' templates are found.
    TemplateEngine &templateEngine();
    //! The server's topics: what its views publish and subscribe to.
    PubSub &pubSub();

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    //! http://ADDRESS:PORT/path (\a path may end in a ?query)
    QUrl url(const QString &path = QStringLiteral("/")) const;
    QString errorString() const;

    //! Stream batching interval per session, 16 ms by default.
    void setBatchInterval(int msec);
    int batchInterval() const;

    /*!
      Origins accepted for WebSocket handshakes besides the page's own (an
      Origin whose host and port are the request's Host header), such as
      "https://chat.example.org" behind a TLS proxy. Their hosts are also
      allowed Host headers (see setAllowedHosts()). A server starts with
      the ones RILL_ALLOWED_ORIGINS lists (comma-separated), as each
      instance of a cluster is given them (docs/deployment.md). To add to
      those rather than replace them, append to allowedOrigins().
    */
    void setAllowedOrigins(const QStringList &origins);
    QStringList allowedOrigins() const;
    /*!
      \a text as an origin ("scheme://host[:port]", http or https, nothing
      after the port), written as browsers send it (lower-case host, no
      default port); empty when \a text is not one. What RILL_ALLOWED_ORIGINS
      and rill-chat's --allow-origin accept.
    */
    static QString parseOrigin(const QString &text);

    /*!
      Host names (with or without ":port") browsers may reach this server
      by, besides IP addresses and "localhost", which are always accepted.
      Any other Host header is refused (421): a page on another site whose
      name an attacker points at 127.0.0.1 ("DNS rebinding") cannot read or
      drive views. "*" accepts every name.
    */
    void setAllowedHosts(const QStringList &hosts);
    QStringList allowedHosts() const;

    //! Limits on what clients can make the server do (see ServerLimits).
    void setLimits(const ServerLimits &limits);
    ServerLimits limits() const;

    /*!
      Serves the files under \a directory (a folder, or a Qt resource path
      such as ":/app/static") at \a urlPrefix ("/static/"), read-only, with
      content types from their extensions. Paths with ".." are refused.
    */
    void addStaticFiles(const QString &urlPrefix, const QString &directory);

    //! How long a session waits for its page to (re)connect before it ends.
    void setReconnectGrace(int msec);
    int reconnectGrace() const;

    /*!
      Requires \a token from every browser (empty: no gate, the default).
      A browser without the access cookie gets a form (401) asking for the
      token; posting it sets the cookie. The cookie holds a value derived
      from the token (HMAC), never the token, and is HttpOnly, SameSite=Strict
      and Secure behind TLS. WebSocket handshakes without it get 403. The
      client's own files stay public.

      accessUrl() makes a link that lets one browser in without typing the
      token: it carries a one-time code, not the token, so a link left in a
      browser's history lets nobody in.
    */
    void setAccessToken(const QString &token);
    QString accessToken() const;
    //! A new random token, suitable for setAccessToken().
    static QString generateToken();
    /*!
      url(\a path), plus `?access=CODE` when a token is set: CODE lets the
      first browser that presents it in (it then gets the cookie) and is
      spent; unused codes expire after an hour.
    */
    QUrl accessUrl(const QString &path = QStringLiteral("/"));
    //! The cookie (name=value) that access grants, for an embedded browser
    //! that is handed it directly; empty without a token.
    QByteArray accessCookie() const;

    //! The page's <title>.
    void setPageTitle(const QString &title);

    /*!
      Development mode: the browser's console says what went wrong (every
      error frame, stream ops whose target matches nothing, unknown dj-*
      attributes, patches that did not fit), and the server warns (logging
      category rill.dev) when a stream op names a target the view's
      template does not contain. Off by default; rill-view and
      rill-examples turn it on. Every event and frame is traced, dev mode
      or not, under the category rill.trace (QT_LOGGING_RULES=
      "rill.trace.debug=true").
    */
    void setDevMode(bool on);
    bool isDevMode() const;

    /*!
      This process's name among several behind one proxy (default: the
      RILL_INSTANCE environment variable, else none). Pages carry it, and
      their socket asks for it (/rill/socket?instance=NAME), so a proxy can
      send each socket to the instance that rendered its page
      (docs/deployment.md).
    */
    void setInstanceName(const QString &name);
    QString instanceName() const;

    /*!
      Re-renders as `patch` frames, the difference from the page's last
      render (on, the default). Off, every re-render is sent whole, as a
      `render` frame the client morphs into the page: for comparison
      (bench/diff) and for debugging a patch. Applies to sessions begun
      after the call.
    */
    void setPatchesEnabled(bool on);
    bool patchesEnabled() const;

    int sessionCount() const;
    ServerStatistics statistics() const;

Q_SIGNALS:
    void sessionStarted(Rill::LiveView *view);
    void sessionEnded();

private:
    friend class HttpFrontend;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
