#include "htmldiff_p.h"
#include <algorithm>

using namespace Qt::StringLiterals;


namespace Rill::detail {

namespace {

using Kind = HtmlTree::Kind;

class Differ
{
public:
    Differ(const HtmlTree &a, HtmlTree &b, const QHash<int, HtmlDiff::Mode> &modes) : a(a), b(b), modes(modes) {}

    HtmlDiff::Result run()
    {
        if (a.isInexact() || b.isInexact()) {
            result.fullRender = true;
            return result;
        }
        children(0, 0, {});
        return result;
    }

private:
    static QString tagOf(const HtmlTree &t, int i)
    {
        const auto &n = t.node(i);
        return n.kind == Kind::Text ? u"#text"_s : n.kind == Kind::Comment ? u"#comment"_s : n.tag;
    }

    HtmlDiff::Mode modeOf(int i) const { return modes.value(i, HtmlDiff::Mode::Template); }

    // The hash of an element's children alone (its own attributes left out).
    quint64 innerHash(const HtmlTree &t, int i) const
    {
        quint64 h = 1469598103934665603ULL;
        for (int c = t.node(i).firstChild; c >= 0; c = t.node(c).next) {
            if (t.node(c).removed)
                continue;
            h ^= t.node(c).hash;
            h *= 1099511628211ULL;
            h = (h << 7) | (h >> 57);
        }
        return h;
    }

    // Whether two nodes are the same node of the page, to be patched into
    // each other rather than one replaced by the other.
    bool sameNode(int x, int y) const
    {
        const auto &n = a.node(x);
        const auto &m = b.node(y);
        if (n.kind != m.kind)
            return false;
        if (n.kind != Kind::Element)
            return true;
        return n.tag == m.tag && n.key == m.key && n.atomic == m.atomic;
    }

    void node(int x, int y, const QList<int> &path)
    {
        ++result.nodesVisited;
        const auto &n = a.node(x);
        const auto &m = b.node(y);
        const HtmlDiff::Mode mode = modeOf(x);
        if (n.hash == m.hash && mode != HtmlDiff::Mode::Reset)
            return;
        if (n.kind != Kind::Element) {
            PatchOp op;
            op.kind = n.kind == Kind::Text ? PatchOp::Kind::Text : PatchOp::Kind::Outer;
            op.path = path;
            op.tag = tagOf(a, x);
            if (op.kind == PatchOp::Kind::Text)
                op.text = b.text(y).toString();
            else
                op.html = b.outerHtml(y);
            result.ops.append(std::move(op));
            return;
        }
        attributes(x, y, path);
        if (mode == HtmlDiff::Mode::Locked)
            return;
        // Atomic elements have no children here: their source says it.
        const bool innerChanged = n.atomic || m.atomic ? a.innerHtml(x) != b.innerHtml(y)
                                                       : innerHash(a, x) != innerHash(b, y);
        if (mode == HtmlDiff::Mode::Reset || (mode == HtmlDiff::Mode::Owned && innerChanged)
            || (n.atomic && innerChanged)) {
            if (mode == HtmlDiff::Mode::Reset || mode == HtmlDiff::Mode::Owned)
                result.resetNodes.append(x);
            PatchOp op;
            op.kind = PatchOp::Kind::Html;
            op.path = path;
            op.tag = n.tag;
            op.html = b.innerHtml(y);
            result.ops.append(std::move(op));
            return;
        }
        if (mode == HtmlDiff::Mode::Owned || !innerChanged)
            return;
        children(x, y, path);
    }

    void attributes(int x, int y, const QList<int> &path)
    {
        const auto &n = a.node(x);
        const auto &m = b.node(y);
        PatchOp op;
        op.kind = PatchOp::Kind::Attributes;
        op.path = path;
        op.tag = n.tag;
        for (int j = m.attrBegin; j < m.attrEnd; ++j) {
            const auto &attr = b.attributes()[size_t(j)];
            if (HtmlDiff::isStreamAttribute(attr.name))
                continue;
            const QStringView value = b.attributeValue(attr);
            const QStringView old = a.attribute(x, attr.name);
            if (old.isNull() || old != value)
                op.set.append({attr.name, value.toString()});
        }
        for (int j = n.attrBegin; j < n.attrEnd; ++j) {
            const auto &attr = a.attributes()[size_t(j)];
            if (!HtmlDiff::isStreamAttribute(attr.name) && b.attribute(y, attr.name).isNull())
                op.unset.append(attr.name);
        }
        if (!op.set.isEmpty() || !op.unset.isEmpty())
            result.ops.append(std::move(op));
    }

