import CLibPQ
import Glibc

/// A value bound to a statement parameter (`$1`, `$2`, ...). Every value is
/// sent in binary form with an explicit type, never spliced into SQL text.
enum PostgresValue {
    case integer(Int64)
    case text(String)
    case bytes([UInt8])
    case null

    static func optionalText(_ value: String?) -> PostgresValue { value.map { .text($0) } ?? .null }
}

/// One synchronous libpq connection.
///
/// Not thread-safe by design: it is owned by exactly one thread at a time
/// (one of the store's worker threads), and libpq blocks that thread for the
/// duration of each round trip.
final class PostgresConnection {
    private var handle: OpaquePointer?
    /// Server-side prepared statements of this session, by SQL text: each
    /// statement is parsed and planned once per connection, not per call.
    private var preparedNames: [String: String] = [:]
    /// Set by libpq's notice callback (on this thread, inside a libpq call)
    /// when the server announced the end of the session.
    private let dying = UnsafeMutablePointer<Bool>.allocate(capacity: 1)

    // Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
    private static let int8OID: Oid = 20
    private static let textOID: Oid = 25
    private static let byteaOID: Oid = 17
    private static let binaryFormat: Int32 = 1

    /// Connects, blocking until connected or `connect_timeout` passes.
    init(_ url: PostgresURL) throws(TokenStoreError) {
        let keywords = url.parameters.map(\.keyword)
        let values = url.parameters.map(\.value)
        let connection = Self.withCStringArray(keywords) { keywordPointers in
            Self.withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 0)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            // libpq's message names the host and port and the reason, never the password.
            let message = connection.map { Self.trimmed(PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(connection)
            throw .postgres("connect to \(url.redactedDescription)", sqlState: "", message: message)
        }
        // By default libpq prints server notices to stderr. Instead, only a
        // FATAL one is noted: it is the farewell of a session the server is
        // ending while idle (terminated, shutting down), which may arrive a
        // moment before the socket closes.
        dying.initialize(to: false)
        PQsetNoticeReceiver(connection, { flag, notice in
            guard let flag, let notice,
                  let severity = PQresultErrorField(notice, Int32(UInt8(ascii: "V"))).map({ String(cString: $0) }),
                  severity == "FATAL" || severity == "PANIC"
            else { return }
            flag.assumingMemoryBound(to: Bool.self).pointee = true
        }, dying)
        handle = connection
        try applySessionSettings()
    }

    /// Session settings the store relies on, applied only where the
    /// server's or the URL's are weaker:
    /// - "durable when save returns": with synchronous_commit=off the server
    ///   acknowledges commits before they reach disk (stronger modes are kept);
    /// - a bounded wait for row locks, so a replica stuck mid-transaction
    ///   cannot hold every store thread of the others indefinitely;
    /// - a transaction left idle (a frozen process) is ended by the server,
    ///   releasing its locks.
    private func applySessionSettings() throws(TokenStoreError) {
        let current = try query(
            """
            SELECT current_setting('synchronous_commit'), current_setting('lock_timeout'),
                current_setting('idle_in_transaction_session_timeout')
            """
        ) { row in (row.text(0), row.text(1), row.text(2)) }.first
        guard let (commitMode, lockTimeout, idleTimeout) = current else { return }
        var settings: [String] = []
        if commitMode == "off" { settings.append("SET synchronous_commit = on") }
        if lockTimeout == "0" { settings.append("SET lock_timeout = '10s'") }
        if idleTimeout == "0" { settings.append("SET idle_in_transaction_session_timeout = '60s'") }
        if !settings.isEmpty { try execute(settings.joined(separator: "; ")) }
    }

    deinit {
        close()
        dying.deallocate()
    }

    /// Closes the connection; idempotent.
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        preparedNames.removeAll()
    }

    /// True when the connection is closed or libpq has seen it break.
    var isBroken: Bool {
        guard let handle else { return true }
        return PQstatus(handle) != CONNECTION_OK
    }

    /// True when no transaction is open: a job must not leave one behind.
    var isOutsideTransaction: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Notices a connection the server has closed or is closing while it sat
    /// idle (restart, `pg_terminate_backend`), without sending anything:
    /// libpq's socket is non-blocking, so reading what is pending never waits.
    func probe() -> Bool {
        guard let handle else { return false }
        // A terminated session first sends its FATAL message, then closes:
        // the first read takes the message, a second one meets the end of
        // the stream (libpq then marks the connection bad).
        for _ in 0..<2 {
            guard PQconsumeInput(handle) == 1 else { return false }
            _ = PQisBusy(handle)  // parses what arrived: a FATAL notice sets `dying`
        }
        return PQstatus(handle) == CONNECTION_OK && !dying.pointee
    }

