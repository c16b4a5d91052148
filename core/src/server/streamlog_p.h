#pragma once

// What a page's stream targets hold beyond the last render, kept so that a
// page coming back after the replay ring has moved on (a long disconnect,
// a slow reader that was dropped) ends up exactly as a page that never
// left, or is told it cannot.
//
// The rules it mirrors (the web client's ops.js and morph.js): a re-render
// leaves a stream target's content alone while its stream is active, after
// it ended in an error (until the next start), and, once done, until the
// next render; everywhere else the render's content replaces what was
// streamed. So the log keeps, for each target the page keeps content of,
// the ops since its stream started (each with the seq of the frame that
// carried it), and for the other targets the ops since the last render.
//
// A page that comes back having applied everything up to lastSeq is sent
// restore(lastSeq).before, the last render's HTML, then .after.
//
// Bounded: at most limitBytes of ops. Beyond it the oldest go, and a page
// that needs them is told the restore is incomplete (Protocol::Mount's
// "lost") rather than shown a silent gap.
//
//   StreamLog log(4 * 1024 * 1024);
//   log.record(seq, op);                     // every op (renders too), as its frame is sent
//   const StreamLog::Restore r = log.restore(lastSeq);

#include <rill/streamop.h>

#include <QHash>
#include <QList>

#include <deque>
#include <optional>

namespace Rill::detail {

class StreamLog
{
public:
    explicit StreamLog(qsizetype limitBytes) : m_limit(limitBytes) {}

    /*!
      Records \a op, sent in the frame numbered \a seq (Render ops too).
      When \a op makes the page start keeping a target's content (a Start
      or Error on a target the template owned), \a base is the target's
      content before it (its template fragment), if known: a page that
      missed that moment gets it back from there.
    */
    void record(qint64 seq, const StreamOp &op, const std::optional<QString> &base = {});
    //! Whether record(op) would need a base (see above).
    bool needsBase(const StreamOp &op) const;

    struct Restore
    {
        //! Before the render: start and done for streams the page still
        //! holds as active or errored but whose targets a render has since
        //! given back to the template.
        QList<StreamOp> before;
        //! After it: what the targets hold beyond the render, as ops.
        QList<StreamOp> after;
        bool complete = true; //!< false: something the page needs was dropped for the bound
    };
    Restore restore(qint64 lastSeq) const;

    qsizetype bytes() const { return m_bytes; }
    qsizetype entryCount() const { return qsizetype(m_entries.size()); }

private:
    enum class Role {
        Base,      //!< a target's content before the page started keeping it (a Replace)
        Content,   //!< an op on a target whose content the page keeps
        Transient, //!< an op on a target the next render gives back to the template
        Delete,    //!< a delete (it may remove what any target holds)
    };
    struct Entry
    {
        qint64 seq;
        StreamOp op;
        Role role;
        bool alive = true;
    };
    struct Target
    {
        enum class State { Active, Errored, Ending };
        QString stream;
        State state = State::Active;
        qint64 keptSince = -1; //!< seq of the start (or error) from which the page kept its content
        //! Each change of state and its seq, from keptSince on.
        QList<std::pair<qint64, State>> history;

        void set(State s, qint64 seq)
        {
            state = s;
            if (!history.isEmpty() && history.last().first == seq)
                history.last().second = s;
            else
                history.append({seq, s});
        }
        //! Whether a page at \a lastSeq held the target as active or errored,
        //! so that a render left its content alone.
        bool preservedAt(qint64 lastSeq) const
        {
            for (auto it = history.crbegin(); it != history.crend(); ++it)
                if (it->first <= lastSeq)
                    return it->second != State::Ending;
            return false;
        }
    };
    //! A target given back to the template by a render after its done.
    struct Ended
    {
        QString target;
        QString stream;
        qint64 keptSince;
        qint64 renderSeq;
    };

    void push(qint64 seq, const StreamOp &op, Role role);
    void kill(Entry &entry);
    void keep(const QString &target, const QString &stream, Target::State state, qint64 seq,
              const std::optional<QString> &base);
    void enforceLimit();
    static qsizetype sizeOf(const StreamOp &op) { return op.html.size() + op.content.size() + op.target.size() + 32; }

    qsizetype m_limit;
    qsizetype m_bytes = 0;
    std::deque<Entry> m_entries;
    QHash<QString, Target> m_targets; // targets whose content the page keeps
    std::deque<Ended> m_ended;        // the latest (bounded)
    qint64 m_truncatedThrough = -1;   // entries with seq <= this may have been dropped for the bound
};

} // namespace Rill::detail
