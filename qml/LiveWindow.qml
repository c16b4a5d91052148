// A window showing one route of a LiveServer in Qt WebEngine: the desktop
// side of a QML-authored view. The page is just another browser of the
// server, so a remote browser can watch the same server at once.
import QtQuick
import QtQuick.Window
import QtWebEngine

Window {
    id: window

    //! The LiveServer to show.
    property QtObject server
    //! The route to open.
    property string path: "/"
    //! The WebEngineView, for tests and tweaks (zoom, profile).
    readonly property alias webView: view

    width: 1000
    height: 760
    visible: true
    title: view.title

    WebEngineView {
        id: view
        anchors.fill: parent
        url: window.server && window.server.listening ? window.server.pageUrl(window.path) : "about:blank"
    }
}