    /// Runs statements without parameters (schema migrations); several may
    /// be separated by semicolons.
    func execute(_ sql: String) throws(TokenStoreError) {
        let handle = try open()
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    /// Runs a writing statement; returns the number of rows it affected.
    @discardableResult
    func run(_ sql: String, _ values: [PostgresValue] = []) throws(TokenStoreError) -> Int {
        let result = try executeParameters(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs a query and maps each row.
    func query<Row>(
        _ sql: String, _ values: [PostgresValue] = [], row: (PostgresRow) throws(TokenStoreError) -> Row
    ) throws(TokenStoreError) -> [Row] {
        let result = try executeParameters(sql, values)
        defer { PQclear(result) }
        let count = PQntuples(result)
        var rows: [Row] = []
        rows.reserveCapacity(Int(count))
        for index in 0..<count {
            rows.append(try row(PostgresRow(result: result, row: index, operation: Self.operationName(sql))))
        }
        return rows
    }

    /// A transaction: committed when `body` returns, rolled back when it throws.
    func transaction<T>(_ body: () throws(TokenStoreError) -> T) throws(TokenStoreError) -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // On a broken connection the server rolls back by itself.
            if !isBroken { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    private func executeParameters(_ sql: String, _ values: [PostgresValue]) throws(TokenStoreError) -> OpaquePointer {
        let handle = try open()
        // All values are encoded into one buffer first, so the pointers handed
        // to libpq stay valid for the whole call.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>?] = []
        var types: [Oid] = []
        for value in values {
            let start = buffer.count
            switch value {
            case .integer(let number):
                withUnsafeBytes(of: number.bigEndian) { buffer.append(contentsOf: $0) }
                types.append(Self.int8OID)
            case .text(let text):
                // Binary text with an explicit length: a NUL in the value is
                // refused by the server instead of silently ending a C string.
                buffer.append(contentsOf: text.utf8)
                types.append(Self.textOID)
            case .bytes(let bytes):
                buffer.append(contentsOf: bytes)
                types.append(Self.byteaOID)
            case .null:
                ranges.append(nil)
                types.append(0)
                continue
            }
            ranges.append(start..<buffer.count)
        }
        let name = try prepared(sql, types: types)
        let lengths = ranges.map { Int32($0?.count ?? 0) }
        let formats = [Int32](repeating: Self.binaryFormat, count: values.count)
        let result = buffer.withUnsafeBufferPointer { bytes in
            // An empty buffer may have no base address; a non-NULL pointer is
            // still needed for empty values (NULL means SQL NULL).
            var placeholder: UInt8 = 0
            return withUnsafePointer(to: &placeholder) { emptyValue in
                let pointers: [UnsafePointer<CChar>?] = ranges.map { range in
                    guard let range else { return nil }
                    let base = bytes.baseAddress.map { $0 + range.lowerBound } ?? emptyValue
                    return UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                }
                return PQexecPrepared(handle, name, Int32(values.count), pointers, lengths, formats, Self.binaryFormat)
            }
        }
        guard let result else {
            throw .postgres(Self.operationName(sql), sqlState: "", message: Self.trimmed(PQerrorMessage(handle)))
        }
        do {
            try check(result, sql: sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// The name of `sql` prepared in this session, preparing it on first use.
    /// Parameter types come from that first call; a NULL leaves its type to the server.
    private func prepared(_ sql: String, types: [Oid]) throws(TokenStoreError) -> String {
        if let name = preparedNames[sql] { return name }
        let handle = try open()
        let name = "cgw_\(preparedNames.count + 1)"
        let result = PQprepare(handle, name, sql, Int32(types.count), types)
        defer { PQclear(result) }
        try check(result, sql: sql)
        preparedNames[sql] = name
        return name
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(TokenStoreError) {
        guard let result else {
            throw .postgres(Self.operationName(sql), sqlState: "", message: Self.trimmed(PQerrorMessage(handle)))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return
        default:
            // Only the primary message: the DETAIL field may quote row values.
            let sqlState = PQresultErrorField(result, Self.diagnosticSQLState).map { String(cString: $0) } ?? ""
            let message = PQresultErrorField(result, Self.diagnosticPrimaryMessage).map { String(cString: $0) }
                ?? Self.trimmed(PQresultErrorMessage(result))
            throw .postgres(Self.operationName(sql), sqlState: sqlState, message: message)
        }
    }

    // PG_DIAG_SQLSTATE and PG_DIAG_MESSAGE_PRIMARY are character macros.
    private static let diagnosticSQLState = Int32(UInt8(ascii: "C"))
    private static let diagnosticPrimaryMessage = Int32(UInt8(ascii: "M"))

    private func open() throws(TokenStoreError) -> OpaquePointer {
        guard let handle else { throw .closed }
        return handle
    }

    private static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        let text = String(cString: message)
        let trimmed = text.split(separator: "\n").joined(separator: "; ")
        return trimmed.isEmpty ? "unknown error" : trimmed
    }

    /// The first words of a statement, for error messages (values are bound
    /// parameters, so SQL text holds no data).
    static func operationName(_ sql: String) -> String {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")
    }

    private static func withCStringArray<R>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        // NULL-terminated array of strdup'd copies, freed after the call.
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { for copy in copies { free(copy) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// One row of a binary-format result, valid while its query's row mapper runs.
struct PostgresRow {
    fileprivate let result: OpaquePointer
    fileprivate let row: Int32
    fileprivate let operation: String

    func isNull(_ column: Int32) -> Bool { PQgetisnull(result, row, column) == 1 }

    /// The raw binary value (text: UTF-8 bytes; bytea: the bytes).
    func bytes(_ column: Int32) -> [UInt8] {
        guard !isNull(column), let value = PQgetvalue(result, row, column) else { return [] }
        let count = Int(PQgetlength(result, row, column))
        return Array(UnsafeRawBufferPointer(start: value, count: count))
    }

    func text(_ column: Int32) -> String { String(decoding: bytes(column), as: UTF8.self) }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// A big-endian integer of any SQL integer width (int2, int4, int8).
    func integer(_ column: Int32) throws(TokenStoreError) -> Int64 {
        let raw = bytes(column)
        guard [2, 4, 8].contains(raw.count) else {
            throw .corrupt("\(operation): column \(column) is not an integer (\(raw.count) bytes)")
        }
        // Sign-extend from the first byte, then shift the rest in.
        return raw.dropFirst().reduce(Int64(Int8(bitPattern: raw[0]))) { $0 << 8 | Int64($1) }
    }

    func optionalInteger(_ column: Int32) throws(TokenStoreError) -> Int64? {
        isNull(column) ? nil : try integer(column)
    }
}
