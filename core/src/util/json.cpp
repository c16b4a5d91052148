#include <rill/json.h>

#include <QVariantList>
#include <QVariantMap>

#include <charconv>
#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;

namespace Rill {

namespace {

class JsonReader
{
public:
    explicit JsonReader(QByteArrayView s) : m_s(s) {}

    QVariant document()
    {
        skipSpace();
        QVariant v = value(0);
        skipSpace();
        if (m_pos != m_s.size())
            fail(u"unexpected data after the JSON value"_s);
        return v;
    }

    QString error;

private:
    struct Failure {};

    [[noreturn]] void fail(const QString &message)
    {
        int line = 1, col = 1;
        for (qsizetype i = 0; i < m_pos && i < m_s.size(); ++i) {
            if (m_s[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        error = u"line %1, column %2: %3"_s.arg(line).arg(col).arg(message);
        throw Failure{};
    }

    void skipSpace()
    {
        while (m_pos < m_s.size()) {
            const char c = m_s[m_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                break;
            ++m_pos;
        }
    }

    bool consume(const char *word)
    {
        const qsizetype n = qsizetype(std::strlen(word));
        if (m_s.size() - m_pos >= n && std::memcmp(m_s.data() + m_pos, word, size_t(n)) == 0) {
            m_pos += n;
            return true;
        }
        return false;
    }

    QVariant value(int depth)
    {
        if (depth > 512)
            fail(u"nesting deeper than 512 levels"_s);
        if (m_pos >= m_s.size())
            fail(u"unexpected end of input"_s);
        const char c = m_s[m_pos];
        if (c == '{')
            return object(depth);
        if (c == '[')
            return array(depth);
        if (c == '"')
            return string();
        if (c == '-' || (c >= '0' && c <= '9'))
            return number();
        if (consume("true"))
            return true;
        if (consume("false"))
            return false;
        if (consume("null"))
            return QVariant::fromValue(nullptr);
        fail(u"expected a value"_s);
    }

    QVariant object(int depth)
    {
        ++m_pos; // {
        QVariantMap map;
        skipSpace();
        if (m_pos < m_s.size() && m_s[m_pos] == '}') {
            ++m_pos;
            return map;
        }
        for (;;) {
            skipSpace();
            if (m_pos >= m_s.size() || m_s[m_pos] != '"')
                fail(u"expected a string key"_s);
            const QString key = string();
            skipSpace();
            if (m_pos >= m_s.size() || m_s[m_pos] != ':')
                fail(u"expected ':'"_s);
            ++m_pos;
            skipSpace();
            map.insert(key, value(depth + 1));
            skipSpace();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == '}') {
                ++m_pos;
                return map;
            }
            fail(u"expected ',' or '}'"_s);
        }
    }

    QVariant array(int depth)
    {
        ++m_pos; // [
        QVariantList list;
        skipSpace();
        if (m_pos < m_s.size() && m_s[m_pos] == ']') {
            ++m_pos;
            return list;
        }
        for (;;) {
            skipSpace();
            list.append(value(depth + 1));
            skipSpace();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == ']') {
                ++m_pos;
                return list;
            }
            fail(u"expected ',' or ']'"_s);
        }
    }

    int hex4()
    {
        if (m_s.size() - m_pos < 4)
            fail(u"incomplete \\u escape"_s);
        int v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_s[m_pos++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= c - '0';
            else if (c >= 'a' && c <= 'f')
                v |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                v |= c - 'A' + 10;
            else
                fail(u"invalid \\u escape"_s);
        }
        return v;
    }

    // A \u escape may name half a surrogate pair: such a half becomes U+FFFD,
    // as invalid UTF-8 does, so equal-looking strings are equal (two keys
    // that encode alike are one key) and what is parsed encodes back to it.
    static QString withoutLoneSurrogates(QString text)
    {
        for (qsizetype i = 0; i < text.size(); ++i) {
            const QChar c = text.at(i);
            if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate())
                ++i;
            else if (c.isSurrogate())
                text[i] = QChar::ReplacementCharacter;
        }
        return text;
    }

    QString string()
    {
        ++m_pos; // "
        QByteArray raw;
        QString out;
        auto flush = [&] {
            if (!raw.isEmpty()) {
                out += QString::fromUtf8(raw);
                raw.clear();
            }
        };
        while (m_pos < m_s.size()) {
            const char c = m_s[m_pos++];
            if (c == '"') {
                flush();
                return withoutLoneSurrogates(std::move(out));
            }
            if (static_cast<unsigned char>(c) < 0x20)
                fail(u"control character in string"_s);
            if (c != '\\') {
                raw.append(c);
                continue;
            }
            if (m_pos >= m_s.size())
                break;
            const char e = m_s[m_pos++];
            switch (e) {
            case '"': raw.append('"'); break;
            case '\\': raw.append('\\'); break;
            case '/': raw.append('/'); break;
            case 'b': raw.append('\b'); break;
            case 'f': raw.append('\f'); break;
            case 'n': raw.append('\n'); break;
            case 'r': raw.append('\r'); break;
            case 't': raw.append('\t'); break;
            case 'u': {
                flush();
                out.append(QChar(char16_t(hex4())));
                break;
            }
            default:
                fail(u"invalid escape in string"_s);
            }
        }
        fail(u"unterminated string"_s);
    }

    QVariant number()
    {
        const qsizetype start = m_pos;
        bool isFloat = false;
        if (m_s[m_pos] == '-')
            ++m_pos;
        auto digits = [&] {
            const qsizetype d = m_pos;
            while (m_pos < m_s.size() && m_s[m_pos] >= '0' && m_s[m_pos] <= '9')
                ++m_pos;
            if (m_pos == d)
                fail(u"invalid number"_s);
        };
        if (m_pos < m_s.size() && m_s[m_pos] == '0')
            ++m_pos;
        else
            digits();
        if (m_pos < m_s.size() && m_s[m_pos] == '.') {
            ++m_pos;
            isFloat = true;
            digits();
        }
        if (m_pos < m_s.size() && (m_s[m_pos] == 'e' || m_s[m_pos] == 'E')) {
            ++m_pos;
            isFloat = true;
            if (m_pos < m_s.size() && (m_s[m_pos] == '+' || m_s[m_pos] == '-'))
                ++m_pos;
            digits();
        }
        const char *b = m_s.data() + start;
        const char *e = m_s.data() + m_pos;
        if (!isFloat) {
            qint64 i = 0;
            const auto r = std::from_chars(b, e, i);
            if (r.ec == std::errc() && r.ptr == e)
                return QVariant(i);
        }
        double d = 0;
        std::from_chars(b, e, d);
        return QVariant(d);
    }

    QByteArrayView m_s;
    qsizetype m_pos = 0;
};

} // namespace

QVariant parseJson(QByteArrayView json, QString *errorMessage)
{
    JsonReader reader(json);
    try {
        QVariant v = reader.document();
        if (errorMessage)
            errorMessage->clear();
        return v;
    } catch (...) {
        if (errorMessage)
            *errorMessage = reader.error;
        return QVariant();
    }
}

} // namespace Rill
