#include <rill/liveview.h>

#include "../net/http_p.h"

#include <rill/canceltoken.h>
#include <rill/request.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QHash>
#include <QLoggingCategory>
#include <QPointer>

#include <stdexcept>
#include <utility>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcView, "rill.core.view", QtWarningMsg)

namespace Rill {

Query Query::parse(QByteArrayView raw)
{
    Query q;
    q.m_items = detail::parseFormEncoded(raw);
    return q;
}

QString Query::value(QStringView name, const QString &fallback) const
{
    for (const auto &[n, v] : m_items)
        if (n == name)
            return v;
    return fallback;
}

QStringList Query::values(QStringView name) const
{
    QStringList out;
    for (const auto &[n, v] : m_items)
        if (n == name)
            out.append(v);
    return out;
}

bool Query::contains(QStringView name) const
{
    for (const auto &item : m_items)
        if (item.first == name)
            return true;
    return false;
}

QByteArray Request::header(QByteArrayView name) const
{
    for (const auto &h : headers)
        if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return QByteArray();
}

struct LiveView::Private
{
    QString templateName;
    QString templateSource;
    QHash<QString, Handler> handlers;
    const TemplateEngine *engine = nullptr;
    std::unique_ptr<TemplateEngine> ownEngine; // when no server gave one
    QString csrfToken;
    bool closed = false;
    // Inline sources compile once per change, not per render.
    mutable Template inlineTemplate;
    mutable bool inlineDirty = true;
    // Each target's dj-stream-mode, read from the template once (per
    // compiled template: a reload, seen at the next render, starts over).
    Template modesOf;
    QHash<QString, StreamOp::TextMode> modes;
    // The stream streamText() wrote to last, with its selector and mode:
    // token after token into one stream needs neither built again.
    struct LastText
    {
        QString stream, target, selector;
        StreamOp::TextMode mode = StreamOp::TextMode::Default;
        bool valid = false;
    } lastText;

