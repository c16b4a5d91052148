#include <rill/templateengine.h>

#include <rill/templatecontext.h>

#include "engine_p.h"
#include "lexer_p.h"
#include "parser_p.h"
#include "tags_p.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QMetaProperty>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTemplate, "rill.core.template", QtWarningMsg)

namespace Rill {

using namespace detail;

// ---- TemplateError -------------------------------------------------------

TemplateError::TemplateError(Kind kind, QString templateName, int line, int column, QString message)
    : m_kind(kind), m_templateName(std::move(templateName)), m_line(line), m_column(column),
      m_message(std::move(message))
{
}

QString TemplateError::toString() const
{
    if (!isError())
        return QString();
    if (m_line <= 0)
        return m_templateName + u": "_s + m_message;
    return u"%1:%2:%3: %4"_s.arg(m_templateName).arg(m_line).arg(m_column).arg(m_message);
}

// ---- TemplateContext -----------------------------------------------------

TemplateContext::TemplateContext(const QVariantHash &values) : m_values(values) {}

TemplateContext::TemplateContext(const QVariantMap &values)
{
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        m_values.insert(it.key(), it.value());
}

void TemplateContext::insert(const QString &name, const QVariant &value) { m_values.insert(name, value); }
void TemplateContext::remove(const QString &name) { m_values.remove(name); }
bool TemplateContext::contains(const QString &name) const { return value(name).isValid(); }

QVariant TemplateContext::value(const QString &name) const
{
    auto it = m_values.constFind(name);
    if (it != m_values.cend())
        return it.value();
    if (const QObject *o = m_object.data()) {
        const QByteArray n = name.toUtf8();
        const int idx = o->metaObject()->indexOfProperty(n.constData());
        if (idx >= 0)
            return o->metaObject()->property(idx).read(o);
        if (o->dynamicPropertyNames().contains(n))
            return o->property(n.constData());
    }
    return QVariant();
}

void TemplateContext::setObject(const QObject *object) { m_object = object; }
void TemplateContext::setCsrfToken(const QString &token) { insert(u"csrf_token"_s, token); }
QString TemplateContext::csrfToken() const { return m_values.value(u"csrf_token"_s).toString(); }

// ---- Template ------------------------------------------------------------

Template::Template() = default;
Template::~Template() = default;
Template::Template(const Template &) = default;
Template &Template::operator=(const Template &) = default;
Template::Template(std::shared_ptr<const CompiledTemplate> compiled) : m_compiled(std::move(compiled)) {}

bool Template::isValid() const { return m_compiled && m_compiled->isValid(); }
QString Template::name() const { return m_compiled ? m_compiled->name : QString(); }

TemplateError Template::error() const
{
    if (!m_compiled)
        return TemplateError(TemplateError::Kind::NotFound, QString(), 0, 0, u"no template"_s);
    return m_compiled->error;
}

namespace detail {

// The error for an exception that reached the public boundary; every path
// out of rendering comes through here, so nothing thrown inside escapes.
TemplateError errorFromException(const QString &templateName)
{
    try {
        throw;
    } catch (const TemplateException &e) {
        return e.error;
    } catch (const AbortRender &e) {
        return TemplateError(TemplateError::Kind::Render, e.templateName.isEmpty() ? templateName : e.templateName,
                             e.line, e.column, e.message);
    } catch (const std::bad_alloc &) {
        return TemplateError(TemplateError::Kind::Render, templateName, 0, 0, u"rendering ran out of memory"_s);
    } catch (const std::exception &e) {
        return TemplateError(TemplateError::Kind::Render, templateName, 0, 0,
                             u"rendering failed: "_s + QString::fromLocal8Bit(e.what()));
    }
}

} // namespace detail

QString Template::render(const TemplateContext &context, TemplateError *error) const
{
    if (error)
        *error = TemplateError();
    if (!isValid()) {
        if (error)
            *error = this->error();
        return QString();
    }
    try {
        RenderState state(context, m_compiled.get());
        // A little over last time's length, so a render that grows a bit does
        // not copy everything once more at the end.
        if (const qsizetype hint = m_compiled->lastOutputSize.load(std::memory_order_relaxed))
            state.out.reserve(qMin(hint + hint / 16, state.budget.maxOutputChars()));
        renderTemplate(*m_compiled, state);
        m_compiled->lastOutputSize.store(state.out.size(), std::memory_order_relaxed);
        return std::move(state.out);
    } catch (...) {
        const TemplateError e = errorFromException(name());
        if (error)
            *error = e;
    }
    return QString();
}

// ---- TemplateEngine ------------------------------------------------------

namespace {

std::shared_ptr<CompiledTemplate> compile(const QString &source, const QString &name, const TemplateLoader *loader)
{
    auto tpl = std::make_shared<CompiledTemplate>();
    tpl->name = name;
    tpl->loader = loader;
    try {
        Parser parser(tokenize(source), name);
        tpl->nodes = parser.parse();
        for (const auto &n : tpl->nodes) {
            if (n->isText())
                continue;
            tpl->extends = dynamic_cast<const ExtendsNode *>(n.get());
            break;
        }
    } catch (const TemplateException &e) {
        tpl->nodes.clear();
        tpl->error = e.error;
    } catch (const AbortRender &e) { // a value nested too deep in a literal, say
        tpl->nodes.clear();
        tpl->error = TemplateError(TemplateError::Kind::Syntax, name, e.line, e.column, e.message);
    } catch (const std::bad_alloc &) {
        tpl->nodes.clear();
        tpl->error = TemplateError(TemplateError::Kind::Syntax, name, 0, 0, u"compiling ran out of memory"_s);
    } catch (const std::exception &e) {
        tpl->nodes.clear();
        tpl->error = TemplateError(TemplateError::Kind::Syntax, name, 0, 0,
                                   u"compiling failed: "_s + QString::fromLocal8Bit(e.what()));
    }
    return tpl;
}

} // namespace

struct TemplateEngine::Private final : TemplateLoader
{
    struct Entry
    {
        std::shared_ptr<const CompiledTemplate> tpl;
        QString path;       // file it came from
        QDateTime modified; // its mtime when compiled
    };

