#!/usr/bin/env node
// Lists the functions of src/ longer than the house's bound (80 lines), measured with the TypeScript compiler: every
// function declaration, method, accessor, constructor, function expression and arrow function, from its first line
// to its last. Fails when a function is over the bound and not in the list of known ones below, or when a known one
// grew: the list may only shrink (split a function, then delete its line).
//   node scripts/function-lengths.js           check (run by `npm run lint`)
//   node scripts/function-lengths.js --all     print every function over the bound with its length
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const MAX_LINES = 80;
const ROOT = path.join(__dirname, "..");

/** Functions over the bound that are known and may only shrink ("file:name": lines); none today. */
const KNOWN = {};

function filesUnder(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return filesUnder(p);
        return /\.m?ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
    });
}

/** A readable name: the declared one, else the variable, property or call it is assigned or passed to. */
function nameOf(node) {
    if (node.name && ts.isIdentifier(node.name)) return node.name.text;
    if (ts.isConstructorDeclaration(node)) return "constructor";
    const parent = node.parent;
    if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name)
        return parent.name.getText();
    if (parent && ts.isCallExpression(parent)) return `${parent.expression.getText().slice(0, 40)}(callback)`;
    return "(anonymous)";
}

function longFunctions(file) {
    const text = fs.readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found = [];
    const visit = (node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
            const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
            const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
            const lines = last - first + 1;
            if (lines > MAX_LINES) found.push({ key: `${path.relative(ROOT, file)}:${nameOf(node)}`, lines });
        }
        ts.forEachChild(node, visit);
    };
    visit(source);
    return found;
}

const all = filesUnder(path.join(ROOT, "src")).flatMap(longFunctions);
if (process.argv.includes("--all")) {
    for (const f of all.sort((a, b) => b.lines - a.lines)) console.log(`${f.lines}\t${f.key}`);
    process.exit(0);
}
const problems = [];
for (const f of all) {
    const known = KNOWN[f.key];
    if (known === undefined) problems.push(`${f.key} is ${f.lines} lines (at most ${MAX_LINES}): split it`);
    else if (f.lines > known) problems.push(`${f.key} grew from ${known} to ${f.lines} lines: split it instead`);
}
for (const key of Object.keys(KNOWN)) {
    if (!all.some((f) => f.key === key)) problems.push(`${key} is no longer over ${MAX_LINES} lines: delete its line`);
}
for (const p of problems) console.error(`function-lengths: ${p}`);
if (problems.length > 0) process.exit(1);
console.log(`function-lengths: no new function over ${MAX_LINES} lines in src/ (${all.length} known, shrinking)`);
