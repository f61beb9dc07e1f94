#!/usr/bin/env node
// Runs `npm ci` when node_modules is missing or older than package-lock.json, so that
// `npm start` and `npm test` work on a fresh clone with nothing installed by hand.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { execSync } = require("node:child_process");

const root = path.join(__dirname, "..");
const lock = path.join(root, "package-lock.json");
const installed = path.join(root, "node_modules", ".package-lock.json");

function mtime(file) {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return -1;
    }
}

if (mtime(installed) < mtime(lock)) {
    console.log("node-wot-vo: installing dependencies (npm ci)...");
    execSync("npm ci --no-audit --no-fund", { cwd: root, stdio: "inherit" });
}
