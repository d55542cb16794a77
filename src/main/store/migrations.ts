/**
 * Versioned schema. Each migration runs once, inside a transaction, and bumps
 * `PRAGMA user_version`; re-running `migrate` on an up-to-date file is a no-op.
 * Never edit a released migration: append a new one.
 */
export /** Fills log_minutes from logs (migration 9; seeds that insert logs in bulk call it too). */
const LOG_MINUTES_FROM_LOGS_SQL = `INSERT INTO log_minutes (minute, n)
        SELECT (ts_ms - ((ts_ms % 60000) + 60000) % 60000) / 60000 AS m, count(*) FROM logs GROUP BY m;`;

interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'ingest: sources, logs, parse errors, settings',
    sql: `
      CREATE TABLE sources (
        id           INTEGER PRIMARY KEY,
        path         TEXT    NOT NULL,
        kind         TEXT    NOT NULL CHECK (kind IN ('file','folder','upload','api','sample')),
        format       TEXT    NOT NULL DEFAULT 'auto',
        identity     TEXT,
        byte_offset  INTEGER NOT NULL DEFAULT 0,
        bytes_total  INTEGER NOT NULL DEFAULT 0,
        lines        INTEGER NOT NULL DEFAULT 0,
        parse_errors INTEGER NOT NULL DEFAULT 0,
        status       TEXT    NOT NULL DEFAULT 'pending',
        error        TEXT,
        parent_id    INTEGER REFERENCES sources(id) ON DELETE CASCADE,
        added_at     INTEGER NOT NULL
      );
      CREATE TABLE logs (
        id         INTEGER PRIMARY KEY,
        source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        line_no    INTEGER NOT NULL,
        ts_ms      INTEGER NOT NULL,
        ip         TEXT    NOT NULL,
        method     TEXT,
        endpoint   TEXT    NOT NULL,
        status     INTEGER NOT NULL,
        bytes      INTEGER,
        user_agent TEXT,
        raw        TEXT
      );
      CREATE INDEX logs_ip_ts ON logs (ip, ts_ms, id);
      CREATE INDEX logs_ts ON logs (ts_ms);
      CREATE INDEX logs_source_line ON logs (source_id, line_no);
      CREATE TABLE parse_errors (
        id        INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        line_no   INTEGER NOT NULL,
        reason    TEXT    NOT NULL,
        line      TEXT    NOT NULL
      );
      CREATE INDEX parse_errors_source ON parse_errors (source_id, line_no);
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'analysis: features, models, scores, sample labels',
    sql: `
      CREATE TABLE features (
        log_id             INTEGER PRIMARY KEY REFERENCES logs(id) ON DELETE CASCADE,
        window_ms          INTEGER NOT NULL,
        request_count      INTEGER NOT NULL,
        client_error_count INTEGER NOT NULL,
        server_error_count INTEGER NOT NULL
      );
      CREATE TABLE models (
        version        INTEGER PRIMARY KEY,
        created_at     INTEGER NOT NULL,
        status         TEXT    NOT NULL DEFAULT 'complete' CHECK (status IN ('training','complete','failed')),
        config         TEXT    NOT NULL,
        span_start_ms  INTEGER,
        span_end_ms    INTEGER,
        rows           INTEGER NOT NULL DEFAULT 0,
        thresholds     TEXT    NOT NULL DEFAULT '{}',
        metrics        TEXT    NOT NULL DEFAULT '{}',
        train_ms       INTEGER NOT NULL DEFAULT 0,
        params         BLOB,
        error          TEXT
      );
      CREATE TABLE scores (
        log_id         INTEGER PRIMARY KEY REFERENCES logs(id) ON DELETE CASCADE,
        model_version  INTEGER NOT NULL,
        iforest_score  REAL,
        lof_score      REAL,
        knn_score      REAL,
        iforest_vote   INTEGER,
        lof_vote       INTEGER,
        knn_vote       INTEGER,
        votes          INTEGER NOT NULL,
        is_anomaly     INTEGER NOT NULL,
        combined_score REAL    NOT NULL
      );
      CREATE INDEX scores_anomaly ON scores (is_anomaly, combined_score);
      CREATE TABLE sample_labels (
        log_id INTEGER PRIMARY KEY REFERENCES logs(id) ON DELETE CASCADE,
        label  TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'sources remember whether they are followed after the first read',
    sql: `ALTER TABLE sources ADD COLUMN follow INTEGER NOT NULL DEFAULT 1;`,
  },
  {
    version: 4,
    description: 'entries of files the app can read again keep the byte offset of their line, not a copy of it',
    sql: `ALTER TABLE logs ADD COLUMN byte_offset INTEGER;`,
  },
  {
    version: 5,
    description:
      "feedback: the analyst's verdicts on entries and incidents, entry labels, suppression rules; each model version's incidents",
    sql: `
      CREATE TABLE feedback (
        id          INTEGER PRIMARY KEY,
        created_at  INTEGER NOT NULL,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('normal','attack')),
        note        TEXT    NOT NULL DEFAULT '',
        target      TEXT    NOT NULL,
        entries     INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE entry_labels (
        log_id      INTEGER PRIMARY KEY REFERENCES logs(id) ON DELETE CASCADE,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('normal','attack')),
        feedback_id INTEGER NOT NULL REFERENCES feedback(id) ON DELETE CASCADE
      );
      CREATE TABLE suppressions (
        id            INTEGER PRIMARY KEY,
        created_at    INTEGER NOT NULL,
        ip            TEXT,
        endpoint_glob TEXT,
        ua_glob       TEXT,
        note          TEXT    NOT NULL DEFAULT '',
        expires_at    INTEGER,
        feedback_id   INTEGER REFERENCES feedback(id) ON DELETE SET NULL,
        CHECK (ip IS NOT NULL OR endpoint_glob IS NOT NULL OR ua_glob IS NOT NULL)
      );
      CREATE TABLE model_snapshots (
        version    INTEGER PRIMARY KEY REFERENCES models(version) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        flagged    INTEGER NOT NULL,
        incidents  TEXT    NOT NULL
      );
    `,
  },
  {
    version: 6,
    description:
      'full-text search: a word index of each entry (filled after ingest), its words, the entries it leaves to LIKE',
    // Contentless and without positions: the index only narrows a search down to candidate
    // rows, which the LIKE of the search language then checks, so it holds row ids per word and
    // nothing else. Filled by SearchIndexer after ingest; search_state.upto is the highest id it
    // covers (rows above it are searched with LIKE alone). The trigger keeps the index free of
    // removed rows and the mark at or below the newest row (ids of removed rows at the end are reused).
    sql: `
      CREATE VIRTUAL TABLE search_fts USING fts5(
        text, content = '', contentless_delete = 1, detail = none,
        tokenize = 'unicode61 remove_diacritics 0'
      );
      CREATE TABLE search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE search_skipped (log_id INTEGER PRIMARY KEY);
      CREATE TABLE search_state (one INTEGER PRIMARY KEY CHECK (one = 1), upto INTEGER NOT NULL);
      INSERT INTO search_state (one, upto) VALUES (1, 0);
      CREATE TRIGGER search_forget AFTER DELETE ON logs BEGIN
        DELETE FROM search_fts WHERE rowid = old.id AND old.id <= (SELECT upto FROM search_state);
        DELETE FROM search_skipped WHERE log_id = old.id;
        UPDATE search_state SET upto = (SELECT coalesce(max(id), 0) FROM logs)
          WHERE upto > (SELECT coalesce(max(id), 0) FROM logs);
      END;
    `,
  },
  {
    version: 7,
    description: 'scores: index only the flagged rows, by score',
    // The views read flagged rows by score; nothing reads unflagged rows through an index. Indexing
    // only the flagged ones (a few per cent) makes rewriting every score after a training 5.5×
    // faster at 3M rows (the old (is_anomaly, combined_score) index moved an entry per row to a
    // random place, which at 10M rows no longer fits the page cache) and the database smaller.
    sql: `
      DROP INDEX scores_anomaly;
      CREATE INDEX scores_flagged ON scores (combined_score) WHERE is_anomaly = 1;
    `,
  },
  {
    version: 8,
    description: "flagged scores carry their entry's time and IP, indexed",
    // Overview's top IPs and the timeline's flagged counts read the flagged rows by IP and by
    // time. Joined to logs they cost a random lookup per flagged row (535k at 10M lines: 2.5–4 s
    // each); with the entry's time and IP on the flagged rows themselves they are index-only.
    // The triggers place them on every row that becomes flagged, whoever writes it; the columns
    // of rows that are not flagged are not read (a log row never changes).
    sql: `
      ALTER TABLE scores ADD COLUMN ts_ms INTEGER;
      ALTER TABLE scores ADD COLUMN ip TEXT;
      UPDATE scores SET ts_ms = (SELECT l.ts_ms FROM logs l WHERE l.id = scores.log_id),
                        ip = (SELECT l.ip FROM logs l WHERE l.id = scores.log_id)
        WHERE is_anomaly = 1;
      CREATE INDEX scores_flagged_ip ON scores (ip) WHERE is_anomaly = 1;
      CREATE INDEX scores_flagged_ts ON scores (ts_ms) WHERE is_anomaly = 1;
      CREATE TRIGGER scores_place_inserted AFTER INSERT ON scores WHEN new.is_anomaly = 1 AND new.ts_ms IS NULL BEGIN
        UPDATE scores SET ts_ms = (SELECT l.ts_ms FROM logs l WHERE l.id = new.log_id),
                          ip = (SELECT l.ip FROM logs l WHERE l.id = new.log_id)
          WHERE log_id = new.log_id;
      END;
      CREATE TRIGGER scores_place_flagged AFTER UPDATE OF is_anomaly ON scores
        WHEN new.is_anomaly = 1 AND new.ts_ms IS NULL BEGIN
        UPDATE scores SET ts_ms = (SELECT l.ts_ms FROM logs l WHERE l.id = new.log_id),
                          ip = (SELECT l.ip FROM logs l WHERE l.id = new.log_id)
          WHERE log_id = new.log_id;
      END;
    `,
  },
  {
    version: 9,
    description: 'entries per minute, for the timeline',
    // The timeline's totals grouped every entry of its range (10M lines: 2–3 s through the ts
    // index); whole minutes now come from this table and only the minutes a bucket edge cuts
    // are counted in logs. The ingest adds a batch's minutes in the batch's transaction
    // (LogWriter); a removed entry is taken off here. Minutes are floor(ts / 60 s), also for
    // times before 1970.
    sql: `
      CREATE TABLE log_minutes (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      ${LOG_MINUTES_FROM_LOGS_SQL}
      CREATE TRIGGER log_minutes_forget AFTER DELETE ON logs BEGIN
        UPDATE log_minutes SET n = n - 1
          WHERE minute = (old.ts_ms - ((old.ts_ms % 60000) + 60000) % 60000) / 60000;
      END;
    `,
  },
  {
    version: 10,
    description: "a model's background rescoring, where it stands",
    // A span-only training goes live first and rescores the other entries in chunks afterwards
    // (modelService.ts). Where that rescoring stands is kept with the version, so a restart
    // resumes it instead of leaving older entries with the previous version's scores (or none).
    sql: `ALTER TABLE models ADD COLUMN rescore TEXT;`,
  },
  {
    version: 11,
    description: 'scored entries, counted as score rows come and go',
    // The Overview's "scored" counted the scores table (10M rows: ~200 ms of the event loop on
    // every visit). A score row is inserted once per entry (later trainings update it), so a
    // trigger per insert and delete (cascades from removed entries included) keeps the count
    // exact for ~0.3 µs a new row; nothing writes scores with REPLACE, which would skip it.
    sql: `
      CREATE TABLE score_count (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);
      INSERT INTO score_count (one, n) SELECT 1, count(*) FROM scores;
      CREATE TRIGGER score_count_added AFTER INSERT ON scores BEGIN
        UPDATE score_count SET n = n + 1 WHERE one = 1;
      END;
      CREATE TRIGGER score_count_removed AFTER DELETE ON scores BEGIN
        UPDATE score_count SET n = n - 1 WHERE one = 1;
      END;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
