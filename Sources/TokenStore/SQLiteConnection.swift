import CSQLite

/// A value bound to a statement parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null

    static func optionalText(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    static func optionalInteger(_ value: Int64?) -> SQLiteValue { value.map { .integer($0) } ?? .null }
}

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe by design: it is opened with `SQLITE_OPEN_NOMUTEX` and
/// owned by exactly one thread at a time (the store's database thread).
final class SQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating if needed) the database at `path`. The caller creates
    /// the file with the right mode first; SQLite would use the umask.
    init(path: String, busyTimeoutMilliseconds: Int32) throws(TokenStoreError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let result = sqlite3_open_v2(path, &db, flags, nil)
        guard result == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_close_v2(db)
            throw .sqlite("open", code: result, message: message)
        }
        handle = db
        // Before anything that takes a lock: another process (the CLI next to
        // the server) may hold the write lock for a moment.
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { close() }

    /// Finalizes every statement and closes; idempotent.
    func close() {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    /// Runs one or more statements that return no rows the caller needs.
    func execute(_ sql: String) throws(TokenStoreError) {
        let db = try open()
        var error: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(db, sql, nil, nil, &error)
        guard result == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_free(error)
            throw .sqlite(Self.operationName(sql), code: result, message: message)
        }
    }

    /// Runs a writing statement; returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(TokenStoreError) -> Int {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes(try open()))
    }

    /// Runs a query and maps each row.
    func query<Row>(
        _ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteStatement) throws(TokenStoreError) -> Row
    ) throws(TokenStoreError) -> [Row] {
        let statement = try prepared(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [Row] = []
        while try statement.step() { rows.append(try row(statement)) }
        return rows
    }

    /// A write transaction. `BEGIN IMMEDIATE` takes the write lock up front
    /// (waiting up to busy_timeout), so a read inside it cannot later fail to
    /// upgrade with SQLITE_BUSY as a deferred transaction would.
    func writeTransaction<T>(_ body: () throws(TokenStoreError) -> T) throws(TokenStoreError) -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            // A failed COMMIT may already have rolled back; ignore that error.
            _ = try? run("ROLLBACK")
            throw error
        }
    }

    private func prepared(_ sql: String) throws(TokenStoreError) -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let db = try open()
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else {
            throw .sqlite("prepare \(Self.operationName(sql))", code: result, message: String(cString: sqlite3_errmsg(db)))
        }
        let wrapped = SQLiteStatement(handle: statement, database: db, operation: Self.operationName(sql))
        statements[sql] = wrapped
        return wrapped
    }

    private func open() throws(TokenStoreError) -> OpaquePointer {
        guard let handle else { throw .closed }
        return handle
    }

    /// The first words of a statement, for error messages (values are bound
    /// parameters, so SQL text holds no data).
    private static func operationName(_ sql: String) -> String {
        sql.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(3).joined(separator: " ")
    }
}

/// A prepared statement owned by its connection's cache.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let database: OpaquePointer
    private let operation: String

    init(handle: OpaquePointer, database: OpaquePointer, operation: String) {
        self.handle = handle
        self.database = database
        self.operation = operation
    }

    func finalize() { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ values: [SQLiteValue]) throws(TokenStoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .integer(let number):
                result = sqlite3_bind_int64(handle, index, number)
            case .text(let text):
                // withCString always yields a valid pointer, even for "" (a nil
                // pointer would bind NULL); the explicit length keeps any NULs.
                let length = Int32(text.utf8.count)
                result = text.withCString { sqlite3_bind_text(handle, index, $0, length, cgw_sqlite_transient()) }
            case .blob(let bytes):
                result = bytes.isEmpty
                    ? sqlite3_bind_zeroblob(handle, index, 0)
                    : bytes.withUnsafeBytes {
                        sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), cgw_sqlite_transient())
                    }
            case .null:
                result = sqlite3_bind_null(handle, index)
            }
            guard result == SQLITE_OK else {
                throw .sqlite("bind \(operation)", code: result, message: String(cString: sqlite3_errmsg(database)))
            }
        }
    }

    /// True when a row is ready, false when the statement is done.
    func step() throws(TokenStoreError) -> Bool {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw .sqlite(operation, code: result, message: String(cString: sqlite3_errmsg(database)))
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    func blob(_ column: Int32) -> [UInt8] {
        // Pointer first, then size: the order SQLite documents as safe.
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
