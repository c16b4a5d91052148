#include "http_p.h"

#include <QLatin1StringView>

#include <charconv>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

// RFC 9110 token characters (method, header names).
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

// Field values: visible ASCII, space, tab and obs-text; no other controls.
bool isFieldValueChar(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

QByteArrayView trimmed(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

// Calls fn(part) for each part of v between separators (QByteArrayView has
// no split() in Qt 6.4).
template <typename Fn>
void forEachPart(QByteArrayView v, char separator, Fn fn)
{
    qsizetype start = 0;
    while (true) {
        const qsizetype at = v.indexOf(separator, start);
        fn(v.sliced(start, (at < 0 ? v.size() : at) - start));
        if (at < 0)
            return;
        start = at + 1;
    }
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers)
        if (h.first == lowerName)
            return h.second;
    return QByteArray();
}

bool HttpRequest::hasHeader(QByteArrayView lowerName) const
{
    for (const auto &h : headers)
        if (h.first == lowerName)
            return true;
    return false;
}

bool HttpRequest::headerHasToken(QByteArrayView lowerName, QByteArrayView token) const
{
    for (const auto &h : headers) {
        if (h.first != lowerName)
            continue;
        bool found = false;
        forEachPart(h.second, ',', [&](QByteArrayView part) { found = found || equalsIgnoringCase(trimmed(part), token); });
        if (found)
            return true;
    }
    return false;
}

void HttpRequestParser::reset()
{
    m_request = HttpRequest();
    m_scanned = 0;
    m_headLength = 0;
    m_errorStatus = 0;
    m_errorMessage.clear();
}

HttpRequestParser::Status HttpRequestParser::fail(int status, QString message)
{
    m_errorStatus = status;
    m_errorMessage = std::move(message);
    return Status::Error;
}

HttpRequestParser::Status HttpRequestParser::feed(QByteArrayView buffer)
{
    if (m_errorStatus)
        return Status::Error;
    // Leading empty lines before a request are allowed (RFC 9112 2.2).
    qsizetype start = 0;
    while (start + 1 < buffer.size() && buffer[start] == '\r' && buffer[start + 1] == '\n')
        start += 2;
    // Resume the search a little before where the last one stopped, so a
    // "\r\n\r\n" split across reads is found, and a slow client sending a
    // byte at a time costs linear, not quadratic, time.
    const qsizetype from = std::max(start, m_scanned - 3);
    const qsizetype end = buffer.indexOf("\r\n\r\n", from);
    if (end < 0) {
        m_scanned = buffer.size();
        if (buffer.size() - start > m_limits.maxHeadBytes)
            return fail(431, u"the request's headers are larger than %1 bytes"_s.arg(m_limits.maxHeadBytes));
        // A bare LF line ending is not accepted; say so instead of waiting.
        if (buffer.indexOf("\n\n", start) >= 0)
            return fail(400, u"lines must end in CRLF"_s);
        return Status::NeedMore;
    }
    if (end + 4 - start > m_limits.maxHeadBytes)
        return fail(431, u"the request's headers are larger than %1 bytes"_s.arg(m_limits.maxHeadBytes));
    m_headLength = end + 4;
    return parseHead(buffer.sliced(start, end - start + 2)); // each line with its CRLF
}

HttpRequestParser::Status HttpRequestParser::parseHead(QByteArrayView head)
{
    HttpRequest &r = m_request;
    qsizetype eol = head.indexOf("\r\n");
    const QByteArrayView line = head.first(eol);

    // request-line = method SP request-target SP HTTP-version
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0)
        return fail(400, u"malformed request line"_s);
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    for (char c : method)
        if (!isTokenChar(c))
            return fail(400, u"malformed method"_s);
    if (target.isEmpty())
        return fail(400, u"empty request target"_s);
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return fail(400, u"control characters in the request target"_s);
    if (target.front() != '/')
        return fail(400, u"only origin-form request targets (\"/path\") are served"_s);
    if (version == "HTTP/1.1")
        r.versionMinor = 1;
    else if (version == "HTTP/1.0")
        r.versionMinor = 0;
    else if (version.startsWith("HTTP/"))
        return fail(505, u"only HTTP/1.0 and HTTP/1.1 are spoken here"_s);
    else
        return fail(400, u"malformed HTTP version"_s);
    r.method = method.toByteArray();
    r.target = target.toByteArray();
    const qsizetype q = target.indexOf('?');
    r.path = (q < 0 ? target : target.first(q)).toByteArray();
    r.query = q < 0 ? QByteArray() : target.sliced(q + 1).toByteArray();

    bool sawLength = false;
    bool chunked = false;
    for (qsizetype pos = eol + 2; pos < head.size(); pos = eol + 2) {
        eol = head.indexOf("\r\n", pos);
        const QByteArrayView field = head.sliced(pos, eol - pos);
        if (field.front() == ' ' || field.front() == '\t')
            return fail(400, u"folded header lines are not accepted"_s);
        const qsizetype colon = field.indexOf(':');
        if (colon <= 0)
            return fail(400, u"malformed header line"_s);
        const QByteArrayView name = field.first(colon);
        for (char c : name)
            if (!isTokenChar(c))
                return fail(400, u"malformed header name"_s);
        const QByteArrayView value = trimmed(field.sliced(colon + 1));
        for (char c : value)
            if (!isFieldValueChar(static_cast<unsigned char>(c)))
                return fail(400, u"control characters in a header value"_s);
        if (r.headers.size() >= m_limits.maxHeaders)
            return fail(431, u"more than %1 headers"_s.arg(m_limits.maxHeaders));
        QByteArray lower = name.toByteArray().toLower();
        if (lower == "content-length") {
            qint64 n = -1;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || ptr != value.data() + value.size() || n < 0)
                return fail(400, u"malformed Content-Length"_s);
            if (sawLength && n != r.contentLength)
                return fail(400, u"conflicting Content-Length headers"_s);
            sawLength = true;
            r.contentLength = n;
        } else if (lower == "transfer-encoding") {
            chunked = true; // any transfer coding: we take only sized bodies
        }
        r.headers.append({std::move(lower), value.toByteArray()});
    }
    if (chunked && sawLength)
        return fail(400, u"both Transfer-Encoding and Content-Length"_s);
    if (chunked)
        return fail(411, u"chunked request bodies are not accepted: send a Content-Length"_s);
    if (r.versionMinor == 1 && !r.hasHeader("host"))
        return fail(400, u"HTTP/1.1 requests need a Host header"_s);
    if (r.contentLength > m_limits.maxBodyBytes)
        return fail(413, u"request bodies are limited to %1 bytes"_s.arg(m_limits.maxBodyBytes));
    r.keepAlive = r.versionMinor == 1 ? !r.headerHasToken("connection", "close")
                                      : r.headerHasToken("connection", "keep-alive");
    return Status::Complete;
}

QByteArray httpReason(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 421: return "Misdirected Request";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

QByteArray percentDecode(QByteArrayView text, bool plusAsSpace)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
            out.append(char(hex(text[i + 1]) * 16 + hex(text[i + 2])));
            i += 2;
        } else if (c == '+' && plusAsSpace) {
            out.append(' ');
        } else {
            out.append(c);
        }
    }
    return out;
}

QList<std::pair<QString, QString>> parseFormEncoded(QByteArrayView text)
{
    QList<std::pair<QString, QString>> pairs;
    forEachPart(text, '&', [&pairs](QByteArrayView part) {
        if (part.isEmpty())
            return;
        const qsizetype eq = part.indexOf('=');
        const QByteArrayView name = eq < 0 ? part : part.first(eq);
        const QByteArrayView value = eq < 0 ? QByteArrayView() : part.sliced(eq + 1);
        pairs.append({QString::fromUtf8(percentDecode(name, true)), QString::fromUtf8(percentDecode(value, true))});
    });
    return pairs;
}

} // namespace Rill::detail
