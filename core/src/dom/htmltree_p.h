#pragma once

// A rendered view's HTML as the browser's DOM will hold it: elements, text
// and comments, with the implied structure HTML adds by itself (a <tbody>
// around rows written straight into a <table>, the </li>, </p>, </td> a
// template leaves out), so that a path of child indices means the same node
// here and in the page. Every node carries a 64-bit hash of its whole
// subtree, which lets HtmlDiff skip equal subtrees without looking inside.
//
// Where the browser's parser does what is not modelled here (misnested
// formatting tags, text fostered out of tables, <select>, <template>, SVG
// and MathML), the nearest element is marked atomic: it is compared and
// replaced as a whole, never addressed inside.
//
//   const HtmlTree tree = HtmlTree::parse(html);
//   for (int c = tree.node(tree.root()).firstChild; c >= 0; c = tree.node(c).next) ...
//   QString html = tree.outerHtml(c);

#include <QList>
#include <QString>
#include <QStringView>

#include <optional>
#include <vector>

namespace Rill::detail {

class HtmlTree
{
public:
    enum class Kind : quint8 { Element, Text, Comment };

    struct Attribute
    {
        QString name;          //!< lower-case
        qsizetype valueStart;  //!< into source(); the raw (still escaped) value
        qsizetype valueLength;
    };

    struct Node
    {
        Kind kind = Kind::Element;
        bool atomic = false;   //!< compare and replace as a whole
        bool implied = false;  //!< no start tag in the source (an implied <tbody>)
        bool removed = false;  //!< deleted since parsing (see remove())
        int parent = -1;
        int firstChild = -1;
        int lastChild = -1;
        int next = -1;
        int prev = -1;
        QString tag;           //!< lower-case; empty for text and comments
        qsizetype start = 0;   //!< the node's source: [start, end)
        qsizetype end = 0;
        qsizetype innerStart = 0; //!< elements: the children's source; text/comments: the text
        qsizetype innerEnd = 0;
        int attrBegin = 0;     //!< into attributes()
        int attrEnd = 0;
        quint64 hash = 0;      //!< of the whole subtree
        QString key;           //!< "#id" or "k:" + dj-key, for matching children
    };

    static HtmlTree parse(const QString &html);

    const QString &source() const { return m_source; }
    int root() const { return 0; } //!< a synthetic element: the view root
    const Node &node(int i) const { return m_nodes[size_t(i)]; }
    int nodeCount() const { return int(m_nodes.size()); }
    const std::vector<Attribute> &attributes() const { return m_attrs; }
    QStringView attributeValue(const Attribute &a) const { return QStringView(m_source).sliced(a.valueStart, a.valueLength); }
    //! The value of \a name on element \a i, or a null view.
    QStringView attribute(int i, QStringView name) const;

    //! The node as HTML, and an element's children as HTML.
    QString outerHtml(int i) const;
    QString innerHtml(int i) const;
    //! Raw text of a text node or comment, as in the source (entities not decoded).
    QStringView text(int i) const { return QStringView(m_source).sliced(node(i).innerStart, node(i).innerEnd - node(i).innerStart); }

    //! The live (not removed) children of \a i, in order.
    std::vector<int> children(int i) const;
    //! Child indices from the root down to \a i, counting live nodes only.
    QList<int> path(int i) const;

    /*!
      The first element, in document order below the root, that \a selector
      matches, or -1. Selectors: tag, #id, .class, [attr], [attr='value'] /
      [attr="value"] / [attr=value], and compounds of them (div.a#b[c='d']);
      descendant and other combinators are not supported (-1).
    */
    int find(QStringView selector) const;
    //! Marks \a i and its subtree removed (a stream's delete op took it out).
    void remove(int i);
    //! The root's own children are built by rules not modelled here (see
    //! above): the view can only be replaced whole.
    bool isInexact() const { return m_inexact; }

private:
    friend class HtmlTreeBuilder;
    bool m_inexact = false;
    QString m_source;
    std::vector<Node> m_nodes;
    std::vector<Attribute> m_attrs;
};

} // namespace Rill::detail
