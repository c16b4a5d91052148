#pragma once

// Splits template source into text, {{ variable }}, {% block %} and {# comment #}
// tokens exactly where Django's lexer does: a tag never spans a newline, the
// closing delimiter is the first one after the opening, and {% verbatim %}
// turns everything up to its matching end tag into text.

#include <QList>
#include <QString>

namespace Rill::detail {

enum class TokenType { Text, Var, Block, Comment };

struct Token
{
    TokenType type = TokenType::Text;
    QString contents;   // stripped inner text for tags, raw text for Text
    int line = 1;       // 1-based, of the token's first character
    int column = 1;     // 1-based
    int contentColumn = 1; // column of the first character of contents
    qsizetype position = 0;
    qsizetype length = 0; // length in the source, delimiters included
};

QList<Token> tokenize(const QString &source);

} // namespace Rill::detail
