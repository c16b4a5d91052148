#include "qmlliveview.h"

#include <rill/canceltoken.h>
#include <rill/pubsub.h>

#include "jsbridge_p.h"

#include <rill/request.h>
#include <rill/tail.h>
#include <rill/templatecontext.h>

#include <QJSEngine>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QPointer>
#include <QQmlEngine>

#include <stdexcept>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcQmlView, "rill.qml.view", QtWarningMsg)

namespace Rill {

QmlLiveView::QmlLiveView(QObject *parent) : LiveView(parent) {}
QmlLiveView::~QmlLiveView() = default;

void QmlLiveView::setTemplateSource(const QString &source)
{
    if (source == templateSource())
        return;
    LiveView::setTemplateSource(source);
    Q_EMIT templateChanged();
}

void QmlLiveView::setTemplateName(const QString &name)
{
    if (name == templateName())
        return;
    LiveView::setTemplateName(name);
    Q_EMIT templateChanged();
}

QQmlListProperty<QObject> QmlLiveView::data() { return QQmlListProperty<QObject>(this, &m_data); }

QUrl QmlLiveView::sourceFile() const { return detail::qmlFileOf(this); }

void QmlLiveView::classBegin() {}

void QmlLiveView::componentComplete()
{
    // QML functions are methods of the type's meta-object past ours.
    const QMetaObject *mo = metaObject();
    for (int i = QmlLiveView::staticMetaObject.methodCount(); i < mo->methodCount(); ++i) {
        const QMetaMethod m = mo->method(i);
        if (m.methodType() == QMetaMethod::Signal || m.methodType() == QMetaMethod::Constructor)
            continue;
        const QString name = QString::fromLatin1(m.name());
        if (name.startsWith(u'_'))
            continue;
        if (name == u"mount"_s) {
            m_hasMount = true;
            continue;
        }
        handle(name, [this, name](QVariantMap params) -> QCoro::Task<> {
            QJSEngine *engine = qjsEngine(this);
            if (!engine)
                throw std::runtime_error("the view has no QML engine");
            return callFunction(name, engine->toScriptValue(params));
        });
    }
}

QCoro::Task<> QmlLiveView::callFunction(QString name, QJSValue argument)
{
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        throw std::runtime_error("the view has no QML engine");
    // Objects a C++ factory owns must not be collected by the JS engine.
    QJSEngine::setObjectOwnership(this, QJSEngine::CppOwnership);
    QJSValue self = engine->newQObject(this);
    const QJSValue function = self.property(name);
    if (!function.isCallable())
        throw std::runtime_error(u"'%1' is not a function"_s.arg(name).toStdString());
    // Through a try/catch in JS: call() returns a thrown value as if it were
    // returned, so `throw "text"` would pass for a handler's result.
    const QJSValue guarded = engine->evaluate(
        u"(function (f, self, arg) { try { return { value: f.call(self, arg) }; } catch (e) { return { error: e }; } })"_s);
    const QJSValue outcome = guarded.call({function, self, argument});
    if (outcome.isError() || outcome.hasOwnProperty(u"error"_s)) {
        const QJSValue error = outcome.isError() ? outcome : outcome.property(u"error"_s);
        if (error.isObject() && error.property(u"rillParamError"_s).toBool()) // from Rill.param()
            throw ParamError(error.property(u"message"_s).toString().toStdString());
        const QString message = detail::describeJsError(error, sourceFile());
        throw std::runtime_error(message.toStdString());
    }
    const QJSValue result = outcome.property(u"value"_s);
    if (detail::isThenable(result))
        co_await detail::awaitThenable(engine, result, this, sourceFile());
}

QCoro::Task<> QmlLiveView::mount(const Request &request)
{
    if (!m_hasMount)
        co_return;
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        co_return;
    QVariantMap query; // a repeated name: its first value, as Query::value()
    for (const auto &[key, value] : request.query.items())
        if (!query.contains(key))
            query.insert(key, value);
    QVariantMap headers;
    for (const auto &[key, value] : request.headers)
        headers.insert(QString::fromLatin1(key).toLower(), QString::fromUtf8(value));
    const QVariantMap req{{u"path"_s, request.path},
                          {u"query"_s, query},
                          {u"headers"_s, headers},
                          {u"peer"_s, request.peer.toString()}};
    co_await callFunction(u"mount"_s, engine->toScriptValue(req));
}

void QmlLiveView::addContext(TemplateContext &context) const
{
    m_contextError = TemplateError();
    // QML-declared properties come after ours in the type's meta-object;
    // they replace the raw values setObject() would give (QJSValues).
    const QMetaObject *mo = metaObject();
    for (int i = QmlLiveView::staticMetaObject.propertyCount(); i < mo->propertyCount(); ++i) {
        const QMetaProperty p = mo->property(i);
        const QString name = QString::fromLatin1(p.name());
        QString problem;
        const QVariant value = detail::toTemplateValue(p.read(this), &problem);
        if (!problem.isEmpty() && !m_contextError.isError()) {
            const QUrl file = sourceFile();
            const int line = detail::propertyLine(file, name);
            m_contextError = TemplateError(TemplateError::Kind::Render, file.fileName(), line, 0,
                                           u"property '%1' %2"_s.arg(name, problem));
        }
        context.insert(name, value);
    }
}

TemplateError QmlLiveView::contextError() const { return m_contextError; }

void QmlLiveView::throwJs(const QString &message)
{
    if (QJSEngine *engine = qjsEngine(this))
        engine->throwError(QJSValue::TypeError, message);
    else
        qCWarning(lcQmlView).noquote() << message;
}

void QmlLiveView::streamTo(const QString &name, const QString &target, const QJSValue &html)
{
    if (html.isUndefined() || html.isNull())
        LiveView::streamTo(name, target);
    else
        LiveView::streamTo(name, target, html.toString());
}

void QmlLiveView::streamInsert(const QString &name, const QString &html, const QString &at, const QString &target)
{
    StreamOp::Kind kind = StreamOp::Kind::Append;
    if (at == u"prepend"_s)
        kind = StreamOp::Kind::Prepend;
    else if (!at.isEmpty() && at != u"append"_s)
        return throwJs(u"streamInsert: 'at' must be \"append\" or \"prepend\", got \"%1\""_s.arg(at));
    LiveView::streamInsert(name, html, kind, target);
}

void QmlLiveView::streamText(const QString &name, const QString &text, const QString &mode, const QString &target)
{
    StreamOp::TextMode m = StreamOp::TextMode::Default;
    if (mode == u"append"_s)
        m = StreamOp::TextMode::Append;
    else if (mode == u"replace"_s)
        m = StreamOp::TextMode::Replace;
    else if (mode == u"prepend"_s)
        m = StreamOp::TextMode::Prepend;
    else if (!mode.isEmpty())
        return throwJs(u"streamText: mode must be \"append\", \"replace\" or \"prepend\", got \"%1\""_s.arg(mode));
    LiveView::streamText(name, text, m, target);
}

void QmlLiveView::streamError(const QString &name, const QString &error, const QString &target)
{
    LiveView::streamError(name, error, target);
}

void QmlLiveView::streamStart(const QString &name, const QString &target) { LiveView::streamStart(name, target); }
void QmlLiveView::streamDone(const QString &name, const QString &target) { LiveView::streamDone(name, target); }

void QmlLiveView::streamDelete(const QString &name, const QString &selector)
{
    LiveView::streamDelete(name, selector);
}

void QmlLiveView::pushState() { LiveView::pushState(); }

QObject *QmlLiveView::beginJob(const QString &name)
{
    auto *token = new CancelToken;
    // The handler's JS holds it as long as it needs it; the view keeps only
    // a weak reference.
    QJSEngine::setObjectOwnership(token, QJSEngine::JavaScriptOwnership);
    registerJob(name, token);
    return token;
}

void QmlLiveView::subscribe(const QString &topic, const QJSValue &callback)
{
    if (!m_pubsub)
        return throwJs(u"subscribe: this view has no PubSub (only views a LiveServer serves have one)"_s);
    if (!callback.isCallable())
        return throwJs(u"subscribe: the second argument must be a function"_s);
    QPointer<QmlLiveView> self(this);
    m_pubsub->subscribe(topic, this, [self, callback](const QVariant &message) {
        QJSEngine *engine = self ? qjsEngine(self.data()) : nullptr;
        if (!engine)
            return;
        QJSValue f = callback;
        const QJSValue result = f.call({engine->toScriptValue(message)});
        if (result.isError())
            qCWarning(lcQmlView).noquote() << "a subscriber of a topic threw:" << detail::describeJsError(result, self->sourceFile());
    });
}

void QmlLiveView::publish(const QString &topic, const QJSValue &message)
{
    if (!m_pubsub)
        return throwJs(u"publish: this view has no PubSub (only views a LiveServer serves have one)"_s);
    m_pubsub->publish(topic, message.toVariant(QJSValue::ConvertJSObjects));
}

QString QmlLiveView::renderTemplate(const QString &name, const QJSValue &context)
{
    QVariantMap extra;
    if (context.isObject()) {
        const QVariantMap raw = context.toVariant().toMap();
        for (auto it = raw.cbegin(); it != raw.cend(); ++it) {
            QString problem;
            extra.insert(it.key(), detail::toTemplateValue(it.value(), &problem));
            if (!problem.isEmpty()) {
                throwJs(u"renderTemplate: '%1' %2"_s.arg(it.key(), problem));
                return QString();
            }
        }
    } else if (!context.isUndefined() && !context.isNull()) {
        throwJs(u"renderTemplate: the context must be an object"_s);
        return QString();
    }
    try {
        return LiveView::renderTemplate(name, extra);
    } catch (const std::exception &e) {
        if (QJSEngine *engine = qjsEngine(this))
            engine->throwError(QJSValue::GenericError, QString::fromUtf8(e.what()));
        return QString();
    }
}

static QCoro::Task<> runTail(QPointer<QmlLiveView> view, QString path, QJSValue onLine,
                             QPointer<detail::JsDeferred> deferred)
{
    QString failure;
    try {
        QCORO_FOREACH (const QString &line, tailFile(path, view.data())) {
            if (!view || !deferred)
                co_return;
            QJSValue argument(line);
            const QJSValue result = onLine.call({argument});
            if (result.isError()) {
                deferred->reject(result);
                deferred->deleteLater();
                co_return;
            }
            if (result.isBool() && !result.toBool())
                break;
        }
    } catch (const std::exception &e) {
        failure = QString::fromUtf8(e.what());
    }
    if (!deferred)
        co_return;
    if (failure.isEmpty())
        deferred->resolve();
    else
        deferred->rejectWithMessage(failure);
    deferred->deleteLater();
}

QJSValue QmlLiveView::tailFile(const QString &path, const QJSValue &onLine)
{
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        return QJSValue();
    auto *deferred = new detail::JsDeferred(engine, this);
    const QJSValue promise = deferred->promise();
    runTail(this, path, onLine, deferred);
    return promise;
}

} // namespace Rill
