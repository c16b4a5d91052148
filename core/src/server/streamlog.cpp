#include "streamlog_p.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

bool resets(const StreamOp &op)
{
    return op.kind == Kind::Replace || (op.kind == Kind::Text && op.mode == Mode::Replace);
}

bool isContent(const StreamOp &op)
{
    return op.kind == Kind::Replace || op.kind == Kind::Append || op.kind == Kind::Prepend || op.kind == Kind::Text;
}

// "#name" as a selector, when it is nothing more.
QString idSelector(const QString &selector)
{
    static const QRegularExpression re(u"^#([A-Za-z_][A-Za-z0-9_:.-]*)$"_s);
    const auto m = re.match(selector);
    return m.hasMatch() ? m.captured(1) : QString();
}

// Whether \a html's first element carries id="name".
bool rootHasId(const QString &html, const QString &name)
{
    const qsizetype end = html.indexOf(u'>');
    if (end < 0)
        return false;
    const QStringView tag = QStringView(html).first(end);
    return tag.contains(QString(u"id=\""_s + name + u'"')) || tag.contains(QString(u"id='"_s + name + u'\''));
}

constexpr size_t MaxResets = 512;

} // namespace

void StreamLog::push(qint64 seq, const StreamOp &op, Role role)
{
    m_entries.push_back(Entry{seq, op, role, true});
    m_bytes += sizeOf(op);
    enforceLimit();
}

void StreamLog::kill(Entry &entry)
{
    if (!entry.alive)
        return;
    entry.alive = false;
    m_bytes -= sizeOf(entry.op);
    entry.op = StreamOp(); // its memory goes now, the slot when it reaches the front
}

void StreamLog::enforceLimit()
{
    while (!m_entries.empty() && (!m_entries.front().alive || m_bytes > m_limit)) {
        Entry &front = m_entries.front();
        if (front.alive) {
            m_truncatedThrough = std::max(m_truncatedThrough, front.seq);
            m_bytes -= sizeOf(front.op);
        }
        m_entries.pop_front();
    }
}

void StreamLog::forget(const QString &target)
{
    m_targets.remove(target);
    for (Entry &e : m_entries)
        if (e.alive && e.role != Role::Delete && e.op.target == target)
            kill(e);
    enforceLimit();
}

StreamLog::Target &StreamLog::hold(const QString &target, const QString &stream, Target::State state, qint64 seq,
                                   const std::optional<QString> &base)
{
    // From now on the page holds this target's content through renders,
    // starting from what it showed there (its part of the last render).
    auto it = m_targets.insert(target, Target{stream, state, seq, false});
    if (base)
        push(seq, StreamOp::replace(stream, *base, target), Role::Base);
    return it.value();
}

bool StreamLog::needsBase(const StreamOp &op) const
{
    return op.kind != Kind::Render && op.kind != Kind::Delete && op.kind != Kind::Done
           && !m_targets.contains(op.target);
}

void StreamLog::record(qint64 seq, const StreamOp &op, const std::optional<QString> &base)
{
    switch (op.kind) {
    case Kind::Render:
        return; // rendered() says what a render did
    case Kind::Start: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end())
            hold(op.target, op.stream, Target::State::Active, seq, base);
        else {
            it->state = Target::State::Active; // errored or done: the content stays
            it->stream = op.stream;
        }
        push(seq, op, Role::Content);
        return;
    }
    case Kind::Done: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end())
            return; // nothing to end: a no-op on the page too
        if (it->state == Target::State::Active)
            it->state = Target::State::Held;
        // After an error the page keeps content and error until the next
        // start: a done changes nothing there.
        push(seq, op, Role::Content);
        return;
    }
    case Kind::Error: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end())
            hold(op.target, op.stream, Target::State::Errored, seq, base);
        else
            it->state = Target::State::Errored;
        push(seq, op, Role::Content);
        return;
    }
    case Kind::Delete: {
        // Inserts it removes need not reach pages that never got them, and
        // a target it removes is held no more.
        const QString id = idSelector(op.target);
        if (!id.isEmpty())
            for (Entry &e : m_entries)
                if (e.alive && (e.op.kind == Kind::Append || e.op.kind == Kind::Prepend) && rootHasId(e.op.html, id))
                    kill(e);
        if (m_targets.contains(op.target))
            forget(op.target);
        push(seq, op, Role::Delete);
        return;
    }
    case Kind::Replace:
    case Kind::Append:
    case Kind::Prepend:
    case Kind::Text: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end()) {
            hold(op.target, op.stream, Target::State::Held, seq, base);
            it = m_targets.find(op.target);
        }
        if (resets(op))
            for (Entry &e : m_entries)
                if (e.alive && e.op.target == op.target && (e.role == Role::Base || isContent(e.op)))
                    kill(e);
        if (op.kind == Kind::Text)
            it->text = true;
        push(seq, op, Role::Content);
        return;
    }
    }
}

QHash<QString, StreamLog::Mode> StreamLog::modes() const
{
    QHash<QString, Mode> out;
    for (auto it = m_targets.cbegin(); it != m_targets.cend(); ++it) {
        switch (it->state) {
        case Target::State::Active:
        case Target::State::Errored:
            out.insert(it.key(), Mode::Locked);
            break;
        case Target::State::Held:
            // Text streamed there gives way once its stream is done; items
            // stay while the template's output for the element is the same.
            out.insert(it.key(), it->text ? Mode::Reset : Mode::Owned);
            break;
        }
    }
    return out;
}

void StreamLog::rendered(qint64 seq, const QSet<QString> &resetTargets, const QSet<QString> &goneTargets)
{
    for (const QString &target : resetTargets) {
        const auto it = m_targets.constFind(target);
        if (it == m_targets.cend())
            continue;
        m_resets.push_back(Reset{target, it->keptSince, seq});
        forget(target);
    }
    for (const QString &target : goneTargets)
        if (m_targets.contains(target))
            forget(target);
    while (m_resets.size() > MaxResets)
        m_resets.pop_front();
}

StreamLog::Restore StreamLog::restore(qint64 lastSeq) const
{
    Restore r;
    r.complete = lastSeq >= m_truncatedThrough;
    QSet<QString> listed;
    for (const Reset &reset : m_resets) {
        // The page held it then and has not seen the render that reset it.
        if (reset.keptSince <= lastSeq && reset.seq > lastSeq && !listed.contains(reset.target)) {
            listed.insert(reset.target);
            r.resets.append(reset.target);
        }
    }
    for (const Entry &e : m_entries) {
        if (!e.alive)
            continue;
        bool needed = e.seq > lastSeq;
        if (e.role != Role::Delete) {
            // A target the page did not yet hold shows the render's content:
            // all of its ops go, from its base.
            const auto t = m_targets.constFind(e.op.target);
            const bool held = t != m_targets.cend() && t->keptSince <= lastSeq;
            needed = held ? (e.role != Role::Base && e.seq > lastSeq) : true;
        }
        if (needed)
            r.after.append(e.op);
    }
    return r;
}

} // namespace Rill::detail
