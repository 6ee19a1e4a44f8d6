import CZlib

/// Incremental gzip for a body produced in pieces. zlib's state holds a
/// pointer back to its `z_stream`, so the stream lives at a fixed heap
/// address; the type is non-copyable so two values can never drive (or
/// free) the same zlib state.
public struct GzipStream: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// Full 32 KiB window: the total length is not known up front.
    public init(level: Int32 = 6) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = cgw_deflateInit2(
            stream, ZlibParameters.clampedLevel(level), Z_DEFLATED, 15 + ZlibParameters.gzipWrapper, 8,
            Z_DEFAULT_STRATEGY)
        precondition(status == Z_OK, "deflateInit2 failed (\(status)): out of memory")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses the next piece and returns the gzip bytes ready so far.
    /// zlib may hold input back to compress better; `flush: true` makes
    /// everything given so far decodable by the peer now (a sync flush,
    /// at a few bytes' cost). `finish: true` ends the stream with the gzip
    /// trailer; later calls return nothing.
    public mutating func compress(_ chunk: [UInt8], finish: Bool, flush: Bool = false) -> [UInt8] {
        guard !finished else { return [] }
        finished = finish
        let mode = finish ? Z_FINISH : (flush ? Z_SYNC_FLUSH : Z_NO_FLUSH)
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: max(4096, Int(deflateBound(stream, uLong(chunk.count)))))
        chunk.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            while true {
                let (result, produced) = scratch.withUnsafeMutableBufferPointer { buffer in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = uInt(buffer.count)
                    let result = deflate(stream, mode)
                    return (result, buffer.count - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: scratch[..<produced])
                precondition(result == Z_OK || result == Z_STREAM_END || result == Z_BUF_ERROR,
                             "deflate failed (\(result))")
                // Done once zlib has taken all input and had spare output room
                // (nothing pending), or wrote the trailer.
                if result == Z_STREAM_END { break }
                if !finish, stream.pointee.avail_in == 0, stream.pointee.avail_out > 0 { break }
            }
        }
        return output
    }
}
