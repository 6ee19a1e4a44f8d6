import Glibc

/// Creates the database file and its WAL companions with mode 0600 before
/// SQLite opens them: SQLite itself would create them under the umask
/// (usually 0644, world-readable).
enum DatabaseFile {
    static let mode: mode_t = 0o600

    static func prepare(path: String) throws(TokenStoreError) {
        for file in [path, path + "-wal", path + "-shm"] {
            // O_CREAT without O_TRUNC: an existing file (and its mode) is left alone.
            let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, mode)
            guard fd >= 0 else { throw .system("open", errno: errno, subject: file) }
            close(fd)
        }
    }
}

