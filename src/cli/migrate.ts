/**
 * `node-wot-vo migrate`: node-wot-vo's own descriptor for a vo-wot one, each key with a comment
 * saying which vo-wot key it came from, and the keys it cannot honour listed at the end.
 */
import path from "node:path";
import { Document, isMap, Pair, Scalar, YAMLMap } from "yaml";
import type { DescriptorReport } from "./descriptor";
import type { DescriptorDocument } from "./descriptor-schema";
import { rebase } from "./vo-wot-descriptor";

/** The descriptor text; relative paths are rebased from `sourceFile`'s directory to `outFile`'s. */
export function migrateDescriptor(report: DescriptorReport, sourceFile: string, outFile?: string): string {
    const fromDir = path.dirname(path.resolve(sourceFile));
    const toDir = outFile === undefined ? fromDir : path.dirname(path.resolve(outFile));
    const d: DescriptorDocument = JSON.parse(JSON.stringify(report.document)) as DescriptorDocument;
    // the SQLite path always written out, so the default (next to the descriptor) does not move with it
    const sqlite = path.relative(fromDir, report.config.persistence.sqlite.path);
    d.databaseConfig = { ...d.databaseConfig, persistent: { sqlite: { path: rebase(sqlite, fromDir, toDir) } } };
    const influx = d.databaseConfig.timeseries?.influxdb;
    if (influx?.tokenFile !== undefined) influx.tokenFile = rebase(influx.tokenFile, fromDir, toDir);
    for (const server of [d.http, d.websocket]) {
        if (server === undefined || server === false || server.certFile === undefined) continue;
        server.certFile = rebase(server.certFile, fromDir, toDir);
        if (server.keyFile !== undefined) server.keyFile = rebase(server.keyFile, fromDir, toDir);
    }
    if (d.mqtt !== undefined && d.mqtt !== false && d.mqtt.caFile !== undefined) {
        d.mqtt.caFile = rebase(d.mqtt.caFile, fromDir, toDir);
    }
    const ordered: DescriptorDocument = {
        name: d.name,
        ...(d.bind === undefined ? {} : { bind: d.bind }),
        ...(d.address === undefined ? {} : { address: d.address }),
        http: d.http,
        coap: d.coap,
        ...(d.catalogue === undefined ? {} : { catalogue: d.catalogue }),
        ...(d.mqtt === undefined ? {} : { mqtt: d.mqtt }),
        ...(d.websocket === undefined ? {} : { websocket: d.websocket }),
        ...(d.security === undefined ? {} : { security: d.security }),
        ...(d.protocols === undefined ? {} : { protocols: d.protocols }),
        databaseConfig: d.databaseConfig,
        ...(d.periodicFunctions === undefined ? {} : { periodicFunctions: d.periodicFunctions }),
        ...(d.consumedVOs === undefined ? {} : { consumedVOs: d.consumedVOs }),
        ...(d.metrics === undefined ? {} : { metrics: d.metrics }),
        ...(d.retention === undefined ? {} : { retention: d.retention }),
    };

    const doc = new Document(ordered);
    const sources = new Map<string, string[]>();
    for (const m of report.mappings) {
        if (m.kind !== "mapped" || m.target === undefined) continue;
        sources.set(m.target, [...(sources.get(m.target) ?? []), `${m.from}: ${m.value}`]);
    }
    sources.set("databaseConfig.persistent.sqlite.path", [
        ...(sources.get("databaseConfig.persistent.sqlite.path") ?? ["(absent: node-wot-vo's default)"]),
    ]);
    comment(doc.contents as YAMLMap, "", sources);
    const origin = path.basename(sourceFile);
    doc.commentBefore = [
        ` node-wot-vo descriptor migrated from the vo-wot descriptor ${origin} by \`node-wot-vo migrate\`.`,
        " Each key's comment names the vo-wot key it came from. Run it with",
        "   node-wot-vo run --td <thing description.json> --config <this file> [script.js]",
    ].join("\n");
    const left = report.mappings.filter((m) => m.kind !== "mapped");
    const warned = left.filter((m) => m.kind === "warning");
    const noted = left.filter((m) => m.kind === "noted");
    const lines: string[] = [];
    if (warned.length > 0) {
        lines.push(" Not honoured by node-wot-vo yet (the VO runs without them):");
        for (const m of warned) lines.push(`   ${m.from}: ${m.value}: ${m.to}`);
    }
    if (noted.length > 0) {
        lines.push(" Nothing to set here:");
        for (const m of noted) lines.push(`   ${m.from}: ${m.value}: ${m.to}`);
    }
    if (lines.length > 0) doc.comment = lines.join("\n");
    return doc.toString({ indent: 4, lineWidth: 0 });
}

function comment(map: YAMLMap, at: string, sources: Map<string, string[]>): void {
    for (const item of map.items as Pair<Scalar, unknown>[]) {
        const here = at === "" ? String(item.key.value) : `${at}.${String(item.key.value)}`;
        const from = sources.get(here);
        if (from !== undefined) item.key.commentBefore = from.map((f) => ` vo-wot ${f}`).join("\n");
        if (isMap(item.value)) comment(item.value, here, sources);
    }
}
