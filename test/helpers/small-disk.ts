import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { tempDir } from "./vo-fixture";

/** A small tmpfs of its own, so the disk really fills (ENOSPC); needs root (mount). */
export class SmallDisk {
    readonly dir = tempDir("node-wot-vo-full-");
    private filler = 0;
    mounted = false;

    static possible(): boolean {
        return typeof process.getuid === "function" && process.getuid() === 0;
    }

    mount(size: string): void {
        execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", this.dir]);
        this.mounted = true;
    }

    /** Fills every byte left with files of its own, down to ENOSPC. */
    fill(): void {
        for (const chunk of [1 << 20, 1 << 16, 1 << 12, 512]) {
            const file = path.join(this.dir, `filler-${this.filler++}`);
            const fd = fs.openSync(file, "w");
            try {
                for (;;) fs.writeSync(fd, Buffer.alloc(chunk, 1));
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
            } finally {
                fs.closeSync(fd);
            }
        }
    }

    /** Fills the disk until `bytes` are left free (give or take a block). */
    fillUntilFree(bytes: number): void {
        const file = path.join(this.dir, `filler-${this.filler++}`);
        const fd = fs.openSync(file, "w");
        try {
            for (;;) {
                const s = fs.statfsSync(this.dir);
                const excess = s.bavail * s.bsize - bytes;
                if (excess <= 0) return;
                fs.writeSync(fd, Buffer.alloc(Math.min(excess, 1 << 20), 1));
            }
        } finally {
            fs.closeSync(fd);
        }
    }

    free(): void {
        for (const f of fs.readdirSync(this.dir)) {
            if (f.startsWith("filler-")) fs.rmSync(path.join(this.dir, f));
        }
    }

    unmount(): void {
        if (this.mounted) execFileSync("umount", ["-l", this.dir]);
        this.mounted = false;
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
