#pragma once

// HTTP/1.1 requests as Rill's server reads them: the head (request line and
// headers) parsed from bytes as they arrive, bounded before anything is
// buffered beyond the limits, and refused with the status a client should
// see. Pure: no sockets, no Qt event loop; fuzz/ and tests feed it bytes.
//
//   HttpRequestParser parser({.maxHeadBytes = 16 * 1024});
//   switch (parser.feed(buffer)) {     // buffer: everything read so far
//   case HttpRequestParser::Status::NeedMore: return;          // wait for bytes
//   case HttpRequestParser::Status::Error:                      // e.g. 431
//       respond(parser.errorStatus(), parser.errorMessage()); close(); return;
//   case HttpRequestParser::Status::Complete:
//       buffer.remove(0, parser.headLength());                  // the body (if any) follows
//       route(parser.request());
//   }

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace Rill::detail {

struct HttpLimits
{
    qsizetype maxHeadBytes = 16 * 1024; //!< request line + headers + the blank line
    int maxHeaders = 64;
    qsizetype maxBodyBytes = 4 * 1024; //!< Content-Length above this: 413 before reading it
};

struct HttpRequest
{
    QByteArray method;        //!< as sent, e.g. "GET"
    QByteArray target;        //!< the request-target as sent, e.g. "/chat?x=1"
    QByteArray path;          //!< target up to '?', still percent-encoded
    QByteArray query;         //!< after '?', without it; may be empty
    int versionMinor = 1;     //!< HTTP/1.<minor>; 0 or 1
    QList<std::pair<QByteArray, QByteArray>> headers; //!< names lower-cased, values trimmed
    qint64 contentLength = 0; //!< 0 when absent
    bool keepAlive = true;    //!< HTTP/1.1 default, Connection: close / HTTP/1.0 rules

    //! The first header of that (lower-case) name, or an empty array.
    QByteArray header(QByteArrayView lowerName) const;
    bool hasHeader(QByteArrayView lowerName) const;
    //! Whether a comma-separated header (Connection, Upgrade) lists \a token (case-insensitive).
    bool headerHasToken(QByteArrayView lowerName, QByteArrayView token) const;
};

class HttpRequestParser
{
public:
    enum class Status { NeedMore, Complete, Error };

    explicit HttpRequestParser(HttpLimits limits = {}) : m_limits(limits) {}

    //! Looks at \a buffer (all bytes received for this request so far) for
    //! a complete head. Scans only what it has not scanned before.
    Status feed(QByteArrayView buffer);

    const HttpRequest &request() const { return m_request; }
    //! Bytes of the head, the blank line included (Complete only).
    qsizetype headLength() const { return m_headLength; }
    //! For Error: the status to answer with (400, 413, 414, 431, 501, 505) and why.
    int errorStatus() const { return m_errorStatus; }
    const QString &errorMessage() const { return m_errorMessage; }

    //! Ready for the next request on the same connection.
    void reset();

private:
    Status fail(int status, QString message);
    Status parseHead(QByteArrayView head);

    HttpLimits m_limits;
    HttpRequest m_request;
    qsizetype m_scanned = 0;
    qsizetype m_headLength = 0;
    int m_errorStatus = 0;
    QString m_errorMessage;
};

//! The standard reason phrase of \a status ("Not Found"), or "Unknown".
QByteArray httpReason(int status);

//! Decodes %XX escapes (and '+' as space when \a plusAsSpace); invalid
//! escapes stay as they are. Returns the bytes, which may not be UTF-8.
QByteArray percentDecode(QByteArrayView text, bool plusAsSpace = false);

//! An application/x-www-form-urlencoded body or a query string as decoded
//! name/value pairs (UTF-8; invalid sequences become U+FFFD).
QList<std::pair<QString, QString>> parseFormEncoded(QByteArrayView text);

} // namespace Rill::detail
