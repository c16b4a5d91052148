#include "qmlserver.h"

#include "jsbridge_p.h"
#include "qmlliveview.h"

#include <rill/html.h>
#include <rill/liveview.h>
#include <rill/pubsub.h>
#include <rill/server.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJSEngine>
#include <QLoggingCategory>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTimer>
#include <QUrlQuery>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcQmlServer, "rill.qml.server", QtWarningMsg)

namespace Rill {

namespace {

// What a route serves when its component cannot make a view: the page
// says why instead of the server failing the request blindly.
class BrokenView : public LiveView
{
public:
    explicit BrokenView(QString message) : m_message(std::move(message))
    {
        setTemplateSource(u"<pre class=\"rill-qml-error\">{{ message }}</pre>"_s);
    }
    void addContext(TemplateContext &context) const override { context.insert(u"message"_s, m_message); }

private:
    QString m_message;
};

} // namespace

QmlServer::QmlServer(QObject *parent) : QObject(parent), m_server(std::make_unique<Server>()) {}
QmlServer::~QmlServer() = default;

Server *QmlServer::server() const { return m_server.get(); }

QQmlListProperty<QmlRoute> QmlServer::routes() { return QQmlListProperty<QmlRoute>(this, &m_routes); }

int QmlServer::port() const { return m_server->isListening() ? int(m_server->port()) : m_port; }

void QmlServer::setPort(int port)
{
    if (port == m_port)
        return;
    m_port = port;
    Q_EMIT portChanged();
}

QString QmlServer::accessToken() const { return m_server->accessToken(); }

void QmlServer::setAccessToken(const QString &token)
{
    m_server->setAccessToken(token);
    Q_EMIT changed();
}

int QmlServer::batchInterval() const { return m_server->batchInterval(); }

void QmlServer::setBatchInterval(int msec)
{
    m_server->setBatchInterval(msec);
    Q_EMIT changed();
}

bool QmlServer::isListening() const { return m_server->isListening(); }
QUrl QmlServer::url() const { return m_server->isListening() ? m_server->url() : QUrl(); }
QString QmlServer::errorString() const { return m_error; }
QString QmlServer::generateToken() const { return Server::generateToken(); }

QUrl QmlServer::pageUrl(const QString &path) const
{
    if (!m_server->isListening())
        return QUrl();
    // With a token: a one-time link (Server::accessUrl()), never the token.
    return m_server->accessUrl(path);
}

void QmlServer::publish(const QString &topic, const QJSValue &message)
{
    m_server->pubSub().publish(topic, message.toVariant(QJSValue::ConvertJSObjects));
}

void QmlServer::addRoute(const QString &path, QQmlComponent *component, bool reloadInDevMode)
{
    m_extraRoutes.append({path, component, reloadInDevMode});
}

namespace {

QByteArray readFile(const QUrl &url)
{
    QFile file(url.toLocalFile());
    return url.isLocalFile() && file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void QmlServer::componentComplete()
{
    // Queued: whoever created us (rill-view, a test) may still set the port.
    QTimer::singleShot(0, this, [this] {
        if (!m_started)
            start();
    });
}

QStringList QmlServer::resolvedTemplatePaths() const
{
    const QQmlContext *ctx = qmlContext(this);
    const QUrl base = ctx ? ctx->baseUrl() : QUrl();
    QStringList paths;
    for (const QString &p : m_templatePaths) {
        if (p.startsWith(u":/"_s) || QDir::isAbsolutePath(p) || !base.isLocalFile())
            paths << p;
        else
            paths << QDir(QFileInfo(base.toLocalFile()).absolutePath()).filePath(p);
    }
    return paths;
}

void QmlServer::registerRoute(const QString &path, QQmlComponent *component, bool reloadInDevMode)
{
    QPointer<QQmlComponent> guard(component);
    // When the route follows its file: the text last compiled, and the
    // component compiled from a changed text (a fresh one each time: a
    // QQmlComponent that once failed keeps reporting that error).
    struct Reload
    {
        QByteArray compiled;
        std::unique_ptr<QQmlComponent> component;
    };
    std::shared_ptr<Reload> reload;
    if (reloadInDevMode && component->url().isLocalFile())
        reload = std::make_shared<Reload>(Reload{readFile(component->url()), nullptr});
    Server *server = m_server.get();
    m_server->route(path, [guard, path, reload, server]() -> std::unique_ptr<LiveView> {
        if (!guard)
            return std::make_unique<BrokenView>(u"route %1: its component is gone"_s.arg(path));
        QQmlComponent *current = guard.data();
        if (reload && server->isDevMode()) {
            const QUrl url = guard->url();
            const QByteArray now = readFile(url);
            if (now != reload->compiled) {
                // setData() compiles afresh, past the engine's cache of the file.
                qCInfo(lcQmlServer).noquote() << "route" << path << "reloads" << url.toLocalFile();
                reload->compiled = now;
                reload->component = std::make_unique<QQmlComponent>(guard->engine());
                reload->component->setData(now, url);
            }
        }
        if (reload && reload->component)
            current = reload->component.get();
        QObject *object = current->isReady() ? current->create(current == guard ? guard->creationContext() : nullptr)
                                             : nullptr;
        if (!object) {
            const QString why = current->errorString();
            qCWarning(lcQmlServer).noquote() << "route" << path << "cannot create its view:" << why;
            return std::make_unique<BrokenView>(u"route %1 cannot create its view:\n%2"_s.arg(path, why));
        }
        auto *view = qobject_cast<LiveView *>(object);
        if (!view) {
            const QString type = QString::fromLatin1(object->metaObject()->className());
            delete object;
            qCWarning(lcQmlServer).noquote() << "route" << path << "makes a" << type << "which is not a LiveView";
            return std::make_unique<BrokenView>(u"route %1: its component makes a %2, not a LiveView"_s.arg(path, type));
        }
        if (auto *qmlView = qobject_cast<QmlLiveView *>(view))
            qmlView->setPubSub(&server->pubSub());
        // The server owns the view from here; the JS engine must not collect it.
        QJSEngine::setObjectOwnership(view, QJSEngine::CppOwnership);
        return std::unique_ptr<LiveView>(view);
    });
}

bool QmlServer::start()
{
    if (m_server->isListening())
        return true;
    m_started = true;
    for (const QString &p : resolvedTemplatePaths())
        m_server->templateEngine().addSearchPath(p);
    if (!m_pageTitle.isEmpty())
        m_server->setPageTitle(m_pageTitle);
    for (QmlRoute *route : std::as_const(m_routes)) {
        if (route->path().isEmpty() || !route->view()) {
            m_error = u"a Route needs a path and a view"_s;
            Q_EMIT errorOccurred(m_error);
            return false;
        }
        registerRoute(route->path(), route->view(), false);
    }
    for (const ExtraRoute &route : std::as_const(m_extraRoutes))
        registerRoute(route.path, route.component, route.reloadInDevMode);

    const QHostAddress address(m_address);
    if (address.isNull()) {
        m_error = u"address must be an IP address, got '%1'"_s.arg(m_address);
        Q_EMIT errorOccurred(m_error);
        return false;
    }
    if (m_port < 0 || m_port > 65535 || !m_server->listen(address, quint16(m_port))) {
        m_error = u"cannot listen on %1:%2: %3"_s.arg(m_address).arg(m_port).arg(m_server->errorString());
        Q_EMIT errorOccurred(m_error);
        return false;
    }
    Q_EMIT listeningChanged();
    Q_EMIT portChanged();
    return true;
}

} // namespace Rill
