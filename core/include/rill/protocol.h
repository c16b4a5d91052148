#pragma once

#include <rill/rillcore_export.h>
#include <rill/streamop.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QMetaType>
#include <QStringList>
#include <QString>
#include <QVariantMap>

#include <optional>
#include <variant>

namespace Rill {

/*!
  The wire protocol (docs/protocol.md) as C++ values: every frame either side
  sends, and the codec between them and JSON text. This is the only C++ code
  that spells a wire key.

  Decoding never throws: it returns the frame, or nothing and a DecodeError
  whose code (bad_frame, unknown_type) and message go straight into an
  `error` frame. Keys a frame does not define are ignored, so either side may
  grow new optional keys.

  \code
  Rill::Protocol::DecodeError error;
  const auto frame = Rill::Protocol::decodeClient(message.toUtf8(), &error);
  if (!frame) {
      // e.g. BadFrame, "join: key 'lastSeq' must be an integer, got a string"
      socket->sendTextMessage(QString::fromUtf8(Rill::Protocol::encode(
          Rill::Protocol::Error{++seq, error.code, error.message, std::nullopt})));
      return;
  }
  if (const auto *join = std::get_if<Rill::Protocol::Join>(&*frame))
      bind(join->token, join->lastSeq);
  \endcode
*/
class RILL_CORE_EXPORT Protocol
{
    Q_GADGET
public:
    enum class ErrorCode {
        BadFrame,
        UnknownType,
        UnknownEvent,
        BadParams,
        HandlerFailed,
        RenderFailed,
        UnknownSession,
        NotJoined,
        RateLimited, //!< more events than ServerLimits allows; the event was dropped
        Busy,        //!< too many handlers running in this session; the event was dropped
    };
    Q_ENUM(ErrorCode)

    // Client to server.
    struct Join
    {
        QString token;
        qint64 lastSeq = 0;
        bool operator==(const Join &) const = default;
    };
    struct Event
    {
        QString event;
        QVariantMap params;
        qint64 ref = 0;
        bool operator==(const Event &) const = default;
    };
    struct Ping
    {
        qint64 ref = 0;
        bool operator==(const Ping &) const = default;
    };
    //! The page could not apply a patch (its DOM is not what the server
    //! thinks): send it the view again, as to a page back from \c lastSeq.
    struct Resync
    {
        qint64 lastSeq = 0;
        bool operator==(const Resync &) const = default;
    };
    using ClientFrame = std::variant<Join, Event, Ping, Resync>;

    /*!
      One change of a re-render, on the node at \c path (child indices from
      the view root, as the page is after the ops before it in the same
      patch) or, when \c target is set, on the element that CSS selector
      finds. \c tag is what the node there must be (an element's tag,
      "#text", "#comment"); a page that finds something else asks for a
      Resync. Values are raw HTML source (entities not decoded).
    */
    struct PatchOp
    {
        enum class Kind {
            Attributes, //!< set and unset attributes
            Text,       //!< the text or comment node's content becomes `text`
            Children,   //!< the element's children become `children`, in order
            Html,       //!< the element's content becomes `html`; the stream's hold on it ends
            Outer,      //!< the node is replaced by `html`
        };
        //! A run of the element's current children [first, first + count), or (count 0) new HTML.
        struct Run
        {
            int first = 0;
            int count = 0;
            QString html;
            bool operator==(const Run &) const = default;
        };
        Kind kind = Kind::Attributes;
        QList<int> path;
        QString target;
        QString tag;
        QList<std::pair<QString, QString>> set;
        QStringList unset;
        QString text;
        QList<Run> children;
        QString html;
        bool operator==(const PatchOp &) const = default;
    };

    // Server to client; seq is per session, 1 for the first frame.
    struct Mount
    {
        qint64 seq = 0;
        std::optional<QString> html; //!< absent: nothing was missed, resume as is
        //! Streamed content the page missed could not all be restored (it
        //! exceeded what the server keeps): the page says so.
        bool lost = false;
        //! The highest event ref the session has received, over every socket
        //! the page used (0: none). The page resends the events it sent above
        //! it: they were lost with a socket before the server read them.
        qint64 lastRef = 0;
        bool operator==(const Mount &) const = default;
    };
    struct Render
    {
        qint64 seq = 0;
        QString html;
        bool operator==(const Render &) const = default;
    };
    struct Stream
    {
        qint64 seq = 0;
        QString stream;
        QList<StreamOp> ops; //!< each op's stream is \c stream; Render ops do not belong here
        bool operator==(const Stream &) const = default;
    };
    struct Reply
    {
        qint64 seq = 0;
        qint64 ref = 0;
        bool operator==(const Reply &) const = default;
    };
    struct Error
    {
        qint64 seq = 0;
        ErrorCode code = ErrorCode::BadFrame;
        QString message;
        std::optional<qint64> ref;
        bool operator==(const Error &) const = default;
    };
    struct Pong
    {
        qint64 seq = 0;
        qint64 ref = 0;
        bool operator==(const Pong &) const = default;
    };
    //! What a re-render changed, as ops on the page (see PatchOp).
    struct Patch
    {
        qint64 seq = 0;
        QList<PatchOp> ops;
        bool operator==(const Patch &) const = default;
    };
    using ServerFrame = std::variant<Mount, Render, Stream, Reply, Error, Pong, Patch>;

    struct DecodeError
    {
        ErrorCode code = ErrorCode::BadFrame;
        QString message;
    };

    //! Compact JSON, UTF-8. Valid for any QString: lone surrogates become U+FFFD.
    static QByteArray encode(const ClientFrame &frame);
    static QByteArray encode(const ServerFrame &frame);

    //! \a error may be null; it is left untouched on success.
    static std::optional<ClientFrame> decodeClient(QByteArrayView json, DecodeError *error = nullptr);
    static std::optional<ServerFrame> decodeServer(QByteArrayView json, DecodeError *error = nullptr);

    /*!
      One StreamBatcher flush as frames, in order: each run of consecutive
      ops of one stream becomes a Stream frame, each Render op a Render frame.
      \a seq is the last seq sent; every frame gets the next one.
    */
    static QList<ServerFrame> framesForBatch(const QList<StreamOp> &ops, qint64 &seq);

    //! The wire spelling: "bad_frame", "unknown_type", ...
    static QString errorCodeName(ErrorCode code);
    static std::optional<ErrorCode> errorCodeFromName(QStringView name);
};

} // namespace Rill
