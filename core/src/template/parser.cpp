#include "parser_p.h"

#include "engine_p.h"
#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

const TagTable &builtinTags()
{
    static const TagTable table = [] {
        TagTable t;
        registerControlTags(t);
        registerInheritanceTags(t);
        registerMiscTags(t);
        registerExtraTags(t);
        return t;
    }();
    return table;
}

Parser::Parser(QList<Token> tokens, QString templateName)
    : m_tokens(std::move(tokens)), m_name(std::move(templateName))
{
}

void Parser::error(const Token &token, const QString &message) const
{
    error(token.line, token.column, message);
}

void Parser::error(int line, int column, const QString &message) const
{
    throwError(TemplateError::Kind::Syntax, m_name, line, column, message);
}

Token Parser::nextToken()
{
    return m_tokens.at(m_pos++);
}

static QString tagName(const Token &token)
{
    const QString &c = token.contents;
    qsizetype end = 0;
    while (end < c.size() && !c.at(end).isSpace())
        ++end;
    return c.left(end);
}

static QString listOfTags(const QStringList &names)
{
    QStringList quoted;
    for (const QString &n : names)
        quoted << u"'"_s + tagText(n) + u"'"_s;
    if (quoted.size() == 1)
        return quoted.first();
    const QString last = quoted.takeLast();
    return quoted.join(u", "_s) + u" or "_s + last;
}

NodeList Parser::parse(const QStringList &until)
{
    NodeList nodes;
    bool containsNonText = false;
    const TagTable &tags = builtinTags();
    while (m_pos < m_tokens.size()) {
        const Token &token = m_tokens.at(m_pos++);
        switch (token.type) {
        case TokenType::Text: {
            auto node = std::make_unique<TextNode>(token.contents);
            node->line = token.line;
            node->column = token.column;
            nodes.push_back(std::move(node));
            break;
        }
        case TokenType::Comment:
            break;
        case TokenType::Var: {
            if (token.contents.isEmpty())
                error(token, u"empty variable tag '{{ }}'"_s);
            auto node = std::make_unique<VariableNode>();
            node->expr = compileFilter(token.contents, token);
            node->line = token.line;
            node->column = token.column;
            nodes.push_back(std::move(node));
            containsNonText = true;
            break;
        }
        case TokenType::Block: {
            if (token.contents.isEmpty())
                error(token, u"empty block tag '{% %}'"_s);
            const QString command = tagName(token);
            if (until.contains(command)) {
                --m_pos; // the caller takes it
                return nodes;
            }
            auto it = tags.constFind(command);
            if (it == tags.cend()) {
                if (!until.isEmpty() && !m_openTags.empty()) {
                    const Token &open = m_openTags.back();
                    error(token, u"unexpected '%1': '%2' on line %3 expects %4"_s.arg(
                                     tagText(command), tagText(tagName(open)), QString::number(open.line),
                                     listOfTags(until)));
                }
                if (command.startsWith(u"end"_s) && tags.contains(command.mid(3)))
                    error(token, u"'%1' has no matching '%2' before it"_s.arg(tagText(command), tagText(command.mid(3))));
                error(token, u"unknown tag '%1'"_s.arg(command));
            }
            if (command == u"extends"_s && containsNonText)
                error(token, u"'{% extends %}' must be the first tag in the template"_s);
            // Each open tag is a level of recursion here and when rendering.
            if (m_openTags.size() >= MaxNesting)
                error(token, u"tags are nested more than %1 levels deep"_s.arg(MaxNesting));
            m_openTags.push_back(token);
            std::unique_ptr<Node> node = (*it)(*this, token);
            m_openTags.pop_back();
            if (node) {
                node->line = token.line;
                node->column = token.column;
                nodes.push_back(std::move(node));
            }
            containsNonText = true;
            break;
        }
        }
    }
    if (!until.isEmpty()) {
        const Token &open = m_openTags.empty() ? m_tokens.last() : m_openTags.back();
        error(open, u"'%1' is never closed: expected %2"_s.arg(tagText(tagName(open)), listOfTags(until)));
    }
    return nodes;
}

Token Parser::expectEnd(const QStringList &names, const Token &opening)
{
    if (atEnd())
        error(opening, u"'%1' is never closed: expected %2"_s.arg(tagText(tagName(opening)), listOfTags(names)));
    Token t = nextToken();
    if (!names.contains(tagName(t)))
        error(t, u"unexpected '%1': expected %2"_s.arg(tagText(tagName(t)), listOfTags(names)));
    return t;
}

void Parser::skipPast(const QString &endTag, const Token &opening)
{
    while (m_pos < m_tokens.size()) {
        const Token &t = m_tokens.at(m_pos++);
        if (t.type == TokenType::Block && t.contents == endTag)
            return;
    }
    error(opening, u"'%1' is never closed: expected '%2'"_s.arg(tagText(tagName(opening)), tagText(endTag)));
}

