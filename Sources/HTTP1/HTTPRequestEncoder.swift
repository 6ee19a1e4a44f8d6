/// Serialises a request for an upstream server (client side).
public enum HTTPRequestEncoder {
    /// Request line + `Host` + the request's headers + `Content-Length`
    /// (when there is a body, or for POST/PUT/PATCH, which servers expect
    /// to be framed even when empty) + body. The encoder owns the framing:
    /// the request's own `Host`, `Content-Length` and `Transfer-Encoding`
    /// fields are replaced. CR, LF and NUL in fields become spaces.
    public static func encode(_ request: HTTPRequest, host: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: request.method.name.utf8)
        buffer.append(UInt8(ascii: " "))
        // The target must be one token: anything that would split the
        // request line is escaped rather than sent.
        if request.target.isEmpty {
            buffer.append(UInt8(ascii: "/"))
        } else {
            for byte in request.target.utf8 {
                if byte > 0x20, byte < 0x7F {
                    buffer.append(byte)
                } else {
                    buffer.append(UInt8(ascii: "%"))
                    buffer.append(hexDigits[Int(byte >> 4)])
                    buffer.append(hexDigits[Int(byte & 0xF)])
                }
            }
        }
        HTTPResponseEncoder.append(" HTTP/1.1\r\n", to: &buffer)
        HTTPResponseEncoder.appendField("Host", host, to: &buffer)
        for field in request.headers {
            if HTTPHeaders.namesEqual(field.name, "host") || HTTPHeaders.namesEqual(field.name, "content-length")
                || HTTPHeaders.namesEqual(field.name, "transfer-encoding")
            {
                continue
            }
            HTTPResponseEncoder.appendField(field.name, field.value, to: &buffer)
        }
        let framedEvenIfEmpty = request.method == .post || request.method == .put || request.method == .patch
        if !request.body.isEmpty || framedEvenIfEmpty {
            HTTPResponseEncoder.append("Content-Length: ", to: &buffer)
            HTTPResponseEncoder.appendDecimal(request.body.count, to: &buffer)
            HTTPResponseEncoder.append("\r\n", to: &buffer)
        }
        HTTPResponseEncoder.append("\r\n", to: &buffer)
        buffer.append(contentsOf: request.body)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
