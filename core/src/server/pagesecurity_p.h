#pragma once

// The headers every HTML page of Rill's server carries: a strict Content
// Security Policy (scripts and styles only from the server's own files, no
// framing by other sites, sockets only to itself) and friends.
//
// Inline styles are not allowed wholesale ('unsafe-inline'): each style
// attribute and <style> element the page actually contains is allowed by
// its hash (CSP level 3 'unsafe-hashes' for attributes), so a template's own
// style="max-height: 500px" works while a style injected by content does
// not.

#include <QByteArray>
#include <QList>

#include <utility>

namespace Rill::detail::PageSecurity {

//! Security headers for \a page (its HTML; empty for pages with no inline
//! styles, such as the access form).
QList<std::pair<QByteArray, QByteArray>> headers(const QByteArray &page);

//! The style-src sources for the inline styles of \a page:
//! "'sha256-…'" for each, with "'unsafe-hashes'" when attributes are among them.
QByteArray inlineStyleSources(const QByteArray &page);

} // namespace Rill::detail::PageSecurity
