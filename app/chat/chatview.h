#pragma once

// The rill-chat page: a conversation sidebar, the messages of the open
// conversation, the answer streaming in, a composer, and settings.

#include "conversationstore.h"

#include <rill/liveview.h>

#include <rill/llm/providerconfig.h>

#include <QTimer>

#include <functional>

namespace RillChat {

class ChatService;

class ChatView : public Rill::LiveView
{
    Q_OBJECT
    Q_PROPERTY(QVariantList conversations READ conversations)
    Q_PROPERTY(QVariantList groups READ groups)
    Q_PROPERTY(QString search MEMBER m_search)
    Q_PROPERTY(QVariantList search_results READ searchResults)
    Q_PROPERTY(qint64 renaming MEMBER m_renaming)
    Q_PROPERTY(QVariantList pending_files READ pendingFiles)
    Q_PROPERTY(QVariantMap download MEMBER m_download)
    Q_PROPERTY(qint64 conversation_id MEMBER m_conversation)
    Q_PROPERTY(QVariantList messages READ messages)
    Q_PROPERTY(bool streaming READ streaming)
    Q_PROPERTY(bool can_regenerate READ canRegenerate)
    Q_PROPERTY(QString live_finished READ liveFinished)
    Q_PROPERTY(QString live_tail READ liveTail)
    Q_PROPERTY(QString live_reasoning READ liveReasoning)
    Q_PROPERTY(QStringList models READ models)
    Q_PROPERTY(QString model MEMBER m_model)
    Q_PROPERTY(QString models_error READ modelsError)
    Q_PROPERTY(QString provider_name READ providerName)
    Q_PROPERTY(bool is_demo READ isDemo)
    Q_PROPERTY(bool show_settings MEMBER m_showSettings)
    Q_PROPERTY(qint64 editing MEMBER m_editing)
    Q_PROPERTY(QString notice MEMBER m_notice)
    Q_PROPERTY(QVariantMap settings READ settings)
    Q_PROPERTY(QVariantMap undo READ undo)
    Q_PROPERTY(QVariantMap usage READ usage)

public:
    //! \a applySettings switches the provider (from the settings panel).
    using ApplySettings = std::function<QCoro::Task<>(Rill::Llm::ProviderConfig)>;
    ChatView(ChatService *service, ApplySettings applySettings);
    ~ChatView() override;

    QCoro::Task<> mount(const Rill::Request &request) override;

    QCoro::Task<> newChat(QVariantMap params);
    QCoro::Task<> open(QVariantMap params);
    QCoro::Task<> send(QVariantMap params);
    QCoro::Task<> stop(QVariantMap params);
    QCoro::Task<> regenerate(QVariantMap params);
    QCoro::Task<> editStart(QVariantMap params);
    QCoro::Task<> editCancel(QVariantMap params);
    QCoro::Task<> edit(QVariantMap params);
    QCoro::Task<> remove(QVariantMap params);
    QCoro::Task<> setModel(QVariantMap params);
    QCoro::Task<> toggleSettings(QVariantMap params);
    QCoro::Task<> saveSettings(QVariantMap params);
    QCoro::Task<> version(QVariantMap params);
    QCoro::Task<> undoDelete(QVariantMap params);
    QCoro::Task<> search(QVariantMap params);
    QCoro::Task<> attach(QVariantMap params);
    QCoro::Task<> exportConversation(QVariantMap params);
    QCoro::Task<> importConversation(QVariantMap params);
    QCoro::Task<> detach(QVariantMap params);
    QCoro::Task<> pin(QVariantMap params);
    QCoro::Task<> renameStart(QVariantMap params);
    QCoro::Task<> renameCancel(QVariantMap params);
    QCoro::Task<> rename(QVariantMap params);

    QVariantList conversations() const;
    //! The sidebar: conversations under "Pinned", "Today", "Yesterday",
    //! "Previous 7 days", "Previous 30 days", then by month; each group a
    //! map {label, items}, items as conversations() has them.
    QVariantList groups() const;
    //! What search() found: id, title, title_parts and snippet (lists of
    //! {text, hit}; snippet empty when the title matched).
    QVariantList searchResults() const;
    //! Files attached to the next message: index, name, size (text), image.
    QVariantList pendingFiles() const;

    //! What a file may be: an image (PNG, JPEG, GIF, WebP, by its bytes) up
    //! to MaxImageBytes, or UTF-8 text up to MaxTextBytes; at most MaxFiles
    //! per message.
    static constexpr qsizetype MaxImageBytes = 8 * 1024 * 1024;
    static constexpr qsizetype MaxTextBytes = 512 * 1024;
    static constexpr int MaxFiles = 8;
    //! The file as an Attachment, or an error saying why not.
    static std::optional<Attachment> checkFile(const QString &name, const QByteArray &data, QString *error);
    //! "12 KB", "1.5 MB".
    static QString sizeText(qint64 bytes);
    //! The group label for a conversation last updated at \a updated, seen at \a now.
    static QString dateGroup(const QDateTime &updated, const QDateTime &now);
    QVariantList messages() const;
    bool streaming() const;
    bool canRegenerate() const;
    QString liveFinished() const;
    QString liveTail() const;
    QString liveReasoning() const;
    QStringList models() const;
    QString modelsError() const;
    QString providerName() const;
    bool isDemo() const;
    //! What the settings panel shows: the running provider's configuration
    //! (provider, url, has_key) and the generation options.
    QVariantMap settings() const;
    //! The conversation a page just deleted, while it can be undone: id, title.
    QVariantMap undo() const;
    //! Tokens the open conversation's last answer used, where the provider
    //! said: prompt, completion, total, context (the configured length, 0 if
    //! none) and percent of it; empty when unknown.
    QVariantMap usage() const;
    //! How long a deleted conversation can be brought back (unless the page
    //! does something else first).
    static constexpr int UndoMs = 10'000;

    //! Adds a copy button to every code block of rendered Markdown.
    static QString withCodeCopyButtons(const QString &html);

private:
    void addContext(Rill::TemplateContext &context) const override;
    //! The conversation \a params' "id" names; Rill::ParamError if none.
    Conversation conversationOf(const QVariantMap &params) const;
    //! Shows conversation \a id (0: none) and follows its answers' topic.
    void show(qint64 id);
    void onAnswerMessage(const QVariant &message);
    void onAnswerStarted();
    void onAnswerProgress(const QVariantMap &message);
    void onAnswerEnded(const QString &error);
    QCoro::Task<> answer();
    template<typename Method>
    void on(const QString &event, Method method);
    void endUndo();
    QString preferredModel(const QString &conversationModel = {}) const;

    ChatService *m_service;
    ApplySettings m_applySettings;
    qint64 m_conversation = 0;
    QString m_model;
    bool m_showSettings = false;
    qint64 m_editing = 0;
    QString m_notice;
    quint64 m_subscription = 0;  // to ChatService::topic(m_conversation)
    // What the page's last render showed of the live answer: its id (0:
    // none), how many progress messages it included, and its reasoning.
    mutable qint64 m_shownAnswer = 0;
    mutable quint64 m_shownSeq = 0;
    mutable bool m_reasoningShown = false;
    QString m_search;
    QList<Attachment> m_pending; // for the next message
    QVariantMap m_download;      // an export for the page to save: name, type, text (until the next action)
    qint64 m_renaming = 0;
    qint64 m_undoId = 0;
    QString m_undoTitle;
    QTimer m_undoTimer;
};

} // namespace RillChat
