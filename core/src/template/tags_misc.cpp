// Tags without control flow: comment, autoescape, spaceless, verbatim,
// templatetag, csrf_token and load.

#include "engine_p.h"
#include "parser_p.h"
#include "tags_p.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

std::unique_ptr<Node> compileComment(Parser &parser, const Token &token)
{
    parser.skipPast(u"endcomment"_s, token);
    return nullptr;
}

std::unique_ptr<Node> compileAutoescape(Parser &parser, const Token &token)
{
    const auto bits = smartSplit(token.contents);
    if (bits.size() != 2 || (bits.at(1).first != u"on"_s && bits.at(1).first != u"off"_s))
        parser.error(token, u"'{% autoescape %}' takes one argument, 'on' or 'off'"_s);
    auto node = std::make_unique<AutoescapeNode>();
    node->on = bits.at(1).first == u"on"_s;
    node->body = parser.parse({u"endautoescape"_s});
    parser.expectEnd({u"endautoescape"_s}, token);
    return node;
}

class SpacelessNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        static const QRegularExpression between(u">\\s+<"_s, QRegularExpression::UseUnicodePropertiesOption);
        QString s = renderToString(body, state).trimmed();
        s.replace(between, u"><"_s);
        state.out.append(s);
    }
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    NodeList body;
};

std::unique_ptr<Node> compileSpaceless(Parser &parser, const Token &token)
{
    auto node = std::make_unique<SpacelessNode>();
    node->body = parser.parse({u"endspaceless"_s});
    parser.expectEnd({u"endspaceless"_s}, token);
    return node;
}

std::unique_ptr<Node> compileVerbatim(Parser &parser, const Token &token)
{
    // The lexer already turned the inside into text tokens.
    NodeList body = parser.parse({u"endverbatim"_s});
    parser.expectEnd({u"endverbatim"_s}, token);
    QString text;
    for (const auto &n : body)
        text += static_cast<const TextNode *>(n.get())->text;
    return std::make_unique<TextNode>(text);
}

std::unique_ptr<Node> compileTemplatetag(Parser &parser, const Token &token)
{
    static const QHash<QString, QString> mapping = {
        {u"openblock"_s, u"{%"_s},     {u"closeblock"_s, u"%}"_s},     {u"openvariable"_s, u"{{"_s},
        {u"closevariable"_s, u"}}"_s}, {u"openbrace"_s, u"{"_s},       {u"closebrace"_s, u"}"_s},
        {u"opencomment"_s, u"{#"_s},   {u"closecomment"_s, u"#}"_s},
    };
    const auto bits = smartSplit(token.contents);
    if (bits.size() != 2)
        parser.error(token, u"'{% templatetag %}' takes one argument, such as 'openblock'"_s);
    auto it = mapping.constFind(bits.at(1).first);
    if (it == mapping.cend())
        parser.error(token, u"'{% templatetag %}' does not know '%1'; it knows %2"_s.arg(
                                bits.at(1).first, u"openblock, closeblock, openvariable, closevariable, "
                                                  u"openbrace, closebrace, opencomment, closecomment"_s));
    return std::make_unique<TextNode>(it.value());
}

class CsrfTokenNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        const QVariant token = state.find(u"csrf_token"_s).value_or(QVariant());
        if (!isTruthy(token))
            return;
        const QString t = toPyStr(token);
        if (t == u"NOTPROVIDED"_s)
            return;
        state.out.append(u"<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\""_s);
        appendEscaped(state.out, t);
        state.out.append(u"\">"_s);
    }
};

std::unique_ptr<Node> compileCsrfToken(Parser &, const Token &)
{
    return std::make_unique<CsrfTokenNode>();
}

std::unique_ptr<Node> compileLoad(Parser &parser, const Token &token)
{
    // Django's built-in libraries: their tags are ours already or not
    // supported; loading them is accepted so Django templates compile.
    static const QStringList known = {u"i18n"_s, u"l10n"_s, u"tz"_s, u"static"_s, u"cache"_s};
    auto bits = smartSplit(token.contents);
    bits.removeFirst();
    QList<std::pair<QString, int>> libraries = bits;
    if (bits.size() >= 3 && bits.at(bits.size() - 2).first == u"from"_s)
        libraries = {bits.last()};
    for (const auto &lib : libraries) {
        if (!known.contains(lib.first))
            parser.error(token.line, token.contentColumn + lib.second,
                         u"unknown tag library '%1'; Rill accepts %2"_s.arg(lib.first, known.join(u", "_s)));
    }
    return nullptr;
}

} // namespace

void AutoescapeNode::render(RenderState &state) const
{
    const bool saved = state.autoescape;
    state.autoescape = on;
    try {
        renderList(body, state);
    } catch (...) {
        state.autoescape = saved;
        throw;
    }
    state.autoescape = saved;
}

void registerMiscTags(TagTable &table)
{
    table.insert(u"comment"_s, &compileComment);
    table.insert(u"autoescape"_s, &compileAutoescape);
    table.insert(u"spaceless"_s, &compileSpaceless);
    table.insert(u"verbatim"_s, &compileVerbatim);
    table.insert(u"templatetag"_s, &compileTemplatetag);
    table.insert(u"csrf_token"_s, &compileCsrfToken);
    table.insert(u"load"_s, &compileLoad);
}

} // namespace Rill::detail
