#include "printable_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

QString printable(QStringView text, qsizetype max)
{
    QString out;
    const qsizetype n = std::min(text.size(), max);
    out.reserve(n + 16);
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text[i];
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || (c.unicode() >= 0x80 && c.unicode() < 0xa0)
            || c.unicode() == 0x2028 || c.unicode() == 0x2029)
            out += u"\\x%1"_s.arg(uint(c.unicode()), 2, 16, QChar(u'0'));
        else
            out += c;
    }
    if (text.size() > max)
        out += u"… (%1 more characters)"_s.arg(text.size() - max);
    return out;
}

} // namespace Rill::detail
