#include "pagesecurity_p.h"

#include <QCryptographicHash>
#include <QSet>

namespace Rill::detail::PageSecurity {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// The few entities a template puts in attribute values; CSP hashes the
// value the browser parsed, not the markup.
QByteArray decodeEntities(QByteArrayView v)
{
    if (v.indexOf('&') < 0)
        return v.toByteArray();
    static const std::pair<const char *, char> named[] = {
        {"&amp;", '&'}, {"&quot;", '"'}, {"&#34;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}, {"&apos;", '\''},
        {"&lt;", '<'},  {"&gt;", '>'},
    };
    QByteArray out;
    for (qsizetype i = 0; i < v.size(); ++i) {
        bool replaced = false;
        if (v[i] == '&') {
            for (const auto &[entity, c] : named) {
                if (v.sliced(i).startsWith(entity)) {
                    out.append(c);
                    i += qsizetype(qstrlen(entity)) - 1;
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced)
            out.append(v[i]);
    }
    return out;
}

QByteArray hashSource(QByteArrayView text)
{
    return "'sha256-" + QCryptographicHash::hash(text, QCryptographicHash::Sha256).toBase64() + "'";
}

} // namespace

QByteArray inlineStyleSources(const QByteArray &page)
{
    QList<QByteArray> sources;
    QSet<QByteArray> seen;
    bool attributes = false;
    auto add = [&](QByteArrayView text, bool attribute) {
        const QByteArray source = hashSource(text);
        attributes = attributes || attribute;
        if (!seen.contains(source)) {
            seen.insert(source);
            sources.append(source);
        }
    };
    const qsizetype n = page.size();
    qsizetype i = 0;
    while ((i = page.indexOf('<', i)) >= 0 && i + 1 < n) {
        if (page.sliced(i).startsWith("<!--")) {
            const qsizetype end = page.indexOf("-->", i + 4);
            if (end < 0)
                break;
            i = end + 3;
            continue;
        }
        qsizetype j = i + 1;
        if (!((page[j] >= 'a' && page[j] <= 'z') || (page[j] >= 'A' && page[j] <= 'Z'))) {
            ++i;
            continue;
        }
        const qsizetype nameStart = j;
        while (j < n && !isSpace(page[j]) && page[j] != '>' && page[j] != '/')
            ++j;
        const QByteArray tag = page.mid(nameStart, j - nameStart).toLower();
        // Attributes up to the end of the tag.
        while (j < n && page[j] != '>') {
            while (j < n && (isSpace(page[j]) || page[j] == '/'))
                ++j;
            const qsizetype attrStart = j;
            while (j < n && !isSpace(page[j]) && page[j] != '=' && page[j] != '>' && page[j] != '/')
                ++j;
            const QByteArray attr = page.mid(attrStart, j - attrStart).toLower();
            while (j < n && isSpace(page[j]))
                ++j;
            if (j < n && page[j] == '=') {
                ++j;
                while (j < n && isSpace(page[j]))
                    ++j;
                qsizetype valueStart = j;
                qsizetype valueEnd = j;
                if (j < n && (page[j] == '"' || page[j] == '\'')) {
                    const char quote = page[j];
                    valueStart = j + 1;
                    valueEnd = page.indexOf(quote, valueStart);
                    if (valueEnd < 0)
                        valueEnd = n;
                    j = std::min(valueEnd + 1, n);
                } else {
                    while (j < n && !isSpace(page[j]) && page[j] != '>')
                        ++j;
                    valueEnd = j;
                }
                if (attr == "style")
                    add(decodeEntities(QByteArrayView(page).sliced(valueStart, valueEnd - valueStart)), true);
            } else if (attrStart == j && j < n && page[j] != '>') {
                ++j; // a stray character
            }
        }
        i = j;
        if (tag == "style" || tag == "script") {
            const QByteArray close = "</" + tag;
            const qsizetype contentStart = std::min(j + 1, n);
            qsizetype end = contentStart;
            while ((end = page.indexOf(close, end)) >= 0) {
                const qsizetype after = end + close.size();
                if (after >= n || page[after] == '>' || isSpace(page[after]) || page[after] == '/')
                    break;
                end = after;
            }
            if (end < 0)
                break;
            if (tag == "style")
                add(QByteArrayView(page).sliced(contentStart, end - contentStart), false);
            i = end;
        }
    }
    QByteArray out;
    if (attributes)
        out += " 'unsafe-hashes'";
    for (const QByteArray &s : sources)
        out += ' ' + s;
    return out;
}

QList<std::pair<QByteArray, QByteArray>> headers(const QByteArray &page)
{
    const QByteArray csp = "default-src 'none'; script-src 'self'; style-src 'self'" + inlineStyleSources(page)
                           + "; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    return {{"Content-Security-Policy", csp},
            {"X-Frame-Options", "DENY"},
            {"Cache-Control", "no-store"},
            {"Referrer-Policy", "no-referrer"},
            {"Cross-Origin-Opener-Policy", "same-origin"}};
}

} // namespace Rill::detail::PageSecurity