    // Matches the children of x (old) and y (new), emits the rewrite of
    // the child list if its shape changed, then patches each matched pair.
    void children(int x, int y, const QList<int> &path)
    {
        // Old children, live ones indexed as the page has them; removed
        // ones ("ghosts") are candidates to stay removed.
        std::vector<int> oldAll;
        for (int c = a.node(x).firstChild; c >= 0; c = a.node(c).next)
            oldAll.push_back(c);
        std::vector<int> newAll = [&] {
            std::vector<int> v;
            for (int c = b.node(y).firstChild; c >= 0; c = b.node(c).next)
                v.push_back(c);
            return v;
        }();
        std::vector<int> pageIndex(oldAll.size(), -1); // old position -> index among live children
        int live = 0;
        for (size_t i = 0; i < oldAll.size(); ++i)
            if (!a.node(oldAll[i]).removed)
                pageIndex[i] = live++;

        const size_t no = oldAll.size();
        const size_t nn = newAll.size();
        std::vector<int> match(nn, -1); // new position -> old position
        std::vector<char> used(no, 0);
        // Equal at both ends first: exact (hash-equal) matches only, so a
        // row inserted in an unkeyed list shifts nothing.
        size_t pre = 0;
        while (pre < no && pre < nn && sameNode(oldAll[pre], newAll[pre])
               && a.node(oldAll[pre]).hash == b.node(newAll[pre]).hash) {
            match[pre] = int(pre);
            used[pre] = 1;
            ++pre;
        }
        size_t suf = 0;
        while (suf < no - pre && suf < nn - pre && sameNode(oldAll[no - 1 - suf], newAll[nn - 1 - suf])
               && a.node(oldAll[no - 1 - suf]).hash == b.node(newAll[nn - 1 - suf]).hash) {
            match[nn - 1 - suf] = int(no - 1 - suf);
            used[no - 1 - suf] = 1;
            ++suf;
        }
        // The middle: keys where there are keys; then nodes equal to an old
        // one; then, between those, the next unused old node of the same
        // kind and tag (patched into the new one), so a row inserted or
        // removed in an unkeyed list shifts nothing.
        QHash<QString, size_t> byKey;
        QHash<quint64, std::vector<size_t>> byHash;
        for (size_t i = pre; i < no - suf; ++i) {
            const auto &n = a.node(oldAll[i]);
            if (!n.key.isEmpty())
                byKey.insert(n.key, i);
            else
                byHash[n.hash].push_back(i);
        }
        for (auto &list : byHash)
            std::reverse(list.begin(), list.end()); // taken from the back: in order
        for (size_t j = pre; j < nn - suf; ++j) {
            const auto &m = b.node(newAll[j]);
            if (!m.key.isEmpty()) {
                auto it = byKey.find(m.key);
                if (it != byKey.end() && !used[*it] && sameNode(oldAll[*it], newAll[j])) {
                    match[j] = int(*it);
                    used[*it] = 1;
                }
                continue;
            }
            auto it = byHash.find(m.hash);
            while (it != byHash.end() && !it->empty()) {
                const size_t i = it->back();
                it->pop_back();
                if (!used[i] && sameNode(oldAll[i], newAll[j])) {
                    match[j] = int(i);
                    used[i] = 1;
                    break;
                }
            }
        }
        int lastOld = int(pre) - 1;
        for (size_t j = pre; j < nn - suf; ++j) {
            if (match[j] >= 0) {
                lastOld = match[j];
                continue;
            }
            if (!b.node(newAll[j]).key.isEmpty())
                continue;
            int nextOld = int(no - suf);
            for (size_t k = j + 1; k < nn - suf; ++k)
                if (match[k] >= 0) {
                    nextOld = match[k];
                    break;
                }
            for (int i = lastOld + 1; i < nextOld; ++i) {
                if (used[size_t(i)] || !a.node(oldAll[size_t(i)]).key.isEmpty() || a.node(oldAll[size_t(i)]).removed)
                    continue;
                if (sameNode(oldAll[size_t(i)], newAll[j])) {
                    match[j] = i;
                    used[size_t(i)] = 1;
                    lastOld = i;
                    break;
                }
            }
        }
        // A new node matched to a ghost the template renders unchanged
        // stays removed: the page deleted it and nothing asks it back.
        std::vector<char> ghost(nn, 0);
        for (size_t j = 0; j < nn; ++j) {
            if (match[j] >= 0 && a.node(oldAll[size_t(match[j])]).removed) {
                if (a.node(oldAll[size_t(match[j])]).hash == b.node(newAll[j]).hash) {
                    ghost[j] = 1;
                    b.remove(newAll[j]);
                } else {
                    match[j] = -1; // changed since: it comes back
                }
            }
        }

        // The page's new child list, as runs of its current children and new nodes.
        QList<PatchOp::Run> runs;
        bool identity = true;
        int expected = 0;
        for (size_t j = 0; j < nn; ++j) {
            if (ghost[j])
                continue;
            if (match[j] >= 0) {
                const int at = pageIndex[size_t(match[j])];
                if (at != expected)
                    identity = false;
                expected = at + 1;
                if (!runs.isEmpty() && runs.last().count > 0 && runs.last().first + runs.last().count == at)
                    ++runs.last().count;
                else
                    runs.append(PatchOp::Run{at, 1, {}});
            } else {
                identity = false;
                runs.append(PatchOp::Run{0, 0, b.outerHtml(newAll[j])});
            }
        }
        if (expected != live)
            identity = false;
        if (!identity) {
            PatchOp op;
            op.kind = PatchOp::Kind::Children;
            op.path = path;
            op.tag = tagOf(a, x);
            op.children = std::move(runs);
            result.ops.append(std::move(op));
        }
        // Then inside the matched children that differ, at their new positions.
        int index = 0;
        for (size_t j = 0; j < nn; ++j) {
            if (ghost[j])
                continue;
            if (match[j] >= 0) {
                const int x = oldAll[size_t(match[j])];
                if (a.node(x).hash != b.node(newAll[j]).hash || modeOf(x) == HtmlDiff::Mode::Reset) {
                    QList<int> childPath = path;
                    childPath.append(index);
                    node(x, newAll[j], childPath);
                }
            }
            ++index;
        }
    }

    const HtmlTree &a;
    HtmlTree &b;
    const QHash<int, HtmlDiff::Mode> &modes;
    HtmlDiff::Result result;
};

} // namespace

bool HtmlDiff::isStreamAttribute(QStringView name)
{
    return name == u"data-stream-active" || name == u"data-stream-error" || name == u"data-stream-owned";
}

HtmlDiff::Result HtmlDiff::diff(const HtmlTree &previous, HtmlTree &next, const QHash<int, Mode> &modes)
{
    return Differ(previous, next, modes).run();
}

} // namespace Rill::detail
