import { Database, Row, RunResult, SqlParams, SqlValue } from "./database";
import { VoError } from "../model/errors";

/** A value `insertData` binds: JSON-able objects and arrays are stored as JSON text. */
export type InsertValue = SqlValue | Date | Record<string, unknown> | unknown[];

/** The SQLite API a VO script reaches as `servient.sqliteDb`. */
export interface SqliteDbApi {
    /**
     * Inserts one row; table and column names must exist in the schema, values are bound as parameters.
     * A positional row (values in the table's column order, vo-wot's `insert_data(table, tuple)`) is
     * INSERT OR REPLACE, as vo-wot does: a row with the same primary key is replaced.
     */
    insertData(table: string, data: Record<string, InsertValue> | InsertValue[]): Promise<RunResult>;
    /** Creates a table unless it exists, from column -> type (vo-wot's `create_table_if_not_exists`). */
    createTableIfNotExists(table: string, columns: Record<string, string>): Promise<void>;
    /** Every row of a table, oldest row id first (vo-wot's `fetch_all_rows`; rows as objects). */
    fetchAllRows<T = Row>(table: string): Promise<T[]>;
    /** Runs one SQL statement with bound parameters and returns its rows (none for writes). */
    executeQuery<T = Row>(sql: string, params?: SqlParams): Promise<T[]>;
    /** Runs one writing statement with bound parameters and returns the last row id and the change count. */
    run(sql: string, params?: SqlParams): Promise<RunResult>;
}

export class InvalidInsertError extends VoError {
    readonly kind = "invalid-input";
}

/** Quotes an identifier that is already known to exist, so any character in it is safe. */
export function quoteIdentifier(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
}

export class SqliteDb implements SqliteDbApi {
    constructor(private readonly db: Database) {}

    async insertData(table: string, data: Record<string, InsertValue> | InsertValue[]): Promise<RunResult> {
        if (typeof table !== "string" || table.length === 0) {
            throw new InvalidInsertError("insertData: table name must be a non-empty string");
        }
        if (Array.isArray(data)) return this.replaceRow(table, data);
        if (data === null || typeof data !== "object") {
            throw new InvalidInsertError(
                `insertData(${JSON.stringify(table)}): data must be an object of column -> value, or an array of values in column order`
            );
        }
        const columns = await this.columnsOf(table);
        const names = Object.keys(data);
        if (names.length === 0) {
            throw new InvalidInsertError(`insertData(${JSON.stringify(table)}): data has no columns`);
        }
        const unknown = names.filter((n) => !columns.has(n));
        if (unknown.length > 0) {
            throw new InvalidInsertError(
                `insertData(${JSON.stringify(table)}): unknown column(s) ${unknown.map((n) => JSON.stringify(n)).join(", ")}; ` +
                    `the table has ${[...columns].map((n) => JSON.stringify(n)).join(", ")}`
            );
        }
        const sql =
            `INSERT INTO ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(", ")}) ` +
            `VALUES (${names.map(() => "?").join(", ")})`;
        return this.db.run(
            sql,
            names.map((n) => toSqlValue(data[n]))
        );
    }

    /** vo-wot's positional row: the values fill the table's first columns, in their declared order. */
    private async replaceRow(table: string, values: InsertValue[]): Promise<RunResult> {
        const columns = [...(await this.columnsOf(table))];
        if (values.length === 0 || values.length > columns.length) {
            throw new InvalidInsertError(
                `insertData(${JSON.stringify(table)}): a positional row needs 1 to ${columns.length} values ` +
                    `(${columns.map((n) => JSON.stringify(n)).join(", ")}), not ${values.length}`
            );
        }
        const names = columns.slice(0, values.length);
        const sql =
            `INSERT OR REPLACE INTO ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(", ")}) ` +
            `VALUES (${names.map(() => "?").join(", ")})`;
        return this.db.run(sql, values.map(toSqlValue));
    }

    async createTableIfNotExists(table: string, columns: Record<string, string>): Promise<void> {
        const at = `createTableIfNotExists(${JSON.stringify(table)})`;
        if (typeof table !== "string" || !IDENTIFIER.test(table) || /^sqlite_/i.test(table)) {
            throw new InvalidInsertError(
                `${at}: the table name must be letters, digits and _, not starting with a digit or sqlite_`
            );
        }
        const entries = columns !== null && typeof columns === "object" ? Object.entries(columns) : [];
        if (entries.length === 0) throw new InvalidInsertError(`${at}: columns must be an object of column -> type`);
        for (const [name, type] of entries) {
            if (!IDENTIFIER.test(name))
                throw new InvalidInsertError(`${at}: invalid column name ${JSON.stringify(name)}`);
            if (typeof type !== "string" || !COLUMN_TYPES.has(type.toUpperCase())) {
                throw new InvalidInsertError(
                    `${at}: column ${name}: type must be one of ${[...COLUMN_TYPES].join(", ")}, not ${JSON.stringify(type)}`
                );
            }
        }
        const definitions = entries.map(([name, type]) => `${quoteIdentifier(name)} ${type.toUpperCase()}`);
        await this.db.run(`CREATE TABLE IF NOT EXISTS ${quoteIdentifier(table)} (${definitions.join(", ")})`);
    }

    async fetchAllRows<T = Row>(table: string): Promise<T[]> {
        if (typeof table !== "string" || table.length === 0) {
            throw new InvalidInsertError("fetchAllRows: table name must be a non-empty string");
        }
        await this.columnsOf(table, "fetchAllRows"); // an unknown table is named, never spliced
        return this.db.all<T>(`SELECT * FROM ${quoteIdentifier(table)}`);
    }

    executeQuery<T = Row>(sql: string, params: SqlParams = []): Promise<T[]> {
        if (typeof sql !== "string" || sql.trim().length === 0) {
            return Promise.reject(new TypeError("executeQuery: sql must be a non-empty string"));
        }
        return this.db.all<T>(sql, params);
    }

    run(sql: string, params: SqlParams = []): Promise<RunResult> {
        if (typeof sql !== "string" || sql.trim().length === 0) {
            return Promise.reject(new TypeError("run: sql must be a non-empty string"));
        }
        return this.db.run(sql, params);
    }

    private async columnsOf(table: string, caller = "insertData"): Promise<Set<string>> {
        // The table name is bound, never spliced: an injection attempt is just a name that does not exist.
        const exists = await this.db.get<{ name: string }>(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [table]
        );
        if (!exists) {
            throw new InvalidInsertError(`${caller}: unknown table ${JSON.stringify(table)}`);
        }
        const cols = await this.db.all<{ name: string }>("SELECT name FROM pragma_table_info(?)", [table]);
        return new Set(cols.map((c) => c.name));
    }
}

/** What vo-wot's `create_table_if_not_exists` takes: a plain identifier, one of SQLite's storage types. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLUMN_TYPES = new Set(["INTEGER", "TEXT", "REAL", "BLOB", "NUMERIC", "INTEGER PRIMARY KEY"]);

function toSqlValue(v: InsertValue): SqlValue {
    if (v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "boolean") return v ? 1 : 0;
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
    if (v !== null && typeof v === "object") return JSON.stringify(v);
    return v;
}
