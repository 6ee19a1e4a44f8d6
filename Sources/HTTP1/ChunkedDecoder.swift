/// Incremental decoder of the chunked transfer coding (RFC 9112 §7.1),
/// shared by the request and response parsers. It consumes bytes from the
/// front of the unread input and appends chunk data to a body; trailer
/// fields are checked and dropped (nothing here may use them).
struct ChunkedDecoder {
    private enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    /// A chunk-size line longer than this (extensions included) is refused.
    static let maxSizeLineBytes = 4096

    private var state = State.size
    /// Where the LF search resumes, relative to the unread input, so a line
    /// arriving byte by byte is scanned once.
    private var scanFrom = 0
    private var trailerBytes = 0
    private var trailerCount = 0
    private(set) var decodedCount = 0
    private let maxBodyBytes: Int
    private let maxTrailerBytes: Int
    private let maxTrailerCount: Int

    init(maxBodyBytes: Int, maxTrailerBytes: Int, maxTrailerCount: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.maxTrailerCount = maxTrailerCount
    }

    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Decodes what it can from `base[0..<count]`, appending data to `body`.
    /// Returns how many bytes were consumed; stops at the end of the
    /// message, so bytes of a pipelined next message are left alone.
    mutating func decode(_ base: UnsafePointer<UInt8>, count: Int, into body: inout [UInt8]) throws(HTTP1Error) -> Int {
        var consumed = 0
        while true {
            switch state {
            case .size:
                let windowEnd = min(count, consumed + Self.maxSizeLineBytes + 2)
                guard let lf = HTTPSyntax.findLF(base, from: consumed + scanFrom, to: windowEnd) else {
                    guard windowEnd < consumed + Self.maxSizeLineBytes + 2 else {
                        throw HTTP1Error.badRequest("chunk size line too long")
                    }
                    scanFrom = windowEnd - consumed
                    return consumed
                }
                guard lf > consumed, base[lf - 1] == HTTPSyntax.cr else { throw HTTP1Error.badRequest("bare LF") }
                let size = try Self.chunkSize(base, consumed..<(lf - 1))
                guard size <= maxBodyBytes - decodedCount else {
                    throw HTTP1Error(status: 413, reason: "body too large")
                }
                consumed = lf + 1
                scanFrom = 0
                state = size == 0 ? .trailers : .data(remaining: size)

            case .data(let remaining):
                let available = min(remaining, count - consumed)
                guard available > 0 else { return consumed }
                body.append(contentsOf: UnsafeBufferPointer(start: base + consumed, count: available))
                decodedCount += available
                consumed += available
                state = remaining == available ? .dataEnd : .data(remaining: remaining - available)

            case .dataEnd:
                guard count - consumed >= 2 else {
                    if count - consumed == 1, base[consumed] != HTTPSyntax.cr {
                        throw HTTP1Error.badRequest("chunk data not followed by CRLF")
                    }
                    return consumed
                }
                guard base[consumed] == HTTPSyntax.cr, base[consumed + 1] == HTTPSyntax.lf else {
                    throw HTTP1Error.badRequest("chunk data not followed by CRLF")
                }
                consumed += 2
                state = .size

            case .trailers:
                let budget = maxTrailerBytes - trailerBytes
                let windowEnd = min(count, consumed + budget)
                guard let lf = HTTPSyntax.findLF(base, from: consumed + scanFrom, to: windowEnd) else {
                    guard windowEnd < consumed + budget else {
                        throw HTTP1Error(status: 431, reason: "trailer section too large")
                    }
                    scanFrom = windowEnd - consumed
                    return consumed
                }
                guard lf > consumed, base[lf - 1] == HTTPSyntax.cr else { throw HTTP1Error.badRequest("bare LF") }
                let line = consumed..<(lf - 1)
                trailerBytes += lf + 1 - consumed
                consumed = lf + 1
                scanFrom = 0
                if line.isEmpty {
                    state = .done
                    return consumed
                }
                guard !HTTPSyntax.isWhitespace(base[line.lowerBound]) else {
                    throw HTTP1Error.badRequest("obsolete line folding")
                }
                _ = try HTTPSyntax.parseFieldLine(base, line)
                trailerCount += 1
                guard trailerCount <= maxTrailerCount else {
                    throw HTTP1Error(status: 431, reason: "too many trailer fields")
                }

            case .done:
                return consumed
            }
        }
    }

    /// `chunk-size [ chunk-ext ]`: hex digits, then optional BWS and
    /// `;extensions` (checked for control bytes, otherwise ignored).
    private static func chunkSize(_ base: UnsafePointer<UInt8>, _ line: Range<Int>) throws(HTTP1Error) -> Int {
        var index = line.lowerBound
        var size = 0
        while index < line.upperBound, let digit = URLEncoding.hexValue(base[index]) {
            guard size <= (Int.max - 15) / 16 else { throw HTTP1Error.badRequest("chunk size overflow") }
            size = size * 16 + Int(digit)
            index += 1
        }
        guard index > line.lowerBound else { throw HTTP1Error.badRequest("malformed chunk size") }
        let digitsEnd = index
        while index < line.upperBound, HTTPSyntax.isWhitespace(base[index]) { index += 1 }
        // BWS is allowed only before an extension, never as trailing padding.
        guard index == line.upperBound ? index == digitsEnd : base[index] == UInt8(ascii: ";") else {
            throw HTTP1Error.badRequest("malformed chunk size")
        }
        for extIndex in index..<line.upperBound where !HTTPSyntax.isFieldValueByte(base[extIndex]) {
            throw HTTP1Error.badRequest("control character in a chunk extension")
        }
        return size
    }
}
