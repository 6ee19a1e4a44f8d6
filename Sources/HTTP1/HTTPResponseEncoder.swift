/// Serialises a response head and body into one buffer (one `write` per
/// response, and pipelined responses can share a buffer).
public enum HTTPResponseEncoder {
    /// Status line, then handler headers, then `Date`, `Server:
    /// withings-gateway` (unless set), `Content-Length` (not for 1xx/204/304),
    /// `Connection: close` when `!keepAlive` (`keep-alive` for an HTTP/1.0
    /// peer that keeps it); the body unless `isHead`.
    ///
    /// The encoder owns the framing: handler `Content-Length`,
    /// `Transfer-Encoding` and `Connection` fields are replaced, except that a
    /// HEAD response with an empty body keeps the handler's `Content-Length`
    /// (the length a GET would have had). CR, LF and NUL in handler fields
    /// become spaces so a value can never start a new header line.
    public static func encode(
        _ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, isHead: Bool, date: String,
        into buffer: inout [UInt8]
    ) {
        let status = response.status
        let bodyAllowed = !(100...199).contains(status) && status != 204 && status != 304

        // Always HTTP/1.1: a server sends its highest conforming version (RFC 9110 §2.5).
        append("HTTP/1.1 ", to: &buffer)
        appendDecimal(min(max(status, 100), 999), to: &buffer)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: httpReasonPhrase(status).utf8)
        append("\r\n", to: &buffer)

        var hasServer = false
        var hasDate = false
        var handlerLength: String?
        for field in response.headers {
            if HTTPHeaders.namesEqual(field.name, "content-length") {
                handlerLength = field.value
                continue
            }
            if HTTPHeaders.namesEqual(field.name, "transfer-encoding") || HTTPHeaders.namesEqual(field.name, "connection") {
                continue
            }
            if HTTPHeaders.namesEqual(field.name, "server") { hasServer = true }
            if HTTPHeaders.namesEqual(field.name, "date") { hasDate = true }
            appendField(field.name, field.value, to: &buffer)
        }
        if !hasDate { appendField("Date", date, to: &buffer) }
        if !hasServer { append("Server: withings-gateway\r\n", to: &buffer) }
        if bodyAllowed {
            append("Content-Length: ", to: &buffer)
            if isHead, response.body.isEmpty, let handlerLength,
                handlerLength.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") <= 9 }), !handlerLength.isEmpty
            {
                buffer.append(contentsOf: handlerLength.utf8)
            } else {
                appendDecimal(response.body.count, to: &buffer)
            }
            append("\r\n", to: &buffer)
        }
        if !keepAlive {
            append("Connection: close\r\n", to: &buffer)
        } else if version == .http1_0 {
            append("Connection: keep-alive\r\n", to: &buffer)
        }
        append("\r\n", to: &buffer)
        if bodyAllowed, !isHead { buffer.append(contentsOf: response.body) }
    }

    @inline(__always)
    static func append(_ text: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        guard value > 0 else {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            var rest = value
            while rest > 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            buffer.append(contentsOf: scratch[index...])
        }
    }

    /// `name: value\r\n`, with CR/LF/NUL neutralised (header injection).
    static func appendField(_ name: String, _ value: String, to buffer: inout [UInt8]) {
        appendSanitised(name, to: &buffer)
        append(": ", to: &buffer)
        appendSanitised(value, to: &buffer)
        append("\r\n", to: &buffer)
    }

    @inline(__always)
    private static func appendSanitised(_ text: String, to buffer: inout [UInt8]) {
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 == HTTPSyntax.cr || $0 == HTTPSyntax.lf || $0 == 0 }) {
            buffer.append(contentsOf: utf8)
            return
        }
        for byte in utf8 {
            buffer.append(byte == HTTPSyntax.cr || byte == HTTPSyntax.lf || byte == 0 ? HTTPSyntax.space : byte)
        }
    }
}
