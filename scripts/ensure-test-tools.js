#!/usr/bin/env node
// Before `npm test`: the outside programs the tests drive, installed when missing so that the test command alone
// runs the whole suite on a fresh machine.
//   - the Debian packages in DEBIAN_TOOLS (libcoap's coap-client, mosquitto, chromium): apt-get when run as root;
//   - influxd, built once from source and cached by scripts/influxdb.sh (several minutes the first time, with a
//     progress line at least every 30 s);
//   - influxd 1.8, the second InfluxDB engine, built once from the Go module proxy and cached by scripts/influxdb1.sh
//     (about 2 minutes the first time);
//   - promtool, built once from the Go module proxy and cached by scripts/promtool.sh (about 5 minutes the first time);
//   - vo-wot 0.19.0 in a Python virtual environment, installed once from PyPI and cached by scripts/vo-wot.sh (under a
//     minute the first time), for the tests that drive a VO with vo-wot's own client.
// NODE_WOT_VO_QUICK_TESTS=1 skips these installs; the tests that need them then say that they are skipped.
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const path = require("node:path");

const root = path.join(__dirname, "..");
const quick = process.env.NODE_WOT_VO_QUICK_TESTS === "1";
const say = (line) => console.log(`node-wot-vo: ${line}`);

const found = (cmd, args = ["--version"]) => spawnSync(cmd, args, { stdio: "ignore" }).error === undefined;

/** The Debian packages the tests drive: the program each gives, and which tests skip without it. */
const DEBIAN_TOOLS = [
    { pkg: "libcoap3-bin", cmd: "coap-client-notls", args: ["-h"], used: "the conformance walk's libcoap calls" },
    { pkg: "mosquitto", cmd: "mosquitto", args: ["-h"], used: "the MQTT tests (a real broker)" },
    { pkg: "chromium", cmd: "chromium", args: ["--version"], used: "the dashboard tests (a real browser)" },
];

/** apt-get installs whichever of DEBIAN_TOOLS is missing, when run as root; otherwise says what will skip. */
function ensureDebianTools() {
    const missing = DEBIAN_TOOLS.filter((t) => !found(t.cmd, t.args));
    if (missing.length === 0) return;
    const names = missing.map((t) => t.pkg).join(" ");
    const skipped = missing.map((t) => t.used).join("; ");
    if (quick) {
        say(`NODE_WOT_VO_QUICK_TESTS=1: ${names} not installed; skipped: ${skipped}`);
        return;
    }
    if (process.getuid?.() !== 0 || !found("apt-get")) {
        say(`${names} missing and apt-get cannot run here: install them, or these are skipped: ${skipped}`);
        return;
    }
    say(`installing ${names} (apt-get) for ${skipped}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [
        ["update", "-qq"],
        ["install", "-y", "-qq", ...missing.map((t) => t.pkg)],
    ]) {
        if (spawnSync("apt-get", args, { stdio: "inherit", env }).status !== 0) {
            say(`apt-get ${args.join(" ")} failed; skipped: ${skipped}`);
            return;
        }
    }
}

/** Runs scripts/<script> install, printing a line whenever it has been quiet for 30 s; resolves whether it worked. */
function runInstall(script, what) {
    return new Promise((resolve) => {
        const started = Date.now();
        let quietSince = Date.now();
        const child = spawn("bash", [path.join(root, "scripts", script), "install"], {
            cwd: root,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const pass = (stream, out) =>
            stream.on("data", (chunk) => {
                quietSince = Date.now();
                out.write(chunk);
            });
        pass(child.stdout, process.stdout);
        pass(child.stderr, process.stderr);
        const heartbeat = setInterval(() => {
            if (Date.now() - quietSince < 30_000) return;
            quietSince = Date.now();
            say(`still building ${what} (${Math.round((Date.now() - started) / 1000)} s so far; once, then cached)`);
        }, 5_000);
        child.on("exit", (code) => {
            clearInterval(heartbeat);
            resolve(code === 0);
        });
    });
}

/** influxd, built once by scripts/influxdb.sh. */
async function ensureInfluxd() {
    if (quick) {
        say("NODE_WOT_VO_QUICK_TESTS=1: influxd is not built, the InfluxDB tests are skipped");
        return true;
    }
    if (process.env.INFLUX_URL || process.env.INFLUXD_BIN) return true;
    const ok = await runInstall("influxdb.sh", "influxd");
    if (!ok) {
        say(
            "influxd could not be installed (see above): the InfluxDB tests fail under CI=true and are skipped otherwise"
        );
    }
    return ok;
}

/** influxd 1.8, built once by scripts/influxdb1.sh. */
async function ensureInfluxd1() {
    if (quick) {
        say("NODE_WOT_VO_QUICK_TESTS=1: influxd 1.8 is not built, the InfluxDB 1.8 tests are skipped");
        return true;
    }
    if (process.env.INFLUXD1_BIN) return true;
    const ok = await runInstall("influxdb1.sh", "influxd 1.8");
    if (!ok) {
        say(
            "influxd 1.8 could not be installed (see above): the InfluxDB 1.8 tests fail under CI=true and are skipped otherwise"
        );
    }
    return ok;
}

/** promtool (Prometheus's linter, for the /metrics test), built once by scripts/promtool.sh. */
async function ensurePromtool() {
    if (quick) {
        say("NODE_WOT_VO_QUICK_TESTS=1: promtool is not built, the `promtool check metrics` test is skipped");
        return true;
    }
    if (process.env.PROMTOOL_BIN) return true;
    const ok = await runInstall("promtool.sh", "promtool");
    if (!ok) say("promtool could not be installed (see above): the `promtool check metrics` test fails");
    return ok;
}

/** vo-wot's virtual environment (its wotpy2 client, for the vo-wot wire format tests), made once by scripts/vo-wot.sh. */
async function ensureVoWot() {
    if (quick) {
        say("NODE_WOT_VO_QUICK_TESTS=1: vo-wot's virtual environment is not made, the vo-wot client tests are skipped");
        return true;
    }
    if (process.env.VO_WOT_PYTHON) return true;
    const ok = await runInstall("vo-wot.sh", "vo-wot's virtual environment");
    if (!ok) {
        say(
            "vo-wot could not be installed (see above): the vo-wot client tests fail under CI=true and are skipped otherwise"
        );
    }
    return ok;
}

ensureDebianTools();
(async () => {
    const influxd = await ensureInfluxd();
    const influxd1 = await ensureInfluxd1();
    const promtool = await ensurePromtool();
    const voWot = await ensureVoWot();
    if (!(influxd && influxd1 && promtool && voWot) && process.env.CI === "true") process.exit(1);
})();
