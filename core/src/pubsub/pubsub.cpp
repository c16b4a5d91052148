#include <rill/pubsub.h>

#include <QHash>
#include <QPointer>

#include <algorithm>
#include <deque>
#include <vector>

namespace Rill {

struct PubSub::Private
{
    struct Subscription
    {
        quint64 id;
        Handler handler;
    };
    QHash<QString, std::vector<Subscription>> topics;
    QHash<quint64, QString> topicOf; // subscription id -> topic
    quint64 lastId = 0;
    // Published, not yet delivered: one queue keeps the order per topic
    // (and across topics, which costs nothing more).
    std::deque<std::pair<QString, QVariant>> queue;
    bool scheduled = false;
};

PubSub::PubSub(QObject *parent) : QObject(parent), d(std::make_unique<Private>()) {}
PubSub::~PubSub() = default;

quint64 PubSub::subscribe(const QString &topic, QObject *context, Handler handler)
{
    const quint64 id = ++d->lastId;
    d->topics[topic].push_back(Private::Subscription{id, std::move(handler)});
    d->topicOf.insert(id, topic);
    if (context) {
        connect(context, &QObject::destroyed, this, [this, id] { unsubscribe(id); });
    }
    return id;
}

void PubSub::unsubscribe(quint64 id)
{
    const auto at = d->topicOf.find(id);
    if (at == d->topicOf.end())
        return;
    const auto topic = d->topics.find(at.value());
    d->topicOf.erase(at);
    if (topic == d->topics.end())
        return;
    std::erase_if(topic.value(), [id](const Private::Subscription &s) { return s.id == id; });
    if (topic.value().empty())
        d->topics.erase(topic);
}

void PubSub::publish(const QString &topic, const QVariant &message)
{
    d->queue.emplace_back(topic, message);
    if (d->scheduled)
        return;
    d->scheduled = true;
    QMetaObject::invokeMethod(this, &PubSub::deliver, Qt::QueuedConnection);
}

int PubSub::subscriberCount(const QString &topic) const
{
    const auto it = d->topics.constFind(topic);
    return it == d->topics.cend() ? 0 : int(it->size());
}

void PubSub::deliver()
{
    d->scheduled = false;
    // What handlers publish now goes into the queue after these, and out in
    // the next turn: a handler that publishes cannot starve the loop.
    std::deque<std::pair<QString, QVariant>> batch;
    batch.swap(d->queue);
    QPointer<PubSub> self(this);
    for (const auto &[topic, message] : batch) {
        const auto it = d->topics.constFind(topic);
        if (it != d->topics.cend()) {
            // Ids, not the list: a handler may subscribe or unsubscribe.
            std::vector<quint64> ids;
            ids.reserve(it->size());
            for (const auto &s : *it)
                ids.push_back(s.id);
            for (quint64 id : ids) {
                const auto t = d->topics.constFind(topic);
                if (t == d->topics.cend())
                    break;
                const auto s = std::find_if(t->cbegin(), t->cend(), [id](const auto &x) { return x.id == id; });
                if (s == t->cend())
                    continue; // ended by an earlier handler
                const Handler handler = s->handler; // the subscription may end inside it
                handler(message);
                if (!self)
                    return;
            }
        }
        Q_EMIT delivered(topic, message);
        if (!self)
            return;
    }
}

} // namespace Rill
