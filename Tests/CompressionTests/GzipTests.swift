import Compression
import Testing

struct GzipTests {
    static let sample = Array((0..<5000).map { "{\"value\":\($0 % 97),\"type\":1}," }.joined().utf8)

    @Test(arguments: [0, 1, 255, 2048, 40_000, 300_000])
    func roundTripsEverySize(count: Int) throws {
        let input = Array(Self.sample.prefix(count)) + Array(repeating: 7, count: max(0, count - Self.sample.count))
        let compressed = Gzip.compress(input)
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(compressed, maxOutputBytes: max(count, 1)) == input)
    }

    @Test(arguments: [Int32(0), 1, 6, 9, -1, 42])
    func everyLevelRoundTrips(level: Int32) throws {
        let compressed = Gzip.compress(Self.sample, level: level)
        #expect(try Gzip.decompress(compressed, maxOutputBytes: Self.sample.count) == Self.sample)
    }

    @Test func compressesRepetitiveJSON() {
        #expect(Gzip.compress(Self.sample).count * 5 < Self.sample.count)
    }

    @Test func incompressibleInputStillFits() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let noise = (0..<10_000).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(try Gzip.decompress(Gzip.compress(noise), maxOutputBytes: noise.count) == noise)
    }

    @Test func decodesAStreamMadeByAnotherImplementation() throws {
        // Python's gzip.compress(b"hello, gateway\n", mtime=0).
        let foreign: [UInt8] = [31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 215, 81, 72, 79, 44, 73, 45,
                                79, 172, 228, 2, 0, 98, 97, 236, 104, 15, 0, 0, 0]
        #expect(try Gzip.decompress(foreign, maxOutputBytes: 100) == Array("hello, gateway\n".utf8))
    }

    @Test func concatenatedMembersDecodeAsOne() throws {
        let joined = Gzip.compress(Array("first ".utf8)) + Gzip.compress(Array("second".utf8))
        #expect(try Gzip.decompress(joined, maxOutputBytes: 100) == Array("first second".utf8))
    }

    @Test func gzipBombIsStoppedAtTheCap() {
        // 64 MiB of zeros compress to about 64 KiB: a 1000:1 bomb.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 64 * 1024 * 1024), level: 9)
        #expect(bomb.count < 128 * 1024)
        #expect(throws: GzipError.tooLarge) { try Gzip.decompress(bomb, maxOutputBytes: 16 * 1024 * 1024) }
    }

    @Test func outputExactlyAtTheCapIsAccepted() throws {
        let compressed = Gzip.compress(Self.sample)
        #expect(try Gzip.decompress(compressed, maxOutputBytes: Self.sample.count).count == Self.sample.count)
        #expect(throws: GzipError.tooLarge) { try Gzip.decompress(compressed, maxOutputBytes: Self.sample.count - 1) }
    }

    @Test func truncatedStreamsAreReported() {
        let compressed = Gzip.compress(Self.sample)
        for cut in [1, 10, compressed.count / 2, compressed.count - 4, compressed.count - 1] {
            #expect(throws: GzipError.truncated, "cut at \(cut)") {
                try Gzip.decompress(Array(compressed.prefix(cut)), maxOutputBytes: 1 << 20)
            }
        }
        #expect(throws: GzipError.truncated) { try Gzip.decompress([], maxOutputBytes: 10) }
    }

    @Test func corruptStreamsAreReported() {
        let compressed = Gzip.compress(Self.sample)
        var badCRC = compressed
        badCRC[badCRC.count - 6] ^= 0xFF
        var badData = compressed
        badData[12] ^= 0x55
        let cases: [(String, [UInt8])] = [
            ("not gzip", Array("plain text, not gzip at all".utf8)),
            ("zlib wrapper", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]),
            ("checksum", badCRC),
            ("trailing garbage", compressed + Array("junk".utf8)),
        ]
        for (name, bytes) in cases {
            #expect(throws: GzipError.corrupt, "\(name)") { try Gzip.decompress(bytes, maxOutputBytes: 1 << 20) }
        }
        #expect(throws: GzipError.self) { try Gzip.decompress(badData, maxOutputBytes: 1 << 20) }
    }

    @Test func streamOutputDecodesToTheConcatenatedInput() throws {
        var stream = GzipStream(level: 6)
        var output: [UInt8] = []
        var input: [UInt8] = []
        for piece in stride(from: 0, to: Self.sample.count, by: 7919) {
            let chunk = Array(Self.sample[piece..<min(piece + 7919, Self.sample.count)])
            input += chunk
            output += stream.compress(chunk, finish: false)
        }
        output += stream.compress([], finish: true)
        #expect(stream.compress(Array("late".utf8), finish: true).isEmpty)
        #expect(try Gzip.decompress(output, maxOutputBytes: input.count) == input)
    }

    @Test func flushedStreamOutputIsDecodableSoFar() throws {
        var stream = GzipStream()
        let first = stream.compress(Array("partial body".utf8), finish: false, flush: true)
        // Everything given so far can be decoded: only the trailer is missing.
        var decoded: [UInt8] = []
        #expect(throws: GzipError.truncated) { decoded = try Gzip.decompress(first, maxOutputBytes: 100) }
        #expect(decoded.isEmpty)
        let rest = stream.compress(Array(" and the end".utf8), finish: true)
        #expect(try Gzip.decompress(first + rest, maxOutputBytes: 100) == Array("partial body and the end".utf8))
    }

    @Test func singleShotStreamMatchesOneShotDecoding() throws {
        var stream = GzipStream(level: 1)
        let output = stream.compress(Self.sample, finish: true)
        #expect(try Gzip.decompress(output, maxOutputBytes: Self.sample.count) == Self.sample)
    }
}