// ---- expressions ---------------------------------------------------------

namespace {

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c.category() == QChar::Mark_NonSpacing;
}

// A quoted string at s[i] with backslash escapes; returns its end or -1.
qsizetype matchQuoted(const QString &s, qsizetype i)
{
    if (i >= s.size())
        return -1;
    const QChar q = s.at(i);
    if (q != u'"' && q != u'\'')
        return -1;
    for (qsizetype j = i + 1; j < s.size(); ++j) {
        if (s.at(j) == u'\\') {
            ++j;
            continue;
        }
        if (s.at(j) == q)
            return j + 1;
    }
    return -1;
}

// Django's `constant`: "..." | '...' | _("...") | _('...').
qsizetype matchConstant(const QString &s, qsizetype i)
{
    if (s.mid(i, 2) == u"_(") {
        const qsizetype e = matchQuoted(s, i + 2);
        if (e > 0 && e < s.size() && s.at(e) == u')')
            return e + 1;
        return -1;
    }
    return matchQuoted(s, i);
}

// `[\w.]+` or a number `[-+.]?\d[\d.e]*`.
qsizetype matchVar(const QString &s, qsizetype i)
{
    qsizetype j = i;
    while (j < s.size() && (isWordChar(s.at(j)) || s.at(j) == u'.'))
        ++j;
    if (j > i)
        return j;
    j = i;
    if (j < s.size() && (s.at(j) == u'-' || s.at(j) == u'+' || s.at(j) == u'.'))
        ++j;
    if (j < s.size() && s.at(j).isDigit()) {
        ++j;
        while (j < s.size() && (s.at(j).isDigit() || s.at(j) == u'.' || s.at(j) == u'e'))
            ++j;
        return j;
    }
    return -1;
}

QString unescapeLiteral(QStringView quoted)
{
    const QChar q = quoted.front();
    QString inner = quoted.mid(1, quoted.size() - 2).toString();
    inner.replace(u"\\"_s + q, QString(q));
    inner.replace(u"\\\\"_s, u"\\"_s);
    return inner;
}

bool parsePyInt(const QString &s, qint64 *out)
{
    QString t = s;
    t.remove(u'_');
    if (t.isEmpty() || s.startsWith(u'_') || s.endsWith(u'_') || s.contains(u"__"_s))
        return false;
    bool ok = false;
    *out = t.toLongLong(&ok, 10);
    return ok;
}

bool parsePyFloat(const QString &s, double *out)
{
    if (s.contains(u'_'))
        return false;
    bool ok = false;
    *out = s.toDouble(&ok);
    if (ok)
        return true;
    // QString::toDouble rejects forms Python accepts, such as "1." and ".5".
    static const QLatin1StringView special[] = {"inf"_L1, "+inf"_L1, "-inf"_L1, "infinity"_L1, "nan"_L1};
    for (auto sp : special)
        if (s.compare(sp, Qt::CaseInsensitive) == 0) {
            *out = s.contains(u"nan"_s, Qt::CaseInsensitive) ? qQNaN() : (s.startsWith(u'-') ? -qInf() : qInf());
            return true;
        }
    return false;
}

} // namespace

Operand Parser::compileOperand(const QString &text, const Token &token, int column) const
{
    Operand op;
    op.text = text;
    // A number? Django: float when the text has '.' or 'e', else int.
    if (text.contains(u'.') || text.contains(u'e', Qt::CaseInsensitive)) {
        double d = 0;
        if (!text.endsWith(u'.') && parsePyFloat(text, &d)) {
            op.isLiteral = true;
            op.literal = Value::real(d);
            return op;
        }
    } else {
        qint64 i = 0;
        if (parsePyInt(text, &i)) {
            op.isLiteral = true;
            op.literal = Value::integer(i);
            return op;
        }
    }
    QString var = text;
    bool translate = false;
    if (var.startsWith(u"_("_s) && var.endsWith(u')')) {
        translate = true;
        var = var.mid(2, var.size() - 3);
    }
    if (var.size() >= 2 && (var.front() == u'"' || var.front() == u'\'') && var.back() == var.front()) {
        op.isLiteral = true;
        op.literal = Value::string(unescapeLiteral(var), !translate);
        return op;
    }
    if (var.isEmpty())
        error(token.line, column, u"expected a variable or a value"_s);
    if (var.startsWith(u'_') || var.contains(u"._"_s))
        error(token.line, column,
              u"variables and attributes may not begin with an underscore: '%1'"_s.arg(var));
    const QStringList parts = var.split(u'.');
    op.root = parts.first();
    for (qsizetype i = 1; i < parts.size(); ++i) {
        PathPart p;
        p.name = parts.at(i);
        bool ok = false;
        p.index = p.name.toLongLong(&ok);
        p.isIndex = ok && !p.name.startsWith(u'+');
        op.path.push_back(std::move(p));
    }
    return op;
}

