#pragma once

// Turns tokens into a node tree. Tags are compiled by functions registered by
// name (one file per tag family: tags_control.cpp, tags_inheritance.cpp, ...).

#include "lexer_p.h"
#include "node_p.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <functional>
#include <memory>

namespace Rill::detail {

class Parser;
using TagCompiler = std::unique_ptr<Node> (*)(Parser &parser, const Token &token);
using TagTable = QHash<QString, TagCompiler>;

const TagTable &builtinTags();
void registerControlTags(TagTable &table);     // if, for, with, cycle, firstof, ifchanged
void registerInheritanceTags(TagTable &table); // extends, block, include
void registerMiscTags(TagTable &table);        // comment, autoescape, spaceless, verbatim, ...
void registerExtraTags(TagTable &table);       // cycle, firstof, ifchanged, widthratio, filter, regroup

class Parser
{
public:
    static constexpr size_t MaxNesting = 512;

    Parser(QList<Token> tokens, QString templateName);

    // Parses until one of \a until (a tag name) or the end; the stopping tag
    // stays in the stream for the caller to take with nextToken().
    NodeList parse(const QStringList &until = {});
    bool atEnd() const { return m_pos >= m_tokens.size(); }
    Token nextToken();
    // Skips everything up to and including the tag named \a endTag.
    void skipPast(const QString &endTag, const Token &opening);
    // Takes the closing tag after parse(until) and checks its name.
    Token expectEnd(const QStringList &names, const Token &opening);

    FilterExpression compileFilter(const QString &text, const Token &token, int column) const;
    FilterExpression compileFilter(const QString &text, const Token &token) const
    {
        return compileFilter(text, token, token.contentColumn);
    }
    Operand compileOperand(const QString &text, const Token &token, int column) const;

    [[noreturn]] void error(const Token &token, const QString &message) const;
    [[noreturn]] void error(int line, int column, const QString &message) const;

    const QString &templateName() const { return m_name; }

    // State a tag family keeps for one template's parse (named cycles, say),
    // created on first use and gone with the parser.
    template<typename T>
    T &tagState(QLatin1StringView key)
    {
        std::shared_ptr<void> &slot = m_tagState[QString(key)];
        if (!slot)
            slot = std::make_shared<T>();
        return *static_cast<T *>(slot.get());
    }

    // Per-template parse state tags share.
    QSet<QString> blockNames;
    bool seenExtends = false;
    QString verbatimEnd;

private:
    QList<Token> m_tokens;
    qsizetype m_pos = 0;
    QString m_name;
    // The open tags, for "this end tag does not close that tag" messages.
    std::vector<Token> m_openTags;
    QHash<QString, std::shared_ptr<void>> m_tagState;
};

// Splits tag arguments on whitespace, keeping quoted strings whole
// (Django's smart_split). Returns each bit with its offset in \a text.
QList<std::pair<QString, int>> smartSplit(const QString &text);

// Django's token_kwargs(): consumes `a=b` (or legacy `b as a`) bits from the front.
std::vector<std::pair<QString, FilterExpression>> parseKwargs(Parser &parser, const Token &token,
                                                             QList<std::pair<QString, int>> &bits,
                                                             bool supportLegacy);

// "{% tag %}" for messages.
inline QString tagText(const QString &name) { return QStringLiteral("{% ") + name + QStringLiteral(" %}"); }

} // namespace Rill::detail
