#include "lexer_p.h"

namespace Rill::detail {

namespace {

// Where the last search for each closing delimiter ('%}', '}}', '#}')
// failed: the end of that line. An opening delimiter before it cannot be
// closed either, so it is not searched for again; without this a line of
// 100,000 unclosed '{%' took 100,000 searches to its end.
struct UnclosedUntil
{
    qsizetype block = -1, var = -1, comment = -1;
};

// Finds the next tag at or after `from`. Mirrors Django's
// `({%.*?%}|{{.*?}}|{#.*?#})` regex: leftmost match, block before variable
// before comment at the same position, '.' not matching a newline.
bool findTag(const QString &s, qsizetype from, qsizetype *start, qsizetype *end, UnclosedUntil &unclosed)
{
    const qsizetype n = s.size();
    const QChar *d = s.constData();
    for (qsizetype i = from; i + 1 < n; ++i) {
        if (d[i] != u'{')
            continue;
        const QChar open = d[i + 1];
        char16_t close;
        qsizetype *until;
        if (open == u'%') {
            close = u'%';
            until = &unclosed.block;
        } else if (open == u'{') {
            close = u'}';
            until = &unclosed.var;
        } else if (open == u'#') {
            close = u'#';
            until = &unclosed.comment;
        } else {
            continue;
        }
        if (i < *until)
            continue;
        qsizetype j = i + 2;
        for (; j + 1 < n; ++j) {
            if (d[j] == u'\n')
                break;
            if (d[j] == close && d[j + 1] == u'}') {
                *start = i;
                *end = j + 2;
                return true;
            }
        }
        *until = j;
    }
    return false;
}

} // namespace

QList<Token> tokenize(const QString &source)
{
    QList<Token> tokens;
    qsizetype pos = 0;
    int line = 1;
    qsizetype lineStart = 0;
    QString verbatimEnd; // non-empty while inside {% verbatim %}

    auto advance = [&](qsizetype from, qsizetype to) {
        for (qsizetype k = from; k < to; ++k) {
            if (source.at(k) == u'\n') {
                ++line;
                lineStart = k + 1;
            }
        }
    };
    auto pushToken = [&](TokenType type, QString contents, qsizetype start, qsizetype end) {
        Token t;
        t.contentColumn = int(start - lineStart) + 1;
        if (type != TokenType::Text) {
            qsizetype k = start + 2;
            while (k < end - 2 && source.at(k).isSpace())
                ++k;
            t.contentColumn = int(k - lineStart) + 1;
        }
        t.type = type;
        t.contents = std::move(contents);
        t.line = line;
        t.column = int(start - lineStart) + 1;
        t.position = start;
        t.length = end - start;
        tokens.append(std::move(t));
        advance(start, end);
    };

    qsizetype start = 0, end = 0;
    UnclosedUntil unclosed;
    while (pos < source.size()) {
        if (!findTag(source, pos, &start, &end, unclosed)) {
            pushToken(TokenType::Text, source.mid(pos), pos, source.size());
            break;
        }
        if (start > pos)
            pushToken(TokenType::Text, source.mid(pos, start - pos), pos, start);
        const QString raw = source.mid(start, end - start);
        const QChar kind = raw.at(1);
        const QString inner = raw.mid(2, raw.size() - 4).trimmed();
        if (!verbatimEnd.isEmpty()) {
            if (kind == u'%' && inner == verbatimEnd)
                verbatimEnd.clear();
            else {
                pushToken(TokenType::Text, raw, start, end);
                pos = end;
                continue;
            }
        }
        if (kind == u'{') {
            pushToken(TokenType::Var, inner, start, end);
        } else if (kind == u'%') {
            if (inner == u"verbatim" || inner.startsWith(u"verbatim "))
                verbatimEnd = u"end" + inner;
            pushToken(TokenType::Block, inner, start, end);
        } else {
            pushToken(TokenType::Comment, QString(), start, end);
        }
        pos = end;
    }
    return tokens;
}

} // namespace Rill::detail
