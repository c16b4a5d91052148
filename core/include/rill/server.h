#pragma once

#include <rill/rillcore_export.h>

#include <QHostAddress>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <memory>

namespace Rill {

class LiveView;
class TemplateEngine;

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

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    bool isListening() const;
    quint16 port() const;
    QHostAddress address() const;
    //! http://ADDRESS:PORT/path
    QUrl url(const QString &path = QStringLiteral("/")) const;
    QString errorString() const;

    //! Stream batching interval per session, 16 ms by default.
    void setBatchInterval(int msec);
    int batchInterval() const;

    //! Origins accepted for WebSocket handshakes besides the page's own
    //! (an Origin equal to "http://" + the request's Host header).
    void setAllowedOrigins(const QStringList &origins);
    QStringList allowedOrigins() const;

    //! How long a session waits for its page to (re)connect before it ends.
    void setReconnectGrace(int msec);
    int reconnectGrace() const;

    /*!
      Requires \a token from every browser (empty: no gate, the default).
      A browser presents it once as `?access=TOKEN` on any page; the server
      answers with a cookie and a redirect to the same URL without it, so the
      token leaves the address bar. Pages without a valid cookie or token get
      401, WebSocket handshakes 403. The client's own files stay public.
    */
    void setAccessToken(const QString &token);
    QString accessToken() const;
    //! A new random token, suitable for setAccessToken().
    static QString generateToken();

    //! The page's <title>.
    void setPageTitle(const QString &title);

    int sessionCount() const;

Q_SIGNALS:
    void sessionStarted(Rill::LiveView *view);
    void sessionEnded();

private:
    friend class HttpFrontend;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