FilterExpression Parser::compileFilter(const QString &text, const Token &token, int column) const
{
    FilterExpression fe;
    fe.text = text;
    fe.line = token.line;
    fe.column = column;
    const FilterTable &filters = builtinFilters();

    qsizetype pos = 0;
    bool haveOperand = false;
    auto argOrConstant = [&](qsizetype at, qsizetype *end) -> bool {
        qsizetype e = matchConstant(text, at);
        if (e < 0)
            e = matchVar(text, at);
        if (e < 0)
            return false;
        *end = e;
        return true;
    };

    // The operand, which Django anchors at the start.
    {
        qsizetype end = -1;
        if (argOrConstant(0, &end)) {
            fe.operand = compileOperand(text.left(end), token, column);
            haveOperand = true;
            pos = end;
        }
    }
    while (pos < text.size()) {
        qsizetype p = pos;
        while (p < text.size() && text.at(p).isSpace())
            ++p;
        if (p >= text.size() || text.at(p) != u'|') {
            error(token.line, column + int(pos),
                  u"could not parse '%1' in '%2'"_s.arg(text.mid(pos), text));
        }
        ++p;
        while (p < text.size() && text.at(p).isSpace())
            ++p;
        const qsizetype nameStart = p;
        while (p < text.size() && isWordChar(text.at(p)))
            ++p;
        if (p == nameStart)
            error(token.line, column + int(pos), u"could not parse '%1' in '%2'"_s.arg(text.mid(pos), text));
        if (!haveOperand)
            error(token.line, column, u"expected a variable or a value before '|' in '%1'"_s.arg(text));
        FilterCall call;
        call.column = column + int(nameStart);
        const QString name = text.mid(nameStart, p - nameStart);
        auto it = filters.constFind(name);
        if (it == filters.cend())
            error(token.line, call.column, u"unknown filter '%1'"_s.arg(name));
        call.def = &it.value();
        if (p < text.size() && text.at(p) == u':') {
            qsizetype end = -1;
            if (argOrConstant(p + 1, &end)) {
                call.hasArg = true;
                call.arg = compileOperand(text.mid(p + 1, end - p - 1), token, column + int(p) + 1);
                p = end;
            }
        }
        if (call.hasArg && call.def->arg == FilterArg::None)
            error(token.line, call.column, u"filter '%1' takes no argument"_s.arg(name));
        if (!call.hasArg && call.def->arg == FilterArg::Required)
            error(token.line, call.column, u"filter '%1' needs an argument, as in '%1:...'"_s.arg(name));
        if (call.def->prepare && (!call.hasArg || call.arg.isLiteral))
            call.prepared = call.def->prepare(call.hasArg ? &call.arg.literal : nullptr);
        fe.filters.push_back(std::move(call));
        pos = p;
    }
    if (!haveOperand)
        error(token.line, column, u"expected a variable or a value, got '%1'"_s.arg(text));
    return fe;
}

QList<std::pair<QString, int>> smartSplit(const QString &text)
{
    QList<std::pair<QString, int>> bits;
    const qsizetype n = text.size();
    qsizetype i = 0;
    auto isQuote = [](QChar c) { return c == u'"' || c == u'\''; };
    // Once a quote finds no closing quote, no later quote of the same kind
    // does (the first search passed them all as escaped), so none is
    // searched again: "x\' x\' x\' ..." took a search to the end per word.
    qsizetype unclosedFrom[2] = {n, n};
    auto quotedEnd = [&](qsizetype k) -> qsizetype {
        if (k >= n || !isQuote(text.at(k)))
            return -1;
        qsizetype &from = unclosedFrom[text.at(k) == u'"' ? 0 : 1];
        if (k >= from)
            return -1;
        const qsizetype e = matchQuoted(text, k);
        if (e < 0)
            from = k;
        return e;
    };
    while (i < n) {
        while (i < n && text.at(i).isSpace())
            ++i;
        if (i >= n)
            break;
        const qsizetype start = i;
        // First alternative: plain runs interleaved with at least one quoted string.
        qsizetype j = i;
        qsizetype lastGood = -1;
        for (;;) {
            qsizetype k = j;
            while (k < n && !text.at(k).isSpace() && !isQuote(text.at(k)))
                ++k;
            const qsizetype q = quotedEnd(k);
            if (q < 0)
                break;
            k = q;
            while (k < n && !text.at(k).isSpace() && !isQuote(text.at(k)))
                ++k;
            lastGood = k;
            j = k;
        }
        qsizetype end;
        if (lastGood > 0) {
            end = lastGood;
        } else {
            end = i;
            while (end < n && !text.at(end).isSpace())
                ++end;
        }
        bits.append({text.mid(start, end - start), int(start)});
        i = end;
    }
    return bits;
}

} // namespace Rill::detail
