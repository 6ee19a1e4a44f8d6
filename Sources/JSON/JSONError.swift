/// Why a document was rejected, and the byte offset where the parser noticed.
///
/// A struct around an extensible `Kind` (not a public enum) so that new
/// reasons can be added without breaking callers' switches.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        public static let unexpectedEnd = Kind("unexpected end of input")
        public static let unexpectedCharacter = Kind("unexpected character")
        public static let invalidLiteral = Kind("invalid literal")
        public static let invalidNumber = Kind("invalid number")
        public static let invalidEscape = Kind("invalid escape sequence")
        public static let loneSurrogate = Kind("unpaired UTF-16 surrogate escape")
        public static let invalidUTF8 = Kind("invalid UTF-8")
        public static let controlCharacter = Kind("unescaped control character in string")
        public static let tooDeep = Kind("nesting too deep")
        public static let trailingData = Kind("data after the document")
    }

    public let kind: Kind
    /// Byte offset into the input.
    public let offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String { "\(kind) at byte \(offset)" }
}
