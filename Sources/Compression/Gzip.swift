import CZlib

/// A content coding the server can apply to a response body.
public enum ContentCoding: Sendable {
    case gzip
    case identity
}

public enum GzipError: Error, Sendable, Equatable {
    /// Not a gzip stream, or its checksum or length trailer is wrong.
    case corrupt
    /// The stream ended before its trailer.
    case truncated
    /// Decompressing would exceed the caller's cap (a gzip bomb, or simply too big).
    case tooLarge
}

/// One-shot gzip (RFC 1952) through zlib.
public enum Gzip {
    /// gzip of `bytes`. zlib's window and hash memory are sized to the input
    /// (as nginx does for a known length): the default 256 KiB of state costs
    /// more to initialise than compressing a small body.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let (windowBits, memoryLevel) = ZlibParameters.sized(to: bytes.count)
        let status = cgw_deflateInit2(
            &stream, ZlibParameters.clampedLevel(level), Z_DEFLATED, windowBits + ZlibParameters.gzipWrapper,
            memoryLevel, Z_DEFAULT_STRATEGY)
        precondition(status == Z_OK, "deflateInit2 failed (\(status)): out of memory or bad parameters")
        defer { deflateEnd(&stream) }

        // deflateBound covers the worst case (incompressible input plus the
        // gzip header and trailer), so one Z_FINISH call always completes.
        let capacity = Int(deflateBound(&stream, uLong(bytes.count)))
        return [UInt8](unsafeUninitializedCapacity: capacity) { output, initializedCount in
            bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(capacity)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish within deflateBound (\(result))")
            }
            initializedCount = capacity - Int(stream.avail_out)
        }
    }

    /// The bytes a gzip stream (one or more members) decodes to, refusing to
    /// produce more than `maxOutputBytes`: the cap is enforced while
    /// inflating, so a bomb never gets more memory than the cap.
    public static func decompress(_ bytes: [UInt8], maxOutputBytes: Int) throws(GzipError) -> [UInt8] {
        guard !bytes.isEmpty else { throw .truncated }
        var stream = z_stream()
        guard cgw_inflateInit2(&stream, 15 + ZlibParameters.gzipWrapper) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutputBytes, max(bytes.count * 4, 4096)))
        let failure: GzipError? = bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            var scratch = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                // Never ask zlib for more than one byte past the cap.
                let room = min(scratch.count, maxOutputBytes - output.count + 1)
                let (result, produced) = scratch.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(room)
                    let result = inflate(&stream, Z_NO_FLUSH)
                    return (result, room - Int(stream.avail_out))
                }
                guard output.count + produced <= maxOutputBytes else { return .tooLarge }
                output.append(contentsOf: scratch[..<produced])
                switch result {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return nil }
                    // Another member may follow (RFC 1952 §2.2); anything else is garbage.
                    let next = input.count - Int(stream.avail_in)
                    guard input.count - next >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else { return .corrupt }
                    guard inflateReset(&stream) == Z_OK else { return .corrupt }
                case Z_BUF_ERROR:
                    // No progress possible: the input ran out mid-stream.
                    return stream.avail_in == 0 ? .truncated : .corrupt
                default:
                    return .corrupt
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}

/// zlib settings shared by the one-shot and streaming compressors.
enum ZlibParameters {
    /// Added to windowBits to select the gzip wrapper instead of zlib's.
    static let gzipWrapper: Int32 = 16

    static func clampedLevel(_ level: Int32) -> Int32 { level == Z_DEFAULT_COMPRESSION ? level : min(max(level, 0), 9) }

    /// nginx's rule: halve the window (and the hash memory with it) while
    /// the input still fits in half of it, down to zlib's minimum of 9 bits.
    static func sized(to count: Int) -> (windowBits: Int32, memoryLevel: Int32) {
        var windowBits: Int32 = 15
        var memoryLevel: Int32 = 8
        while windowBits > 9, count < 1 << (windowBits - 1) {
            windowBits -= 1
            memoryLevel -= 1
        }
        return (windowBits, max(memoryLevel, 1))
    }
}
