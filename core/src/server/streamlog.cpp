#include "streamlog_p.h"

#include <QRegularExpression>
#include <QSet>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

bool resets(const StreamOp &op)
{
    return op.kind == Kind::Replace || (op.kind == Kind::Text && op.mode == Mode::Replace);
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

constexpr size_t MaxEnded = 256;

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

void StreamLog::keep(const QString &target, const QString &stream, Target::State state, qint64 seq,
                     const std::optional<QString> &base)
{
    // From now on the page keeps this target's content through renders:
    // what it held (its fragment of the last render, then what was streamed
    // there since) is part of it.
    Target t{stream, state, seq, {}};
    t.set(state, seq);
    m_targets.insert(target, t);
    auto first = m_entries.end();
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        if (it->alive && it->role == Role::Transient && it->op.target == target) {
            if (first == m_entries.end())
                first = it;
            it->role = Role::Content;
        }
    }
    if (base) { // before those: they were streamed on top of it
        const qint64 at = first == m_entries.end() ? seq : first->seq;
        m_entries.insert(first, Entry{at, StreamOp::replace(stream, *base, target), Role::Base, true});
        m_bytes += base->size() + target.size() + 32;
        enforceLimit();
    }
}

bool StreamLog::needsBase(const StreamOp &op) const
{
    return (op.kind == Kind::Start || op.kind == Kind::Error) && !m_targets.contains(op.target);
}

void StreamLog::record(qint64 seq, const StreamOp &op, const std::optional<QString> &base)
{
    switch (op.kind) {
    case Kind::Render: {
        // Targets done since the last render, and every target nobody
        // streams to, take the render's content: what was streamed there
        // is gone from every page.
        QSet<QString> ending;
        for (auto it = m_targets.begin(); it != m_targets.end();) {
            if (it->state == Target::State::Ending) {
                ending.insert(it.key());
                m_ended.push_back(Ended{it.key(), it->stream, it->keptSince, seq});
                it = m_targets.erase(it);
            } else {
                ++it;
            }
        }
        while (m_ended.size() > MaxEnded)
            m_ended.pop_front();
        for (Entry &e : m_entries)
            if (e.alive && (e.role == Role::Transient || (e.role != Role::Delete && ending.contains(e.op.target))))
                kill(e);
        enforceLimit();
        return;
    }
    case Kind::Start: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end())
            keep(op.target, op.stream, Target::State::Active, seq, base);
        else {
            it->set(Target::State::Active, seq); // errored or done: the content stays
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
            it->set(Target::State::Ending, seq);
        push(seq, op, Role::Content);
        return;
    }
    case Kind::Error: {
        auto it = m_targets.find(op.target);
        if (it == m_targets.end())
            keep(op.target, op.stream, Target::State::Errored, seq, base);
        else
            it->set(Target::State::Errored, seq);
        push(seq, op, Role::Content);
        return;
    }
    case Kind::Delete: {
        // Inserts it removes need not reach pages that never got them.
        const QString id = idSelector(op.target);
        if (!id.isEmpty())
            for (Entry &e : m_entries)
                if (e.alive && (e.op.kind == Kind::Append || e.op.kind == Kind::Prepend) && rootHasId(e.op.html, id))
                    kill(e);
        push(seq, op, Role::Delete);
        return;
    }
    case Kind::Replace:
    case Kind::Append:
    case Kind::Prepend:
    case Kind::Text: {
        if (resets(op))
            for (Entry &e : m_entries)
                if (e.alive && e.role != Role::Delete && e.op.target == op.target && e.op.kind != Kind::Start
                    && e.op.kind != Kind::Done && e.op.kind != Kind::Error)
                    kill(e);
        push(seq, op, m_targets.contains(op.target) ? Role::Content : Role::Transient);
        return;
    }
    }
}

StreamLog::Restore StreamLog::restore(qint64 lastSeq) const
{
    Restore r;
    r.complete = lastSeq >= m_truncatedThrough;
    QSet<QString> before;
    for (const Ended &e : m_ended) {
        if (e.keptSince <= lastSeq && e.renderSeq > lastSeq && !before.contains(e.target)) {
            // The page may hold it as active or as errored: a start clears
            // the error, a done the activity, and the render may take it.
            before.insert(e.target);
            r.before.append(StreamOp::start(e.stream, e.target));
            r.before.append(StreamOp::done(e.stream, e.target));
        }
    }
    for (const Entry &e : m_entries) {
        if (!e.alive)
            continue;
        bool needed = e.seq > lastSeq;
        if (e.role != Role::Delete) {
            // The render resets what the page does not hold as active or
            // errored: all of such a target's ops go again, from its base.
            const auto t = m_targets.constFind(e.op.target);
            const bool preserved = t != m_targets.cend() && t->preservedAt(lastSeq);
            needed = preserved ? (e.role != Role::Base && e.seq > lastSeq) : true;
        }
        if (needed)
            r.after.append(e.op);
    }
    return r;
}

} // namespace Rill::detail
