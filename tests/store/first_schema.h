#pragma once
// The tables of the first study schema (before the version and metrics value columns), for
// tests that open studies written by earlier versions of tune. Rows are each test's own.

namespace tune::testing {

inline constexpr const char* kFirstSchemaTables = R"sql(
  CREATE TABLE attributes (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE trials (
    number INTEGER PRIMARY KEY, state TEXT NOT NULL, params TEXT NOT NULL, value REAL,
    summary TEXT NOT NULL DEFAULT '{}', start_time REAL NOT NULL,
    end_time REAL NOT NULL DEFAULT 0, heartbeat REAL NOT NULL,
    device TEXT NOT NULL DEFAULT '', worker TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '');
  CREATE INDEX trials_by_state ON trials(state);
  CREATE TABLE metrics (
    trial INTEGER NOT NULL REFERENCES trials(number), seq INTEGER NOT NULL,
    epoch INTEGER NOT NULL, time REAL NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (trial, seq));
)sql";

}  // namespace tune::testing
