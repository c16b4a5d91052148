#pragma once

// What a re-render changed, as targeted operations on the page: the
// previous render's tree against the new one, equal subtrees skipped by
// hash, children matched by key (id or dj-key) and otherwise in order, so
// that the work and the bytes follow the change, not the page.
//
// Stream targets are not the template's alone: the page holds streamed
// content there. The session says, per target element of the old tree,
// what a re-render may do (Mode): leave the content alone (an active or
// errored stream), keep it unless the template's own output for that
// element changed (inserted items), or reset it to the template's output
// (text streamed before a done).
//
//   HtmlDiff::Result r = HtmlDiff::diff(previous, next, modes);
//   if (r.fullRender) send the whole html; else send r.ops;

#include "htmltree_p.h"

#include <rill/protocol.h>

#include <QHash>
#include <QList>
#include <QString>

#include <variant>

namespace Rill::detail {

// The ops, as the protocol carries them (Protocol::Patch).
using PatchOp = Protocol::PatchOp;

class HtmlDiff
{
public:
    enum class Mode {
        Template, //!< the template's alone (the default)
        Locked,   //!< a stream is active there, or ended in an error: content untouched
        Owned,    //!< holds streamed items: kept while the template's output for it is unchanged
        Reset,    //!< streamed text gives way: content becomes the template's output now
    };

    struct Result
    {
        QList<PatchOp> ops;
        bool fullRender = false; //!< the trees cannot be patched (see HtmlTree::isInexact())
        int nodesVisited = 0;    //!< nodes whose subtree differed, for tests and benchmarks
        //! Elements of the previous tree whose content the render reset
        //! (Mode::Reset, or Mode::Owned where the template's output changed).
        QList<int> resetNodes;
    };

    /*!
      The ops that turn a page showing \a previous into one showing \a next.
      \a modes maps elements of \a previous to what the render may do there.
      Nodes removed from \a previous (HtmlTree::remove) stay removed in
      \a next where the template still renders them unchanged; \a next is
      marked accordingly.
    */
    static Result diff(const HtmlTree &previous, HtmlTree &next, const QHash<int, Mode> &modes);

    //! Attribute names a re-render never changes: the page's stream state.
    static bool isStreamAttribute(QStringView name);
};

} // namespace Rill::detail