    void useModesOf(const Template &tpl)
    {
        if (tpl == modesOf)
            return;
        modesOf = tpl;
        modes.clear();
        lastText.valid = false;
    }
    //! The dj-stream-mode of the element \a selector names in the view's template.
    StreamOp::TextMode declaredTextMode(const LiveView *view, const QString &selector);
    QHash<QString, QPointer<CancelToken>> jobs;
};

LiveView::LiveView(QObject *parent) : QObject(parent), d(std::make_unique<Private>()) {}
LiveView::~LiveView() = default;

QString LiveView::templateName() const { return d->templateName; }
void LiveView::setTemplateName(const QString &name)
{
    d->templateName = name;
    d->useModesOf(Template());
}
QString LiveView::templateSource() const { return d->templateSource; }

void LiveView::setTemplateSource(const QString &source)
{
    d->templateSource = source;
    d->inlineDirty = true;
    d->useModesOf(Template());
}

QCoro::Task<> LiveView::mount(const Request &)
{
    co_return;
}

void LiveView::addContext(TemplateContext &) const {}
TemplateError LiveView::contextError() const { return TemplateError(); }

void LiveView::handle(const QString &event, Handler handler)
{
    d->handlers.insert(event, std::move(handler));
}

bool LiveView::hasHandler(const QString &event) const { return d->handlers.contains(event); }
QStringList LiveView::handlerNames() const { return d->handlers.keys(); }

QCoro::Task<> LiveView::invoke(const QString &event, QVariantMap params)
{
    auto it = d->handlers.constFind(event);
    if (it == d->handlers.cend())
        throw std::invalid_argument("no handler for this event");
    // Copy: the handler may replace itself in the table while it runs.
    const Handler handler = it.value();
    co_await handler(std::move(params));
}

void LiveView::setTemplateEngine(const TemplateEngine *engine)
{
    d->engine = engine;
    d->inlineDirty = true;
    d->useModesOf(Template());
}

const TemplateEngine *LiveView::templateEngine() const
{
    if (d->engine)
        return d->engine;
    if (!d->ownEngine)
        d->ownEngine = std::make_unique<TemplateEngine>();
    return d->ownEngine.get();
}

void LiveView::setCsrfToken(const QString &token) { d->csrfToken = token; }
bool LiveView::isClosed() const { return d->closed; }

void LiveView::close()
{
    if (d->closed)
        return;
    d->closed = true;
    const auto jobs = std::exchange(d->jobs, {});
    for (const QPointer<CancelToken> &token : jobs)
        if (token)
            token->cancel();
    Q_EMIT closed();
}

void LiveView::registerJob(const QString &name, CancelToken *token)
{
    const QPointer<CancelToken> previous = d->jobs.value(name);
    d->jobs.insert(name, token);
    if (previous && previous != token)
        previous->cancel();
    if (d->closed)
        token->cancel();
}

std::shared_ptr<CancelToken> LiveView::beginJob(const QString &name)
{
    auto token = std::make_shared<CancelToken>();
    registerJob(name, token.get());
    return token;
}

bool LiveView::cancelJob(const QString &name)
{
    const QPointer<CancelToken> token = d->jobs.take(name);
    if (!token || token->isCancelled())
        return false;
    token->cancel();
    return true;
}

QString LiveView::renderTemplate(const QString &name, const QVariantMap &extra) const
{
    const Template tpl = templateEngine()->loadTemplate(name);
    TemplateError err = tpl.isValid() ? contextError() : tpl.error();
    QString html;
    if (!err.isError()) {
        TemplateContext ctx = context();
        for (auto it = extra.cbegin(); it != extra.cend(); ++it)
            ctx.insert(it.key(), it.value());
        html = tpl.render(ctx, &err);
    }
    if (err.isError())
        throw std::runtime_error(err.toString().toStdString());
    return html;
}

TemplateContext LiveView::context() const
{
    TemplateContext ctx;
    ctx.setObject(this);
    if (!d->csrfToken.isEmpty())
        ctx.setCsrfToken(d->csrfToken);
    addContext(ctx);
    return ctx;
}

static Template viewTemplate(const LiveView *view, const QString &source, const QString &name, Template &cache,
                             bool &dirty)
{
    const TemplateEngine *engine = view->templateEngine();
    if (!source.isEmpty()) {
        if (dirty) {
            cache = engine->fromString(source, QString::fromLatin1(view->metaObject()->className()) + u".template"_s);
            dirty = false;
        }
        return cache;
    }
    return engine->loadTemplate(name);
}

StreamOp::TextMode LiveView::Private::declaredTextMode(const LiveView *view, const QString &selector)
{
    const Template tpl = viewTemplate(view, templateSource, templateName, inlineTemplate, inlineDirty);
    useModesOf(tpl);
    auto it = modes.constFind(selector);
    if (it == modes.cend()) {
        const std::optional<QString> declared = tpl.elementAttribute(selector, u"dj-stream-mode"_s);
        StreamOp::TextMode resolved = StreamOp::TextMode::Default;
        if (declared) {
            const QString m = declared->trimmed().toLower();
            resolved = m == u"replace"_s   ? StreamOp::TextMode::Replace
                       : m == u"prepend"_s ? StreamOp::TextMode::Prepend
                                           : StreamOp::TextMode::Append; // absent or "append"
        }
        it = modes.insert(selector, resolved);
    }
    return it.value();
}

QString LiveView::render(TemplateError *error) const
{
    const Template tpl = viewTemplate(this, d->templateSource, d->templateName, d->inlineTemplate, d->inlineDirty);
    d->useModesOf(tpl); // a template reloaded since may declare other modes
    TemplateError err = tpl.isValid() ? TemplateError() : tpl.error();
    QString html;
    if (tpl.isValid()) {
        const TemplateContext ctx = context();
        err = contextError();
        if (!err.isError())
            html = tpl.render(ctx, &err);
    }
    if (err.isError()) {
        qCWarning(lcView).noquote() << err.toString();
        Q_EMIT const_cast<LiveView *>(this)->renderFailed(err.toString());
    }
    if (error)
        *error = err;
    return html;
}

std::optional<QString> LiveView::renderFragment(const QString &selector, TemplateError *error) const
{
    const Template tpl = viewTemplate(this, d->templateSource, d->templateName, d->inlineTemplate, d->inlineDirty);
    TemplateError err = tpl.isValid() ? TemplateError() : tpl.error();
    std::optional<QString> html;
    if (tpl.isValid()) {
        const TemplateContext ctx = context();
        err = contextError();
        if (!err.isError())
            html = tpl.renderFragment(selector, ctx, &err);
    }
    if (err.isError())
        Q_EMIT const_cast<LiveView *>(this)->renderFailed(err.toString());
    if (error)
        *error = err;
    return html;
}

void LiveView::streamTo(const QString &name, const QString &target, const std::optional<QString> &html)
{
    const QString sel = target.isEmpty() ? StreamOp::defaultTarget(name) : target;
    if (html) {
        Q_EMIT streamOp(StreamOp::replace(name, *html, sel));
        return;
    }
    TemplateError error;
    const std::optional<QString> fragment = renderFragment(sel, &error);
    if (error.isError())
        return; // renderFailed() already told the session
    if (!fragment) {
        qCWarning(lcView).noquote() << "streamTo(" << name << "): no element in the template matches" << sel;
        Q_EMIT renderFailed(u"streamTo('%1'): no element in the template matches %2"_s.arg(name, sel));
        return;
    }
    Q_EMIT streamOp(StreamOp::replace(name, *fragment, sel));
}

void LiveView::streamInsert(const QString &name, const QString &html, StreamOp::Kind at, const QString &target)
{
    Q_EMIT streamOp(StreamOp::insert(name, html, at, target));
}

void LiveView::streamText(const QString &name, const QString &text, StreamOp::TextMode mode, const QString &target)
{
    Private::LastText &last = d->lastText;
    if (!last.valid || last.stream != name || last.target != target) {
        last.stream = name;
        last.target = target;
        last.selector = target.isEmpty() ? StreamOp::defaultTarget(name) : target;
        last.mode = d->declaredTextMode(this, last.selector);
        last.valid = true;
    }
    // Say the element's mode outright when the template tells it, so the
    // batcher may merge tokens (it cannot merge "whatever the page says":
    // on a replace element "a" then "b" must end as "b").
    Q_EMIT streamOp(
        StreamOp::text(name, text, mode == StreamOp::TextMode::Default ? last.mode : mode, last.selector));
}

void LiveView::streamError(const QString &name, const QString &error, const QString &target)
{
    Q_EMIT streamOp(StreamOp::error(name, error, target));
}

void LiveView::streamStart(const QString &name, const QString &target)
{
    Q_EMIT streamOp(StreamOp::start(name, target));
}

void LiveView::streamDone(const QString &name, const QString &target)
{
    Q_EMIT streamOp(StreamOp::done(name, target));
}

void LiveView::streamDelete(const QString &name, const QString &selector)
{
    Q_EMIT streamOp(StreamOp::remove(name, selector));
}

void LiveView::pushState()
{
    TemplateError error;
    const QString html = render(&error);
    if (!error.isError())
        Q_EMIT streamOp(StreamOp::render(html));
}

} // namespace Rill

namespace Rill::Params {

QString string(const QVariantMap &params, const QString &name)
{
    auto it = params.constFind(name);
    if (it == params.cend())
        throw ParamError(u"missing parameter '%1'"_s.arg(name).toStdString());
    switch (it->typeId()) {
    case QMetaType::QString:
    case QMetaType::LongLong:
    case QMetaType::Int:
    case QMetaType::Double:
    case QMetaType::Bool:
        return it->toString();
    default:
        throw ParamError(u"parameter '%1' must be a string, got %2"_s.arg(name, QString::fromLatin1(it->typeName())).toStdString());
    }
}

qint64 integer(const QVariantMap &params, const QString &name)
{
    auto it = params.constFind(name);
    if (it == params.cend())
        throw ParamError(u"missing parameter '%1'"_s.arg(name).toStdString());
    if (it->typeId() == QMetaType::LongLong || it->typeId() == QMetaType::Int)
        return it->toLongLong();
    bool ok = false;
    const qint64 v = it->toString().trimmed().toLongLong(&ok);
    if (it->typeId() != QMetaType::QString || !ok)
        throw ParamError(u"parameter '%1' must be an integer, got '%2'"_s.arg(name, it->toString()).toStdString());
    return v;
}

} // namespace Rill::Params
