import type { Database } from "../sqlite/database";
import type { SelfCheckResult } from "../liveness/self-check";
import { DEVICE_STATUS_CODE, Transition } from "../liveness/liveness-state";

/** SQLite's CURRENT_TIMESTAMP format (UTC), with milliseconds. */
const NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";

export interface ObserverRow {
    id: number;
    ip: string | null;
    port: number | null;
    protocol: string;
    thing: string;
    affordance: string;
    op: string;
    started_at: string;
    ended_at: string | null;
    end_reason: string | null;
}

export interface DeviceStatusRow {
    id: number;
    timestamp: string;
    status: number;
    state: string;
    previous: string;
    reason: string;
    device: string;
}

/** The seed's VO tables, written as living history (columns added by migration 4). */
export class VoStateTables {
    constructor(private readonly db: Database) {}

    async insertVoStatus(r: SelfCheckResult, keepRows: number): Promise<void> {
        await this.db.transaction(async (tx) => {
            await tx.run(`INSERT INTO vo_status (timestamp, status, state, detail) VALUES (${NOW}, ?, ?, ?)`, [
                r.code,
                r.status,
                JSON.stringify({ status: r.status, checks: r.checks }),
            ]);
            await tx.run("DELETE FROM vo_status WHERE id <= (SELECT MAX(id) FROM vo_status) - ?", [keepRows]);
        });
    }

    async insertDeviceStatus(t: Transition & { device: string }): Promise<void> {
        await this.db.run(
            `INSERT INTO device_status (timestamp, status, state, previous, reason, device) VALUES (${NOW}, ?, ?, ?, ?, ?)`,
            [DEVICE_STATUS_CODE[t.to], t.to, t.from, `${t.event}: ${t.reason}`, t.device]
        );
    }

    async openObserver(o: {
        ip?: string;
        port?: number;
        protocol: string;
        thing: string;
        affordance: string;
        op: string;
    }): Promise<number> {
        const r = await this.db.run(
            `INSERT INTO observer (ip, port, protocol, thing, affordance, op, started_at) VALUES (?, ?, ?, ?, ?, ?, ${NOW})`,
            [o.ip ?? null, o.port ?? null, o.protocol, o.thing, o.affordance, o.op]
        );
        return r.lastID;
    }

    async closeObserver(id: number, reason: string): Promise<void> {
        await this.db.run(`UPDATE observer SET ended_at = ${NOW}, end_reason = ? WHERE id = ? AND ended_at IS NULL`, [
            reason,
            id,
        ]);
    }

    /** Entries a crash left open; returns how many were closed. */
    async closeAllObservers(reason: string): Promise<number> {
        const r = await this.db.run(
            `UPDATE observer SET ended_at = ${NOW}, end_reason = ? WHERE ended_at IS NULL AND started_at IS NOT NULL`,
            [reason]
        );
        return r.changes;
    }

    openObservers(): Promise<ObserverRow[]> {
        return this.db.all<ObserverRow>(
            "SELECT * FROM observer WHERE ended_at IS NULL AND started_at IS NOT NULL ORDER BY id"
        );
    }

    async setRedirects(targets: readonly string[]): Promise<void> {
        await this.db.transaction(async (tx) => {
            await tx.run("UPDATE redirect_ip SET active = 0 WHERE active = 1");
            for (const ip of targets) {
                await tx.run(`INSERT INTO redirect_ip (ip, created_at, active) VALUES (?, ${NOW}, 1)`, [ip]);
            }
        });
    }

    async activeRedirects(): Promise<string[]> {
        const rows = await this.db.all<{ ip: string }>("SELECT ip FROM redirect_ip WHERE active = 1 ORDER BY id");
        return rows.map((r) => r.ip);
    }

    /** Appends the address when it differs from the current one; returns true if it changed. */
    async setDeviceIp(ip: string, source: string): Promise<boolean> {
        const current = await this.deviceIp();
        if (current === ip) return false;
        await this.db.run(`INSERT INTO info (device_ip, source, updated_at) VALUES (?, ?, ${NOW})`, [ip, source]);
        return true;
    }

    async deviceIp(): Promise<string | undefined> {
        const row = await this.db.get<{ device_ip: string | null }>(
            "SELECT device_ip FROM info ORDER BY id DESC LIMIT 1"
        );
        return row?.device_ip ?? undefined;
    }
}
