// SQLite 3 plus the destructor constants Swift cannot import.
#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>
static inline sqlite3_destructor_type cgw_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type cgw_sqlite_static(void) { return SQLITE_STATIC; }
#endif
