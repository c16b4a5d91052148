// The HTTP front as a client reaches it: bytes in chunks of any size (the
// first input byte picks the chunking) through HttpRequestParser, requests
// and bodies taken off the buffer as Connection does, the path, query and
// form decoders on what comes out, and the page-security scanner (which
// reads pages holding content from users and models) on the raw bytes.
#include "net/http_p.h"
#include "server/pagesecurity_p.h"

#include <cstdint>
#include <cstdlib>

using namespace Rill::detail;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype chunk = 1 + data[0] % 64;
    const QByteArrayView input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpLimits limits;
    limits.maxHeadBytes = 2048;
    limits.maxHeaders = 16;
    limits.maxBodyBytes = 256;
    HttpRequestParser parser(limits);
    QByteArray buffer;
    for (qsizetype pos = 0; pos < input.size(); pos += chunk) {
        buffer += input.sliced(pos, std::min(chunk, input.size() - pos));
        while (!buffer.isEmpty()) {
            const auto status = parser.feed(buffer);
            if (status == HttpRequestParser::Status::NeedMore)
                break;
            if (status == HttpRequestParser::Status::Error) {
                if (parser.errorStatus() < 400 || parser.errorStatus() > 505 || parser.errorMessage().isEmpty())
                    abort(); // every refusal says what and why
                return 0;
            }
            const HttpRequest &r = parser.request();
            if (r.contentLength > limits.maxBodyBytes || parser.headLength() > limits.maxHeadBytes + 2)
                abort(); // limits hold
            if (buffer.size() < parser.headLength() + r.contentLength)
                break;
            const QByteArray body = buffer.mid(parser.headLength(), r.contentLength);
            (void)percentDecode(r.path);
            (void)parseFormEncoded(r.query);
            (void)parseFormEncoded(body);
            (void)r.headerHasToken("connection", "upgrade");
            buffer.remove(0, parser.headLength() + r.contentLength);
            parser.reset();
        }
    }
    (void)PageSecurity::inlineStyleSources(input.toByteArray());
    return 0;
}
