import { Database, Row, RunResult, SqlParams, SqlValue } from "./database";
import { VoError } from "../model/errors";

/** A value `insertData` binds: JSON-able objects and arrays are stored as JSON text. */
export type InsertValue = SqlValue | Date | Record<string, unknown> | unknown[];

/** The SQLite API a VO script reaches as `servient.sqliteDb`. */
export interface SqliteDbApi {
    /** Inserts one row; table and column names must exist in the schema, values are bound as parameters. */
    insertData(table: string, data: Record<string, InsertValue>): Promise<RunResult>;
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

    async insertData(table: string, data: Record<string, InsertValue>): Promise<RunResult> {
        if (typeof table !== "string" || table.length === 0) {
            throw new InvalidInsertError("insertData: table name must be a non-empty string");
        }
        if (data === null || typeof data !== "object" || Array.isArray(data)) {
            throw new InvalidInsertError(
                `insertData(${JSON.stringify(table)}): data must be an object of column -> value`
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

    private async columnsOf(table: string): Promise<Set<string>> {
        // The table name is bound, never spliced: an injection attempt is just a name that does not exist.
        const exists = await this.db.get<{ name: string }>(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [table]
        );
        if (!exists) {
            throw new InvalidInsertError(`insertData: unknown table ${JSON.stringify(table)}`);
        }
        const cols = await this.db.all<{ name: string }>("SELECT name FROM pragma_table_info(?)", [table]);
        return new Set(cols.map((c) => c.name));
    }
}

function toSqlValue(v: InsertValue): SqlValue {
    if (v === undefined) return null;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === "boolean") return v ? 1 : 0;
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
    if (v !== null && typeof v === "object") return JSON.stringify(v);
    return v;
}
