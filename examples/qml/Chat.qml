// The seed's "LLM Chat with Error Handling" as a QML view: the same template
// and behaviour as examples/rill-examples/chatview.cpp.
import Rill

LiveView {
    // The template's context.
    property var messages: []
    property bool is_streaming: false

    // Set by whoever routes here (Examples.qml passes the command line on).
    property alias tokens: source.tokens
    property alias tokensPerSecond: source.tokensPerSecond
    property alias failAfter: source.failAfter

    templateName: "chat_page.html"

    TokenSource { id: source }

    function ask(params) {
        if (is_streaming)
            return
        const content = Rill.param(params, "content")

        messages = messages.concat([{ role: "user", content: content }])
        is_streaming = true
        pushState()
        // Stop cancels it: the token source ends at once, mid-wait.
        const job = beginJob("answer")

        streamStart("response")
        let responseText = ""
        // The handler runs until this Promise settles: then the page
        // re-renders and the event gets its reply, as in C++.
        return source.generate(content, function (token) {
            responseText += token
            streamText("response", token)
        }, job).then(function () {
            messages = messages.concat([{ role: "assistant", content: responseText }])
            streamDone("response")
        }, function (error) {
            streamError("response", "Error: " + error.message)
        }).then(function () {
            is_streaming = false
        })
    }

    function stop(params) {
        // Runs while ask() is still streaming: the session keeps taking events.
        cancelJob("answer")
    }
}
