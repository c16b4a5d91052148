#pragma once

#include <rill/rillqml_export.h>

#include <QObject>
#include <QQmlComponent>
#include <QQmlListProperty>
#include <QQmlParserStatus>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace Rill {

class Server;

/*!
  One path of a LiveServer and the view it serves: a Component whose root is
  a LiveView (a QML one, or a C++ LiveView subclass registered with QML).
  Every page load creates a new view from it.
*/
class RILL_QML_EXPORT QmlRoute : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Route)
    Q_PROPERTY(QString path MEMBER m_path NOTIFY changed)
    Q_PROPERTY(QQmlComponent *view MEMBER m_view NOTIFY changed)
public:
    using QObject::QObject;
    QString path() const { return m_path; }
    QQmlComponent *view() const { return m_view; }

Q_SIGNALS:
    void changed();

private:
    QString m_path;
    QQmlComponent *m_view = nullptr;
};

/*!
  A Rill::Server declared in QML. It starts listening once the QML around it
  is complete (when the event loop next runs; call start() to listen at
  once), on 127.0.0.1 and a free port unless told otherwise.

  \qml
  import Rill
  LiveServer {
      id: server
      port: 0                                  // any free port
      templatePaths: ["templates"]             // relative to this file
      Route { path: "/chat"; view: Component { Chat {} } }
      onErrorOccurred: message => console.error(message)   // e.g. port in use
      onListeningChanged: if (listening) console.log("open", server.pageUrl("/chat"))
  }
  \endqml

  Routes to C++ views: register the view with QML (QML_ELEMENT) and use it
  in a Component, or call server()->route<View>() from C++.
*/
class RILL_QML_EXPORT QmlServer : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(LiveServer)
    Q_PROPERTY(QQmlListProperty<Rill::QmlRoute> routes READ routes CONSTANT)
    Q_PROPERTY(int port READ port WRITE setPort NOTIFY portChanged)
    Q_PROPERTY(QString address MEMBER m_address NOTIFY changed)
    Q_PROPERTY(QString accessToken READ accessToken WRITE setAccessToken NOTIFY changed)
    Q_PROPERTY(QStringList templatePaths MEMBER m_templatePaths NOTIFY changed)
    Q_PROPERTY(int batchInterval READ batchInterval WRITE setBatchInterval NOTIFY changed)
    Q_PROPERTY(QString pageTitle MEMBER m_pageTitle NOTIFY changed)
    Q_PROPERTY(bool listening READ isListening NOTIFY listeningChanged)
    Q_PROPERTY(QUrl url READ url NOTIFY listeningChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
    Q_CLASSINFO("DefaultProperty", "routes")

public:
    explicit QmlServer(QObject *parent = nullptr);
    ~QmlServer() override;

    QQmlListProperty<QmlRoute> routes();
    int port() const;
    void setPort(int port);
    QString accessToken() const;
    void setAccessToken(const QString &token);
    int batchInterval() const;
    void setBatchInterval(int msec);
    bool isListening() const;
    QUrl url() const;
    QString errorString() const;
    void setAddress(const QString &address) { m_address = address; }

    //! Adds a route from C++ (rill-view serves a LiveView file this way).
    //! With \a reloadInDevMode, while the server is in development mode
    //! each new page reads the component's file again and recompiles it
    //! when it changed (pages already open keep the view they have).
    void addRoute(const QString &path, QQmlComponent *component, bool reloadInDevMode = false);

    //! Listens now; false (and errorOccurred()) when it cannot.
    Q_INVOKABLE bool start();
    //! The URL of \a path; with a token set, it carries a one-time access
    //! code (Server::accessUrl()), never the token.
    Q_INVOKABLE QUrl pageUrl(const QString &path = QStringLiteral("/")) const;
    //! A new random access token.
    Q_INVOKABLE QString generateToken() const;
    //! Publishes \a message to \a topic for the views that subscribed (LiveView.subscribe()).
    Q_INVOKABLE void publish(const QString &topic, const QJSValue &message);

    Rill::Server *server() const;

Q_SIGNALS:
    void changed();
    void portChanged();
    void listeningChanged();
    void errorOccurred(const QString &message);

protected:
    void classBegin() override {}
    void componentComplete() override;

private:
    void registerRoute(const QString &path, QQmlComponent *component, bool reloadInDevMode);
    QStringList resolvedTemplatePaths() const;

    std::unique_ptr<Server> m_server;
    QList<QmlRoute *> m_routes;
    struct ExtraRoute
    {
        QString path;
        QQmlComponent *component;
        bool reloadInDevMode;
    };
    QList<ExtraRoute> m_extraRoutes;
    int m_port = 0;
    QString m_address = QStringLiteral("127.0.0.1");
    QStringList m_templatePaths;
    QString m_pageTitle;
    QString m_error;
    bool m_started = false;
};

} // namespace Rill
