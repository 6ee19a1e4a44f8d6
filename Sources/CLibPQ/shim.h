// libpq, the PostgreSQL client library (its header lives in a postgresql/
// include directory that pkg-config adds to the search path).
#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
