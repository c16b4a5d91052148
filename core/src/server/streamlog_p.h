#pragma once

// What a page's stream targets hold beyond the template, and the rules a
// re-render follows there (docs/views.md, "What a re-render changes"):
//
//   - while a stream is active, and after it ended in an error until the
//     next start, the target's content is the stream's (Locked);
//   - HTML streamed there (inserts, replaces) stays until the target is
//     reset: by streamTo, by deleting it, or by the template's own output
//     for that element changing (Owned);
//   - text streamed between start and done gives way to the template's
//     output at the first re-render after done.
//
// The session asks it, at each render, what it may do to each target
// (mode()), and tells it which targets the render reset (rendered()). It
// also keeps, with the seq of the frame that carried them, the ops that
// built each target's content since the page began holding it, so a page
// that comes back after the replay ring has moved on ends up exactly as a
// page that never left, or is told it cannot:
//
//   send Mount(last render), then Html resets of restore(lastSeq).resets,
//   then restore(lastSeq).after as stream ops.
//
// Bounded: at most limitBytes of ops. Beyond it the oldest go, and a page
// that needs them is told the restore is incomplete (Protocol::Mount's
// "lost") rather than shown a silent gap.

#include <rill/streamop.h>

#include <QHash>
#include <QList>
#include <QSet>

#include <deque>
#include <optional>

namespace Rill::detail {

class StreamLog
{
public:
    explicit StreamLog(qsizetype limitBytes) : m_limit(limitBytes) {}

    enum class Mode { Template, Locked, Owned, Reset };

    /*!
      Records \a op, sent in the frame numbered \a seq. When \a op makes
      the page start holding a target (needsBase()), \a base is the target's
      content then (its part of the last render), if known.
    */
    void record(qint64 seq, const StreamOp &op, const std::optional<QString> &base = {});
    bool needsBase(const StreamOp &op) const;

    //! What the next render may do to each target the page holds.
    QHash<QString, Mode> modes() const;
    //! The render sent as frame \a seq reset \a resetTargets (they show the
    //! template's output again) and no longer has \a goneTargets.
    void rendered(qint64 seq, const QSet<QString> &resetTargets, const QSet<QString> &goneTargets);

    struct Restore
    {
        //! Targets a render reset since the page left, which it may still
        //! hold: after the render, their content must become the template's.
        QStringList resets;
        //! Then: what the targets hold beyond the render, as ops.
        QList<StreamOp> after;
        bool complete = true; //!< false: something the page needs was dropped for the bound
    };
    Restore restore(qint64 lastSeq) const;

    qsizetype bytes() const { return m_bytes; }
    qsizetype entryCount() const { return qsizetype(m_entries.size()); }

private:
    enum class Role { Base, Content, Delete };
    struct Entry
    {
        qint64 seq;
        StreamOp op;
        Role role;
        bool alive = true;
    };
    struct Target
    {
        enum class State { Active, Errored, Held };
        QString stream;
        State state = State::Active;
        qint64 keptSince = -1; //!< the first op from which the page held it
        bool text = false;     //!< text was streamed there since
    };
    struct Reset
    {
        QString target;
        qint64 keptSince;
        qint64 seq;
    };

    void push(qint64 seq, const StreamOp &op, Role role);
    void kill(Entry &entry);
    void forget(const QString &target);
    Target &hold(const QString &target, const QString &stream, Target::State state, qint64 seq,
                 const std::optional<QString> &base);
    void enforceLimit();
    static qsizetype sizeOf(const StreamOp &op) { return op.html.size() + op.content.size() + op.target.size() + 32; }

    qsizetype m_limit;
    qsizetype m_bytes = 0;
    std::deque<Entry> m_entries;
    QHash<QString, Target> m_targets; // targets the page holds
    std::deque<Reset> m_resets;       // the latest (bounded)
    qint64 m_truncatedThrough = -1;   // entries with seq <= this may have been dropped for the bound
};

} // namespace Rill::detail
