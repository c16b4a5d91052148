#pragma once

// A conversation as a file and back: export to Markdown (to read or share)
// and JSON (to keep, or move to another machine), import of that JSON.
//
// The JSON (format "rill-chat", version 1):
//   { "format": "rill-chat", "version": 1, "title": "...", "model": "...",
//     "system_prompt": "...", "created": "2026-12-05T14:00:00Z",
//     "messages": [ { "role": "user|assistant", "content": "...",
//                     "reasoning": "...", "model": "...", "status": "stopped",
//                     "created": "...", "files": [ {"name", "type", "size"} ] } ] }
// The shown branch only (not earlier versions); files by name, not their bytes.
// Import also takes a plain {"messages": [{"role", "content"}]} or a bare
// array of those (OpenAI's shape).

#include "conversationstore.h"

#include <QByteArray>
#include <QString>

namespace RillChat::ConversationIO {

QString toMarkdown(const ConversationStore &store, qint64 conversation);
QByteArray toJson(const ConversationStore &store, qint64 conversation);
//! A file name for the export: the title made safe, then \a extension.
QString fileName(const QString &title, const QString &extension);

//! The most an import takes.
constexpr int MaxImportMessages = 10'000;
constexpr qsizetype MaxImportBytes = 8 * 1024 * 1024;

/*!
  Creates a conversation from \a json (as toJson() writes it, or OpenAI's
  message list) and returns its id; 0 with \a error saying what is wrong
  (nothing is created then). \a fallbackTitle names it if the file does not.
*/
qint64 importJson(ConversationStore &store, const QByteArray &json, const QString &fallbackTitle, QString *error);

} // namespace RillChat::ConversationIO
