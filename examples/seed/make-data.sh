#!/usr/bin/env bash
# Creates the seed scenario's SQLite databases beside this script:
#   source.db       result_table (id, education, num): the result table the tutorial starts from
#   destination.db  odps_result (education varchar(255), num int(10)): the tutorial's table
# Run it again to start over (both files are replaced).
set -euo pipefail
cd "$(dirname "$0")"
rows=${1:-10000}
rm -f source.db destination.db source.db-journal destination.db-journal
sqlite3 source.db <<SQL
CREATE TABLE result_table (id INTEGER PRIMARY KEY, education TEXT, num INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO result_table (id, education, num)
SELECT i,
       CASE i % 6 WHEN 0 THEN 'primary' WHEN 1 THEN 'secondary' WHEN 2 THEN 'bachelor'
                  WHEN 3 THEN 'master' WHEN 4 THEN 'doctorate' ELSE NULL END,
       CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 7919) % 100000 END
FROM n;
SQL
# The tutorial's destination table, as its CREATE TABLE gives it.
sqlite3 destination.db 'CREATE TABLE odps_result (education varchar(255) NULL, num int(10) NULL);'
echo "created $(sqlite3 source.db 'select count(*) from result_table') rows in $(pwd)/source.db and an empty odps_result in destination.db"
