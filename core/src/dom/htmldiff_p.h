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

#include <QHash>
#include <QList>
#include <QString>

#include <variant>

namespace Rill::detail {

struct PatchOp
{
    enum class Kind {
        Attributes, //!< set and remove attributes of the element at path
        Text,       //!< the text (or comment) node at path gets new content
        Children,   //!< the element's children become `children`, in order
        Html,       //!< the element's content becomes `html`
        Outer,      //!< the node at path is replaced by `html`
    };
    //! A run of the element's current children [first, first + count), or a new node's HTML.
    struct Run
    {
        int first = 0;
        int count = 0;
        QString html; //!< when count is 0: a new node
        bool operator==(const Run &) const = default;
    };

    Kind kind = Kind::Attributes;
    QList<int> path;   //!< child indices from the view root (after earlier ops of the same patch)
    QString tag;       //!< what the node at path must be: an element's tag, "#text" or "#comment"
    QList<std::pair<QString, QString>> set; //!< Attributes: raw (escaped) values
    QStringList unset;                      //!< Attributes
    QString text;      //!< Text: raw (escaped) source
    QList<Run> children; //!< Children
    QString html;      //!< Html, Outer
    bool operator==(const PatchOp &) const = default;
};

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