    QStringList searchPaths;
    bool autoReload = true;
    mutable QHash<QString, Entry> cache;

    std::shared_ptr<const CompiledTemplate> load(const QString &name) const override
    {
        auto it = cache.find(name);
        if (it != cache.end()) {
            if (!autoReload || it->path.isEmpty() || it->path.startsWith(u':'))
                return it->tpl;
            const QFileInfo info(it->path);
            if (info.exists() && info.lastModified() == it->modified)
                return it->tpl;
        }
        Entry entry = loadFresh(name);
        // Only what came from a file: a name that found none is looked up
        // again next time (the file may appear), and names a template makes
        // up ({% include name %}) would otherwise fill the cache for good.
        if (!entry.path.isEmpty())
            cache.insert(name, entry);
        else
            cache.remove(name);
        return entry.tpl;
    }

    Entry loadFresh(const QString &name) const
    {
        Entry entry;
        if (name.isEmpty() || QDir::isAbsolutePath(name) || name.split(u'/').contains(u".."_s)) {
            auto tpl = std::make_shared<CompiledTemplate>();
            tpl->name = name;
            tpl->error = TemplateError(TemplateError::Kind::NotFound, name, 0, 0,
                                       u"template names are relative paths inside the search paths, got '%1'"_s.arg(name));
            entry.tpl = tpl;
            return entry;
        }
        for (const QString &dir : searchPaths) {
            const QString path = dir.endsWith(u'/') ? QString(dir + name) : QString(dir + u'/' + name);
            QFile file(path);
            const QFileInfo info(path);
            if (!info.exists())
                continue;
            if (!info.isFile() || !file.open(QIODevice::ReadOnly)) {
                // There, but not for us: say so rather than "not found",
                // which would send the author looking in the wrong place.
                auto tpl = std::make_shared<CompiledTemplate>();
                tpl->name = name;
                tpl->error = TemplateError(TemplateError::Kind::Unreadable, name, 0, 0,
                                           u"template '%1' cannot be read from %2: %3"_s.arg(
                                               name, path, info.isFile() ? file.errorString() : u"not a file"_s));
                entry.tpl = tpl;
                return entry;
            }
            const QByteArray bytes = file.readAll();
            entry.path = path;
            entry.modified = info.lastModified();
            entry.tpl = compile(QString::fromUtf8(bytes), name, this);
            qCDebug(lcTemplate) << "compiled" << path;
            return entry;
        }
        auto tpl = std::make_shared<CompiledTemplate>();
        tpl->name = name;
        tpl->error = TemplateError(TemplateError::Kind::NotFound, name, 0, 0,
                                   searchPaths.isEmpty()
                                       ? u"template '%1' not found: the engine has no search paths"_s.arg(name)
                                       : u"template '%1' not found in %2"_s.arg(name, searchPaths.join(u", "_s)));
        entry.tpl = tpl;
        return entry;
    }
};

TemplateEngine::TemplateEngine() : d(std::make_unique<Private>()) {}
TemplateEngine::~TemplateEngine() = default;

void TemplateEngine::setSearchPaths(const QStringList &paths)
{
    d->searchPaths = paths;
    d->cache.clear();
}

void TemplateEngine::addSearchPath(const QString &path)
{
    d->searchPaths.append(path);
    d->cache.clear();
}

QStringList TemplateEngine::searchPaths() const { return d->searchPaths; }
void TemplateEngine::setAutoReload(bool on) { d->autoReload = on; }
bool TemplateEngine::autoReload() const { return d->autoReload; }
void TemplateEngine::clearCache() { d->cache.clear(); }

void TemplateEngine::setMaxOutputSize(qsizetype bytes)
{
    d->limits.maxOutputBytes = qMax<qsizetype>(bytes, 0);
}

qsizetype TemplateEngine::maxOutputSize() const { return d->limits.maxOutputBytes; }

void TemplateEngine::setMaxRenderTime(std::chrono::milliseconds time)
{
    d->limits.maxTime = qMax(time, std::chrono::milliseconds(0));
}

std::chrono::milliseconds TemplateEngine::maxRenderTime() const { return d->limits.maxTime; }

Template TemplateEngine::loadTemplate(const QString &name) const
{
    return Template(d->load(name));
}

Template TemplateEngine::fromString(const QString &source, const QString &name) const
{
    return Template(compile(source, name, d.get()));
}

} // namespace Rill
