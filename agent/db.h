/* db.h - work_dir/netisol.db, made ready before the isolator and the
 * accounting open it: created if missing, checked, migrated to this
 * build's schema (SQLite, WAL). A database that cannot be read is moved
 * aside as netisol.db.corrupt-<time>, named in the log, and a new one is
 * made: never silently emptied in place. */
#ifndef NIS_AGENT_DB_H
#define NIS_AGENT_DB_H

#include "common/err.h"

int agent_db_prepare(const char *work_dir, struct nis_err *err);

#endif
